"""ADF expressions: the seam where definitions' dynamic values get evaluated.

The full expression language arrives with the pipeline engine. Until then the evaluator
installed here understands what linked services need: ``@linkedService().name`` references to
their own parameters, as whole values or inside ``@{...}`` interpolation. The engine replaces
it through :func:`set_evaluator` without touching any caller.
"""

from __future__ import annotations

from pgfactory.expressions.context import NO_ITEM, ActivityState, ExpressionContext
from pgfactory.expressions.evaluate import (
    Evaluator,
    LinkedServiceParameterEvaluator,
    evaluate_tree,
    evaluate_value,
    get_evaluator,
    set_evaluator,
)

__all__ = [
    "NO_ITEM",
    "ActivityState",
    "Evaluator",
    "ExpressionContext",
    "LinkedServiceParameterEvaluator",
    "evaluate_tree",
    "evaluate_value",
    "get_evaluator",
    "set_evaluator",
]
