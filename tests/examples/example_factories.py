"""The example factories under ``examples/``: copied to a test folder, validated, run with history."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from pgfactory.engine import Engine, RunResult
from pgfactory.engine.validation import validate_factory_folder
from pgfactory.models.factory import Factory
from pgfactory.store import ActivityRunRecord, RunStore

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def copy_example(name: str, destination: Path) -> Path:
    """A copy of ``examples/<name>`` in ``destination``, so that a test may edit it."""
    return Path(shutil.copytree(EXAMPLES / name, destination / name))


def load_valid(folder: Path) -> Factory:
    factory, problems = validate_factory_folder(folder)
    assert [str(problem) for problem in problems] == []
    return factory


def run(factory: Factory, store: RunStore, pipeline: str, **parameters: Any) -> RunResult:
    with Engine(factory, store=store) as engine:
        return engine.run(pipeline, parameters)


def records(store: RunStore, run_id: str) -> dict[str, list[ActivityRunRecord]]:
    """The activity runs of one pipeline run by activity name (several for loop iterations and retries)."""
    by_name: dict[str, list[ActivityRunRecord]] = {}
    for record in store.activity_runs(run_id):
        by_name.setdefault(record.activity_name, []).append(record)
    return by_name


def only(store: RunStore, run_id: str, activity: str) -> ActivityRunRecord:
    """The one activity run of ``activity`` in the run."""
    found = records(store, run_id)[activity]
    assert len(found) == 1, found
    return found[0]


def top_level_statuses(store: RunStore, run_id: str) -> dict[str, str]:
    """Status of each activity at the pipeline's top level (not inside a container)."""
    return {record.activity_name: record.status for record in store.activity_runs(run_id)
            if record.parent_activity_run_id is None}
