"""ForEach, IfCondition, Switch, Until, Filter, SetVariable, AppendVariable, ExecutePipeline, Wait, Fail."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pgfactory.engine import Engine
from pgfactory.errors import DefinitionError
from pgfactory.store.run_store import RunStore
from tests.engine.pipelines import activity_runs, after, fail, make_factory, pipeline_json, run, wait


def set_variable(name: str, variable: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "SetVariable", "typeProperties": {"variableName": variable, "value": value}, **extra}


def append(name: str, variable: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "AppendVariable", "typeProperties": {"variableName": variable, "value": value}, **extra}


def for_each(name: str, items: Any, activities: list[dict[str, Any]], **type_properties: Any) -> dict[str, Any]:
    return {"name": name, "type": "ForEach", "typeProperties": {"items": items, "activities": activities, **type_properties}}


def return_value(**entries: dict[str, Any]) -> dict[str, Any]:
    return {"name": "Return", "type": "SetVariable", "typeProperties": {
        "variableName": "pipelineReturnValue", "setSystemVariable": True,
        "value": [{"key": key, "value": value} for key, value in entries.items()]}}


ARRAY = {"type": "Array", "defaultValue": []}


def test_for_each_sees_each_item_and_appends_in_order_when_sequential(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        for_each("Each", "@createArray('a', 'b', 'c')", [append("Add", "seen", "@toUpper(item())")], isSequential=True),
        return_value(seen={"type": "Expression", "content": "@variables('seen')"}) | after("Each"),
    ], variables={"seen": ARRAY}))
    result = run(factory, "P", store)
    assert result.succeeded, result.run.message
    assert result.return_value == {"seen": ["A", "B", "C"]}
    runs = activity_runs(store, result)
    assert len(runs["Add"]) == 3
    assert {record.parent_activity_run_id for record in runs["Add"]} == {runs["Each"][0].activity_run_id}
    assert sorted(record.iteration_hash for record in runs["Add"]) == ["0", "1", "2"]
    assert runs["Each"][0].iteration_hash == ""


def test_for_each_runs_batch_count_iterations_at_once() -> None:
    factory = make_factory(pipeline_json("P", [
        for_each("Each", "@range(1, 8)", [wait("Nap", 1)], batchCount=4),
    ]))
    started = time.monotonic()
    assert run(factory, "P").succeeded
    elapsed = time.monotonic() - started
    assert 1.8 < elapsed < 3.5  # eight one-second naps, four at a time: two rounds


def test_a_failed_iteration_fails_the_for_each_naming_the_inner_activity(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        for_each("Each", "@createArray(1, 2, 3)", [fail("Boom", "@concat('item ', string(item()))", "E7")],
                 isSequential=True),
    ]))
    result = run(factory, "P", store)
    assert result.run.status == "Failed"
    error = activity_runs(store, result)["Each"][0].error
    assert error is not None and error["errorCode"] == "ActionFailed"
    assert error["message"].startswith(
        "Activity failed because an inner activity failed; Inner activity name: Boom, Error: item ")
    assert result.run.message.startswith("Operation on target Each failed: Activity failed because an inner activity failed")
    assert len(activity_runs(store, result)["Boom"]) == 3  # ADF runs every iteration even when one fails


def test_if_condition_runs_one_branch(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        {"name": "If", "type": "IfCondition", "typeProperties": {
            "expression": {"value": "@greater(pipeline().parameters.n, 10)", "type": "Expression"},
            "ifTrueActivities": [set_variable("Big", "size", "big")],
            "ifFalseActivities": [set_variable("Small", "size", "small")]}},
        return_value(size={"type": "Expression", "content": "@variables('size')"}) | after("If"),
    ], parameters={"n": {"type": "Int"}}, variables={"size": {"type": "String"}}))
    assert run(factory, "P", n=42).return_value == {"size": "big"}
    result = run(factory, "P", store, n=1)
    assert result.return_value == {"size": "small"}
    assert "Big" not in activity_runs(store, result)


def test_if_condition_refuses_a_non_boolean() -> None:
    factory = make_factory(pipeline_json("P", [{"name": "If", "type": "IfCondition", "typeProperties": {
        "expression": {"value": "@'yes'", "type": "Expression"}, "ifTrueActivities": []}}]))
    result = run(factory, "P")
    assert result.activities["If"].error["message"].startswith("The IfCondition expression must evaluate to a boolean")  # type: ignore[index]


@pytest.mark.parametrize(("value", "chosen", "key"), [
    ("a", "A", "on"), ("b", "B", "on"), ("zzz", "Default", "on"), ("b", "B", "expression"),  # the doc page's spelling
])
def test_switch_runs_the_matching_case_or_the_default(value: str, chosen: str, key: str) -> None:
    factory = make_factory(pipeline_json("P", [
        {"name": "Switch", "type": "Switch", "typeProperties": {
            key: {"value": "@pipeline().parameters.v", "type": "Expression"},
            "cases": [{"value": "a", "activities": [set_variable("A", "chosen", "A")]},
                      {"value": "b", "activities": [set_variable("B", "chosen", "B")]}],
            "defaultActivities": [set_variable("Default", "chosen", "Default")]}},
        return_value(chosen={"type": "Expression", "content": "@variables('chosen')"}) | after("Switch"),
    ], parameters={"v": {"type": "String"}}, variables={"chosen": {"type": "String"}}))
    assert run(factory, "P", v=value).return_value == {"chosen": chosen}


def test_until_repeats_until_its_expression_holds(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [
        {"name": "Loop", "type": "Until", "typeProperties": {
            "expression": {"value": "@greaterOrEquals(length(variables('ticks')), 3)", "type": "Expression"},
            "timeout": "00:01:00",
            "activities": [append("Tick", "ticks", "@utcNow()")]}},
    ], variables={"ticks": ARRAY}))
    result = run(factory, "P", store)
    assert result.succeeded
    assert len(activity_runs(store, result)["Tick"]) == 3


def test_until_times_out() -> None:
    factory = make_factory(pipeline_json("P", [
        {"name": "Loop", "type": "Until", "typeProperties": {
            "expression": {"value": "@equals(1, 2)", "type": "Expression"}, "timeout": "00:00:01",
            "activities": [wait("Nap", 0.3)]}},
    ]))
    result = run(factory, "P")
    assert result.activities["Loop"].error["errorCode"] == "UntilTimedOut"  # type: ignore[index]


def test_filter_output_has_adf_fields() -> None:
    factory = make_factory(pipeline_json("P", [
        {"name": "Odd", "type": "Filter", "typeProperties": {
            "items": "@range(1, 6)", "condition": "@equals(mod(item(), 2), 1)"}},
        return_value(odd={"type": "Expression", "content": "@activity('Odd').output.value"}, **{}) | after("Odd"),
    ]))
    result = run(factory, "P")
    assert result.activities["Odd"].output == {"ItemsCount": 6, "FilteredItemsCount": 3, "Value": [1, 3, 5]}
    assert result.return_value == {"odd": [1, 3, 5]}  # property lookup is case-insensitive, as in ADF


def test_set_variable_checks_the_declared_type() -> None:
    factory = make_factory(pipeline_json("P", [set_variable("Set", "flag", "@add(1, 2)")],
                                         variables={"flag": {"type": "Bool"}}))
    result = run(factory, "P")
    assert result.activities["Set"].error["message"] == (  # type: ignore[index]
        "The variable 'flag' of type 'Bool' cannot be initialized or updated with value of type 'Integer'. "
        "The variable 'flag' only supports values of types 'Bool'.")


def test_set_variable_output_shape() -> None:
    factory = make_factory(pipeline_json("P", [set_variable("Set", "v", "@concat('a', 'b')")],
                                         variables={"v": {"type": "String"}}))
    assert run(factory, "P").activities["Set"].output == {"name": "v", "value": "ab"}


def test_return_value_types() -> None:
    factory = make_factory(pipeline_json("P", [return_value(
        s={"type": "String", "content": "text"}, i={"type": "Int", "content": 3}, f={"type": "Float", "content": 1.5},
        b={"type": "Boolean", "content": True}, n={"type": "Null"}, e={"type": "Expression", "content": "@add(1, 1)"},
        a={"type": "Array", "content": [{"type": "String", "content": "x"}, {"type": "Int", "content": 2}]},
        o={"type": "Object", "content": [{"key": "k", "value": {"type": "String", "content": "v"}}]},
    )]))
    assert run(factory, "P").return_value == {"s": "text", "i": 3, "f": 1.5, "b": True, "n": None, "e": 2,
                                              "a": ["x", 2], "o": {"k": "v"}}


def test_execute_pipeline_passes_parameters_and_returns_the_child_value(store: RunStore) -> None:
    child = pipeline_json("Child", [return_value(doubled={"type": "Expression", "content": "@mul(pipeline().parameters.x, 2)"})],
                          parameters={"x": {"type": "Int"}})
    parent = pipeline_json("Parent", [
        {"name": "Call", "type": "ExecutePipeline", "typeProperties": {
            "pipeline": {"referenceName": "Child", "type": "PipelineReference"},
            "parameters": {"x": "@pipeline().parameters.n"}, "waitOnCompletion": True}},
        return_value(got={"type": "Expression", "content": "@activity('Call').output.pipelineReturnValue.doubled"})
        | after("Call"),
    ], parameters={"n": {"type": "Int"}})
    result = run(make_factory(child, parent), "Parent", store, n=21)
    assert result.succeeded, result.run.message
    assert result.return_value == {"got": 42}
    call = result.activities["Call"].output
    child_run = store.get_pipeline_run(call["pipelineRunId"])
    assert child_run is not None and child_run.status == "Succeeded"
    assert child_run.invoked_by.invoked_by_type == "PipelineActivity"
    assert child_run.invoked_by.pipeline_run_id == result.run.run_id


def test_execute_pipeline_fails_with_the_child_failure() -> None:
    child = pipeline_json("Child", [fail("Inner", "bad input", "E9")])
    parent = pipeline_json("Parent", [{"name": "Call", "type": "ExecutePipeline", "typeProperties": {
        "pipeline": {"referenceName": "Child", "type": "PipelineReference"}}}])
    result = run(make_factory(child, parent), "Parent")
    assert result.run.message == "Operation on target Call failed: Operation on target Inner failed: bad input"


def test_execute_pipeline_without_waiting_returns_at_once() -> None:
    child = pipeline_json("Child", [wait("Nap", 2)])
    parent = pipeline_json("Parent", [{"name": "Call", "type": "ExecutePipeline", "typeProperties": {
        "pipeline": {"referenceName": "Child", "type": "PipelineReference"}, "waitOnCompletion": False}}])
    started = time.monotonic()
    with Engine(make_factory(child, parent)) as engine:
        result = engine.run("Parent")
        assert time.monotonic() - started < 1.5
    assert set(result.activities["Call"].output) == {"pipelineName", "pipelineRunId"}


@pytest.mark.parametrize(("message", "code", "expected_message", "expected_code"), [
    ("disk full", "E1", "disk full", "E1"),
    ("@pipeline().parameters.n", "E1", "Fail fail message parameter couldn't be interpreted as a string", "E1"),
    ("", "E1", "Failed to interpret Fail fail message or error code", "E1"),
    ("disk full", "", "disk full", "ErrorCodeNotString"),
    ("", "", "Failed to interpret Fail fail message or error code", "ErrorCodeNotString"),
])
def test_fail_follows_adf_rules(message: str, code: str, expected_message: str, expected_code: str) -> None:
    factory = make_factory(pipeline_json("P", [fail("Fail", message, code)],
                                         parameters={"n": {"type": "Int", "defaultValue": 1}}))
    error = run(factory, "P").activities["Fail"].error
    assert error is not None and (error["message"], error["errorCode"]) == (expected_message, expected_code)


def test_fail_without_a_message() -> None:
    factory = make_factory(pipeline_json("P", [{"name": "Fail", "type": "Fail", "typeProperties": {"errorCode": "E1"}}]))
    error = run(factory, "P").activities["Fail"].error
    assert error is not None and (error["message"], error["errorCode"]) == ("Fail message wasn't provided", "E1")


def test_parameters_are_typed_and_required() -> None:
    factory = make_factory(pipeline_json("P", [], parameters={"n": {"type": "Int"},
                                                              "s": {"type": "String", "defaultValue": "x"}}))
    with Engine(factory) as engine:
        with pytest.raises(DefinitionError, match="parameter 'n' has no default value"):
            engine.run("P")
        with pytest.raises(DefinitionError, match="expected a value of type Int, got str"):
            engine.run("P", {"n": "seven"})
        with pytest.raises(DefinitionError, match="'seven' is not a valid Int"):
            engine.run("P", {"n": "seven"}, parameters_from_text=True)
        with pytest.raises(DefinitionError, match="has no parameter 'zzz'"):
            engine.run("P", {"n": 1, "zzz": 2})
        assert engine.run("P", {"n": "7"}, parameters_from_text=True).run.parameters == {"n": 7, "s": "x"}


def test_secure_string_parameters_are_masked_in_history(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [fail("Leak", "@concat('password is ', pipeline().parameters.secret)")],
                                         parameters={"secret": {"type": "SecureString"}}))
    result = run(factory, "P", store, secret="hunter2-very-secret")
    stored = store.get_pipeline_run(result.run.run_id)
    assert stored is not None
    text = repr(stored) + repr(store.activity_runs(result.run.run_id)) + repr(result.run)
    assert "hunter2-very-secret" not in text
    assert "**********" in text


def test_system_variables() -> None:
    factory = make_factory(pipeline_json("P", [return_value(
        run={"type": "Expression", "content": "@pipeline().RunId"},
        name={"type": "Expression", "content": "@pipeline().Pipeline"},
        trigger={"type": "Expression", "content": "@pipeline().TriggerType"},
        parent={"type": "Expression", "content": "@pipeline()?.TriggeredByPipelineName"},
        when={"type": "Expression", "content": "@pipeline().TriggerTime"},
    )]))
    result = run(factory, "P")
    values = result.return_value
    assert values is not None
    assert values["run"] == result.run.run_id and values["name"] == "P" and values["trigger"] == "Manual"
    assert values["parent"] is None and values["when"].endswith("Z")


def test_global_parameters() -> None:
    factory = make_factory(
        pipeline_json("P", [return_value(env={"type": "Expression", "content": "@pipeline().globalParameters.env"})]),
        factory={"name": "f", "properties": {"globalParameters": {"env": {"type": "String", "value": "prod"}}}},
    )
    assert run(factory, "P").return_value == {"env": "prod"}


def test_an_expression_error_fails_the_activity_not_the_engine(store: RunStore) -> None:
    factory = make_factory(pipeline_json("P", [set_variable("Set", "v", "@variables('nope')")],
                                         variables={"v": {"type": "String"}}))
    result = run(factory, "P", store)
    error = activity_runs(store, result)["Set"][0].error
    assert result.run.status == "Failed"
    assert error is not None and error["errorCode"] == "InvalidTemplate" and "nope" in error["message"]


def test_a_bad_batch_count_fails_the_for_each_clearly() -> None:
    factory = make_factory(pipeline_json("P", [for_each("Each", "@createArray(1)", [wait("W")], batchCount="many")]))
    error = run(factory, "P").activities["Each"].error
    assert error is not None and error["message"] == "batchCount must be a whole number, got 'many'"


def test_a_bug_in_a_control_activity_fails_it_instead_of_leaving_it_in_progress(
        store: RunStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from pgfactory.engine import control_activities

    def broken(_: Any) -> Any:
        raise KeyError("surprise")

    monkeypatch.setitem(control_activities.CONTROL_FLOW, "Wait", broken)
    result = run(make_factory(pipeline_json("P", [wait("W")])), "P", store)
    [record] = activity_runs(store, result)["W"]
    assert record.status == "Failed" and record.error is not None
    assert record.error["failureType"] == "SystemError" and "KeyError" in record.error["message"]
    assert result.run.status == "Failed"
