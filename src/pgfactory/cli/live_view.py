"""The activity tree of a running pipeline, drawn live in the terminal with rich."""

from __future__ import annotations

import threading

from rich.console import Console, RenderableType
from rich.live import Live
from rich.text import Text

from pgfactory.activities import Progress
from pgfactory.cli.run_display import activity_tree, duration_text, short_label, status_text
from pgfactory.store.records import ActivityRunRecord, PipelineRunRecord


class LiveRunView:
    """A RunObserver that redraws the tree as records change (a few times a second, not per change)."""

    def __init__(self, console: Console) -> None:
        self._lock = threading.Lock()
        self._pipeline_runs: dict[str, PipelineRunRecord] = {}
        self._activity_runs: dict[str, ActivityRunRecord] = {}
        self._progress: dict[str, Progress] = {}
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

    def activity_progress(self, activity_run_id: str, progress: Progress) -> None:
        with self._lock:
            self._progress[activity_run_id] = progress

    def _render(self) -> RenderableType:
        with self._lock:
            pipelines = list(self._pipeline_runs.values())
            activities = list(self._activity_runs.values())
            progress = dict(self._progress)
        if not pipelines:
            return Text("starting…", style="dim")
        root = min(pipelines, key=lambda run: run.run_start)
        title = Text.assemble((root.pipeline_name, "bold"), " ", status_text(root.status),
                              f" {duration_text(root.duration_in_ms)}", (f"  run {root.run_id}", "dim"))
        invokers = {run.run_id: run.invoked_by.id for run in pipelines if run.run_id != root.run_id}
        return activity_tree(title, activities, invokers=invokers,
                             label=lambda record: short_label(record, progress.get(record.activity_run_id)))
