from __future__ import annotations

import re
from typing import Any, Protocol

from pgfactory.errors import ExpressionError
from pgfactory.expressions.context import ExpressionContext
from pgfactory.models.values import Expression


class Evaluator(Protocol):
    def evaluate(self, expression: str, scope: ExpressionContext) -> Any:
        """Evaluate the text after ``@`` (or inside ``@{...}``)."""
        ...


_LINKED_SERVICE_PARAMETER = re.compile(
    r"^\s*linkedService\(\s*\)\s*(?:\.\s*([A-Za-z_][\w]*)|\[\s*'([^']+)'\s*\])\s*$", re.IGNORECASE
)


class LinkedServiceParameterEvaluator:
    """Understands ``linkedService().name`` and ``linkedService()['name']`` and nothing else."""

    def evaluate(self, expression: str, scope: ExpressionContext) -> Any:
        match = _LINKED_SERVICE_PARAMETER.match(expression)
        if match is None:
            raise ExpressionError(
                f"cannot evaluate '@{expression}' here: only @linkedService().<parameter> is supported "
                "in linked service properties until the expression engine is installed",
                resource=scope.resource,
            )
        name = match.group(1) or match.group(2)
        parameters = {key.lower(): value for key, value in (scope.linked_service_parameters or {}).items()}
        if name.lower() not in parameters:
            raise ExpressionError(
                f"linkedService().{name} is not a parameter of this linked service; "
                f"declared: {', '.join(sorted(scope.linked_service_parameters or {})) or 'none'}",
                resource=scope.resource,
            )
        return parameters[name.lower()]


_evaluator: Evaluator = LinkedServiceParameterEvaluator()


def set_evaluator(evaluator: Evaluator) -> None:
    global _evaluator
    _evaluator = evaluator


def get_evaluator() -> Evaluator:
    return _evaluator


_INTERPOLATION = re.compile(r"@\{(.*?)\}")


def evaluate_value(value: Any, scope: ExpressionContext) -> Any:
    """A property value with its expressions evaluated; literals come back unchanged.

    ``@x`` evaluates x; ``@@x`` is the literal ``@x``; a string holding ``@{x}`` is
    interpolated; an ``{"value": ..., "type": "Expression"}`` object evaluates its value.
    """
    if isinstance(value, Expression):
        value = value.value
    elif isinstance(value, dict) and value.get("type") == "Expression":
        value = value.get("value", "")
    if not isinstance(value, str):
        return value
    if value.startswith("@@"):
        return value[1:]
    if value.startswith("@") and not value.startswith("@{"):
        return _evaluator.evaluate(value[1:], scope)
    if "@{" in value:
        return _INTERPOLATION.sub(lambda match: _as_text(_evaluator.evaluate(match.group(1), scope)), value)
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def evaluate_tree(value: Any, scope: ExpressionContext) -> Any:
    """``value`` with every expression inside it evaluated: dicts and lists are walked."""
    if isinstance(value, dict) and value.get("type") != "Expression":
        return {key: evaluate_tree(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_tree(item, scope) for item in value]
    return evaluate_value(value, scope)
