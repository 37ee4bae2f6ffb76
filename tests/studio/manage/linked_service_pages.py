"""The linked service editor driven over plain HTTP as the browser drives it: the page's form values, changed, posted."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import lxml.html

from pgfactory.service.collections import COLLECTIONS
from pgfactory.store import ResourceKind
from tests.studio.conftest import Studio
from tests.studio.manage.studio_http import FACTORY_URL, SCOPE

LINKED_SERVICES = f"{FACTORY_URL}/manage/linked-services"
HTMX = {"HX-Request": "true"}


class EditorForm:
    """The values the editor's <form> would send (as a browser collects them), ready to change and post."""

    def __init__(self, client: httpx.Client, page: str) -> None:
        self.client = client
        self.values: dict[str, list[str]] = {}
        for name, value in lxml.html.fromstring(page).get_element_by_id("ls-editor").form_values():
            self.values.setdefault(name, []).append(value)

    @classmethod
    def open(cls, client: httpx.Client, path: str) -> EditorForm:
        page = client.get(f"{LINKED_SERVICES}/{path}")
        assert page.status_code == 200, page.text
        return cls(client, page.text)

    def set(self, **fields: str | list[str]) -> EditorForm:
        for name, value in fields.items():
            self.values[name] = value if isinstance(value, list) else [value]
        return self

    def drop(self, *names: str) -> EditorForm:
        for name in names:
            self.values.pop(name, None)
        return self

    def post(self, action: str, files: dict[str, Any] | None = None, **extra: str) -> httpx.Response:
        """POST the form to the editor's ``-/<action>`` as htmx does (``extra``: hx-vals of the button)."""
        data = {**self.values, **{name: [value] for name, value in extra.items()}}
        return self.client.post(f"{LINKED_SERVICES}/-/{action}", data=data, files=files, headers=HTMX)

    def json_view(self) -> dict[str, Any]:
        """The JSON view the server renders for the form as it is now."""
        answer = self.post("json")
        assert answer.status_code == 200, answer.text
        return json_of(answer.text)


def json_of(fragment: str) -> dict[str, Any]:
    """The JSON view's definition in a page or fragment."""
    textarea = lxml.html.fromstring(fragment).get_element_by_id("field-json")
    parsed: dict[str, Any] = json.loads(textarea.text_content())
    return parsed


def type_properties(fragment: str) -> dict[str, Any]:
    found: dict[str, Any] = json_of(fragment)["properties"]["typeProperties"]
    return found


def field_names(fragment: str) -> set[str]:
    """The names of the controls a page or fragment shows (hidden ones left out)."""
    document = lxml.html.fromstring(fragment)
    return {str(element.get("name")) for element in document.xpath("//input[not(@type='hidden')]|//select|//textarea")
            if element.get("name")}


def stored(studio: Studio, name: str) -> dict[str, Any]:
    """A linked service's properties as stored, secrets opened."""
    from pgfactory.secrets import unseal

    service = studio.api.service
    record = service.store.resources.get(service.resources.factory(SCOPE).id, ResourceKind.LINKED_SERVICES, name)
    assert record is not None
    opened: dict[str, Any] = unseal(record.properties, service.resources.key)
    return opened


def put_linked_service(studio: Studio, name: str, properties: dict[str, Any]) -> None:
    studio.api.service.resources.put(SCOPE, COLLECTIONS["linkedservices"], name, {"properties": properties}, if_match=None)


def has_button(page: str, label: str) -> bool:
    return re.search(rf"<button[^>]*>\s*{re.escape(label)}\s*<", page) is not None
