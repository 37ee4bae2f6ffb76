"""The timeline's rows: tree order, depth, bars placed within the run, child runs and Copy statistics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pgfactory.store import ActivityRunRecord, InvokedBy, PipelineRunRecord
from pgfactory.studio.monitor import display
from pgfactory.studio.monitor.timeline import MIN_BAR, SCALE, build_timeline

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def activity(name: str, kind: str, start: float, end: float | None, parent: str | None = None,
             output: object = None) -> ActivityRunRecord:
    record = ActivityRunRecord(activity_run_id=name, activity_name=name, activity_type=kind, pipeline_run_id="run",
                               pipeline_name="P", status="InProgress", activity_run_start=START + timedelta(seconds=start),
                               parent_activity_run_id=parent)
    if end is not None:
        record.finish("Succeeded", output=output, at=START + timedelta(seconds=end))
    return record


def test_rows_nest_under_their_container_and_bars_span_their_share_of_the_run() -> None:
    run = PipelineRunRecord(run_id="run", pipeline_name="P", status="InProgress", run_start=START)
    child = PipelineRunRecord(run_id="child-run", pipeline_name="Child", status="Succeeded", run_start=START,
                              invoked_by=InvokedBy(name="Call", id="Call", invoked_by_type="PipelineActivity"))
    records = [
        activity("Loop", "ForEach", 2, None),
        activity("Copy", "Copy", 0, 2, output={"rowsCopied": 12345, "throughput": 2048.0}),
        activity("Call", "ExecutePipeline", 5, 6, parent="Loop"),
        activity("Inner", "Wait", 3, 4, parent="Loop"),
        activity("Orphan", "Wait", 9.9999, 10, parent="gone"),  # its container's record is not there: shown at the top
    ]
    timeline = build_timeline(run, records, [child], now=START + timedelta(seconds=10))
    assert [(row.record.activity_name, row.depth) for row in timeline.rows] == [
        ("Copy", 0), ("Loop", 0), ("Inner", 1), ("Call", 1), ("Orphan", 0)]
    rows = {row.record.activity_name: row for row in timeline.rows}
    assert (rows["Copy"].x, rows["Copy"].width) == (0, SCALE // 5)
    assert (rows["Loop"].x, rows["Loop"].width) == (200, 800)  # still running: up to now
    assert rows["Orphan"].width == MIN_BAR and rows["Orphan"].x == SCALE - MIN_BAR  # visible, inside the track
    assert rows["Call"].child_run is child and rows["Inner"].child_run is None
    assert (rows["Copy"].rows_copied, rows["Copy"].throughput) == ("12,345", "2.00 MB/s")
    assert rows["Loop"].duration == "8.0 s"
    assert timeline.ticks == ["0 ms", "2.5 s", "5.0 s", "7.5 s", "10.0 s"]


def test_durations_and_sizes_read_as_people_say_them() -> None:
    assert [display.duration(ms) for ms in (0, 850, 12_400, 185_000, 7_380_000)] == [
        "0 ms", "850 ms", "12.4 s", "3m 05s", "2h 03m"]
    assert [display.data_size(size) for size in (512, 69_021, 5 * 1024**3)] == ["512 bytes", "67.4 KB", "5.0 GB"]
    assert display.throughput(None) == "" and display.throughput(12.5) == "12.50 KB/s"
    assert display.shorten("a " * 100, 10) == "a a a a a…"
