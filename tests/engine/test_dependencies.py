"""dependsOn conditions, skipping, concurrency, inactive activities and the run's records."""

from __future__ import annotations

import time

import pytest

from pgfactory.engine import Engine
from pgfactory.store.run_store import RunStore
from tests.engine.pipelines import activity_runs, after, fail, make_factory, pipeline_json, run, wait, wait_for


def test_a_chain_runs_in_order_and_the_pipeline_succeeds(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [wait("A"), wait("B", **after("A")), wait("C", **after("B"))]))
    result = run(factory, "P", store)
    assert result.run.status == "Succeeded"
    runs = activity_runs(store, result)
    assert runs["A"][0].activity_run_end <= runs["B"][0].activity_run_start  # type: ignore[operator]
    assert runs["B"][0].activity_run_end <= runs["C"][0].activity_run_start  # type: ignore[operator]
    assert store.get_pipeline_run(result.run.run_id).status == "Succeeded"  # type: ignore[union-attr]


def test_a_failure_skips_the_success_path_and_runs_the_failure_path(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        fail("Work", "disk full", "E42"),
        wait("OnSuccess", **after("Work")),
        wait("OnFailure", **after("Work", conditions=("Failed",))),
        wait("AfterSkip", **after("OnSuccess")),
    ]))
    result = run(factory, "P", store)
    runs = activity_runs(store, result)
    assert {name: records[0].status for name, records in runs.items()} == {
        "Work": "Failed", "OnSuccess": "Skipped", "OnFailure": "Succeeded", "AfterSkip": "Skipped"}
    assert result.run.status == "Failed"  # Do-If-Else: the skipped leaf's parent failed
    assert result.run.message == "Operation on target Work failed: disk full"
    assert runs["Work"][0].error == {"errorCode": "E42", "message": "disk full", "failureType": "UserError",
                                     "details": [], "target": "Work"}


def test_try_catch_makes_the_pipeline_succeed() -> None:
    factory = make_factory(pipeline_json("P", [fail("Work"), wait("Handler", **after("Work", conditions=("Failed",)))]))
    assert run(factory, "P").run.status == "Succeeded"


@pytest.mark.parametrize(("upstream", "condition", "runs"), [
    ("ok", "Completed", True), ("bad", "Completed", True), ("ok", "Failed", False), ("bad", "Succeeded", False),
    ("skipped", "Skipped", True), ("skipped", "Completed", False), ("bad", "failed", True),
])
def test_each_condition(upstream: str, condition: str, runs: bool, store: RunStore) -> None:
    first = {"ok": wait("Up"), "bad": fail("Up")}.get(upstream)
    activities = [first] if first else [fail("Root"), wait("Up", **after("Root"))]
    factory = make_factory(pipeline_json("P", [*activities, wait("Down", **after("Up", conditions=(condition,)))]))
    result = run(factory, "P", store)
    assert activity_runs(store, result)["Down"][0].status == ("Succeeded" if runs else "Skipped")


def test_several_conditions_on_one_upstream_are_alternatives() -> None:
    factory = make_factory(pipeline_json("P", [
        fail("Root"), wait("Up", **after("Root")),
        wait("Handler", **after("Up", conditions=("Failed", "Skipped"))),
    ]))
    assert run(factory, "P").activities["Handler"].status == "Succeeded"


def test_dependencies_on_several_upstreams_must_all_hold() -> None:
    factory = make_factory(pipeline_json("P", [
        wait("A"), fail("B"),
        wait("Both", dependsOn=[{"activity": "A", "dependencyConditions": ["Succeeded"]},
                                {"activity": "B", "dependencyConditions": ["Succeeded"]}]),
        wait("Mixed", dependsOn=[{"activity": "A", "dependencyConditions": ["Succeeded"]},
                                 {"activity": "B", "dependencyConditions": ["Failed"]}]),
    ]))
    result = run(factory, "P")
    assert result.activities["Both"].status == "Skipped"
    assert result.activities["Mixed"].status == "Succeeded"


def test_independent_branches_run_at_the_same_time() -> None:
    factory = make_factory(pipeline_json("P", [wait("A", 1), wait("B", 1), wait("C", 1)]))
    started = time.monotonic()
    assert run(factory, "P").succeeded
    assert time.monotonic() - started < 2.5  # three one-second waits, side by side


@pytest.mark.parametrize("marked", ["Succeeded", "Failed", "Skipped"])
def test_an_inactive_activity_does_not_run_and_reports_its_mark(marked: str, store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        fail("Off", state="Inactive", onInactiveMarkAs=marked), wait("Next", **after("Off")),
    ]))
    result = run(factory, "P", store)
    off = activity_runs(store, result)["Off"][0]
    assert off.status == marked and off.error is None
    assert result.activities["Next"].status == ("Succeeded" if marked == "Succeeded" else "Skipped")


def test_cancel_stops_a_running_wait_and_starts_nothing_new(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [wait("Long", 60), wait("Later", **after("Long"))]))
    with Engine(factory, store=store) as engine:
        handle = engine.start("P")
        wait_for(lambda: any(r.status == "InProgress" for r in store.activity_runs(handle.run_id)))
        started = time.monotonic()
        handle.cancel()
        result = handle.wait(timeout=10)
    assert time.monotonic() - started < 5
    assert result.run.status == "Cancelled"
    runs = activity_runs(store, result)
    assert runs["Long"][0].status == "Cancelled"
    assert "Later" not in runs


def test_a_run_is_recorded_in_progress_while_it_runs(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [wait("Long", 60)]))
    with Engine(factory, store=store) as engine:
        handle = engine.start("P")
        wait_for(lambda: store.get_pipeline_run(handle.run_id) is not None
                  and store.get_pipeline_run(handle.run_id).status == "InProgress")  # type: ignore[union-attr]
        handle.cancel()
        handle.wait(timeout=10)
