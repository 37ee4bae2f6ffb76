"""The scope functions: what an expression sees of its run (spec 7.2).

``pipeline()`` (system values by ADF name, ``.parameters``, ``.globalParameters``),
``variables('x')``, ``activity('x')`` (``.output``, ``.status`` / ``.Status``, ``.error``),
``item()``, ``linkedService()`` and ``dataset()``. Each takes the
:class:`~pgfactory.expressions.context.ExpressionContext` first, then the expression's arguments.
A name that is not there fails with the names that are, the way ADF lists available properties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.context import NO_ITEM, ExpressionContext
from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import find_property, is_missing


def pipeline(context: ExpressionContext) -> dict[str, Any]:
    return {**context.system, "parameters": _as_dict(context.parameters),
            "globalParameters": _as_dict(context.global_parameters)}


def variables(context: ExpressionContext, name: Any) -> Any:
    variable = arguments.string("variables", name)
    value = find_property(context.variables, variable)
    if is_missing(value):
        raise ExpressionError(f"The variable '{variable}' is not declared in this pipeline. "
                              f"Declared variables: '{_names(context.variables)}'.")
    return value


def activity(context: ExpressionContext, name: Any) -> dict[str, Any]:
    activity_name = arguments.string("activity", name)
    state = find_property(context.activities, activity_name)
    if is_missing(state):
        raise ExpressionError(f"The output of activity '{activity_name}' can't be referenced since it is either not "
                              "an ancestor to the current activity or does not exist. Activities that can be "
                              f"referenced here: '{_names(context.activities)}'.")
    error = None if state.error is None else _as_dict(state.error)
    return {"output": state.output, "status": state.status, "error": error}


def item(context: ExpressionContext) -> Any:
    if context.item is NO_ITEM:
        raise ExpressionError("The template function 'item' is not expected at this location: item() is available "
                              "only inside a ForEach or a Filter activity.")
    return context.item


def linked_service(context: ExpressionContext) -> dict[str, Any]:
    if context.linked_service_parameters is None:
        raise ExpressionError("The template function 'linkedService' is not expected at this location: "
                              "linkedService() is available only inside a linked service definition.")
    return _as_dict(context.linked_service_parameters)


def dataset(context: ExpressionContext) -> dict[str, Any]:
    if context.dataset_parameters is None:
        raise ExpressionError("The template function 'dataset' is not expected at this location: dataset() is "
                              "available only inside a dataset definition.")
    return _as_dict(context.dataset_parameters)


def _as_dict(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return mapping if isinstance(mapping, dict) else dict(mapping)


def _names(mapping: Mapping[str, Any]) -> str:
    return ", ".join(mapping)


SCOPE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "activity": activity,
    "dataset": dataset,
    "item": item,
    "linkedService": linked_service,
    "pipeline": pipeline,
    "variables": variables,
}
