"""How a running activity looks in the tree: its progress while it runs, its error when it failed."""

from __future__ import annotations

from datetime import timedelta

from rich.console import Console
from rich.text import Text

from pgfactory.cli.run_display import activity_tree, short_label
from pgfactory.store.records import ActivityRunRecord, utc_now


def record(status: str, **changes: object) -> ActivityRunRecord:
    return ActivityRunRecord(activity_run_id="a1", activity_name="Copy", activity_type="Copy", pipeline_run_id="p1",
                             pipeline_name="P", status=status, activity_run_start=utc_now() - timedelta(seconds=2),
                             **changes)  # type: ignore[arg-type]


def test_a_running_copy_shows_rows_rate_and_bytes() -> None:
    label = short_label(record("InProgress"), {"rowsCopied": 200_000, "dataWritten": 3 * 1_048_576}).plain
    assert "200,000 rows" in label and "rows/s" in label and "3.0 MiB" in label


def test_progress_is_not_shown_once_the_activity_ended() -> None:
    assert "rows/s" not in short_label(record("Succeeded"), {"rowsCopied": 5}).plain


def test_a_failed_activity_shows_its_message_in_the_tree() -> None:
    failed = record("Failed", error={"message": "disk full", "errorCode": "E1"})
    console = Console(width=120, record=True)
    console.print(activity_tree(Text("P"), [failed]))
    assert "disk full" in console.export_text()
