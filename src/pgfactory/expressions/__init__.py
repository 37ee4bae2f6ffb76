"""ADF's expression language (spec section 7): parse, evaluate, and check property strings.

A property string is ``"@expression"`` (its value, of any type), text with ``@{...}``
interpolations (always a string), or a literal (``"@@x"`` is ``"@x"``). The pieces:

- :mod:`~pgfactory.expressions.parser` turns a property string into a
  :class:`~pgfactory.expressions.ast.Template` (cached by text; syntax errors carry a position);
  :func:`~pgfactory.expressions.ast.unparse` writes one back.
- :mod:`~pgfactory.expressions.evaluator` walks the tree against an :class:`ExpressionContext`
  (:func:`evaluate_value`, :func:`evaluate_tree`, :func:`evaluate_expression`).
- :mod:`~pgfactory.expressions.functions` is the registry of spec 7.3's functions, one module per
  category; :mod:`~pgfactory.expressions.scope` holds ``pipeline()``, ``variables()``,
  ``activity()``, ``item()``, ``linkedService()`` and ``dataset()``.
- :mod:`~pgfactory.expressions.analysis` checks strings without evaluating them
  (:func:`check_syntax`, :func:`references`) for ``pgfactory validate``.
"""

from __future__ import annotations

from pgfactory.expressions.analysis import Reference, check_syntax, references
from pgfactory.expressions.context import NO_ITEM, ActivityState, ExpressionContext
from pgfactory.expressions.evaluator import evaluate_expression, evaluate_tree, evaluate_value

__all__ = [
    "NO_ITEM",
    "ActivityState",
    "ExpressionContext",
    "Reference",
    "check_syntax",
    "evaluate_expression",
    "evaluate_tree",
    "evaluate_value",
    "references",
]
