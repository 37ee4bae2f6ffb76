"""What an expression can see: the scope functions' data, as plain values.

The engine builds one :class:`ExpressionContext` per evaluation site (an activity in a pipeline
run, an iteration of a ForEach, a dataset reference); users build one from JSON to unit-test their
expressions (:meth:`ExpressionContext.from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
