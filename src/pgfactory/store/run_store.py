"""The run history: pipeline runs and activity runs in SQLite (default) or PostgreSQL, through SQLAlchemy Core.

The engine writes here on every activity start and end, so a write has to cost well under a
millisecond: SQLite runs in WAL mode with ``synchronous=NORMAL`` (a commit does not wait for the
disk; a power cut may lose the last commits, never corrupt the file), statements are built once
and reused from SQLAlchemy's compiled cache, and an activity run is one upsert for both its start
and its end. SQLite takes one writer at a time; writers of this process queue on a lock instead of
on SQLite's busy-wait, which sleeps in steps of milliseconds. Other processes (a ``runs list``
while a pipeline runs) read alongside, as WAL allows.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import URL, create_engine, event, insert, make_url, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pgfactory.store.records import ActivityRunRecord, InvokedBy, PipelineRunRecord
from pgfactory.store.schema import activity_runs, metadata, pipeline_runs
from pgfactory.store.state import state_dir as resolve_state_dir

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from sqlalchemy import RowMapping, Table
    from sqlalchemy.sql.dml import Insert

DATABASE_FILE = "runs.db"

# Seconds another process's write may hold SQLite's lock before a write here gives up.
_SQLITE_BUSY_TIMEOUT = 30
_ACTIVITY_COLUMNS = tuple(field.name for field in fields(ActivityRunRecord))
_INSERT_PIPELINE_RUN = insert(pipeline_runs)
_DIALECT_INSERTS: dict[str, Callable[[Table], sqlite.Insert | postgresql.Insert]] = {
    "sqlite": sqlite.insert, "postgresql": postgresql.insert}


class RunStore:
    """Pipeline and activity run history behind one SQLAlchemy engine; safe to share between threads."""

    def __init__(self, url: str | URL) -> None:
        """Connect to ``url`` (``sqlite:///path/runs.db`` or ``postgresql+psycopg://...``) and create missing tables.

        Creating tables here serves a single process; a store shared by several service processes
        gets its schema from migrations instead (the Alembic baseline is :data:`schema.metadata`).
        """
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        self._upsert_activity_run = _activity_run_upsert(backend)
        if backend == "sqlite":
            self._engine = create_engine(parsed, json_serializer=_compact_json,
                                         connect_args={"timeout": _SQLITE_BUSY_TIMEOUT})
            event.listen(self._engine, "connect", _tune_sqlite_connection)
        else:
            self._engine = create_engine(parsed, json_serializer=_compact_json)
        self._write_lock: contextlib.AbstractContextManager[object] = (
            threading.Lock() if backend == "sqlite" else contextlib.nullcontext())
        metadata.create_all(self._engine)

    @classmethod
    def open(cls, state_dir: Path | None = None) -> RunStore:
        """The SQLite store ``runs.db`` in the state folder (see :func:`pgfactory.store.state.state_dir`)."""
        database = resolve_state_dir(state_dir) / DATABASE_FILE
        # Inputs and outputs may hold business data: the file is the owner's alone, and SQLite gives
        # its -wal and -shm files the same permissions.
        database.touch(mode=0o600, exist_ok=True)
        return cls(URL.create("sqlite+pysqlite", database=str(database)))

    def create_pipeline_run(self, run: PipelineRunRecord) -> None:
        with self._write_lock, self._engine.begin() as connection:
            connection.execute(_INSERT_PIPELINE_RUN, _pipeline_run_row(run))

    def update_pipeline_run(self, run: PipelineRunRecord) -> None:
        """Write every field of ``run``; raises LookupError when the run was never created."""
        row = _pipeline_run_row(run)
        del row["run_id"]
        statement = update(pipeline_runs).where(pipeline_runs.c.run_id == run.run_id).values(row)
        with self._write_lock, self._engine.begin() as connection:
            updated = connection.execute(statement).rowcount
        if updated == 0:
            raise LookupError(f"no pipeline run with id {run.run_id} to update")

    def upsert_activity_run(self, run: ActivityRunRecord) -> None:
        """Insert the activity run when it starts, overwrite it when it changes (ends, fails, is cancelled)."""
        row = {name: getattr(run, name) for name in _ACTIVITY_COLUMNS}
        with self._write_lock, self._engine.begin() as connection:
            connection.execute(self._upsert_activity_run, row)

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(pipeline_runs).where(pipeline_runs.c.run_id == run_id)).mappings().one_or_none()
        return _pipeline_run_from_row(row) if row is not None else None

    def list_pipeline_runs(
        self,
        *,
        pipeline_name: str | None = None,
        status: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[PipelineRunRecord]:
        """Pipeline runs newest first (by start, then run id: a total order that paging can rely on).

        ``started_after`` and ``started_before`` are inclusive, like ADF's time filters.
        """
        query = select(pipeline_runs)
        if pipeline_name is not None:
            query = query.where(pipeline_runs.c.pipeline_name == pipeline_name)
        if status is not None:
            query = query.where(pipeline_runs.c.status == status)
        if started_after is not None:
            query = query.where(pipeline_runs.c.run_start >= started_after)
        if started_before is not None:
            query = query.where(pipeline_runs.c.run_start <= started_before)
        query = query.order_by(pipeline_runs.c.run_start.desc(), pipeline_runs.c.run_id.desc()).limit(limit).offset(offset)
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [_pipeline_run_from_row(row) for row in rows]

    def activity_runs(self, pipeline_run_id: str) -> list[ActivityRunRecord]:
        """The activity runs of one pipeline run (not of the pipelines it executed), in start order."""
        query = (select(activity_runs).where(activity_runs.c.pipeline_run_id == pipeline_run_id)
                 .order_by(activity_runs.c.activity_run_start, activity_runs.c.activity_run_id))
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [ActivityRunRecord(**row) for row in rows]

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


_compact_json = functools.partial(json.dumps, separators=(",", ":"), ensure_ascii=False)


def _tune_sqlite_connection(dbapi_connection: Any, _connection_record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _activity_run_upsert(backend: str) -> Insert:
    # Both backends spell the upsert INSERT ... ON CONFLICT DO UPDATE; each dialect builds its own.
    dialect_insert = _DIALECT_INSERTS.get(backend)
    if dialect_insert is None:
        raise ValueError(f"the run store needs SQLite or PostgreSQL, not {backend!r}")
    statement = dialect_insert(activity_runs)
    return statement.on_conflict_do_update(
        index_elements=[activity_runs.c.activity_run_id],
        set_={column.name: statement.excluded[column.name] for column in activity_runs.columns if not column.primary_key})


def _pipeline_run_row(run: PipelineRunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "run_group_id": run.run_group_id,
        "is_latest": run.is_latest,
        "pipeline_name": run.pipeline_name,
        "parameters": run.parameters,
        "run_dimension": run.run_dimension,
        "annotations": run.annotations,
        "invoked_by_name": run.invoked_by.name,
        "invoked_by_id": run.invoked_by.id,
        "invoked_by_type": run.invoked_by.invoked_by_type,
        "invoked_by_pipeline_name": run.invoked_by.pipeline_name,
        "invoked_by_pipeline_run_id": run.invoked_by.pipeline_run_id,
        "last_updated": run.last_updated,
        "run_start": run.run_start,
        "run_end": run.run_end,
        "duration_in_ms": run.duration_in_ms,
        "status": run.status,
        "message": run.message,
    }


def _pipeline_run_from_row(row: RowMapping) -> PipelineRunRecord:
    return PipelineRunRecord(
        run_id=row["run_id"],
        run_group_id=row["run_group_id"],
        is_latest=row["is_latest"],
        pipeline_name=row["pipeline_name"],
        parameters=row["parameters"],
        run_dimension=row["run_dimension"],
        annotations=row["annotations"],
        invoked_by=InvokedBy(
            name=row["invoked_by_name"],
            id=row["invoked_by_id"],
            invoked_by_type=row["invoked_by_type"],
            pipeline_name=row["invoked_by_pipeline_name"],
            pipeline_run_id=row["invoked_by_pipeline_run_id"],
        ),
        last_updated=row["last_updated"],
        run_start=row["run_start"],
        run_end=row["run_end"],
        duration_in_ms=row["duration_in_ms"],
        status=row["status"],
        message=row["message"],
    )
