"""The syntax tree of ADF expressions, and :func:`unparse` back to text.

ADF's language has no operators: an expression is a literal or a function call, followed by
any number of member accesses (``.name``, ``?.name``) and indexers (``[expr]``, ``?[expr]``).
A property string (:class:`Template`) is either one ``@expression`` whose value keeps its type,
or text with ``@{...}`` interpolations whose value is always a string.

Every node records ``position``: its 0-based offset in the whole property string, so errors can
point at it. Positions do not take part in equality: two trees that say the same thing are equal
wherever they were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LiteralValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Literal:
    """``'text'``, ``42``, ``1.5``, ``true``, ``false`` or ``null``."""

    value: LiteralValue
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """``name(arguments...)``; ``name`` is kept as written (functions are matched without case)."""

    name: str
    arguments: tuple[Expression, ...] = ()
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Member:
    """``target.name`` or, when ``null_safe``, ``target?.name``; ``position`` is the name's."""

    target: Expression
    name: str
    null_safe: bool = False
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    """``target[index]`` or, when ``null_safe``, ``target?[index]``; ``position`` is the ``[``'s."""

    target: Expression
    index: Expression
    null_safe: bool = False
    position: int = field(default=0, compare=False)


Expression = Literal | Call | Member | Index


@dataclass(frozen=True, slots=True)
class Segment:
    """One expression inside a property string, with the text it was parsed from (for messages)."""

    expression: Expression
    source: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed property string.

    ``whole`` is True for ``"@expr"``: ``parts`` is then one :class:`Segment` and the value is
    whatever the expression returns. Otherwise the value is the parts joined as text; literal
    text parts hold the text as it reads after unescaping (``@@{`` -> ``@{``), never empty.
    """

    parts: tuple[str | Segment, ...]
    whole: bool = False

    @property
    def is_literal(self) -> bool:
        return not any(isinstance(part, Segment) for part in self.parts)


def unparse(node: Expression | Template) -> str:
    """Text that parses back to ``node``.

    Two templates have no text form, and the parser never builds them: one whose text starts
    with ``@`` and that also interpolates, and one with text ending in ``@`` right before an
    interpolation (ADF reads ``@@{`` as an escaped ``@{``).
    """
    if isinstance(node, Template):
        return _unparse_template(node)
    if isinstance(node, Literal):
        return _unparse_literal(node.value)
    if isinstance(node, Call):
        return f"{node.name}({', '.join(unparse(argument) for argument in node.arguments)})"
    if isinstance(node, Member):
        return f"{unparse(node.target)}{'?.' if node.null_safe else '.'}{node.name}"
    return f"{unparse(node.target)}{'?[' if node.null_safe else '['}{unparse(node.index)}]"


def _unparse_literal(value: LiteralValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _unparse_template(template: Template) -> str:
    if template.whole:
        (segment,) = template.parts
        assert isinstance(segment, Segment)
        return "@" + unparse(segment.expression)
    if template.is_literal:
        text = "".join(part for part in template.parts if isinstance(part, str))
        # A literal that starts with '@' is written '@@...', and after that nothing is interpolated.
        return "@" + text if text.startswith("@") else text.replace("@{", "@@{")
    pieces: list[str] = []
    for part in template.parts:
        if isinstance(part, Segment):
            pieces.append("@{" + unparse(part.expression) + "}")
        else:
            pieces.append(part.replace("@{", "@@{"))
    return "".join(pieces)
