"""``pgfactory runs list`` and ``pgfactory runs show``: the run history kept in the state folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from pgfactory.cli.options import StateDirOption
from pgfactory.cli.run_display import activity_tree, duration_text, status_text
from pgfactory.store import ActivityRunRecord, PipelineRunRecord, RunStatus, RunStore, state_dir

# How much of an activity's input, output or error the terminal shows; --json shows everything.
_EXCERPT_LINES = 12
_EXCERPT_LINE_WIDTH = 160
_MESSAGE_WIDTH = 100
_MESSAGE_MIN_WIDTH = 24
_UNBOUNDED = 10_000  # a width to measure what a table needs, not what the terminal allows

JsonOption = Annotated[bool, typer.Option("--json", help="Print ADF's JSON (PipelineRun, ActivityRun), complete")]

runs_app = typer.Typer(help="Show the history of pipeline runs and their activity runs.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")


@runs_app.command("list")
def list_runs(
    pipeline: Annotated[str | None, typer.Option("--pipeline", help="Only runs of this pipeline")] = None,
    status: Annotated[RunStatus | None, typer.Option("--status", case_sensitive=False, help="Only runs in this status")]
    = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many runs")] = 50,
    as_json: JsonOption = False,
    state: StateDirOption = None,
) -> None:
    """Pipeline runs, newest first."""
    folder = state_dir(state)
    with RunStore.open(folder) as store:
        runs = store.list_pipeline_runs(pipeline_name=pipeline, status=status.value if status else None, limit=limit)
    if as_json:
        # The shape of ADF's queryPipelineRuns answer, so scripts can move to `pgfactory serve` unchanged.
        typer.echo(json.dumps({"value": [run.to_adf() for run in runs]}, indent=2))
        return
    console = Console(highlight=False)
    if not runs:
        console.print(Text(f"No pipeline runs in {folder}.", style="dim"))
        return
    # The run id stays whole: it is what `runs show` takes. Where one line per run does not fit (an
    # ADF run id alone is 36 characters), the id goes under the pipeline name; the message comes along
    # where it has room.
    one_line = _runs_table(runs, stacked=False, with_message=False)
    width = Measurement.get(console, console.options.update_width(_UNBOUNDED), one_line).maximum
    if width + _MESSAGE_MIN_WIDTH <= console.width:
        table = _runs_table(runs, stacked=False, with_message=True)
    else:
        table = one_line if width <= console.width else _runs_table(runs, stacked=True, with_message=False)
    console.print(table)


@runs_app.command("show")
def show_run(
    run_id: Annotated[str, typer.Argument(help="The pipeline run's id (runId)")],
    activities: Annotated[bool, typer.Option("--activities", help="Also show its activity runs, nested")] = False,
    as_json: JsonOption = False,
    state: StateDirOption = None,
) -> None:
    """One pipeline run; with --activities, its activity runs with their input, output and error."""
    folder = state_dir(state)
    with RunStore.open(folder) as store:
        run = store.get_pipeline_run(run_id)
        activity_runs = store.activity_runs(run_id) if activities and run is not None else []
    if run is None:
        typer.echo(f"error: no pipeline run with id {run_id!r} in {folder}", err=True)
        raise typer.Exit(1)
    if as_json:
        shape = run.to_adf()
        if activities:
            shape["activityRuns"] = [activity_run.to_adf() for activity_run in activity_runs]
        typer.echo(json.dumps(shape, indent=2))
        return
    console = Console(highlight=False)
    console.print(_run_fields(run))
    if activities:
        console.print(_activity_tree(activity_runs))


def _runs_table(runs: list[PipelineRunRecord], *, stacked: bool, with_message: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    headers = ["pipeline / run id"] if stacked else ["run id", "pipeline"]
    for header in [*headers, "status", "start (UTC)"]:
        table.add_column(header, no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    if with_message:
        table.add_column("message")
    for run in runs:
        names: list[str | Text] = ([Text.assemble(run.pipeline_name, "\n", (run.run_id, "dim"))] if stacked
                                   else [run.run_id, run.pipeline_name])
        table.add_row(*names, status_text(run.status), _clock(run.run_start), duration_text(run.duration_in_ms),
                      *([_first_line(run.message)] if with_message else []))
    return table


def _run_fields(run: PipelineRunRecord) -> Table:
    invoked_by = f"{run.invoked_by.name} ({run.invoked_by.invoked_by_type})"
    if run.invoked_by.pipeline_run_id:
        invoked_by += f" from pipeline {run.invoked_by.pipeline_name}, run {run.invoked_by.pipeline_run_id}"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    rows: list[tuple[str, str | Text]] = [
        ("Run ID", run.run_id),
        ("Pipeline", run.pipeline_name),
        ("Status", status_text(run.status)),
        ("Run group", run.run_group_id),
        ("Latest", "yes" if run.is_latest else "no"),
        ("Invoked by", invoked_by),
        ("Start", _clock(run.run_start, precise=True)),
        ("End", _clock(run.run_end, precise=True)),
        ("Duration", duration_text(run.duration_in_ms)),
        ("Last updated", _clock(run.last_updated, precise=True)),
        ("Parameters", json.dumps(run.parameters, ensure_ascii=False)),
    ]
    if run.run_dimension:
        rows.append(("Run dimension", json.dumps(run.run_dimension, ensure_ascii=False)))
    if run.message:
        rows.append(("Message", Text(run.message, style="red" if run.status == RunStatus.FAILED else "")))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _activity_tree(activity_runs: list[ActivityRunRecord]) -> Tree:
    """Activity runs under the container activity run (ForEach, If, Until, Switch) that started them."""
    return activity_tree(Text(f"Activity runs ({len(activity_runs)})", style="bold"), activity_runs,
                         label=_activity_label, details=_activity_details)


def _activity_details(activity_run: ActivityRunRecord) -> list[Text]:
    return [Text(f"{name}: {_excerpt(value)}", style="red" if name == "error" else "dim")
            for name, value in (("input", activity_run.input), ("output", activity_run.output), ("error", activity_run.error))
            if value is not None]


def _activity_label(activity_run: ActivityRunRecord) -> Text:
    label = Text(activity_run.activity_name, style="bold")
    label.append(f" ({activity_run.activity_type})  ")
    label.append_text(status_text(activity_run.status))
    if activity_run.retry_attempt:
        label.append(f" (retry {activity_run.retry_attempt})")
    label.append(f"  {_clock(activity_run.activity_run_start, precise=True)}  {duration_text(activity_run.duration_in_ms)}")
    label.append(f"  {activity_run.activity_run_id}", style="dim")
    return label


def _excerpt(value: Any) -> str:
    """The value as JSON on one line when short, else indented and cut to a few lines of bounded width."""
    compact = json.dumps(value, ensure_ascii=False)
    if len(compact) <= _EXCERPT_LINE_WIDTH:
        return compact
    lines = [line if len(line) <= _EXCERPT_LINE_WIDTH else line[:_EXCERPT_LINE_WIDTH - 1] + "…"
             for line in json.dumps(value, indent=2, ensure_ascii=False).splitlines()]
    if len(lines) > _EXCERPT_LINES:
        hidden = len(lines) - _EXCERPT_LINES + 1
        lines = [*lines[:_EXCERPT_LINES - 1], f"… {hidden} more lines (--json shows all)"]
    return "\n".join(lines)


def _first_line(message: str) -> str:
    first = message.strip().partition("\n")[0]
    return first if len(first) <= _MESSAGE_WIDTH else first[:_MESSAGE_WIDTH - 1] + "…"


def _clock(moment: datetime | None, *, precise: bool = False) -> str:
    if moment is None:
        return "-"
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d} UTC" if precise else f"{utc:%Y-%m-%d %H:%M:%S}"
