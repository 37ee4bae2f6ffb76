"""Plain HTTP clients of the studio for the Manage hub's tests: signed in with a role, a factory to manage."""

from __future__ import annotations

import html
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.scope import FactoryScope
from pgfactory.store import ResourceKind, TokenRole
from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION
from tests.studio.conftest import Studio

SCOPE = FactoryScope(SUBSCRIPTION, GROUP, FACTORY)
FACTORY_URL = f"/f/{SUBSCRIPTION}/{GROUP}/{FACTORY}"


def make_factory(studio: Studio) -> None:
    studio.api.service.resources.put_factory(SCOPE, {"properties": {}}, if_match=None)


def put(studio: Studio, kind: ResourceKind, name: str, properties: dict[str, Any]) -> None:
    """Store a resource through the service, as the REST API would."""
    studio.api.service.resources.put(SCOPE, COLLECTIONS[kind.value], name, {"properties": properties}, if_match=None)


@contextmanager
def signed_in(studio: Studio, role: TokenRole = TokenRole.CONTRIBUTOR) -> Iterator[httpx.Client]:
    """A client with a session for ``role`` that sends the CSRF token with every change (as the forms do)."""
    with httpx.Client(base_url=studio.url, verify=ssl.create_default_context(cafile=studio.api.ca_file),
                      timeout=30) as client:
        login = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        answer = client.post("/login", data={"api_key": studio.api.keys[role], "csrf_token": token[1], "next": "/studio/"})
        assert answer.status_code == 303, answer.text
        client.headers["X-CSRF-Token"] = token[1]
        yield client


def field_error(page: str, field: str) -> str:
    """The message shown under ``field`` (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field)}-error" role="alert">([^<]*)</p>', page)
    return html.unescape(match[1]) if match else ""
