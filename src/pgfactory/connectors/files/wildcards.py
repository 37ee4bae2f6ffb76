"""ADF's file wildcards: ``*`` matches zero or more characters, ``?`` zero or one, ``^`` escapes.

From the file system connector article: "Allowed wildcards are: ``*`` (matches zero or more
characters) and ``?`` (matches zero or single character); use ``^`` to escape if your actual
folder name has wildcard or this escape char inside." There are no character classes: ``[`` is
an ordinary character. Matching is case-sensitive, as the local file system is.
"""

from __future__ import annotations

import re
from functools import lru_cache


def has_wildcards(pattern: str) -> bool:
    """Whether ``pattern`` holds an unescaped ``*`` or ``?``."""
    escaped = False
    for character in pattern:
        if escaped:
            escaped = False
        elif character == "^":
            escaped = True
        elif character in "*?":
            return True
    return False


@lru_cache(maxsize=256)
def wildcard_regex(pattern: str) -> re.Pattern[str]:
    """A regex that matches a whole name against the ADF wildcard ``pattern``."""
    parts: list[str] = []
    characters = iter(pattern)
    for character in characters:
        if character == "^":
            parts.append(re.escape(next(characters, "^")))
        elif character == "*":
            parts.append(".*")
        elif character == "?":
            parts.append(".?")
        else:
            parts.append(re.escape(character))
    return re.compile("".join(parts), re.DOTALL)


def unescape(pattern: str) -> str:
    """The literal name a pattern without wildcards stands for (``^`` escapes removed)."""
    return re.sub(r"\^(.)", r"\1", pattern, flags=re.DOTALL)
