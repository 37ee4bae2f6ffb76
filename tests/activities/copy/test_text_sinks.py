"""Types PostgreSQL sends as Arrow extensions (uuid, json/jsonb) go through text files and back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.activities.copy.test_postgres_and_files import SCHEMA, copy, factory_with, file_dataset, run, same_rows
from tests.activities.copy.test_postgres_to_postgres import create
from tests.fixtures.postgres import RunningServer

COLUMNS = "id int, ref uuid, doc jsonb, moment timestamptz, amount numeric(20,4)"
VALUES = ("VALUES (1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, \"x\"]}', '2024-03-31 01:30:00+02', 12345.6789), "
          "(2, NULL, NULL, NULL, NULL)")


@pytest.mark.parametrize(("dataset_type", "properties"), [
    ("DelimitedText", {"columnDelimiter": ",", "firstRowAsHeader": True}),
    ("Json", {}),
])
def test_extension_types_survive_a_text_file(server: RunningServer, tmp_path: Path, dataset_type: str,
                                             properties: dict[str, object]) -> None:
    for table in ("source", "target"):
        server.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table}")
    create(server, "source", COLUMNS, VALUES)
    create(server, "target", COLUMNS)
    factory = factory_with(server, tmp_path, file_dataset("File", dataset_type, "out", "rows.txt", **properties))
    run(factory, copy("Source", "File", "AzurePostgreSqlSource", f"{dataset_type}Sink"))
    assert "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" in (tmp_path / "out" / "rows.txt").read_text()
    run(factory, copy("File", "Target", f"{dataset_type}Source", "AzurePostgreSqlSink"))
    assert same_rows(server)
