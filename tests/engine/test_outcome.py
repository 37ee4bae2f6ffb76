"""ADF's documented outcome rule, on the patterns of its error-handling tutorial."""

from __future__ import annotations

from typing import Any

from pgfactory.engine.outcome import failed_nodes


def activity(name: str, *upstreams: str) -> dict[str, Any]:
    return {"name": name, "dependsOn": [{"activity": upstream} for upstream in upstreams]}


def test_try_catch_succeeds_when_the_handler_is_skipped_because_the_work_succeeded() -> None:
    graph = [activity("Work"), activity("OnFailure", "Work")]
    assert failed_nodes(graph, {"Work": "Succeeded", "OnFailure": "Skipped"}) == []


def test_try_catch_succeeds_when_the_handler_handles_the_failure() -> None:
    graph = [activity("Work"), activity("OnFailure", "Work")]
    assert failed_nodes(graph, {"Work": "Failed", "OnFailure": "Succeeded"}) == []


def test_do_if_else_fails_when_the_work_fails() -> None:
    graph = [activity("Work"), activity("OnSuccess", "Work"), activity("OnFailure", "Work")]
    assert failed_nodes(graph, {"Work": "Failed", "OnSuccess": "Skipped", "OnFailure": "Succeeded"}) == ["Work"]


def test_do_if_skip_else_succeeds_with_a_dummy_upon_skip_leaf() -> None:
    graph = [activity("Work"), activity("OnSuccess", "Work"), activity("OnFailure", "Work"), activity("Dummy", "OnSuccess")]
    statuses = {"Work": "Failed", "OnSuccess": "Skipped", "OnFailure": "Succeeded", "Dummy": "Succeeded"}
    assert failed_nodes(graph, statuses) == []


def test_skips_are_walked_up_through_several_levels() -> None:
    graph = [activity("A"), activity("B", "A"), activity("C", "B")]
    assert failed_nodes(graph, {"A": "Failed", "B": "Skipped", "C": "Skipped"}) == ["A"]


def test_a_skipped_root_fails_nothing() -> None:
    assert failed_nodes([activity("Inactive")], {"Inactive": "Skipped"}) == []


def test_every_leaf_counts() -> None:
    graph = [activity("A"), activity("B")]
    assert failed_nodes(graph, {"A": "Succeeded", "B": "Failed"}) == ["B"]
