"""Evaluation: property values in, JSON values out, by walking the parsed tree (never Python ``eval``).

:func:`evaluate_value` takes one property value (a string, or an ``{"value": ..., "type":
"Expression"}`` object) and :func:`evaluate_tree` a whole JSON document of them. Strings without
``@`` come back untouched at the cost of one ``in`` test; others are parsed once (the parse is
cached by text) and walked.

Errors are :class:`~pgfactory.errors.ExpressionError` with the whole property string as
``expression`` and the 0-based ``position`` of the failing call, property or indexer, plus the
context's ``resource`` and ``property_path``. Function modules raise theirs without a position;
the walk adds it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pgfactory.errors import ExpressionError
from pgfactory.expressions.ast import Call, Expression, Index, Literal, Member, Template
from pgfactory.expressions.context import ExpressionContext
from pgfactory.expressions.functions import find_function, unknown_function_message
from pgfactory.expressions.parser import excerpt, parse_template
from pgfactory.expressions.values import find_property, is_missing, render_text, type_name
from pgfactory.models.values import Expression as ExpressionObject


def evaluate_value(value: Any, context: ExpressionContext) -> Any:
    """A property value with its expressions evaluated; literals come back unchanged.

    ``"@x"`` is x's value, of any type; ``"@@x"`` is the literal ``"@x"``; a string holding
    ``@{x}`` is interpolated into a string; an ``{"value": ..., "type": "Expression"}`` object
    is evaluated as its ``value``.
    """
    if isinstance(value, ExpressionObject):
        value = value.value
    elif isinstance(value, dict) and value.get("type") == "Expression":
        value = value.get("value", "")
    if not isinstance(value, str) or "@" not in value:
        return value
    try:
        template = parse_template(value)
    except ExpressionError as error:
        raise _with_location(error, context) from None
    return evaluate_template(template, value, context)


def evaluate_tree(value: Any, context: ExpressionContext) -> Any:
    """``value`` with every expression inside it evaluated: dicts and lists are walked."""
    if isinstance(value, dict) and value.get("type") != "Expression":
        return {key: evaluate_tree(item, context) for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate_tree(item, context) for item in value]
    return evaluate_value(value, context)


def evaluate_expression(text: str, context: Mapping[str, Any] | ExpressionContext | None = None) -> Any:
    """Evaluate one property string (``"@add(1, 2)"``, ``"Hello @{item().name}"``, ``"@@literal"``).

    ``context`` is an :class:`ExpressionContext`, or plain JSON as
    :meth:`ExpressionContext.from_json` reads it (parameters, variables, activity outputs...).
    """
    if context is None:
        context = ExpressionContext()
    elif not isinstance(context, ExpressionContext):
        context = ExpressionContext.from_json(context)
    return evaluate_value(text, context)


def evaluate_template(template: Template, text: str, context: ExpressionContext) -> Any:
    """The value of ``template``, parsed from the property string ``text``."""
    try:
        return _evaluate_parts(template, text, context)
    except RecursionError:
        raise ExpressionError("The expression is nested too deeply to evaluate.", expression=text, position=0,
                              resource=context.resource, property_path=context.property_path) from None


def _evaluate_parts(template: Template, text: str, context: ExpressionContext) -> Any:
    if template.whole:
        (segment,) = template.parts
        assert not isinstance(segment, str)
        return _Walk(context, text, segment.source).value(segment.expression)
    pieces: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            pieces.append(part)
        else:
            pieces.append(render_text(_Walk(context, text, part.source).value(part.expression)))
    return "".join(pieces)


def evaluate_node(node: Expression, text: str, context: ExpressionContext) -> Any:
    """The value of one node of the property string ``text`` (errors point into ``text``)."""
    return _Walk(context, text, text).value(node)


def _with_location(error: ExpressionError, context: ExpressionContext) -> ExpressionError:
    if context.resource is None and context.property_path is None:
        return error
    return ExpressionError(error.detail, expression=error.expression, position=error.position,
                           resource=context.resource, property_path=context.property_path, code=error.code)


class _Walk:
    """One evaluation of one expression: ``text`` is the property string, ``source`` the expression's."""

    __slots__ = ("context", "source", "text")

    def __init__(self, context: ExpressionContext, text: str, source: str) -> None:
        self.context = context
        self.text = text
        self.source = source

    def value(self, node: Expression) -> Any:
        kind = type(node)
        if kind is Literal:
            return node.value  # type: ignore[union-attr]
        if kind is Member:
            return self._member(node)  # type: ignore[arg-type]
        if kind is Call:
            return self._call(node)  # type: ignore[arg-type]
        return self._index(node)  # type: ignore[arg-type]

    def _call(self, node: Call) -> Any:
        function = find_function(node.name)
        if function is None:
            raise self._error(unknown_function_message(node.name), node.position)
        problem = function.arity_problem(len(node.arguments))
        if problem:
            raise self._error(problem, node.position)
        if function.lazy:
            arguments = [functools.partial(self.value, argument) for argument in node.arguments]
        else:
            arguments = [self.value(argument) for argument in node.arguments]
        try:
            if function.takes_context:
                return function.implementation(self.context, *arguments)
            return function.implementation(*arguments)
        except ExpressionError as error:
            if error.position is not None:
                raise  # from an argument, already located
            raise self._error(error.detail, node.position) from None
        except (ArithmeticError, ValueError) as error:  # e.g. a result too large for a float
            raise self._error(f"The function '{function.name}' could not be evaluated: {error}.", node.position) from None

    def _member(self, node: Member) -> Any:
        target = self.value(node.target)
        if isinstance(target, dict):
            return self._property(target, node.name, node.null_safe, node.position)
        if target is None and node.null_safe:
            return None
        raise self._not_selectable(node.name, target, node.position)

    def _index(self, node: Index) -> Any:
        target = self.value(node.target)
        if target is None and node.null_safe:
            return None
        index = self.value(node.index)
        if isinstance(target, dict) and isinstance(index, str):
            return self._property(target, index, node.null_safe, node.position)
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if 0 <= index < len(target):
                return target[index]
            if node.null_safe:
                return None
            raise self._error(f"The expression '{excerpt(self.source)}' cannot be evaluated because array index '{index}' is "
                              f"outside bounds (0, {len(target) - 1}) of array.", node.position)
        if isinstance(target, list):
            raise self._error(f"The expression '{excerpt(self.source)}' cannot be evaluated because property "
                              f"'{render_text(index)}' cannot be selected. Array elements can only be selected "
                              "using an integer index.", node.position)
        if isinstance(target, dict):
            raise self._error(f"The expression '{excerpt(self.source)}' cannot be evaluated because property "
                              f"'{render_text(index)}' cannot be selected. Object properties can only be selected "
                              f"by a string name; the index is of type '{type_name(index)}'.", node.position)
        raise self._not_selectable(render_text(index), target, node.position)

    def _property(self, target: dict[str, Any], name: str, null_safe: bool, position: int) -> Any:
        value = find_property(target, name)
        if not is_missing(value):
            return value
        if null_safe:
            return None
        raise self._error(f"The expression '{excerpt(self.source)}' cannot be evaluated because property '{name}' doesn't "
                          f"exist, available properties are '{', '.join(target)}'.", position)

    def _not_selectable(self, name: str, target: Any, position: int) -> ExpressionError:
        return self._error(f"The expression '{excerpt(self.source)}' cannot be evaluated because property '{name}' cannot be "
                           f"selected. Property selection is not supported on values of type '{type_name(target)}'.",
                           position)

    def _error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, expression=self.text, position=position, resource=self.context.resource,
                               property_path=self.context.property_path)
