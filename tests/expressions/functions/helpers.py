"""Evaluate one expression in an empty context, or get the error it raises."""

from __future__ import annotations

from typing import Any

import pytest

from pgfactory.errors import ExpressionError
from pgfactory.expressions import evaluate_expression


def evaluate(text: str) -> Any:
    return evaluate_expression(text)


def error_of(text: str) -> str:
    with pytest.raises(ExpressionError) as raised:
        evaluate_expression(text)
    assert raised.value.position is not None
    return raised.value.message
