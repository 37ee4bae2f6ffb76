"""The run history: pipeline runs and activity runs in SQLite (default) or PostgreSQL, through SQLAlchemy Core.

The engine writes here on every activity start and end, so a write has to cost well under a
millisecond: SQLite is tuned for it (:mod:`pgfactory.store.engines`), statements are built once
and reused from SQLAlchemy's compiled cache, and an activity run is one upsert for both its start
and its end. The schema comes from the migrations, applied once per database per process.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import insert, select, update

from pgfactory.store.database import StoreDatabase, state_database_url
from pgfactory.store.records import ActivityRunRecord, InvokedBy, PipelineRunRecord, RunStatus, utc_now
from pgfactory.store.run_queries import ACTIVITY_RUNS, PIPELINE_RUNS, RunQuery, apply_query
from pgfactory.store.schema import activity_runs, pipeline_runs

if TYPE_CHECKING:
    from types import TracebackType

    from sqlalchemy import URL, Connection, RowMapping

_ACTIVITY_COLUMNS = tuple(field.name for field in fields(ActivityRunRecord))
_INSERT_PIPELINE_RUN = insert(pipeline_runs)


class RunStore:
    """Pipeline and activity run history behind one SQLAlchemy engine; safe to share between threads."""

    def __init__(self, store: str | URL | StoreDatabase, *, factory_id: int | None = None) -> None:
        """Connect to ``store`` (``sqlite:///path/runs.db`` or ``postgresql+psycopg://...``), migrated to the newest
        schema; or work in the database another store object opened, so that both can write in one transaction.
        Pipeline runs this object creates belong to the service's factory ``factory_id`` (see :meth:`for_factory`).
        """
        self._database = store if isinstance(store, StoreDatabase) else StoreDatabase(store)
        self.factory_id = factory_id
        upsert = self._database.insert(activity_runs)
        self._upsert_activity_run = upsert.on_conflict_do_update(
            index_elements=[activity_runs.c.activity_run_id],
            set_={column.name: upsert.excluded[column.name] for column in activity_runs.columns if not column.primary_key})

    @classmethod
    def open(cls, state_dir: Path | None = None) -> RunStore:
        """The SQLite store ``runs.db`` in the state folder (see :func:`pgfactory.store.state.state_dir`)."""
        return cls(state_database_url(state_dir))

    def for_factory(self, factory_id: int) -> RunStore:
        """This store, with the runs it creates (child runs of ExecutePipeline too) filed under ``factory_id``."""
        return RunStore(self._database, factory_id=factory_id)

    def create_pipeline_run(self, run: PipelineRunRecord) -> None:
        with self._database.write() as connection:
            insert_pipeline_run(connection, run, factory_id=self.factory_id)

    def update_pipeline_run(self, run: PipelineRunRecord) -> None:
        """Write every field of ``run``; raises LookupError when the run was never created."""
        row = _pipeline_run_row(run)
        del row["run_id"]
        statement = update(pipeline_runs).where(pipeline_runs.c.run_id == run.run_id).values(row)
        with self._database.write() as connection:
            updated = connection.execute(statement).rowcount
        if updated == 0:
            raise LookupError(f"no pipeline run with id {run.run_id} to update")

    def upsert_activity_run(self, run: ActivityRunRecord) -> None:
        """Insert the activity run when it starts, overwrite it when it changes (ends, fails, is cancelled)."""
        row = {name: getattr(run, name) for name in _ACTIVITY_COLUMNS}
        with self._database.write() as connection:
            connection.execute(self._upsert_activity_run, row)

    def get_pipeline_run(self, run_id: str) -> PipelineRunRecord | None:
        with self._database.read() as connection:
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
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [_pipeline_run_from_row(row) for row in rows]

    def activity_runs(self, pipeline_run_id: str) -> list[ActivityRunRecord]:
        """The activity runs of one pipeline run (not of the pipelines it executed), in start order."""
        query = (select(activity_runs).where(activity_runs.c.pipeline_run_id == pipeline_run_id)
                 .order_by(activity_runs.c.activity_run_start, activity_runs.c.activity_run_id))
        with self._database.read() as connection:
            rows = connection.execute(query).mappings().all()
        return [ActivityRunRecord(**row) for row in rows]

    def query_pipeline_runs(self, query: RunQuery, *, factory_id: int | None = None) -> tuple[list[PipelineRunRecord], bool]:
        """The page of pipeline runs ``query`` asks for (of one factory, or of the command line's when None),
        and whether more follow."""
        select_runs = select(pipeline_runs).where(
            pipeline_runs.c.factory_id.is_(None) if factory_id is None else pipeline_runs.c.factory_id == factory_id)
        with self._database.read() as connection:
            rows = connection.execute(apply_query(select_runs, PIPELINE_RUNS, query)).mappings().all()
        return [_pipeline_run_from_row(row) for row in rows[:query.limit]], len(rows) > query.limit

    def query_activity_runs(self, pipeline_run_id: str, query: RunQuery) -> tuple[list[ActivityRunRecord], bool]:
        """The page of one pipeline run's activity runs ``query`` asks for, and whether more follow."""
        select_runs = select(activity_runs).where(activity_runs.c.pipeline_run_id == pipeline_run_id)
        with self._database.read() as connection:
            rows = connection.execute(apply_query(select_runs, ACTIVITY_RUNS, query)).mappings().all()
        return [ActivityRunRecord(**row) for row in rows[:query.limit]], len(rows) > query.limit

    def mark_canceling(self, run_id: str) -> bool:
        """Set a Queued or InProgress run to Canceling (the service running it then stops it); False when it has
        ended or does not exist. Only the status and last update change."""
        statement = (update(pipeline_runs)
                     .where(pipeline_runs.c.run_id == run_id,
                            pipeline_runs.c.status.in_([RunStatus.QUEUED, RunStatus.IN_PROGRESS]))
                     .values(status=RunStatus.CANCELING, last_updated=utc_now()))
        with self._database.write() as connection:
            return bool(connection.execute(statement).rowcount)

    def factory_of(self, run_id: str) -> int | None:
        """The service factory ``run_id`` belongs to (None: unknown run, or one of the command line)."""
        query = select(pipeline_runs.c.factory_id).where(pipeline_runs.c.run_id == run_id)
        with self._database.read() as connection:
            return connection.execute(query).scalar_one_or_none()

    def child_run_ids(self, run_id: str) -> list[str]:
        """The runs that ``run_id``'s ExecutePipeline activities started."""
        query = select(pipeline_runs.c.run_id).where(pipeline_runs.c.invoked_by_pipeline_run_id == run_id)
        with self._database.read() as connection:
            return list(connection.execute(query).scalars())

    def fail_unfinished_activity_runs(self, pipeline_run_id: str, error: dict[str, Any], at: datetime) -> int:
        """Mark the activity runs of ``pipeline_run_id`` still Queued or InProgress as Failed with ``error``."""
        statement = (update(activity_runs)
                     .where(activity_runs.c.pipeline_run_id == pipeline_run_id,
                            activity_runs.c.status.in_([RunStatus.QUEUED, RunStatus.IN_PROGRESS]))
                     .values(status=RunStatus.FAILED, error=error, activity_run_end=at))
        with self._database.write() as connection:
            return int(connection.execute(statement).rowcount)

    def close(self) -> None:
        self._database.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def insert_pipeline_run(connection: Connection, run: PipelineRunRecord, *, factory_id: int | None = None) -> None:
    """Insert ``run`` in the caller's transaction (the run queue adds its request in the same one)."""
    connection.execute(_INSERT_PIPELINE_RUN, {**_pipeline_run_row(run), "factory_id": factory_id})


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
