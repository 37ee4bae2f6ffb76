"""``key=value;...`` connection strings, split with the quoting rules of the drivers that read them.

Npgsql quotes values with ``'`` or ``"``, the DataDirect ODBC driver of older factories with
``{...}``; a doubled closing character stands for itself. Each pair remembers where its value is
written in the string, so that one value (a password) can be replaced without touching the rest.
"""

from __future__ import annotations

from dataclasses import dataclass


class ConnectionStringError(ValueError):
    """The connection string cannot be split; the message names keys, never values."""


@dataclass(frozen=True)
class ConnectionStringPair:
    key: str
    value: str  # unquoted
    start: int  # where the value is written in the string, quotes included
    end: int  # exclusive; trailing spaces and the ``;`` are not part of it

    @property
    def normalized_key(self) -> str:
        """The key as drivers compare them: case, spaces and underscores do not count."""
        return "".join(self.key.lower().split()).replace("_", "")


def connection_string_pairs(text: str) -> list[ConnectionStringPair]:
    """Every pair in order; ``;`` inside quotes, braces or ``@{...}`` does not split."""
    pairs: list[ConnectionStringPair] = []
    position = 0
    while position < len(text):
        equals = text.find("=", position)
        separator = text.find(";", position)
        if separator != -1 and (equals == -1 or separator < equals):
            if text[position:separator].strip():
                raise ConnectionStringError(f"segment {len(pairs) + 1} has no '='; expected key=value")
            position = separator + 1
            continue
        if equals == -1:
            if text[position:].strip():
                raise ConnectionStringError(f"segment {len(pairs) + 1} has no '='; expected key=value")
            break
        key = text[position:equals].strip()
        if not key:
            raise ConnectionStringError(f"segment {len(pairs) + 1} has no key before '='")
        pair, position = _read_value(text, equals + 1, key)
        pairs.append(pair)
    return pairs


def split_connection_string(text: str) -> list[tuple[str, str]]:
    """``key=value`` pairs in order, unquoted."""
    return [(pair.key, pair.value) for pair in connection_string_pairs(text)]


def _read_value(text: str, position: int, key: str) -> tuple[ConnectionStringPair, int]:
    """The pair whose value starts at ``position`` and where the next pair starts."""
    while position < len(text) and text[position] in " \t":
        position += 1
    start = position
    if position < len(text) and text[position] in "'\"{":
        closing = "}" if text[position] == "{" else text[position]
        chunks: list[str] = []
        position += 1
        while True:
            found = text.find(closing, position)
            if found == -1:
                raise ConnectionStringError(f"the value of '{key}' has no closing {closing}")
            chunks.append(text[position:found])
            position = found + 1
            if text[position:position + 1] != closing:
                break
            chunks.append(closing)
            position += 1
        end = text.find(";", position)
        end = len(text) if end == -1 else end
        if text[position:end].strip():
            raise ConnectionStringError(f"the value of '{key}' has text after its closing {closing}")
        return ConnectionStringPair(key, "".join(chunks), start, position), end + 1
    depth = 0
    while position < len(text):
        # A parameterized string (``host=@{linkedService().host}``) keeps its expressions whole.
        if text.startswith("@{", position):
            depth += 1
            position += 2
            continue
        if text[position] == "}" and depth:
            depth -= 1
        elif text[position] == ";" and not depth:
            break
        position += 1
    value = text[start:position].strip()
    return ConnectionStringPair(key, value, start, start + len(value)), position + 1
