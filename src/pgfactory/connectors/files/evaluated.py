"""Evaluated property values as plain Python values."""

from __future__ import annotations

from pgfactory.errors import DefinitionError
from pgfactory.models.values import Expression


def whole_number(value: int | str | Expression | None, *, property_path: str) -> int | None:
    """A whole-number property (an int or its text, as ADF JSON has both); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, Expression):
        raise DefinitionError("the expression has not been evaluated", property_path=property_path)
    return int(value)
