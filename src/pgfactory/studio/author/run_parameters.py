"""The Trigger now and Debug dialogs' parameter fields: one typed control per declared parameter, its text read back.

A field shows the parameter's default (a SecureString's stays stored and unshown). Reading the form
turns each text into the declared type with a message for the field when it cannot ("not a whole
number", JSON that does not parse); an empty field takes the default, and is an error where there is
none. What passes here is checked again by createRun (:func:`~pgfactory.engine.parameters.bind_parameters`),
whose errors name ``properties.parameters.<name>``: :func:`field_of` maps them back to the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Control = Literal["text", "password", "integer", "decimal", "bool", "json"]
FIELD_PREFIX = "parameters."
_CONTROLS: dict[str, Control] = {"string": "text", "securestring": "password", "int": "integer", "float": "decimal",
                                 "bool": "bool", "array": "json", "object": "json"}
_PROPERTY_PREFIX = "properties." + FIELD_PREFIX


@dataclass(frozen=True)
class ParameterField:
    name: str  # the parameter's
    type: str  # as declared (String, Int, ...)
    control: Control
    value: str  # what the control shows
    has_default: bool

    @property
    def field(self) -> str:
        """The form field's name; also the key of its error."""
        return FIELD_PREFIX + self.name

    @property
    def help(self) -> str:
        if self.control == "password":
            return "A default is stored; leave empty to use it." if self.has_default else "Required: no default."
        if not self.has_default:
            return "Required: no default." if self.control != "json" else "Required: no default. Give JSON."
        return "Empty uses the default." if self.control != "text" else ""


def parameter_fields(declared: Any, entered: Mapping[str, str] | None = None) -> list[ParameterField]:
    """The fields of a pipeline's declared ``parameters`` (its JSON), showing ``entered`` texts where given."""
    fields = []
    for name, spec in (declared.items() if isinstance(declared, dict) else []):
        spec = spec if isinstance(spec, dict) else {}
        kind = str(spec.get("type") or "String")
        control = _CONTROLS.get(kind.lower(), "text")
        has_default = "defaultValue" in spec
        shown = _shown(spec.get("defaultValue"), control) if has_default and control != "password" else ""
        if entered is not None:
            shown = entered.get(FIELD_PREFIX + name, "")
        fields.append(ParameterField(str(name), kind, control, shown, has_default))
    return fields


def read_parameters(fields: list[ParameterField], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The values to run with (a parameter left out takes its default) and the errors by field name."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        text = form.get(field.field, "")
        blank = text == "" if field.control in {"text", "password"} else not text.strip()
        if blank and not (field.control == "text" and field.has_default):
            if not field.has_default:
                errors[field.field] = "Enter a value: this parameter has no default."
            continue
        try:
            values[field.name] = _typed(text, field)
        except ValueError as error:
            errors[field.field] = str(error)
    return values, errors


def field_of(property_path: str | None) -> str | None:
    """The form field an error of createRun is about (``properties.parameters.n`` -> ``parameters.n``), if any."""
    if property_path and property_path.startswith(_PROPERTY_PREFIX):
        return property_path.removeprefix("properties.")
    return None


def _typed(text: str, field: ParameterField) -> Any:
    if field.control == "integer":
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError("Not a whole number.") from None
    if field.control == "decimal":
        try:
            number = float(text.strip())
        except ValueError:
            raise ValueError("Not a number.") from None
        if not math.isfinite(number):
            raise ValueError("Not a finite number.")
        return number
    if field.control == "bool":
        if text not in {"true", "false"}:
            raise ValueError("Choose true or false.")
        return text == "true"
    if field.control == "json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.") from None
        expected = list if field.type.lower() == "array" else dict
        if not isinstance(value, expected):
            raise ValueError("Expected a JSON array: [ ... ]." if expected is list else "Expected a JSON object: { ... }.")
        return value
    return text


def _shown(default: Any, control: Control) -> str:
    if default is None:
        return ""
    if control == "bool":
        return "true" if default is True else "false" if default is False else ""
    if control == "json":
        return json.dumps(default, indent=2, ensure_ascii=False)
    if control == "text":
        return default if isinstance(default, str) else json.dumps(default, ensure_ascii=False)
    return str(default)
