"""Just enough of PostgreSQL's lexer to split statements and bind ``@name`` parameters safely.

ADF's Script activity writes named parameters as ``@name`` (Npgsql's style) in the SQL text.
Rewriting them to the server's ``$n`` placeholders, splitting a block into statements and
telling a plain read from a write must all skip what is not code: string literals ('...',
E'...' with backslash escapes, U&'...'), quoted identifiers, dollar-quoted bodies and comments
(``--`` and nested ``/* */``). One scanner does that; every function here works on its output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

_IDENTIFIER_CHARS = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]")

_TOKEN = re.compile(
    r"""
      (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*)
    | (?P<escape_string>[eE]'(?:[^'\\]|\\.|'')*'?)
    | (?P<string>'(?:[^']|'')*'?)
    | (?P<quoted>"(?:[^"]|"")*"?)
    | (?P<dollar>\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$)
    | (?P<positional>\$\d+)
    | (?P<named>@[A-Za-z_][A-Za-z0-9_]*)
    | (?P<word>[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*)
    | (?P<semicolon>;)
    | (?P<open>\()
    | (?P<close>\))
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# Statements that a cursor over more rows than wanted may abandon: cancelling them loses nothing.
_READ_STARTS = frozenset({"select", "values", "table", "with", "show"})
_WRITE_WORDS = frozenset({"insert", "update", "delete", "merge", "into", "copy", "call", "do", "nextval", "setval"})


@dataclass(frozen=True)
class Token:
    kind: str  # a group name of _TOKEN; comments, literals and dollar bodies are one token each
    start: int
    end: int
    text: str


def tokenize(sql: str) -> Iterator[Token]:
    """The tokens of ``sql``; an unterminated literal or comment runs to the end, as the server reads it."""
    position = 0
    length = len(sql)
    while position < length:
        match = _TOKEN.match(sql, position)
        assert match is not None  # "other" matches any character
        kind = match.lastgroup or "other"
        end = match.end()
        if kind == "block_comment":
            end = _block_comment_end(sql, position)
        elif kind == "dollar":
            closing = sql.find(match.group(), end)
            end = length if closing < 0 else closing + len(match.group())
        yield Token(kind, position, end, sql[position:end])
        position = end


def _block_comment_end(sql: str, start: int) -> int:
    depth = 0
    position = start
    while position < len(sql):
        if sql.startswith("/*", position):
            depth += 1
            position += 2
        elif sql.startswith("*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            position += 1
    return len(sql)


def _is_code(token: Token) -> bool:
    return token.kind not in {"line_comment", "block_comment"} and not token.text.isspace()


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql`` without their separating semicolons; empty ones are dropped.

    Semicolons inside parentheses, literals, comments and dollar-quoted bodies do not split,
    and neither do those inside a ``BEGIN ATOMIC ... END`` body of ``CREATE FUNCTION`` /
    ``CREATE PROCEDURE`` (psql's rule: BEGIN and CASE open, END closes).
    """
    statements: list[str] = []
    start = 0
    parentheses = 0
    words: list[str] = []
    body_depth = 0
    has_code = False
    for token in tokenize(sql):
        if token.kind == "semicolon" and parentheses == 0 and body_depth == 0:
            if has_code:
                statements.append(sql[start:token.start].strip())
            start, words, has_code = token.end, [], False
            continue
        if _is_code(token):
            has_code = True
        if token.kind == "open":
            parentheses += 1
        elif token.kind == "close":
            parentheses = max(parentheses - 1, 0)
        elif token.kind == "word":
            word = token.text.lower()
            if len(words) < 4:
                words.append(word)
            if _defines_routine(words):
                if word in {"begin", "case"}:
                    body_depth += 1
                elif word == "end" and body_depth:
                    body_depth -= 1
    if has_code:
        statements.append(sql[start:].strip())
    return statements


def _defines_routine(words: list[str]) -> bool:
    if words[:1] != ["create"]:
        return False
    kind = words[3:4] if words[1:3] == ["or", "replace"] else words[1:2]
    return kind in (["function"], ["procedure"])


def bind_named_parameters(sql: str, names: Mapping[str, int]) -> str:
    """``sql`` with each ``@name`` of ``names`` (case-insensitive) replaced by ``$<names[name]>``.

    Like Npgsql, an ``@word`` that is not a declared parameter is left alone (PostgreSQL has
    ``@`` operators), as is one glued to an identifier or to another ``@``.
    """
    lowered = {name.lower(): number for name, number in names.items()}
    pieces: list[str] = []
    last = 0
    for token in tokenize(sql):
        if token.kind != "named":
            continue
        number = lowered.get(token.text[1:].lower())
        before = sql[token.start - 1] if token.start else ""
        if number is None or (before and (_IDENTIFIER_CHARS.match(before) or before == "@")):
            continue
        pieces.append(sql[last:token.start])
        pieces.append(f"${number}")
        last = token.end
    pieces.append(sql[last:])
    return "".join(pieces)


def named_parameters_used(sql: str) -> list[str]:
    """The ``@names`` in ``sql`` outside literals and comments, in order of first use (as written)."""
    seen: dict[str, str] = {}
    for token in tokenize(sql):
        if token.kind == "named":
            before = sql[token.start - 1] if token.start else ""
            if before and (_IDENTIFIER_CHARS.match(before) or before == "@"):
                continue
            seen.setdefault(token.text[1:].lower(), token.text[1:])
    return list(seen.values())


def is_plain_read(sql: str) -> bool:
    """Whether ``sql`` is one query that only reads, so abandoning it half-read loses no change.

    Conservative: a statement that starts like a query but names a writing keyword anywhere
    (a data-modifying CTE, SELECT INTO, FOR UPDATE, nextval) counts as a write.
    """
    words = [token.text.lower() for token in tokenize(sql) if token.kind == "word"]
    return bool(words) and words[0] in _READ_STARTS and not _WRITE_WORDS.intersection(words)
