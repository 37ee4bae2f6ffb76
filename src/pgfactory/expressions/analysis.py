"""Static checks of property strings, for ``pgfactory validate``: no context, nothing evaluated.

:func:`check_syntax` finds what ADF rejects before a run (syntax, unknown functions, wrong
argument counts); :func:`references` lists what an expression refers to by name (activities,
variables, parameters...), so validation can check that those exist.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from pgfactory.errors import ExpressionError
from pgfactory.expressions.ast import Call, Expression, Index, Literal, Member, Segment, Template
from pgfactory.expressions.context import ExpressionContext
from pgfactory.expressions.evaluator import evaluate_node
from pgfactory.expressions.functions import find_function, unknown_function_message
from pgfactory.expressions.parser import parse_template
from pgfactory.expressions.scope import SCOPE_FUNCTIONS

ReferenceKind = TypingLiteral["activity", "variable", "parameter", "globalParameter", "item", "linkedService", "dataset"]


@dataclass(frozen=True)
class Reference:
    """A name an expression uses: ``activity('X')`` is ``Reference("activity", "X", position of 'X')``.

    ``name`` is None where there is no literal name: ``item()``, ``activity(variables('v'))``,
    ``pipeline().parameters[variables('p')]``, or ``linkedService()`` used as a whole.
    ``position`` is the 0-based offset in the property string of the name (or of the call).
    """

    kind: ReferenceKind
    name: str | None
    position: int


_SCOPE_NAMES = {name.lower() for name in SCOPE_FUNCTIONS}
_NAMED_CALLS: dict[str, ReferenceKind] = {"activity": "activity", "variables": "variable"}
_PARAMETER_SETS: dict[str, ReferenceKind] = {"parameters": "parameter", "globalparameters": "globalParameter"}
_PARAMETER_CALLS: dict[str, ReferenceKind] = {"linkedservice": "linkedService", "dataset": "dataset"}


def check_syntax(text: str) -> ExpressionError | None:
    """The first problem ADF would reject ``text`` for before running it, or None.

    Parses every ``@...`` / ``@{...}`` part of the property string, checks that each function
    exists and gets an acceptable number of arguments, and evaluates what depends on no run
    (so that ``add('a', 1)`` is refused here).
    """
    if "@" not in text:
        return None
    try:
        template = parse_template(text)
    except ExpressionError as error:
        return error
    for node, _ in _nodes(template):
        if not isinstance(node, Call):
            continue
        function = find_function(node.name)
        problem = unknown_function_message(node.name) if function is None else function.arity_problem(len(node.arguments))
        if problem:
            return ExpressionError(problem, expression=text, position=node.position)
    return _constant_problem(template, text)


def _constant_problem(template: Template, text: str) -> ExpressionError | None:
    """Evaluate the parts that depend on nothing (``add('a', 1)``): wrong literal types fail now, not mid-run."""
    for part in template.parts:
        if isinstance(part, Segment):
            for node in _outermost_constants(part.expression):
                try:
                    evaluate_node(node, text, ExpressionContext())
                except ExpressionError as error:
                    return error
    return None


def _outermost_constants(node: Expression) -> Iterator[Expression]:
    if _is_constant(node):
        if not isinstance(node, Literal):
            yield node
    elif isinstance(node, Call):
        for argument in node.arguments:
            yield from _outermost_constants(argument)
    elif isinstance(node, Member):
        yield from _outermost_constants(node.target)
    elif isinstance(node, Index):
        yield from _outermost_constants(node.target)
        yield from _outermost_constants(node.index)


def _is_constant(node: Expression) -> bool:
    """Whether ``node`` needs no run to be evaluated: literals and functions of literals, no scope function."""
    if isinstance(node, Literal):
        return True
    if isinstance(node, Call):
        return node.name.lower() not in _SCOPE_NAMES and all(_is_constant(argument) for argument in node.arguments)
    if isinstance(node, Member):
        return _is_constant(node.target)
    return _is_constant(node.target) and _is_constant(node.index)


def references(text: str) -> list[Reference]:
    """Every reference in ``text``, in order; raises ExpressionError when it does not parse."""
    if "@" not in text:
        return []
    found: list[Reference] = []
    for node, ancestors in _nodes(parse_template(text)):
        if not isinstance(node, Call):
            continue
        name = node.name.lower()
        if name in _NAMED_CALLS:
            argument = node.arguments[0] if node.arguments else None
            if isinstance(argument, Literal) and isinstance(argument.value, str):
                found.append(Reference(_NAMED_CALLS[name], argument.value, argument.position))
            else:
                found.append(Reference(_NAMED_CALLS[name], None, node.position))
        elif name == "item":
            found.append(Reference("item", None, node.position))
        elif name in _PARAMETER_CALLS:
            key, position = _key(node, ancestors[0] if ancestors else None)
            found.append(Reference(_PARAMETER_CALLS[name], key, node.position if key is None else position))
        elif name == "pipeline" and ancestors:
            parameter_set, _ = _key(node, ancestors[0])
            kind = _PARAMETER_SETS.get(parameter_set.lower()) if parameter_set else None
            if kind is not None:
                key, position = _key(ancestors[0], ancestors[1] if len(ancestors) > 1 else None)
                found.append(Reference(kind, key, position))
    return sorted(found, key=lambda reference: reference.position)


def _key(target: Expression, access: Expression | None) -> tuple[str | None, int]:
    """The literal property name that ``access`` selects from ``target``, and where it is written."""
    if isinstance(access, Member) and access.target is target:
        return access.name, access.position
    if isinstance(access, Index) and access.target is target:
        if isinstance(access.index, Literal) and isinstance(access.index.value, str):
            return access.index.value, access.index.position
        return None, access.position
    return None, target.position


def _nodes(template: Template) -> Iterator[tuple[Expression, tuple[Expression, ...]]]:
    """Every node with its ancestors, nearest first."""
    for part in template.parts:
        if isinstance(part, Segment):
            yield from _walk(part.expression, ())


def _walk(node: Expression, ancestors: tuple[Expression, ...]) -> Iterator[tuple[Expression, tuple[Expression, ...]]]:
    yield node, ancestors
    inner = (node, *ancestors)
    if isinstance(node, Call):
        for argument in node.arguments:
            yield from _walk(argument, inner)
    elif isinstance(node, Member):
        yield from _walk(node.target, inner)
    elif isinstance(node, Index):
        yield from _walk(node.target, inner)
        yield from _walk(node.index, inner)
