"""A hand-written recursive-descent parser for ADF property strings.

Grammar (whitespace allowed between tokens)::

    template   := '@@' text            -> the literal text after the first '@'
                | '@' expression       -> the expression's value, any type
                | (text | '@{' expression '}' | '@@{')*   -> a string ('@@{' is a literal '@{')
    expression := primary postfix*
    primary    := string | number | 'true' | 'false' | 'null' | name '(' [expression (',' expression)*] ')'
    postfix    := '.' name | '?.' name | '[' expression ']' | '?[' expression ']'
    string     := "'" ("''" | any character but "'")* "'"
    number     := [+-]? (digits ['.' digits?] | '.' digits) (('e' | 'E') [+-]? digits)?

Parsed property strings are cached by their text: the engine evaluates the same strings over
and over, and a cached parse makes evaluation a walk over a small tree. A syntax error raises
:class:`~pgfactory.errors.ExpressionError` with the 0-based ``position`` in the whole string.
"""

from __future__ import annotations

import functools
import re

from pgfactory.errors import ExpressionError
from pgfactory.expressions.ast import Call, Expression, Index, Literal, Member, Segment, Template

_WHITESPACE = " \t\r\n"
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[^\W\d]\w*")
_KEYWORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}


@functools.lru_cache(maxsize=16384)
def parse_template(text: str) -> Template:
    """The parsed form of a property string (``"@add(1, 2)"``, ``"Hi @{x}"``, ``"@@literal"``)."""
    if text.startswith("@@"):
        return Template((text[1:],))
    if text.startswith("@") and len(text) > 1 and not text.startswith("@{"):
        parser = _Parser(text, 1, closing=None)
        return Template((Segment(parser.parse(), text[1:]),), whole=True)
    if "@{" not in text:
        return Template((text,) if text else ())
    return _parse_interpolated(text)


def parse_expression(text: str) -> Expression:
    """One expression without the leading ``@`` (``"add(1, 2)"``); positions count from its start."""
    return _Parser(text, 0, closing=None).parse()


def excerpt(source: str, limit: int = 200) -> str:
    """``source`` as error messages quote it: long expressions are cut, so a message stays readable."""
    return source if len(source) <= limit else source[: limit - 3] + "..."


def _parse_interpolated(text: str) -> Template:
    parts: list[str | Segment] = []
    literal: list[str] = []
    start = 0
    while (opening := text.find("@{", start)) >= 0:
        if opening > start and text[opening - 1] == "@":
            # '@@{' is an escaped '@{': keep one '@', and the '{' starts the next literal run.
            literal.append(text[start:opening])
            start = opening + 1
            continue
        literal.append(text[start:opening])
        if "".join(literal):
            parts.append("".join(literal))
        literal = []
        parser = _Parser(text, opening + 2, closing=opening)
        expression = parser.parse()
        parts.append(Segment(expression, text[opening + 2 : parser.position - 1]))
        start = parser.position
    literal.append(text[start:])
    if "".join(literal):
        parts.append("".join(literal))
    return Template(tuple(parts))


