"""``validate`` catches broken pipelines before any run, naming file, pipeline, property and position."""

from __future__ import annotations

from typing import Any

import pytest

from pgfactory.engine.validation import validate_pipelines
from tests.engine.pipelines import after, fail, make_factory, pipeline_json, wait


def problems(activities: list[dict[str, Any]], **properties: Any) -> list[tuple[str, str]]:
    factory = make_factory(pipeline_json("P", activities, **properties),
                           factory={"name": "f", "properties": {"globalParameters": {"env": {"type": "String", "value": "x"}}}})
    found = validate_pipelines(factory)
    assert all(problem.file == "pipeline/P.json" and problem.resource == "P" for problem in found)
    return [(problem.property_path, problem.message) for problem in found]


def set_variable(name: str, value: Any, variable: str = "v", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "SetVariable", "typeProperties": {"variableName": variable, "value": value}, **extra}


def test_a_good_pipeline_has_no_problems() -> None:
    assert problems([
        wait("A"),
        set_variable("B", "@concat(string(activity('A').output), pipeline().parameters.p, pipeline().globalParameters.env)",
                     **after("A")),
        {"name": "Each", "type": "ForEach", "typeProperties": {"items": "@createArray(1)", "activities": [
            set_variable("Inner", "@string(item())"), set_variable("Inner2", "@activity('Inner').output.value", **after("Inner")),
        ]}},
    ], parameters={"p": {"type": "String"}}, variables={"v": {"type": "String"}}) == []


def test_a_syntax_error_names_the_property_and_position() -> None:
    [(path, message)] = problems([set_variable("S", "@concat('a', ")], variables={"v": {"type": "String"}})
    assert path == "properties.activities[0].typeProperties.value"
    assert "position" in message


def test_an_unknown_function() -> None:
    [(_, message)] = problems([set_variable("S", "@concatt('a', 'b')")], variables={"v": {"type": "String"}})
    assert "concatt" in message and "position 1" in message


def test_wrong_argument_types_of_literals() -> None:
    [(_, message)] = problems([set_variable("S", "@string(add('one', 1))")], variables={"v": {"type": "String"}})
    assert "The function 'add' expects its first parameter to be an integer" in message and "position 8" in message


def test_wrong_argument_count() -> None:
    [(_, message)] = problems([set_variable("S", "@substring()")], variables={"v": {"type": "String"}})
    assert "substring" in message


@pytest.mark.parametrize(("expression", "expected"), [
    ("@activity('Nope').output", "activity('Nope') does not exist"),
    ("@activity('Later').output", "activity('Later') is not an ancestor"),
    ("@variables('nope')", "variables('nope') is not declared"),
    ("@pipeline().parameters.nope", "pipeline().parameters.nope is not declared"),
    ("@pipeline().globalParameters.nope", "pipeline().globalParameters.nope is not declared"),
    ("@item()", "item() is only available inside a ForEach"),
    ("@linkedService().x", "linkedService() is only available inside linkedService definitions"),
])
def test_references_to_what_does_not_exist(expression: str, expected: str) -> None:
    found = problems([set_variable("S", expression), wait("Later")], variables={"v": {"type": "String"}})
    assert len(found) == 1 and expected in found[0][1], found
    assert "(at position " in found[0][1]


def test_a_dependency_on_a_missing_activity() -> None:
    [(path, message)] = problems([wait("A", **after("Ghost"))])
    assert path == "properties.activities[0].dependsOn[0].activity" and "'Ghost'" in message


def test_a_dependency_on_an_activity_outside_the_container() -> None:
    found = problems([wait("Outer"), {"name": "If", "type": "IfCondition", "typeProperties": {
        "expression": {"value": "@true", "type": "Expression"}, "ifTrueActivities": [wait("Inner", **after("Outer"))]}}])
    assert found[0][0] == "properties.activities[1].typeProperties.ifTrueActivities[0].dependsOn[0].activity"


def test_a_dependency_cycle() -> None:
    found = problems([wait("A", **after("C")), wait("B", **after("A")), wait("C", **after("B"))])
    assert any("dependency cycle: " in message for _, message in found)


def test_an_unknown_condition() -> None:
    [(_, message)] = problems([wait("A"), wait("B", **after("A", conditions=("Finished",)))])
    assert "unknown condition 'Finished'" in message


def test_an_unknown_activity_type() -> None:
    [(path, message)] = problems([{"name": "X", "type": "DatabricksNotebook"}])
    assert path == "properties.activities[0].type" and "unknown activity type 'DatabricksNotebook'" in message


def test_duplicate_names_even_when_nested() -> None:
    found = problems([wait("A"), {"name": "Each", "type": "ForEach", "typeProperties": {
        "items": "@createArray(1)", "activities": [wait("A")]}}])
    assert any("already used" in message for _, message in found)


def test_for_each_directly_inside_for_each() -> None:
    inner = {"name": "Inner", "type": "ForEach", "typeProperties": {"items": "@createArray(1)", "activities": []}}
    outer = {"name": "Outer", "type": "ForEach", "typeProperties": {"items": "@createArray(1)", "activities": [inner]}}
    found = problems([outer])
    assert any("cannot sit directly inside a ForEach" in message for _, message in found)


def test_undeclared_and_mistyped_variables() -> None:
    found = problems([set_variable("S", "x", variable="nope"),
                      {"name": "A", "type": "AppendVariable", "typeProperties": {"variableName": "v", "value": "x"}}],
                     variables={"v": {"type": "String"}})
    assert [message.split(";")[0] for _, message in found] == [
        "variable 'nope' is not declared", "AppendVariable needs an Array variable"]


