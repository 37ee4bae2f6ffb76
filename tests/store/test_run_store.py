from __future__ import annotations

import dataclasses
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from pgfactory.store import ActivityRunRecord, PipelineRunRecord, RunStore
from tests.store.databases import empty_every_table
from tests.store.samples import T0, full_activity_run, full_pipeline_run


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    """The same behaviour is asked of the default SQLite store and of a shared PostgreSQL store."""
    if request.param == "sqlite":
        opened = RunStore.open(tmp_path)
    else:
        opened = RunStore(request.getfixturevalue("postgres_url"))
        empty_every_table(opened._database)  # a clean history for each test
    with opened:
        yield opened


def pipeline_run(run_id: str, *, minutes: int = 0, **changes: Any) -> PipelineRunRecord:
    return PipelineRunRecord(**{"run_id": run_id, "pipeline_name": "P", "status": "Succeeded",
                                "run_start": T0 + timedelta(minutes=minutes), **changes})


def activity_run(pipeline_run_id: str, activity_run_id: str, *, seconds: float = 0, **changes: Any) -> ActivityRunRecord:
    return ActivityRunRecord(**{
        "activity_run_id": activity_run_id, "activity_name": activity_run_id, "activity_type": "Wait",
        "pipeline_run_id": pipeline_run_id, "pipeline_name": "P", "status": "InProgress",
        "activity_run_start": T0 + timedelta(seconds=seconds), **changes})


@pytest.mark.parametrize("record", [full_pipeline_run(), full_activity_run("run")], ids=["pipeline", "activity"])
def test_the_samples_set_every_field_away_from_its_default(record: PipelineRunRecord | ActivityRunRecord) -> None:
    # Keeps the round trips below honest: a field the store dropped would come back as its default.
    for field in dataclasses.fields(record):
        if field.default is not dataclasses.MISSING:
            assert getattr(record, field.name) != field.default, field.name
        elif field.default_factory is not dataclasses.MISSING:
            assert getattr(record, field.name) != field.default_factory(), field.name


def test_a_pipeline_run_comes_back_with_every_field(store: RunStore) -> None:
    run = full_pipeline_run()
    store.create_pipeline_run(run)
    assert store.get_pipeline_run(run.run_id) == run


def test_an_activity_run_comes_back_with_every_field(store: RunStore) -> None:
    run = full_pipeline_run()
    store.create_pipeline_run(run)
    activity = full_activity_run(run.run_id)
    store.upsert_activity_run(activity)
    assert store.activity_runs(run.run_id) == [activity]


def test_times_come_back_in_utc_whatever_zone_they_were_written_in(store: RunStore) -> None:
    run = pipeline_run("r", run_start=T0.astimezone(timezone(timedelta(hours=-5))))
    store.create_pipeline_run(run)
    stored = store.get_pipeline_run("r")
    assert stored is not None
    assert stored.run_start == T0 and stored.run_start.tzinfo is UTC and stored.last_updated.tzinfo is UTC


def test_naive_times_are_refused(store: RunStore) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        store.create_pipeline_run(pipeline_run("r", run_start=T0.replace(tzinfo=None)))


def test_updating_a_pipeline_run_overwrites_it(store: RunStore) -> None:
    run = pipeline_run("r", status="InProgress")
    store.create_pipeline_run(run)
    run.finish("Failed", message="Operation on target X failed: boom", at=T0 + timedelta(seconds=3))
    store.update_pipeline_run(run)
    assert store.get_pipeline_run("r") == run


def test_updating_a_run_that_was_never_created_fails(store: RunStore) -> None:
    with pytest.raises(LookupError, match="no pipeline run with id ghost"):
        store.update_pipeline_run(pipeline_run("ghost"))


def test_an_unknown_run_is_none(store: RunStore) -> None:
    assert store.get_pipeline_run("ghost") is None
    assert store.activity_runs("ghost") == []


def test_the_second_upsert_of_an_activity_run_records_its_end(store: RunStore) -> None:
    store.create_pipeline_run(pipeline_run("r"))
    started = activity_run("r", "a", input={"waitTimeInSeconds": 1})
    store.upsert_activity_run(started)
    assert store.activity_runs("r") == [started]
    ended = dataclasses.replace(started)
    ended.finish("Failed", error={"errorCode": "X", "message": "boom", "failureType": "UserError", "target": "a"},
                 at=T0 + timedelta(seconds=1))
    store.upsert_activity_run(ended)
    assert store.activity_runs("r") == [ended]


