"""validateDataConsistency: counts everywhere, server checksums between PostgreSQL tables, failures before the commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgfactory.errors import ActivityError
from tests.activities.copy import test_postgres_and_files as files
from tests.activities.copy import test_postgres_to_postgres as tables_copy
from tests.activities.copy.test_postgres_to_postgres import EVERY_TYPE, EVERY_VALUE, create, rows
from tests.fixtures.postgres import RunningServer

SCHEMA = tables_copy.SCHEMA
VERIFIED = {"VerificationResult": "Verified", "InconsistentData": "None"}


def test_every_type_verifies_with_a_pre_copy_script_writing_rows_of_its_own(tables: RunningServer) -> None:
    create(tables, "source", EVERY_TYPE, EVERY_VALUE)
    create(tables, "target", EVERY_TYPE, "VALUES (-1), (-2)")
    script = f"DELETE FROM {SCHEMA}.target WHERE id = -1; UPDATE {SCHEMA}.target SET text_ = 'touched'"
    output = tables_copy.run(tables, tables_copy.copy(sink={"preCopyScript": script}, validateDataConsistency=True))
    assert output["dataConsistencyVerification"] == VERIFIED
    assert output["rowsCopied"] == 51


def test_without_the_option_there_is_no_verification(tables: RunningServer) -> None:
    create(tables, "source", "id int", "VALUES (1)")
    create(tables, "target", "id int")
    assert "dataConsistencyVerification" not in tables_copy.run(tables, tables_copy.copy())


def altering_trigger(server: RunningServer, body: str) -> None:
    server.execute(f"CREATE FUNCTION {SCHEMA}.alter_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$; "
                   f"CREATE TRIGGER alter_row BEFORE INSERT ON {SCHEMA}.target "
                   f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.alter_row()")


@pytest.fixture
def no_trigger(tables: RunningServer) -> RunningServer:
    tables.execute(f"DROP FUNCTION IF EXISTS {SCHEMA}.alter_row() CASCADE")
    return tables


def test_a_changed_value_fails_the_checksum_and_nothing_is_committed(no_trigger: RunningServer) -> None:
    create(no_trigger, "source", "id int, label text", "VALUES (1, 'a'), (2, 'b')")
    create(no_trigger, "target", "id int, label text", "VALUES (0, 'before')")
    altering_trigger(no_trigger, "IF NEW.id = 2 THEN NEW.label := 'changed'; END IF; RETURN NEW;")
    with pytest.raises(ActivityError, match=r"source's 2 rows have checksum -?\d+, the 2 rows written have") as caught:
        tables_copy.run(no_trigger, tables_copy.copy(validateDataConsistency=True))
    assert caught.value.code == "UserErrorDataConsistencyValidationFailed"
    assert rows(no_trigger, "target") == [(0, "before")]
    tables_copy.run(no_trigger, tables_copy.copy())  # unchecked, the same copy goes through
    assert len(rows(no_trigger, "target")) == 3


def test_a_lost_row_fails_the_count(no_trigger: RunningServer) -> None:
    create(no_trigger, "source", "id int, label text", "VALUES (1, 'a'), (2, 'b')")
    create(no_trigger, "target", "id bigint, label text")  # other types: text COPY, counts only
    altering_trigger(no_trigger, "IF NEW.id = 2 THEN RETURN NULL; END IF; RETURN NEW;")
    with pytest.raises(ActivityError, match="2 rows read, but 1 written and 0 skipped; nothing was committed"):
        tables_copy.run(no_trigger, tables_copy.copy(validateDataConsistency=True))
    assert rows(no_trigger, "target") == []


def test_upsert_checks_the_staged_rows_so_duplicate_keys_are_consistent(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'a'), (1, 'b'), (2, 'c')")
    create(tables, "target", "id int PRIMARY KEY, label text", "VALUES (2, 'old')")
    output = tables_copy.run(tables, tables_copy.copy(sink={"writeMethod": "Upsert"}, validateDataConsistency=True))
    assert output["dataConsistencyVerification"] == VERIFIED
    assert [row[0] for row in rows(tables, "target")] == [1, 2]


def test_partitions_are_summed(tables: RunningServer) -> None:
    create(tables, "source", "id int PRIMARY KEY, label text", "SELECT g, 'row ' || g FROM generate_series(1, 1000) AS g")
    create(tables, "target", "id int PRIMARY KEY, label text")
    output = tables_copy.run(tables, tables_copy.copy(source={"partitionOption": "DynamicRange"}, parallelCopies=3,
                                                      validateDataConsistency=True))
    assert output["dataConsistencyVerification"] == VERIFIED and output["rowsCopied"] == 1000


def test_files_both_ways_check_counts(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'a'), (2, 'b')")
    create(tables, "target", "id int, label text")
    factory = files.factory_with(tables, tmp_path, files.file_dataset("File", "Parquet", "out", "rows.parquet"))
    written = files.run(factory, files.copy("Source", "File", "AzurePostgreSqlSource", "ParquetSink",
                                            validateDataConsistency=True))
    read = files.run(factory, files.copy("File", "Target", "ParquetSource", "AzurePostgreSqlSink",
                                         sink={"writeMethod": "BulkInsert"}, validateDataConsistency=True))
    assert written["dataConsistencyVerification"] == read["dataConsistencyVerification"] == VERIFIED
    assert files.same_rows(tables)
