"""The JSON view of a linked service form: what it shows (secrets masked), and the form an edited JSON stands for.

The view shows the mask for every secret, typed ones included; where an edited JSON still holds
the mask, the secret typed in the form (posted with it) stands behind it, so that neither Save
nor Test loses it and the page never shows it.
"""

from __future__ import annotations

import json
from typing import Any

from pgfactory.errors import DefinitionError
from pgfactory.models.secrets import MASK
from pgfactory.secrets.at_rest import mask
from pgfactory.studio.manage.linked_service_fields import CERTIFICATE, every_field
from pgfactory.studio.manage.linked_service_form import (
    SECRET_KINDS,
    SECURE_STRING,
    LinkedServiceForm,
    form_from_definition,
    secret_text,
)


def masked_json(definition: dict[str, Any]) -> str:
    """The JSON view's text: the definition with every secret shown as the mask."""
    return json.dumps(mask(definition), indent=2, ensure_ascii=False)


def parse_json_view(text: str, form: LinkedServiceForm, *, editing: str | None) -> dict[str, Any]:
    """The definition the JSON view holds, each mask that stands for a secret typed in the form replaced by it.

    :class:`DefinitionError` (property path ``json``) when the text is not a linked service of the form's type.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DefinitionError(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                              property_path="json") from None
    if not isinstance(document, dict) or not isinstance(document.get("properties"), dict):
        raise DefinitionError('a linked service is a JSON object with "name" and "properties"', property_path="json")
    if document["properties"].get("type") != form.type:
        raise DefinitionError(f"properties.type must stay {form.type!r}; create a linked service of another type from New",
                              property_path="json")
    name = document.get("name", form.name)
    if not isinstance(name, str):
        raise DefinitionError("name must be a string", property_path="json")
    if editing is not None and name.lower() != editing.lower():
        raise DefinitionError(f"a linked service cannot be renamed: name must stay {editing!r}", property_path="json")
    document["name"] = editing if editing is not None else name
    type_properties = document["properties"].get("typeProperties")
    if isinstance(type_properties, dict):
        for spec in every_field(form.type):
            if spec.kind in SECRET_KINDS and secret_text(type_properties.get(spec.name)) == MASK and form.typed.get(spec.name):
                type_properties[spec.name] = {"type": SECURE_STRING, "value": form.typed[spec.name]}
    declared = document["properties"].get("parameters")
    typed_defaults = {row.name: row.default for row in form.parameters if row.secure and row.default}
    if isinstance(declared, dict):
        for parameter, spec in declared.items():
            if isinstance(spec, dict) and spec.get("defaultValue") == MASK and parameter in typed_defaults:
                spec["defaultValue"] = typed_defaults[parameter]
    return document


def form_from_json_view(text: str, form: LinkedServiceForm, *, editing: str | None) -> LinkedServiceForm:
    """The form the JSON view describes; secrets typed in the form before stay typed where the JSON shows the mask."""
    updated = form_from_definition(parse_json_view(text, form, editing=editing), stored_secrets=form.stored_secrets)
    updated.account = form.account
    if CERTIFICATE in updated.typed and updated.typed[CERTIFICATE] == form.typed.get(CERTIFICATE):
        updated.certificate_file = form.certificate_file
    return updated
