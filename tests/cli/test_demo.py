"""``pgfactory demo``: the README's first command, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from tests.cli.invoke import pgfactory


def test_the_demo_runs_its_pipeline_against_an_embedded_server(tmp_path: Path) -> None:
    result = pgfactory("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection successful." in result.stdout
    assert "DemoPipeline: Succeeded" in result.stdout
    for line in ("APAC", "4000", "below target", "complete"):  # the region summary the pipeline returned
        assert line in result.stdout
    assert "Copied 12,000 orders to" in result.stdout
    assert pq.read_metadata(tmp_path / "demo" / "exports" / "orders" / "orders.parquet").num_rows == 12000
    written = json.loads((tmp_path / "demo" / "linkedService" / "DemoPostgreSql.json").read_text())
    assert written["properties"]["version"] == "2.0" and written["properties"]["typeProperties"]["sslMode"] == 3

    history = pgfactory("runs", "list", "--json", "--state-dir", str(tmp_path / "demo" / ".pgfactory"))
    [run] = json.loads(history.stdout)["value"]
    assert run["pipelineName"] == "DemoPipeline" and run["status"] == "Succeeded"
    shown = json.loads(pgfactory("runs", "show", run["runId"], "--activities", "--json",
                                 "--state-dir", str(tmp_path / "demo" / ".pgfactory")).stdout)
    names = [activity["activityName"] for activity in shown["activityRuns"]]
    assert names.count("CountOrders") == 3 and names.count("EnoughOrders") == 3
    assert {"RecordComplete", "RecordShortfall"} <= set(names)
