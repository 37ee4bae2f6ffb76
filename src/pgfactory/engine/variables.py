"""SetVariable, AppendVariable and the pipeline return value.

Variables belong to the pipeline run, not to a scope: a SetVariable inside a ForEach changes the
one variable every iteration sees (ADF warns against doing that in a parallel ForEach; here it is
at least never torn, as each change happens under the run's lock).
"""

from __future__ import annotations

from typing import Any

from pgfactory.engine.activity_runner import ActivityRun
from pgfactory.errors import ActivityError
from pgfactory.expressions.values import type_name
from pgfactory.models.values import as_flag

RETURN_VALUE = "pipelineReturnValue"

_FITS = {
    "string": lambda value: isinstance(value, str),
    "bool": lambda value: isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
}


def _declared_type(run: ActivityRun, name: str) -> str:
    declared = run.frame.run.variable_types.get(name)
    if declared is None:
        raise ActivityError(f"The variable '{name}' is not declared in pipeline '{run.frame.run.pipeline_name}'",
                            code="InvalidVariable")
    return declared


def set_variable(run: ActivityRun) -> dict[str, Any]:
    name = str(run.type_properties.get("variableName", ""))
    if as_flag(run.type_properties.get("setSystemVariable"), False) and name == RETURN_VALUE:
        value = _return_value(run, run.type_properties.get("value"))
        run.set_input({"variableName": name, "value": value})
        run.frame.run.return_value = value
        return {"name": name, "value": value}
    declared = _declared_type(run, name)
    value = run.evaluate_property("value")
    run.set_input({"variableName": name, "value": value})
    if value is not None and not _FITS.get(declared.lower(), lambda _: True)(value):
        raise ActivityError(
            f"The variable '{name}' of type '{declared}' cannot be initialized or updated with value of type "
            f"'{type_name(value)}'. The variable '{name}' only supports values of types '{declared}'.",
            code="InvalidVariableType",
        )
    with run.frame.run.variables_lock:
        run.frame.run.variables[name] = value
    return {"name": name, "value": value}


def append_variable(run: ActivityRun) -> dict[str, Any]:
    name = str(run.type_properties.get("variableName", ""))
    declared = _declared_type(run, name)
    if declared.lower() != "array":
        raise ActivityError(f"The variable '{name}' of type '{declared}' cannot be appended to: "
                            "AppendVariable works on Array variables only", code="InvalidVariableType")
    value = run.evaluate_property("value")
    run.set_input({"variableName": name, "value": value})
    variables = run.frame.run.variables
    with run.frame.run.variables_lock:
        variables[name] = [*(variables.get(name) or []), value]
    return {"name": name, "value": value}


def _return_value(run: ActivityRun, entries: Any) -> dict[str, Any]:
    """A return value from the UI's key/typed-value list: [{"key": k, "value": {"type": t, "content": c}}]."""
    if isinstance(entries, dict):  # written as a plain object of typed values
        entries = [{"key": key, "value": value} for key, value in entries.items()]
    if not isinstance(entries, list):
        raise ActivityError("The pipeline return value must be a list of {key, value} entries", code="InvalidReturnValue")
    result: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, dict) or "key" not in entry:
            raise ActivityError("Each pipeline return value entry needs a 'key' and a 'value'", code="InvalidReturnValue")
        result[str(entry["key"])] = _typed_value(run, entry.get("value"), f"value.{entry['key']}")
    return result


def _typed_value(run: ActivityRun, typed: Any, path: str) -> Any:
    if not isinstance(typed, dict) or "type" not in typed:
        return run.frame.evaluate(typed, run.name, f"typeProperties.{path}")
    kind, content = str(typed["type"]).lower(), typed.get("content")
    if kind == "null":
        return None
    if kind == "array":
        return [_typed_value(run, item, f"{path}[{index}]") for index, item in enumerate(content or [])]
    if kind == "object":
        return _return_value(run, content or [])
    value = run.frame.evaluate(content, run.name, f"typeProperties.{path}.content")
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "boolean":
            return value if isinstance(value, bool) else str(value).lower() == "true"
        if kind == "string":
            return str(value)
    except (TypeError, ValueError):
        raise ActivityError(f"The return value at {path} is not a valid {typed['type']}", code="InvalidReturnValue") from None
    if kind == "expression":
        return value
    raise ActivityError(f"Unknown return value type {typed['type']!r} at {path}", code="InvalidReturnValue")
