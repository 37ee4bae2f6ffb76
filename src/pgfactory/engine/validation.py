"""Checks on pipelines before anything runs, so that a mistake costs a second, not a run.

Each activity is checked where it sits: its type is one pgfactory runs, its dependencies name
activities of the same container and form no cycle, the resources it references exist, and every
expression in it parses and refers only to what exists: declared parameters, variables and
global parameters, and activities that finish before it (its dependency ancestors, or those of
an enclosing container). Problems name the file, pipeline, property path and the position in the
expression.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgfactory.activities import EXECUTION_ACTIVITIES
from pgfactory.activities.copy.activity import side_type, unsupported_pair
from pgfactory.activities.copy.partitions import partition_setting_problems
from pgfactory.activities.copy.type_conversion import type_conversion_problems
from pgfactory.engine.control_activities import CONTROL_FLOW
from pgfactory.engine.outcome import upstream_names
from pgfactory.expressions.analysis import Reference, check_syntax, references
from pgfactory.models.factory import Factory, ResourceKind, load_factory
from pgfactory.models.problems import Problem
from pgfactory.models.resources import FactoryResource, PipelineResource
from pgfactory.models.validation import validate_resources
from pgfactory.models.values import as_flag, is_expression_text

CONDITIONS = {"succeeded", "failed", "skipped", "completed"}
ITERATION_CONTAINERS = {"ForEach", "Until"}
# ADF refuses ForEach or Until directly inside ForEach or Until (use ExecutePipeline).
_NO_NESTING = {"ForEach": ITERATION_CONTAINERS, "Until": ITERATION_CONTAINERS}


@dataclass
class _Scope:
    """One list of activities and what its expressions may see from outside it."""

    activities: list[dict[str, Any]]
    path: str
    visible: frozenset[str] = frozenset()  # activities of enclosing scopes that finished before this one ran
    has_item: bool = False
    enclosing_types: tuple[str, ...] = ()
    ancestors: dict[str, set[str]] = field(default_factory=dict)


def validate_pipelines(factory: Factory) -> list[Problem]:
    problems: list[Problem] = []
    for resource in factory.resources[ResourceKind.PIPELINE].values():
        if isinstance(resource, PipelineResource):
            problems.extend(_PipelineCheck(factory, resource).run())
    return problems


class _PipelineCheck:
    def __init__(self, factory: Factory, pipeline: PipelineResource) -> None:
        self.factory = factory
        self.pipeline = pipeline
        self.file = factory.file_of(ResourceKind.PIPELINE, pipeline.name)
        self.problems: list[Problem] = []
        self.parameters = set(pipeline.properties.parameters or {})
        self.variables = {name: str((spec or {}).get("type", "String")) for name, spec in
                          (pipeline.properties.variables or {}).items()}
        factories = [f for f in factory.resources[ResourceKind.FACTORY].values() if isinstance(f, FactoryResource)]
        self.global_parameters = set(factories[0].properties.global_parameters or {}) if factories else set()
        self.names_seen: dict[str, str] = {}

    def run(self) -> list[Problem]:
        self._check_scope(_Scope(list(self.pipeline.properties.activities), "properties.activities"))
        return self.problems

    def _problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.pipeline.name, path, message))

    def _check_scope(self, scope: _Scope) -> None:
        by_name: dict[str, int] = {}
        for index, activity in enumerate(scope.activities):
            path = f"{scope.path}[{index}]"
            if not isinstance(activity, dict) or not isinstance(activity.get("name"), str):
                self._problem(path, "an activity must be an object with a 'name'")
                continue
            name = activity["name"]
            if name in self.names_seen:
                self._problem(f"{path}.name", f"activity name {name!r} is already used at {self.names_seen[name]}; "
                                              "names must be unique in a pipeline")
            self.names_seen.setdefault(name, path)
            by_name[name] = index
        self._check_dependencies(scope, by_name)
        for index, activity in enumerate(scope.activities):
            if isinstance(activity, dict) and isinstance(activity.get("name"), str):
                self._check_activity(activity, f"{scope.path}[{index}]", scope)

    def _check_dependencies(self, scope: _Scope, by_name: dict[str, int]) -> None:
        for index, activity in enumerate(scope.activities):
            if not isinstance(activity, dict):
                continue
            for position, dependency in enumerate(activity.get("dependsOn") or []):
                path = f"{scope.path}[{index}].dependsOn[{position}]"
                upstream = dependency.get("activity") if isinstance(dependency, dict) else None
                if upstream not in by_name:
                    self._problem(f"{path}.activity", f"depends on {upstream!r}, which is not an activity of the same "
                                                      f"container; there: {', '.join(sorted(by_name)) or 'none'}")
                for condition in (dependency.get("dependencyConditions") or []) if isinstance(dependency, dict) else []:
                    if str(condition).lower() not in CONDITIONS:
                        self._problem(f"{path}.dependencyConditions", f"unknown condition {condition!r}; "
                                                                      "use Succeeded, Failed, Skipped or Completed")
        graph = {name: [u for u in upstream_names(scope.activities[index]) if u in by_name]
                 for name, index in by_name.items()}
        cycle = _find_cycle(graph)
        if cycle:
            index = by_name[cycle[0]]
            self._problem(f"{scope.path}[{index}].dependsOn", "dependency cycle: " + " -> ".join([*cycle, cycle[0]]))
            return
        for name in graph:
            scope.ancestors[name] = _ancestors(name, graph)

    def _check_activity(self, activity: dict[str, Any], path: str, scope: _Scope) -> None:
        activity_type = str(activity.get("type", ""))
        name = activity["name"]
        if activity_type not in CONTROL_FLOW and activity_type not in EXECUTION_ACTIVITIES:
            known = sorted([*CONTROL_FLOW, *EXECUTION_ACTIVITIES])
            self._problem(f"{path}.type", f"unknown activity type {activity_type!r}; pgfactory runs: {', '.join(known)}")
        for enclosing in scope.enclosing_types[-1:]:
            if activity_type in _NO_NESTING.get(enclosing, set()):
                self._problem(f"{path}.type", f"a {activity_type} cannot sit directly inside a {enclosing}; "
                                              "move it into a pipeline and call that with ExecutePipeline")
        visible = scope.visible | scope.ancestors.get(name, set())
        has_item = scope.has_item
        for property_path, value in _expression_values(activity, path):
            item_here = has_item or (activity_type == "Filter" and property_path.startswith(f"{path}.typeProperties.condition"))
            seen = visible
            if activity_type == "Until" and property_path.startswith(f"{path}.typeProperties.expression"):
                seen = visible | _names(activity.get("typeProperties", {}).get("activities"))  # checked after they ran
            self._check_expression(value, property_path, seen, item_here)
        self._check_references(activity, activity_type, path)
        if activity_type == "Copy":
            self._check_copy(activity, path)
        for child_path, children in _inner_lists(activity, path):
            self._check_scope(_Scope(
                children, child_path, visible=frozenset(visible),
                has_item=has_item or activity_type == "ForEach",
                enclosing_types=(*scope.enclosing_types, activity_type),
            ))

    def _check_expression(self, text: str, path: str, visible: frozenset[str] | set[str], has_item: bool) -> None:
        error = check_syntax(text)
        if error is not None:
            where = f" at position {error.position}" if error.position is not None else ""
            self._problem(path, f"{error.detail}{where}")
            return
        for reference in references(text):
            message = self._reference_problem(reference, visible, has_item)
            if message:
                self._problem(path, f"{message} (at position {reference.position})")

    def _reference_problem(self, reference: Reference, visible: frozenset[str] | set[str], has_item: bool) -> str | None:
        kind, name = reference.kind, reference.name
        if kind == "activity" and name is not None and name not in visible:
            if name in self.names_seen:
                return (f"activity('{name}') is not an ancestor of this activity: add a dependency on it (directly "
                        "or through other activities) so that it has finished when this expression is evaluated")
            return f"activity('{name}') does not exist in pipeline '{self.pipeline.name}'"
        if kind == "variable" and name is not None and name not in self.variables:
            return f"variables('{name}') is not declared; declared: {', '.join(sorted(self.variables)) or 'none'}"
        if kind == "parameter" and name is not None and name not in self.parameters:
            return f"pipeline().parameters.{name} is not declared; declared: {', '.join(sorted(self.parameters)) or 'none'}"
        if kind == "globalParameter" and name is not None and name not in self.global_parameters:
            return (f"pipeline().globalParameters.{name} is not declared in the factory; "
                    f"declared: {', '.join(sorted(self.global_parameters)) or 'none'}")
        if kind == "item" and not has_item:
            return "item() is only available inside a ForEach or a Filter condition"
        if kind in {"linkedService", "dataset"}:
            return f"{kind}() is only available inside {kind} definitions"
        return None

    def _check_copy(self, activity: dict[str, Any], path: str) -> None:
        properties = activity.get("typeProperties")
        properties = properties if isinstance(properties, dict) else {}
        for property_path, message in [*partition_setting_problems(properties),
                                       *type_conversion_problems(properties.get("translator"))]:
            self._problem(f"{path}.typeProperties.{property_path}", message)
        dataset_types: dict[str, str] = {}
        for key, side in (("inputs", "source"), ("outputs", "sink")):
            references = activity.get(key)
            if not isinstance(references, list) or len(references) != 1:
                self._problem(f"{path}.{key}", f"a Copy activity needs exactly one dataset in {key}")
                continue
            dataset = self.factory.datasets.get(str(references[0].get("referenceName"))) \
                if isinstance(references[0], dict) else None
            if dataset is not None:
                dataset_types[side] = dataset.properties.type
        if len(dataset_types) == 2:
            problem = unsupported_pair(dataset_types["source"], dataset_types["sink"])
            if problem:
                self._problem(f"{path}.inputs", problem)
                return
        for side, suffix in (("source", "Source"), ("sink", "Sink")):
            declared = properties.get(side, {}).get("type") if isinstance(properties.get(side), dict) else None
            expected = side_type(dataset_types[side], suffix) if side in dataset_types else None
            if declared is None:
                self._problem(f"{path}.typeProperties.{side}", f"a Copy activity needs a {side} with a type")
            elif expected and isinstance(declared, str) and not is_expression_text(declared) \
                    and declared.lower() != expected.lower():
                self._problem(f"{path}.typeProperties.{side}.type",
                              f"{declared!r} does not go with the {dataset_types[side]} dataset; use {expected}")

    def _check_references(self, activity: dict[str, Any], activity_type: str, path: str) -> None:
        properties = activity.get("typeProperties") if isinstance(activity.get("typeProperties"), dict) else {}
        assert isinstance(properties, dict)
        linked_service = activity.get("linkedServiceName")
        if isinstance(linked_service, dict) and linked_service.get("referenceName") not in self.factory.linked_services:
            self._problem(f"{path}.linkedServiceName.referenceName",
                          f"there is no linked service {linked_service.get('referenceName')!r}")
        dataset_references = [(f"{path}.typeProperties.dataset", properties.get("dataset"))] + [
            (f"{path}.{key}[{index}]", reference) for key in ("inputs", "outputs")
            for index, reference in enumerate(activity.get(key) or [])]
        for where, dataset in dataset_references:
            if isinstance(dataset, dict) and dataset.get("referenceName") not in self.factory.datasets:
                self._problem(f"{where}.referenceName", f"there is no dataset {dataset.get('referenceName')!r}")
        if activity_type == "ExecutePipeline":
            reference = properties.get("pipeline")
            target = reference.get("referenceName") if isinstance(reference, dict) else None
            if target not in self.factory.resources[ResourceKind.PIPELINE]:
                self._problem(f"{path}.typeProperties.pipeline.referenceName", f"there is no pipeline {target!r}")
        if activity_type == "Switch" and "on" not in properties and "expression" not in properties:
            self._problem(f"{path}.typeProperties.on", "a Switch needs the expression whose value picks the case ('on')")
        if activity_type in {"SetVariable", "AppendVariable"}:
            variable = properties.get("variableName")
            system = as_flag(properties.get("setSystemVariable"), False) and variable == "pipelineReturnValue"
            if not system and variable not in self.variables:
                self._problem(f"{path}.typeProperties.variableName", f"variable {variable!r} is not declared; "
                                                                     f"declared: {', '.join(sorted(self.variables)) or 'none'}")
            elif activity_type == "AppendVariable" and self.variables.get(str(variable), "").lower() != "array":
                self._problem(f"{path}.typeProperties.variableName",
                              f"AppendVariable needs an Array variable; {variable!r} is a {self.variables.get(str(variable))}")


def _names(activities: Any) -> set[str]:
    return {str(a.get("name")) for a in activities or [] if isinstance(a, dict)}


def _inner_lists(activity: dict[str, Any], path: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    properties = activity.get("typeProperties")
    if not isinstance(properties, dict):
        return
    for key in ("activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities"):
        if isinstance(properties.get(key), list):
            yield f"{path}.typeProperties.{key}", properties[key]
    for index, case in enumerate(properties.get("cases") or []):
        if isinstance(case, dict) and isinstance(case.get("activities"), list):
            yield f"{path}.typeProperties.cases[{index}].activities", case["activities"]


_NESTED = {"activities", "ifTrueActivities", "ifFalseActivities", "defaultActivities", "cases"}


def _expression_values(activity: dict[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """Every string of the activity that holds an expression, except those of inner activities."""

    def walk(value: Any, where: str, top: bool = False) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            if value.get("type") == "Expression" and isinstance(value.get("value"), str):
                yield f"{where}.value", value["value"]
                return
            for key, item in value.items():
                if top and key == "typeProperties" and isinstance(item, dict):
                    for inner_key, inner in item.items():
                        if inner_key not in _NESTED:
                            yield from walk(inner, f"{where}.typeProperties.{inner_key}")
                elif not (top and key in {"name", "type", "dependsOn", "description"}):
                    yield from walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, f"{where}[{index}]")
        elif isinstance(value, str) and "@" in value:
            yield where, value

    yield from walk(activity, path, top=True)


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for upstream in graph[node]:
            if state.get(upstream) == 1:
                return stack[stack.index(upstream):]
            if upstream not in state:
                found = visit(upstream)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _ancestors(name: str, graph: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    to_visit = list(graph[name])
    while to_visit:
        node = to_visit.pop()
        if node not in seen:
            seen.add(node)
            to_visit.extend(graph[node])
    return seen


def validate_factory(factory: Factory) -> list[Problem]:
    """Every semantic problem of a loaded factory: its resources, then its pipelines."""
    return validate_resources(factory) + validate_pipelines(factory)


def validate_factory_folder(root: Path) -> tuple[Factory, list[Problem]]:
    """Load the factory under ``root`` and check all of it: parse problems first, then semantic ones."""
    factory, problems = load_factory(root)
    return factory, problems + validate_factory(factory)