class _Parser:
    """Parses one expression of ``text`` from ``start``.

    ``closing`` is None for a whole ``@expression`` (it must run to the end of the text), or the
    position of the ``@{`` whose ``}`` ends it. Positions are offsets in ``text``.
    """

    def __init__(self, text: str, start: int, *, closing: int | None) -> None:
        self.text = text
        self.position = start
        self.start = start
        self.closing = closing

    def parse(self) -> Expression:
        try:
            expression = self._expression()
        except RecursionError:
            raise self._error("it is nested too deeply", self.start) from None
        self._skip_whitespace()
        if self.closing is None:
            if self.position < len(self.text):
                raise self._error(f"unexpected '{self.text[self.position]}' after the end of the expression")
        elif self.position >= len(self.text):
            raise self._error(f"the '@{{' at position {self.closing} has no closing '}}'", self.closing)
        elif self.text[self.position] != "}":
            raise self._error(f"expected '}}' but found '{self.text[self.position]}'")
        else:
            self.position += 1
        return expression

    # -- grammar ---------------------------------------------------------------------------

    def _expression(self) -> Expression:
        expression = self._primary()
        while True:
            self._skip_whitespace()
            at = self.position
            null_safe = self._peek() == "?"
            if null_safe:
                self.position += 1
            char = self._peek()
            if char == ".":
                self.position += 1
                self._skip_whitespace()
                name_at = self.position
                expression = Member(expression, self._name("a property name after '.'"), null_safe, name_at)
            elif char == "[":
                self.position += 1
                index = self._expression()
                self._expect("]")
                expression = Index(expression, index, null_safe, at)
            elif null_safe:
                raise self._error("expected '.' or '[' after '?'")
            else:
                return expression

    def _primary(self) -> Expression:
        self._skip_whitespace()
        at = self.position
        char = self._peek()
        if char == "'":
            return Literal(self._string(), at)
        if char and (char in "+-" or char.isdigit() or (char == "." and self._peek(1).isdigit())):
            return Literal(self._number(), at)
        if char and (char.isalpha() or char == "_"):
            name = self._name("a function name")
            if name.lower() in _KEYWORDS:
                return Literal(_KEYWORDS[name.lower()], at)
            self._skip_whitespace()
            if self._peek() != "(":
                raise self._error(f"'{name}' must be called as a function: '{name}(...)'", at)
            self.position += 1
            return Call(name, self._arguments(), at)
        if not char:
            raise self._error("expected an expression but found the end of the text")
        if char in ",)]}":
            raise self._error(f"expected an expression but found '{char}'")
        raise self._error(f"unexpected character '{char}'")

    def _arguments(self) -> tuple[Expression, ...]:
        self._skip_whitespace()
        if self._peek() == ")":
            self.position += 1
            return ()
        arguments = [self._expression()]
        while True:
            self._skip_whitespace()
            char = self._peek()
            if char == ",":
                self.position += 1
                arguments.append(self._expression())
            elif char == ")":
                self.position += 1
                return tuple(arguments)
            else:
                found = f"'{char}'" if char else "the end of the expression"
                raise self._error(f"expected ',' or ')' after a function argument but found {found}")

    # -- tokens ----------------------------------------------------------------------------

    def _string(self) -> str:
        opening = self.position
        pieces: list[str] = []
        self.position += 1
        while True:
            quote = self.text.find("'", self.position)
            if quote < 0:
                raise self._error("this string is not terminated: a quote is written ''", opening)
            pieces.append(self.text[self.position : quote])
            if self.text.startswith("''", quote):
                pieces.append("'")
                self.position = quote + 2
            else:
                self.position = quote + 1
                return "".join(pieces)

    def _number(self) -> int | float:
        at = self.position
        match = _NUMBER.match(self.text, at)
        end = match.end() if match else at
        if match is None or (end < len(self.text) and (self.text[end].isalnum() or self.text[end] == "_")):
            raise self._error("this is not a valid number", at)
        self.position = end
        token = match.group()
        if "." in token or "e" in token or "E" in token:
            return float(token)
        return int(token)

    def _name(self, what: str) -> str:
        match = _NAME.match(self.text, self.position)
        if match is None:
            raise self._error(f"expected {what}")
        self.position = match.end()
        return match.group()

    # -- helpers ---------------------------------------------------------------------------

    def _peek(self, ahead: int = 0) -> str:
        index = self.position + ahead
        return self.text[index] if index < len(self.text) else ""

    def _skip_whitespace(self) -> None:
        while self.position < len(self.text) and self.text[self.position] in _WHITESPACE:
            self.position += 1

    def _expect(self, char: str) -> None:
        self._skip_whitespace()
        if self._peek() != char:
            found = f"'{self._peek()}'" if self._peek() else "the end of the expression"
            raise self._error(f"expected '{char}' but found {found}")
        self.position += 1

    def _error(self, problem: str, position: int | None = None) -> ExpressionError:
        at = self.position if position is None else position
        if self.closing is None:
            source = self.text[self.start :]
        else:
            end = self.text.find("}", max(at, self.start))
            source = self.text[self.start : end if end >= 0 else len(self.text)]
        return ExpressionError(f"The expression '{excerpt(source)}' is not valid: {problem} (position {at}).",
                               expression=self.text, position=at)
