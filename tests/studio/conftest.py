"""The studio served by ``pgfactory serve``'s app over HTTPS on loopback, and a way to sign in to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page

from pgfactory.store import TokenRole
from tests.api.conftest import RunningApi, running_api
from tests.fixtures.browser import screenshot

STUDIO = "/studio"


@dataclass
class Studio:
    api: RunningApi
    test: str  # names the test's screenshot folder

    @property
    def url(self) -> str:
        return self.api.url + STUDIO

    def sign_in(self, page: Page, role: TokenRole = TokenRole.CONTRIBUTOR) -> None:
        page.goto(f"{self.url}/login")
        page.get_by_label("API key").fill(self.api.keys[role])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.url}/**")

    def shot(self, page: Page, name: str) -> Path:
        return screenshot(page, self.test, name)


@pytest.fixture
def studio(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Studio]:
    for api in running_api(tmp_path):
        yield Studio(api, request.node.name)
