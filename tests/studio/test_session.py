"""Signing in, the session and CSRF cookies, and the headers every page carries (over HTTP, without a browser)."""

from __future__ import annotations

import re
import ssl

import httpx

from pgfactory.service import tokens
from pgfactory.store import TokenRole
from tests.studio.conftest import Studio


def _client(studio: Studio) -> httpx.Client:
    return httpx.Client(base_url=studio.url, verify=ssl.create_default_context(cafile=studio.api.ca_file), timeout=30)


def _csrf(client: httpx.Client) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    return match[1]


def _sign_in(client: httpx.Client, key: str) -> httpx.Response:
    return client.post("/login", data={"api_key": key, "csrf_token": _csrf(client), "next": "/studio/"})


def test_pages_need_a_session_and_send_the_browser_to_the_login_page(studio: Studio) -> None:
    with _client(studio) as client:
        answer = client.get("/f/sub/rg/adf1/?tab=runs")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/studio/login?next=%2Fstudio%2Ff%2Fsub%2Frg%2Fadf1%2F%3Ftab%3Druns"
        # htmx follows HX-Redirect rather than swapping a login page into a fragment
        fragment = client.get("/", headers={"HX-Request": "true"})
        assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/studio/login"


def test_signing_in_keeps_the_key_in_a_secure_httponly_samesite_cookie(studio: Studio) -> None:
    with _client(studio) as client:
        answer = _sign_in(client, studio.api.keys[TokenRole.READER])
        assert answer.status_code == 303 and answer.headers["location"] == "/studio/"
        cookie = next(value for value in answer.headers.get_list("set-cookie") if value.startswith("pgfactory_session="))
        assert {"secure", "httponly", "samesite=strict", "path=/studio"} <= {part.strip().lower() for part in cookie.split(";")}
        assert client.get("/").status_code == 200


def test_a_wrong_key_is_refused_next_to_the_field_and_a_revoked_key_signs_out(studio: Studio) -> None:
    with _client(studio) as client:
        answer = _sign_in(client, "pgf_nope_" + "x" * 30)
        assert answer.status_code == 400
        assert 'aria-invalid="true"' in answer.text and "not a valid pgfactory API key" in answer.text
        assert "pgfactory_session" not in answer.headers.get("set-cookie", "")
        record, key = tokens.issue(studio.api.service.store, "short-lived", TokenRole.READER)
        assert _sign_in(client, key).status_code == 303
        assert client.get("/").status_code == 200
        studio.api.service.store.tokens.revoke(record.id)
        assert client.get("/").status_code == 303


def test_every_change_needs_the_csrf_token(studio: Studio) -> None:
    with _client(studio) as client:
        _sign_in(client, studio.api.keys[TokenRole.CONTRIBUTOR])
        refused = client.post("/factories", data={"name": "f1", "resource_group": "rg", "subscription_id": "s"})
        assert refused.status_code == 403 and "security token" in refused.text
        wrong = client.post("/factories", data={"name": "f1", "resource_group": "rg", "subscription_id": "s",
                                                "csrf_token": "forged"})
        assert wrong.status_code == 403
        token = client.cookies["pgfactory_csrf"]
        by_header = client.post("/factories", data={"name": "f1", "resource_group": "rg", "subscription_id": "s"},
                                headers={"X-CSRF-Token": token})
        assert by_header.status_code == 303
        assert [record.name for record in studio.api.service.resources.factories()] == ["f1"]
        # the login form too: a page elsewhere cannot sign the browser in to someone else's session
        assert client.post("/login", data={"api_key": studio.api.keys[TokenRole.READER]}).status_code == 403


def test_login_goes_back_only_to_studio_pages(studio: Studio) -> None:
    with _client(studio) as client:
        for target in ("https://elsewhere.example/", "//elsewhere.example/studio/", "/studio\\..\\x", "/api"):
            answer = client.post("/login", data={"api_key": studio.api.keys[TokenRole.READER], "next": target,
                                                 "csrf_token": _csrf(client)})
            assert answer.headers["location"] == "/studio/", target


def test_pages_forbid_inline_scripts_and_framing(studio: Studio) -> None:
    with _client(studio) as client:
        headers = client.get("/login").headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert client.get("/static/htmx.min.js").status_code == 200


def test_a_reader_cannot_create_a_factory(studio: Studio) -> None:
    with _client(studio) as client:
        _sign_in(client, studio.api.keys[TokenRole.READER])
        answer = client.post("/factories", data={"name": "f1", "csrf_token": client.cookies["pgfactory_csrf"]})
        assert answer.status_code == 403 and "contributor" in answer.text
        assert studio.api.service.resources.factories() == []


def test_names_are_escaped(studio: Studio) -> None:
    with _client(studio) as client:
        _sign_in(client, studio.api.keys[TokenRole.CONTRIBUTOR])
        answer = client.post("/factories", data={"name": "<script>alert(1)</script>", "resource_group": "rg",
                                                 "subscription_id": "s", "csrf_token": client.cookies["pgfactory_csrf"]})
        assert answer.status_code == 400
        assert "<script>alert(1)</script>" not in answer.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
