"""A factory to author in, and httpx clients signed in to the studio with each role."""

from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Iterator
from urllib.parse import quote

import httpx
import pytest

from pgfactory.service.scope import FactoryScope
from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY, GROUP, SUBSCRIPTION
from tests.studio.conftest import Studio

SCOPE = FactoryScope(SUBSCRIPTION, GROUP, FACTORY)
AUTHOR = f"/f/{SUBSCRIPTION}/{GROUP}/{FACTORY}/author"


def author_url(*parts: str) -> str:
    """A path under the factory's Author hub, relative to the studio (each part quoted, as the pages do)."""
    return "/".join([AUTHOR, *(quote(part, safe="") for part in parts)])


@pytest.fixture
def factory(studio: Studio) -> FactoryScope:
    studio.api.service.resources.put_factory(SCOPE, {"properties": {}}, if_match=None)
    return SCOPE


@pytest.fixture
def signed_in(studio: Studio, factory: FactoryScope) -> Iterator[Callable[[TokenRole], httpx.Client]]:
    """Clients signed in with a role; each sends the CSRF token as htmx does (a header)."""
    clients: list[httpx.Client] = []

    def sign_in(role: TokenRole) -> httpx.Client:
        client = httpx.Client(base_url=studio.url, verify=ssl.create_default_context(cafile=studio.api.ca_file), timeout=30)
        clients.append(client)
        login = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert token is not None
        answer = client.post("/login", data={"api_key": studio.api.keys[role], "csrf_token": token[1], "next": "/studio/"})
        assert answer.status_code == 303
        client.headers["X-CSRF-Token"] = client.cookies["pgfactory_csrf"]
        return client

    yield sign_in
    for client in clients:
        client.close()
