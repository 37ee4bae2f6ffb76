"""The activity tree of a running pipeline, drawn live in the terminal with rich."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text
from rich.tree import Tree

from pgfactory.store.records import ActivityRunRecord, PipelineRunRecord

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


def activity_tree(title: Text, runs: Iterable[ActivityRunRecord], invokers: dict[str, str] | None = None) -> Tree:
    """Activity runs nested under the container run that started them, in start order.

    ``invokers`` maps a child pipeline run's id to the ExecutePipeline activity run that started
    it, so that the child's activities hang under that activity.
    """
    tree = Tree(title)
    children: dict[str | None, list[ActivityRunRecord]] = {}
    for record in sorted(runs, key=lambda record: record.activity_run_start):
        parent = record.parent_activity_run_id or (invokers or {}).get(record.pipeline_run_id)
        children.setdefault(parent, []).append(record)

    def add(branch: Tree, parent: str | None) -> None:
        for record in children.get(parent, []):
            label = Text.assemble(
                (record.activity_name, "bold"), f" ({record.activity_type}) ", status_text(record.status),
                f" {duration_text(record.duration_in_ms)}",
                (f" retry {record.retry_attempt}" if record.retry_attempt else "", "yellow"),
            )
            if record.error and record.status == "Failed":
                label.append(f"\n{record.error.get('message', '')}", style="red")
            add(branch.add(label), record.activity_run_id)

    add(tree, None)
    return tree


class LiveRunView:
    """A RunObserver that redraws the tree as records change (a few times a second, not per change)."""

    def __init__(self, console: Console) -> None:
        self._lock = threading.Lock()
        self._pipeline_runs: dict[str, PipelineRunRecord] = {}
        self._activity_runs: dict[str, ActivityRunRecord] = {}
        self._live = Live(console=console, get_renderable=self._render, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveRunView:
        self._live.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._live.refresh()
        self._live.stop()
        if not self._live.console.is_terminal:
            self._live.console.line()  # rich leaves the last frame without its newline off a terminal

    def pipeline_run_changed(self, run: PipelineRunRecord) -> None:
        with self._lock:
            self._pipeline_runs[run.run_id] = run

    def activity_run_changed(self, run: ActivityRunRecord) -> None:
        with self._lock:
            self._activity_runs[run.activity_run_id] = run

    def _render(self) -> RenderableType:
        with self._lock:
            pipelines = list(self._pipeline_runs.values())
            activities = list(self._activity_runs.values())
        if not pipelines:
            return Text("starting…", style="dim")
        root = min(pipelines, key=lambda run: run.run_start)
        title = Text.assemble((root.pipeline_name, "bold"), " ", status_text(root.status),
                              f" {duration_text(root.duration_in_ms)}", (f"  run {root.run_id}", "dim"))
        invokers = {run.run_id: run.invoked_by.id for run in pipelines if run.run_id != root.run_id}
        return activity_tree(title, activities, invokers)
