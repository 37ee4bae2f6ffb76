"""What the credential and integration runtime forms share: an error goes under the field that holds its property."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgfactory.errors import DefinitionError

FORM = "form"  # the key of errors that belong to no one field: shown above the form


def field_errors(error: DefinitionError, fields: Mapping[str, str]) -> dict[str, str]:
    """``{field: message}`` for the form field whose property path (``fields``: path -> field) is the longest one
    that ``error.property_path`` starts with; ``{FORM: message}`` when no field holds it."""
    path = error.property_path or ""
    for prefix in sorted(fields, key=len, reverse=True):
        if path == prefix or path.startswith((f"{prefix}.", f"{prefix}[")):
            return {fields[prefix]: error.detail}
    return {FORM: error.message}


def changed_meanwhile(label: str) -> dict[str, str]:
    """The error of a save whose If-Match found another version stored."""
    return {FORM: f"Someone changed this {label} after you opened it. Reload the page to see their version; your "
                  "changes were not saved."}


def text(value: Any) -> str:
    """A stored property as a form field shows it: its text, or nothing when it is not a string."""
    return value if isinstance(value, str) else ""
