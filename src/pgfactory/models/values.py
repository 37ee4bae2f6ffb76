"""Property values that may be literals or ADF expressions.

A typed property accepts its literal type, an ``{"value": "@...", "type": "Expression"}``
object, or a string that starts with ``@`` (ADF evaluates both the same way). Numbers and
booleans also arrive as strings in real definitions (``"port": "5432"``) and are accepted when
the text parses. Each check gives one plain message per property, not one per union branch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from pgfactory.models.base import AdfModel


class Expression(AdfModel):
    type: Literal["Expression"]
    value: str


def is_expression_text(value: object) -> bool:
    return isinstance(value, str) and value.startswith("@") and not value.startswith("@@")


def is_dynamic(value: object) -> bool:
    """Whether the value must be evaluated before use."""
    return isinstance(value, Expression) or is_expression_text(value)


def as_flag(value: object, default: bool) -> bool:
    """A boolean property, evaluated, as ADF writes them: true/false or their text; ``default`` when absent."""
    if value is None or value == "":
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() == "true"


def _as_expression(value: Any) -> Expression | None:
    if isinstance(value, Expression):
        return value
    if isinstance(value, dict) and value.get("type") == "Expression":
        if not isinstance(value.get("value"), str):
            raise PydanticCustomError("expression", "an Expression object needs a string 'value'")
        return Expression.model_validate(value)
    return None


def _got(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _dynamic_str(value: Any) -> str | Expression:
    expression = _as_expression(value)
    if expression is not None:
        return expression
    if isinstance(value, str):
        return value
    raise PydanticCustomError("dynamic_str", "expected a string or an expression, got {got}", {"got": _got(value)})


def _dynamic_int(value: Any) -> int | str | Expression:
    expression = _as_expression(value)
    if expression is not None:
        return expression
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and (is_expression_text(value) or value.strip().lstrip("+-").isdigit()):
        return value
    raise PydanticCustomError("dynamic_int", "expected a whole number or an expression, got {got}", {"got": _got(value)})


def _dynamic_bool(value: Any) -> bool | str | Expression:
    expression = _as_expression(value)
    if expression is not None:
        return expression
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and (is_expression_text(value) or value.strip().lower() in {"true", "false"}):
        return value
    raise PydanticCustomError("dynamic_bool", "expected true, false or an expression, got {got}", {"got": _got(value)})


DynamicStr = Annotated[str | Expression, PlainValidator(_dynamic_str)]
DynamicInt = Annotated[int | str | Expression, PlainValidator(_dynamic_int)]
DynamicBool = Annotated[bool | str | Expression, PlainValidator(_dynamic_bool)]
