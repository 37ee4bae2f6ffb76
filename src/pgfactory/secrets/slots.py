"""Where secrets are written in a resource's JSON, whatever its kind.

A secret is the ``value`` (or a parameter's ``defaultValue``) of any ``SecureString`` object, a
plain string under a known secret property (:data:`~pgfactory.models.secrets.SECRET_PROPERTIES`),
or the password part of a plain-string connection string. Expressions and Key Vault references
hold no secret and are no slot, except a ``SecureString``'s value, which ADF masks whatever it
holds. Sealing, unsealing, masking and merging are each one rewrite of these slots.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pgfactory.models.connection_strings import ConnectionStringError, connection_string_pairs
from pgfactory.models.secrets import (
    CONNECTION_STRING_PROPERTY,
    CONNECTION_STRING_SECRET_KEYS,
    MASK,
    SECRET_PROPERTIES,
)
from pgfactory.models.values import is_expression_text

SEALED_MARK = "pgfactory:v"  # every sealed text starts so, then its format version and ":" (at_rest.py)
_SECURE_STRING_TEXTS = ("value", "defaultValue")


@dataclass(frozen=True)
class SecretSlot:
    """A secret's place: the JSON path to its string and, inside a connection string, the key and
    how many pairs with that key come before it."""

    path: tuple[str | int, ...]
    connection_string_key: str | None = None
    occurrence: int = 0

    @property
    def property_path(self) -> str:
        return ".".join(str(part) for part in self.path)

    def describe(self) -> str:
        if self.connection_string_key is None:
            return self.property_path
        return f"{self.property_path} (its {self.connection_string_key} part)"


SecretRewrite = Callable[[SecretSlot, str], str]


def rewrite_secrets(document: Any, rewrite: SecretRewrite) -> Any:
    """A copy of ``document`` with each secret's text replaced by ``rewrite(slot, text)``."""
    return _rewrite(document, (), rewrite)


def secret_texts(document: Any) -> dict[SecretSlot, str]:
    """Every slot of ``document`` with the text written there."""
    found: dict[SecretSlot, str] = {}

    def keep(slot: SecretSlot, text: str) -> str:
        found[slot] = text
        return text

    rewrite_secrets(document, keep)
    return found


def _rewrite(value: Any, path: tuple[str | int, ...], rewrite: SecretRewrite) -> Any:
    if isinstance(value, list):
        return [_rewrite(item, (*path, index), rewrite) for index, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    secure = str(value.get("type", "")).lower() == "securestring"
    result: dict[str, Any] = {}
    for key, item in value.items():
        where = (*path, key)
        if not isinstance(item, str):
            result[key] = _rewrite(item, where, rewrite)
        elif secure and key in _SECURE_STRING_TEXTS:
            result[key] = rewrite(SecretSlot(where), item)
        elif is_expression_text(item):
            result[key] = item
        elif key in SECRET_PROPERTIES:
            result[key] = rewrite(SecretSlot(where), item)
        elif key == CONNECTION_STRING_PROPERTY:
            result[key] = _rewrite_connection_string(item, where, rewrite)
        else:
            result[key] = item
    return result


def _rewrite_connection_string(text: str, path: tuple[str | int, ...], rewrite: SecretRewrite) -> str:
    """The connection string with its secret values rewritten; the rest (host, database...) stays as written.

    A string that was sealed or masked whole, or that does not split, is one secret.
    """
    if text == MASK or text.startswith(SEALED_MARK):
        return rewrite(SecretSlot(path), text)
    try:
        pairs = connection_string_pairs(text)
    except ConnectionStringError:
        return rewrite(SecretSlot(path), text)
    pieces: list[str] = []
    written = 0
    seen: dict[str, int] = {}
    for pair in pairs:
        key = pair.normalized_key
        if key not in CONNECTION_STRING_SECRET_KEYS or is_expression_text(pair.value):
            continue
        occurrence = seen[key] = seen.get(key, -1) + 1
        # The value is rewritten as written, quotes included, so that unsealing restores it exactly.
        pieces += [text[written:pair.start], rewrite(SecretSlot(path, key, occurrence), text[pair.start:pair.end])]
        written = pair.end
    return "".join(pieces) + text[written:]
