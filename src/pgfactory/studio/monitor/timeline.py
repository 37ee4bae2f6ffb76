"""A run's activity runs as a timeline: in tree order (what a ForEach, If, Switch or Until ran sits under it),
each with a bar placed by its start and end within the run.

Bars are SVG rectangles in a viewBox :data:`SCALE` wide, so that ``x`` and ``width`` (attributes, which the
page's CSP allows where it forbids ``style``) are thousandths of the run's span. An activity still running
reaches to now.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pgfactory.studio.monitor import display

if TYPE_CHECKING:
    from pgfactory.store import ActivityRunRecord, PipelineRunRecord

SCALE = 1000
MIN_BAR = 4  # an activity of a few milliseconds still shows
MAX_DEPTH = 6  # deeper nesting is drawn at this indent (the stylesheet has a class per depth up to it)
TICKS = 4  # the axis is labelled at 0, 1/4, 1/2, 3/4 and the whole span


@dataclass(frozen=True)
class ActivityRow:
    record: ActivityRunRecord
    depth: int
    x: int
    width: int
    duration: str
    child_run: PipelineRunRecord | None  # the run an ExecutePipeline activity started
    rows_copied: str  # for a Copy activity that has ended: its rowsCopied, and throughput, as shown
    throughput: str

    @property
    def status_class(self) -> str:
        return self.record.status.lower()

    @property
    def indent(self) -> int:
        return min(self.depth, MAX_DEPTH)


@dataclass(frozen=True)
class Timeline:
    rows: list[ActivityRow]
    ticks: list[str]


def build_timeline(run: PipelineRunRecord, activities: list[ActivityRunRecord], child_runs: list[PipelineRunRecord],
                   now: datetime) -> Timeline:
    origin = min([run.run_start, *(activity.activity_run_start for activity in activities)])
    end = max([run.run_end or now, *(activity.activity_run_end or now for activity in activities)])
    span = max(end - origin, timedelta(milliseconds=1))
    started_by = {child.invoked_by.id: child for child in child_runs}
    by_id = {child.run_id: child for child in child_runs}
    rows = []
    for activity, depth in _tree_order(activities):
        start = round((activity.activity_run_start - origin) / span * SCALE)
        width = max(round(((activity.activity_run_end or now) - activity.activity_run_start) / span * SCALE), MIN_BAR)
        output = activity.output if isinstance(activity.output, dict) else {}
        child = started_by.get(activity.activity_run_id) or by_id.get(str(output.get("pipelineRunId", "")))
        copied = activity.activity_type == "Copy"
        rows.append(ActivityRow(
            activity, depth, min(start, SCALE - width), width,
            display.duration(activity.duration_in_ms if activity.duration_in_ms is not None else
                             display.elapsed_ms(activity.activity_run_start, activity.activity_run_end, now)),
            child if activity.activity_type == "ExecutePipeline" else None,
            display.count(output.get("rowsCopied")) if copied else "",
            display.throughput(output.get("throughput")) if copied else ""))
    span_ms = span / timedelta(milliseconds=1)
    return Timeline(rows, [display.duration(span_ms * step / TICKS) for step in range(TICKS + 1)])


def _tree_order(activities: list[ActivityRunRecord]) -> list[tuple[ActivityRunRecord, int]]:
    """Each activity run followed by the runs it contains, at one level deeper; siblings by start."""
    known = {activity.activity_run_id for activity in activities}
    children: dict[str | None, list[ActivityRunRecord]] = defaultdict(list)
    for activity in activities:
        parent = activity.parent_activity_run_id
        children[parent if parent in known else None].append(activity)
    ordered: list[tuple[ActivityRunRecord, int]] = []
    pending: list[tuple[ActivityRunRecord, int]] = [(activity, 0) for activity in reversed(_by_start(children[None]))]
    while pending:  # depth first, without recursion: a run may nest deeply
        activity, depth = pending.pop()
        ordered.append((activity, depth))
        pending.extend((child, depth + 1) for child in reversed(_by_start(children[activity.activity_run_id])))
    return ordered


def _by_start(activities: list[ActivityRunRecord]) -> list[ActivityRunRecord]:
    return sorted(activities, key=lambda activity: (activity.activity_run_start, activity.activity_run_id))
