"""How runs look in the terminal, shared by ``pgfactory run`` (live) and ``pgfactory runs show``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.text import Text
from rich.tree import Tree

from pgfactory.activities import Progress
from pgfactory.store.records import ActivityRunRecord, utc_now

STATUS_STYLES = {
    "Queued": "dim", "InProgress": "cyan", "Succeeded": "green", "Failed": "bold red",
    "Skipped": "dim", "Cancelled": "yellow", "Canceling": "yellow",
}
_SYMBOLS = {"InProgress": "…", "Succeeded": "✓", "Failed": "✗", "Skipped": "-", "Cancelled": "⊘"}


def status_text(status: str) -> Text:
    return Text(f"{_SYMBOLS.get(status, ' ')} {status}", style=STATUS_STYLES.get(status, ""))


def duration_text(milliseconds: int | None) -> str:
    if milliseconds is None:
        return ""
    return f"{milliseconds} ms" if milliseconds < 10_000 else f"{milliseconds / 1000:.1f} s"


def progress_text(record: ActivityRunRecord, progress: Progress) -> str:
    """Rows, bytes and rows per second of a running activity, from the counters it reported."""
    rows = progress.get("rowsCopied", progress.get("rowsRead"))
    data = progress.get("dataWritten", progress.get("dataRead"))
    seconds = max((utc_now() - record.activity_run_start).total_seconds(), 1e-3)
    parts = []
    if isinstance(rows, int):
        parts.append(f"{rows:,} rows, {rows / seconds:,.0f} rows/s")
    if isinstance(data, int):
        parts.append(f"{data / 1_048_576:,.1f} MiB")
    return ", ".join(parts)


def short_label(record: ActivityRunRecord, progress: Progress | None = None) -> Text:
    """Name, type, status, duration, retry, progress while it runs; the error message when it failed."""
    label = Text.assemble(
        (record.activity_name, "bold"), f" ({record.activity_type}) ", status_text(record.status),
        f" {duration_text(record.duration_in_ms)}",
        (f" retry {record.retry_attempt}" if record.retry_attempt else "", "yellow"),
    )
    if progress and record.status == "InProgress":
        label.append(f" {progress_text(record, progress)}", style="cyan")
    if record.error and record.status == "Failed":
        label.append(f"\n{record.error.get('message', '')}", style="red")
    return label


def activity_tree(
    title: Text,
    runs: Iterable[ActivityRunRecord],
    *,
    label: Callable[[ActivityRunRecord], Text] = short_label,
    details: Callable[[ActivityRunRecord], list[Text]] = lambda _: [],
    invokers: dict[str, str] | None = None,
) -> Tree:
    """Activity runs nested under the container run that started them, in start order.

    ``invokers`` maps a child pipeline run's id to the ExecutePipeline activity run that started
    it, so that the child's activities hang under that activity. A run whose parent is not among
    ``runs`` sits at the top.
    """
    tree = Tree(title)
    runs = sorted(runs, key=lambda record: record.activity_run_start)
    known = {record.activity_run_id for record in runs}
    children: dict[str | None, list[ActivityRunRecord]] = {}
    for record in runs:
        parent = record.parent_activity_run_id or (invokers or {}).get(record.pipeline_run_id)
        children.setdefault(parent if parent in known else None, []).append(record)

    def add(branch: Tree, parent: str | None) -> None:
        records = children.get(parent, [])
        iterations = sorted({record.iteration_hash for record in records}, key=_iteration_order)
        for iteration in iterations:
            # A ForEach's or Until's children, grouped by iteration as ADF's monitor lists them.
            group = branch.add(Text(f"iteration {iteration}", style="dim")) if len(iterations) > 1 else branch
            for record in records:
                if record.iteration_hash == iteration:
                    node = group.add(label(record))
                    for detail in details(record):
                        node.add(detail)
                    add(node, record.activity_run_id)

    add(tree, None)
    return tree




def _iteration_order(iteration: str) -> tuple[int, str]:
    return (int(iteration), "") if iteration.isdigit() else (-1, iteration)
