"""Pipeline parameters: declared types, defaults, and values given on a command line or by a caller.

Values from a command line arrive as text and are converted to the declared type; values from
the library API or a parent pipeline are checked as they are. Every problem names the pipeline
and the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pgfactory.errors import DefinitionError
from pgfactory.models.resources import PipelineResource

_TEXT_TO_BOOL = {"true": True, "false": False}


def bind_parameters(
    pipeline: PipelineResource, given: Mapping[str, Any], *, from_text: bool = False, file: str | None = None
) -> dict[str, Any]:
    """The run's parameter values: each declared parameter with its given value or its default."""
    declared = pipeline.properties.parameters or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise DefinitionError(
            f"pipeline {pipeline.name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"declared: {', '.join(sorted(declared)) or 'none'}",
            file=file, resource=pipeline.name, property_path="properties.parameters",
        )
    bound: dict[str, Any] = {}
    for name, specification in declared.items():
        path = f"properties.parameters.{name}"
        if name in given:
            value = given[name]
            if from_text and isinstance(value, str):
                value = _from_text(value, specification.type, pipeline.name, path, file)
        elif "default_value" in specification.model_fields_set:
            value = specification.default_value
        else:
            raise DefinitionError(f"parameter {name!r} has no default value and none was given",
                                  file=file, resource=pipeline.name, property_path=path)
        bound[name] = check_type(value, specification.type, pipeline.name, path, file)
    return bound


def check_type(value: Any, declared: str, resource: str, path: str, file: str | None = None) -> Any:
    """``value`` if it fits the declared ADF type (ints are accepted as Float), else a DefinitionError."""
    if value is None or _fits(value, declared.lower()):
        return value
    raise DefinitionError(f"expected a value of type {declared}, got {type(value).__name__}",
                          file=file, resource=resource, property_path=path)


def _fits(value: Any, kind: str) -> bool:
    if kind in {"string", "securestring"}:
        return isinstance(value, str)
    if kind in {"int", "float"}:
        allowed = (int,) if kind == "int" else (int, float)
        return isinstance(value, allowed) and not isinstance(value, bool)
    return isinstance(value, {"bool": bool, "array": list, "object": dict}[kind])


def _from_text(text: str, declared: str, resource: str, path: str, file: str | None) -> Any:
    kind = declared.lower()
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return _TEXT_TO_BOOL[text.strip().lower()]
        if kind in {"array", "object"}:
            return json.loads(text)
    except (ValueError, KeyError):
        raise DefinitionError(f"{text!r} is not a valid {declared}" + (" (give JSON)" if kind in {"array", "object"} else ""),
                              file=file, resource=resource, property_path=path) from None
    return text