def test_activity_runs_come_in_start_order_and_only_of_their_pipeline_run(store: RunStore) -> None:
    store.create_pipeline_run(pipeline_run("r"))
    store.create_pipeline_run(pipeline_run("other"))
    for name, seconds in [("third", 3), ("first", 1), ("second", 2)]:
        store.upsert_activity_run(activity_run("r", name, seconds=seconds))
    store.upsert_activity_run(activity_run("other", "elsewhere", seconds=0))
    assert [run.activity_name for run in store.activity_runs("r")] == ["first", "second", "third"]


def test_pipeline_runs_are_listed_newest_first(store: RunStore) -> None:
    for run_id, minutes in [("b", 1), ("c", 3), ("a", 2), ("d", 1)]:
        store.create_pipeline_run(pipeline_run(run_id, minutes=minutes))
    # Runs that started together come in a fixed order (by run id, descending), so pages do not overlap.
    assert [run.run_id for run in store.list_pipeline_runs()] == ["c", "a", "d", "b"]
    assert [run.run_id for run in store.list_pipeline_runs(limit=2)] == ["c", "a"]
    assert [run.run_id for run in store.list_pipeline_runs(limit=2, offset=2)] == ["d", "b"]


def test_pipeline_runs_are_filtered_by_pipeline_status_and_start(store: RunStore) -> None:
    store.create_pipeline_run(pipeline_run("early-load", minutes=0, pipeline_name="Load"))
    store.create_pipeline_run(pipeline_run("load-failed", minutes=10, pipeline_name="Load", status="Failed"))
    store.create_pipeline_run(pipeline_run("late-load", minutes=20, pipeline_name="Load"))
    store.create_pipeline_run(pipeline_run("clean", minutes=10, pipeline_name="Clean"))

    def ids(**filters: Any) -> list[str]:
        return [run.run_id for run in store.list_pipeline_runs(**filters)]

    assert ids(pipeline_name="Load") == ["late-load", "load-failed", "early-load"]
    assert ids(status="Failed") == ["load-failed"]
    assert ids(pipeline_name="Load", status="Succeeded") == ["late-load", "early-load"]
    # Both bounds are inclusive.
    assert ids(started_after=T0 + timedelta(minutes=10)) == ["late-load", "load-failed", "clean"]
    assert ids(started_before=T0 + timedelta(minutes=10)) == ["load-failed", "clean", "early-load"]
    assert ids(started_after=T0 + timedelta(minutes=5), started_before=T0 + timedelta(minutes=15),
               pipeline_name="Load") == ["load-failed"]


def test_fifty_concurrent_writers_lose_nothing(store: RunStore) -> None:
    store.create_pipeline_run(pipeline_run("r", status="InProgress"))
    threads, runs_each = 50, 10
    start_together = threading.Barrier(threads)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            start_together.wait()
            for index in range(runs_each):
                run = activity_run("r", f"{thread}-{index}", seconds=index)
                store.upsert_activity_run(run)
                run.finish("Succeeded", output={"thread": thread, "index": index}, at=run.activity_run_start)
                store.upsert_activity_run(run)
        except BaseException as error:  # a writer that fails must fail the test, not vanish with its thread
            failures.append(error)

    workers = [threading.Thread(target=write, args=(thread,)) for thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    stored = store.activity_runs("r")
    assert len(stored) == threads * runs_each
    assert {run.activity_run_id: (run.status, run.output) for run in stored} == {
        f"{thread}-{index}": ("Succeeded", {"thread": thread, "index": index})
        for thread in range(threads) for index in range(runs_each)}


_WRITER = """
import sys
from pathlib import Path
from pgfactory.store import RunStore
from tests.store.samples import full_activity_run, full_pipeline_run
with RunStore.open(Path(sys.argv[1])) as store:
    store.create_pipeline_run(full_pipeline_run("written-elsewhere"))
    store.upsert_activity_run(full_activity_run("written-elsewhere", "activity-elsewhere"))
"""


def test_the_history_survives_the_process_that_wrote_it(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path)], check=True, timeout=60, cwd=Path(__file__).parents[2])
    with RunStore.open(tmp_path) as store:
        assert store.get_pipeline_run("written-elsewhere") == full_pipeline_run("written-elsewhere")
        assert store.activity_runs("written-elsewhere") == [full_activity_run("written-elsewhere", "activity-elsewhere")]


def test_the_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    RunStore.open(tmp_path).close()
    database = tmp_path / "runs.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_only_sqlite_and_postgresql_are_supported() -> None:
    with pytest.raises(ValueError, match="needs SQLite or PostgreSQL, not 'mysql'"):
        RunStore("mysql://user@localhost/runs")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_sqlite_store_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="needs a SQLite file"):
        RunStore(url)
