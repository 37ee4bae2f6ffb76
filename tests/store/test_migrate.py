from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, create_engine, inspect, select, text

from pgfactory.store import RunStore, upgrade_store
from pgfactory.store.migrate import alembic_config
from pgfactory.store.run_store import insert_pipeline_run
from pgfactory.store.schema import activity_runs, metadata, pipeline_runs
from tests.fixtures.postgres import RunningServer
from tests.store.databases import new_database
from tests.store.samples import full_pipeline_run


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """A database with no tables, not yet seen by this process (so no store trusts it as upgraded)."""
    if request.param == "sqlite":
        return URL.create("sqlite+pysqlite", database=str(tmp_path / "store.db"))
    server: RunningServer = request.getfixturevalue("pg_plain")
    return new_database(server, "store_migrations")


def schema_differences(url: URL) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata))
    finally:
        engine.dispose()


def revisions(url: URL) -> tuple[list[str], str | None]:
    """The rows of alembic_version, and the newest revision the package ships."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
            head = ScriptDirectory.from_config(alembic_config(connection)).get_current_head()
    finally:
        engine.dispose()
    return rows, head


def test_migrations_build_exactly_what_the_schema_describes(empty_url: URL) -> None:
    upgrade_store(empty_url)
    assert schema_differences(empty_url) == []
    versions, head = revisions(empty_url)
    assert versions == [head] and head is not None


def test_upgrading_a_store_at_head_again_changes_nothing(empty_url: URL) -> None:
    upgrade_store(empty_url)
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        insert_pipeline_run(connection, full_pipeline_run("kept"))
    upgrade_store(empty_url)
    with engine.connect() as connection:
        assert connection.execute(select(pipeline_runs.c.run_id)).scalars().all() == ["kept"]
    engine.dispose()
    versions, head = revisions(empty_url)
    assert versions == [head]


def test_a_history_written_before_migrations_existed_is_kept(empty_url: URL) -> None:
    # What RunStore made with metadata.create_all before the store had migrations: the run tables alone.
    engine = create_engine(empty_url)
    metadata.create_all(engine, tables=[pipeline_runs, activity_runs])
    with engine.begin() as connection:
        insert_pipeline_run(connection, full_pipeline_run("from-before"))
        # Runs had no factory before revision 0002 (nor the indexes on it).
        connection.execute(text("DROP INDEX ix_pipeline_runs_factory_id_run_start"))
        connection.execute(text("DROP INDEX ix_pipeline_runs_factory_id_pipeline_name_run_start"))
        connection.execute(text("ALTER TABLE pipeline_runs DROP COLUMN factory_id"))
    upgrade_store(empty_url)
    with engine.connect() as connection:
        assert connection.execute(select(pipeline_runs.c.run_id)).scalars().all() == ["from-before"]
    engine.dispose()
    assert schema_differences(empty_url) == []


def test_stores_that_start_together_upgrade_one_after_the_other(empty_url: URL) -> None:
    # Without the advisory lock (PostgreSQL) or the write lock taken up front (SQLite), two of these
    # would create the same tables at once and one would fail.
    upgraders = 4
    start_together = threading.Barrier(upgraders)
    failures: list[BaseException] = []

    def upgrade() -> None:
        try:
            start_together.wait()
            upgrade_store(empty_url)
        except BaseException as error:  # a failed upgrade must fail the test, not vanish with its thread
            failures.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(upgraders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    versions, head = revisions(empty_url)
    assert versions == [head]
    assert schema_differences(empty_url) == []


def test_downgrading_to_base_leaves_only_alembics_table(empty_url: URL) -> None:
    upgrade_store(empty_url)
    engine = create_engine(empty_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    engine.dispose()


def test_a_run_store_gets_its_tables_from_the_migrations(tmp_path: Path) -> None:
    RunStore.open(tmp_path).close()
    url = URL.create("sqlite+pysqlite", database=str(tmp_path / "runs.db"))
    versions, head = revisions(url)
    assert versions == [head]
    assert schema_differences(url) == []