def test_missing_referenced_resources() -> None:
    found = problems([
        {"name": "Run", "type": "ExecutePipeline", "typeProperties": {"pipeline": {"referenceName": "Ghost"}}},
        {"name": "L", "type": "Lookup", "typeProperties": {"dataset": {"referenceName": "NoSet"}, "source": {}}},
        {"name": "C", "type": "Copy", "inputs": [{"referenceName": "In"}], "outputs": [{"referenceName": "Out"}],
         "typeProperties": {"source": {"type": "AzurePostgreSqlSource"}, "sink": {"type": "AzurePostgreSqlSink"}}},
    ])
    assert {path for path, _ in found} == {"properties.activities[0].typeProperties.pipeline.referenceName",
                                           "properties.activities[1].typeProperties.dataset.referenceName",
                                           "properties.activities[2].inputs[0].referenceName",
                                           "properties.activities[2].outputs[0].referenceName"}


def test_until_expression_may_read_its_own_activities() -> None:
    assert problems([{"name": "Loop", "type": "Until", "typeProperties": {
        "expression": {"value": "@equals(activity('Step').output.name, 'v')", "type": "Expression"},
        "activities": [set_variable("Step", "x")]}}], variables={"v": {"type": "String"}}) == []


def test_filter_condition_may_use_item() -> None:
    assert problems([{"name": "F", "type": "Filter", "typeProperties": {"items": "@createArray(1)",
                                                                        "condition": "@equals(item(), 1)"}}]) == []


def test_fail_activity_is_known() -> None:
    assert problems([fail("F")]) == []


def test_a_switch_without_its_expression() -> None:
    [(path, message)] = problems([{"name": "S", "type": "Switch", "typeProperties": {"cases": [], "defaultActivities": []}}])
    assert path == "properties.activities[0].typeProperties.on" and "'on'" in message


def copy_factory_problems(source_type: str, sink_type: str, **copy_properties: object) -> list[tuple[str, str]]:
    datasets = [
        {"name": "Table", "properties": {"type": "AzurePostgreSqlTable", "linkedServiceName": {"referenceName": "Pg"},
                                         "typeProperties": {"table": "t"}}},
        {"name": "Csv", "properties": {"type": "DelimitedText", "linkedServiceName": {"referenceName": "Files"},
                                       "typeProperties": {"location": {"type": "FileServerLocation", "fileName": "a.csv"}}}},
        {"name": "Parquet", "properties": {"type": "Parquet", "linkedServiceName": {"referenceName": "Files"},
                                           "typeProperties": {"location": {"type": "FileServerLocation",
                                                                           "fileName": "a.parquet"}}}},
    ]
    activity = {"name": "Copy", "type": "Copy", "inputs": [{"referenceName": source_type}],
                "outputs": [{"referenceName": sink_type}], "typeProperties": copy_properties}
    factory = make_factory(pipeline_json("P", [activity]), datasets=datasets)
    return [(problem.property_path, problem.message) for problem in validate_pipelines(factory)]


def test_copy_source_and_sink_types_must_go_with_their_datasets() -> None:
    assert copy_factory_problems("Table", "Csv", source={"type": "AzurePostgreSqlSource"},
                                 sink={"type": "DelimitedTextSink"}) == []
    assert copy_factory_problems("Table", "Csv", source={"type": "AzurePostgreSqlSource"},
                                 sink={"type": "ParquetSink"}) == [
        ("properties.activities[0].typeProperties.sink.type",
         "'ParquetSink' does not go with the DelimitedText dataset; use DelimitedTextSink")]


def test_copy_between_two_files_is_refused_before_the_run() -> None:
    [(path, message)] = copy_factory_problems("Csv", "Parquet", source={"type": "DelimitedTextSource"},
                                              sink={"type": "ParquetSink"})
    assert path == "properties.activities[0].inputs" and "between PostgreSQL and files" in message


def test_copy_needs_a_source_and_a_sink() -> None:
    found = copy_factory_problems("Table", "Table")
    assert [path for path, _ in found] == ["properties.activities[0].typeProperties.source",
                                           "properties.activities[0].typeProperties.sink"]


def test_copy_type_conversion_settings_are_checked_where_they_apply() -> None:
    sides = {"source": {"type": "AzurePostgreSqlSource"}, "sink": {"type": "DelimitedTextSink"}}
    settings = {"culture": "fr-fr", "dateTimeFormat": "yyyy-MM-dd'", "treatBooleanAsNumber": "sometimes",
                "dateTimeOffsetFormat": "@concat('yyyy', '-MM')", "timeSpanFormat": "c"}
    found = copy_factory_problems("Table", "Csv", **sides, translator={
        "type": "TabularTranslator", "typeConversion": True, "typeConversionSettings": settings})
    prefix = "properties.activities[0].typeProperties.translator.typeConversionSettings"
    assert {path: message.split(";")[0] for path, message in found} == {
        f"{prefix}.culture": "pgfactory converts with the en-US (or invariant, \"\") culture only, got 'fr-fr'",
        f"{prefix}.dateTimeFormat": "not a .NET date and time format: the quoted text starting at position 10 has no closing '",
        f"{prefix}.treatBooleanAsNumber": "expected true, false or an expression, got str 'sometimes'",
        f"{prefix}.timeSpanFormat": "not implemented by pgfactory",
    }
    assert copy_factory_problems("Table", "Csv", **sides, translator={
        "type": "TabularTranslator", "typeConversion": False, "typeConversionSettings": settings}) == []
