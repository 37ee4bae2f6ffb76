"""What an expression can see: the scope functions' data, as plain values.

The engine builds one :class:`ExpressionContext` per evaluation site (an activity in a pipeline
run, an iteration of a ForEach, a dataset reference); users build one from JSON to unit-test their
expressions (:meth:`ExpressionContext.from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pgfactory.errors import DefinitionError

NO_ITEM: Any = object()
"""``item`` when no ForEach or Filter encloses the expression (``item()`` then fails)."""


@dataclass(frozen=True)
class ActivityState:
    """What ``activity('name')`` returns: ``.output``, ``.status`` (``Status``) and ``.error``."""

    output: Any = None
    status: str = "Succeeded"
    error: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ExpressionContext:
    """Data behind ``pipeline()``, ``variables()``, ``activity()``, ``item()``, ``linkedService()``, ``dataset()``.

    ``system`` holds ``pipeline()``'s system values by their ADF names: ``DataFactory``,
    ``Pipeline``, ``RunId``, ``TriggerType``, ``TriggerId``, ``TriggerName``, ``TriggerTime``,
    ``GroupId``, ``TriggeredByPipelineName``, ``TriggeredByPipelineRunId``. ``activities`` may be
    any mapping (the engine passes a live view of the run's finished activities).
    ``linked_service_parameters`` / ``dataset_parameters`` are None outside a linked service or
    dataset definition, which makes ``linkedService()`` / ``dataset()`` fail there.
    ``resource`` and ``property_path`` only locate errors.
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    global_parameters: Mapping[str, Any] = field(default_factory=dict)
    system: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, Any] = field(default_factory=dict)
    activities: Mapping[str, ActivityState] = field(default_factory=dict)
    item: Any = NO_ITEM
    linked_service_parameters: Mapping[str, Any] | None = None
    dataset_parameters: Mapping[str, Any] | None = None
    resource: str | None = None
    property_path: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExpressionContext:
        """A context from plain JSON, for unit-testing expressions::

            {"parameters": {...}, "globalParameters": {...}, "variables": {...},
             "activities": {"Lookup1": {"output": {...}, "status": "Succeeded", "error": null}},
             "item": ..., "system": {"RunId": "...", "TriggerTime": "..."},
             "linkedService": {...}, "dataset": {...}}

        Every key is optional. System values may also stand at the top level (``"RunId": ...``);
        their names are matched without case and kept in ADF's spelling. An activity's
        ``status`` defaults to Succeeded. Unknown keys are refused, naming the known ones.
        """
        if not isinstance(data, Mapping):
            raise DefinitionError(f"an expression context must be a JSON object, not {type(data).__name__}")
        system: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        unknown: list[str] = []
        for key, value in data.items():
            if key == "system":
                for name, system_value in _mapping(key, value).items():
                    system[_SYSTEM_NAMES.get(name.lower(), name)] = system_value
            elif key in _CONTEXT_KEYS:
                fields[_CONTEXT_KEYS[key]] = value if key == "item" else _mapping(key, value)
            elif key.lower() in _SYSTEM_NAMES:
                system[_SYSTEM_NAMES[key.lower()]] = value
            else:
                unknown.append(key)
        if unknown:
            known = ", ".join([*_CONTEXT_KEYS, "system", *_SYSTEM_NAMES.values()])
            raise DefinitionError(f"unknown expression context key(s): {', '.join(unknown)}; known keys: {known}")
        if "activities" in fields:
            fields["activities"] = {name: _activity_state(name, state) for name, state in fields["activities"].items()}
        return cls(system=system, **fields)


_SYSTEM_NAMES = {name.lower(): name for name in (
    "DataFactory", "Pipeline", "RunId", "TriggerType", "TriggerId", "TriggerName", "TriggerTime", "GroupId",
    "TriggeredByPipelineName", "TriggeredByPipelineRunId")}
_CONTEXT_KEYS = {"parameters": "parameters", "globalParameters": "global_parameters", "variables": "variables",
                 "activities": "activities", "item": "item", "linkedService": "linked_service_parameters",
                 "dataset": "dataset_parameters"}
_ACTIVITY_KEYS = {"output": "output", "status": "status", "error": "error"}


def _mapping(key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise DefinitionError(f"expression context key {key!r} must hold a JSON object, not {type(value).__name__}")
    return value


def _activity_state(name: str, state: Any) -> ActivityState:
    fields: dict[str, Any] = {}
    for key, value in _mapping(f"activities.{name}", state).items():
        if key.lower() not in _ACTIVITY_KEYS:
            raise DefinitionError(f"activity {name!r} in the expression context has an unknown key {key!r}; "
                                  "known keys: output, status, error")
        fields[_ACTIVITY_KEYS[key.lower()]] = value
    if fields.get("error") is not None:
        fields["error"] = _mapping(f"activities.{name}.error", fields["error"])
    return ActivityState(**fields)
