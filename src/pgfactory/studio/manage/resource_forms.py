"""What the credential and integration runtime forms share: saving, and each error under the field that holds its property."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pgfactory.errors import ConflictError, DefinitionError, PreconditionFailedError
from pgfactory.service.collections import Collection
from pgfactory.service.resources import ResourceService, ResourceView
from pgfactory.service.scope import FactoryScope

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


def save(resources: ResourceService, scope: FactoryScope, collection: Collection, name: str,
         properties: dict[str, Any], *, stored: ResourceView | None, etag: str, fields: Mapping[str, str]) -> dict[str, str]:
    """Create (``stored`` None: never over one created meanwhile) or replace (still at ``etag``) the resource; the
    errors that stopped it, by field (none: saved)."""
    label = collection.label
    try:
        resources.put(scope, collection, name, {"properties": properties},
                      if_match=(etag or None) if stored is not None else None, create_only=stored is None)
    except DefinitionError as error:
        return field_errors(error, fields)
    except ConflictError:
        article = "an" if label[0] in "aeiou" else "a"
        return {"name": f"{article} {label} named {name!r} already exists; open it to change it"}
    except PreconditionFailedError:
        return changed_meanwhile(label)
    return {}


def text(value: Any) -> str:
    """A stored property as a form field shows it: its text, or nothing when it is not a string."""
    return value if isinstance(value, str) else ""
