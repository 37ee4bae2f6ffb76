"""Entra ID access tokens as bearer tokens: real RS256 JWTs from the local Entra stand-in, checked
against the keys its OpenID configuration publishes, beside pgfactory's own API keys.

Tests that only look at answers share one service (``api``); those that count the stand-in's key
set requests or need another configuration start their own (``entra_api``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from typer.testing import CliRunner

from pgfactory.service import tokens
from pgfactory.service.entra_tokens import EntraTokenSettings
from pgfactory.service.service import Service, ServiceSettings
from pgfactory.store import TokenRole
from tests.api.conftest import FACTORY_PATH, RunningApi, serve
from tests.cli.test_validate import cli
from tests.fixtures.entra import EntraStandIn, make_signing_key

TENANT = "7f0c1e52-3a4b-4c5d-8e9f-0a1b2c3d4e5f"
OTHER_TENANT = "0d9e8f7a-6b5c-4d3e-2f1a-0b9c8d7e6f5a"
AUDIENCE = "api://pgfactory-test"
PIPELINE: dict[str, Any] = {"properties": {"activities": [{"name": "Wait", "type": "Wait",
                                                           "typeProperties": {"waitTimeInSeconds": 0}}]}}


@contextmanager
def entra_api(folder: Path, entra: EntraStandIn, *, tenant: str | None = TENANT, **settings: Any) -> Iterator[RunningApi]:
    """The API taking API keys, and Entra tokens of ``tenant``'s issuer for AUDIENCE (None: no Entra configuration);
    with a factory holding pipeline P."""
    entra.register_tenant(TENANT)
    configured = EntraTokenSettings(entra.issuer(tenant), AUDIENCE, **settings) if tenant is not None else None
    service = Service(ServiceSettings(state_dir=folder / "state", entra=configured))
    service.start()
    keys = {role: tokens.issue(service.store, f"test-{role.value}", role)[1] for role in TokenRole}
    served = serve(service, folder)
    try:
        api = RunningApi(next(served), folder / "ca.pem", service, keys)
        with api.client() as owner:
            assert owner.put(FACTORY_PATH, json={"location": "local"}).status_code == 200
            assert owner.put(f"{FACTORY_PATH}/pipelines/P", json=PIPELINE).status_code == 200
        yield api
    finally:
        served.close()
        service.stop()


@pytest.fixture(scope="module")
def shared_api(tmp_path_factory: pytest.TempPathFactory, entra_stand_in: EntraStandIn) -> Iterator[RunningApi]:
    with entra_api(tmp_path_factory.mktemp("entra-api"), entra_stand_in) as running:
        yield running


@pytest.fixture
def api(shared_api: RunningApi, entra: EntraStandIn) -> RunningApi:
    entra.register_tenant(TENANT)  # the stand-in forgot it in its reset
    with shared_api.client() as owner:  # a test may have deleted it
        assert owner.put(f"{FACTORY_PATH}/pipelines/P", json=PIPELINE).status_code == 200
    return shared_api


def call(api: RunningApi, token: str, method: str = "GET", path: str = "") -> httpx.Response:
    with api.client(role=None) as client:
        answer = client.request(method, FACTORY_PATH + path, headers={"Authorization": f"Bearer {token}"},
                                json=PIPELINE if method == "PUT" else None)
    assert token not in answer.text  # what failed is said without echoing the token
    return answer


def refused(answer: httpx.Response, status: int = 401) -> str:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == ("AuthenticationFailed" if status == 401 else "AuthorizationFailed")
    message: str = error["message"]
    return message


@pytest.mark.parametrize(("roles", "method", "path", "allowed"), [
    (["reader"], "GET", "", True),
    (["Reader"], "PUT", "/pipelines/Q", False),
    (["reader"], "POST", "/pipelines/P/createRun", False),
    (["pgfactory.operator"], "POST", "/pipelines/P/createRun", True),
    (["Operator"], "PUT", "/pipelines/Q", False),
    (["contributor"], "PUT", "/pipelines/Q", True),
    (["PgFactory.Contributor"], "DELETE", "/pipelines/P", True),
    (["reader", "some.other.role", "contributor"], "PUT", "/pipelines/Q", True),  # the highest role given wins
])
def test_an_entra_tokens_app_role_allows_what_that_role_allows(api: RunningApi, entra: EntraStandIn, roles: list[str],
                                                               method: str, path: str, allowed: bool) -> None:
    answer = call(api, entra.mint_token(TENANT, AUDIENCE, roles=roles), method, path)
    if allowed:
        assert answer.status_code == 200, answer.text
    else:
        assert "needs the" in refused(answer, 403)


@pytest.mark.parametrize("roles", [["Admin", "pgfactory.owner"], []])
def test_a_token_without_a_pgfactory_role_is_forbidden_and_told_which_roles_count(
        api: RunningApi, entra: EntraStandIn, roles: list[str]) -> None:
    message = refused(call(api, entra.mint_token(TENANT, AUDIENCE, roles=roles)), 403)
    assert "no pgfactory app role" in message and "reader, operator or contributor" in message
    assert all(role in message for role in roles)


@pytest.mark.parametrize(("change", "reason"), [
    ({"lifetime": -3600}, "expired at"),
    ({"nbf": 4102444800, "iat": 4102444800}, "not valid before 2100-01-01T00:00:00Z"),
    ({"audience": "api://another-app"}, "for audience 'api://another-app', not this service's 'api://pgfactory-test'"),
    ({"iss": "https://sts.windows.net/7f0c1e52-3a4b-4c5d-8e9f-0a1b2c3d4e5f/"}, "issued by 'https://sts.windows.net/"),
    ({"tenant": OTHER_TENANT}, "not the configured issuer"),  # Entra signs every tenant's tokens with the same keys
    ({"tid": OTHER_TENANT}, f"belongs to tenant {OTHER_TENANT}, not the issuer's tenant {TENANT}"),
    ({"exp": None}, "has no 'exp' claim"),
    ({"nbf": "soon"}, "malformed: Not Before claim (nbf) must be an integer"),
])
def test_a_token_that_is_not_for_this_service_now_is_refused_saying_why(
        api: RunningApi, entra: EntraStandIn, change: dict[str, Any], reason: str) -> None:
    minted: dict[str, Any] = {"tenant": TENANT, "audience": AUDIENCE, "roles": ["contributor"], **change}
    assert reason in refused(call(api, entra.mint_token(**minted)))


def test_the_leeway_forgives_a_little_clock_skew(api: RunningApi, entra: EntraStandIn) -> None:
    assert call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"], lifetime=-20)).status_code == 200


def test_a_token_signed_with_a_key_the_issuer_does_not_publish_is_refused(tmp_path: Path, entra: EntraStandIn) -> None:
    stranger = make_signing_key()
    with entra_api(tmp_path, entra) as api:
        assert call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"])).status_code == 200
        message = refused(call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"], key=stranger)))
        assert f"signed with key {stranger.kid!r}, which the issuer does not publish" in message
        # Unknown keys again, within the cooldown, do not send the service back to Entra.
        refused(call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"], key=stranger)))
        refused(call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"], key=make_signing_key())))
    assert len(entra.signing_key_requests()) == 1


def test_a_forged_signature_under_a_published_key_id_is_refused(api: RunningApi, entra: EntraStandIn) -> None:
    forged = jwt.encode({"aud": AUDIENCE, "iss": entra.issuer(TENANT), "exp": 4102444800, "roles": ["contributor"]},
                        make_signing_key().private_key, algorithm="RS256", headers={"kid": entra.signing_key.kid})
    assert "signature does not verify" in refused(call(api, forged))


@pytest.mark.parametrize(("algorithm", "key"), [("HS256", "a-shared-secret-long-enough-for-hmac"), ("none", None)])
def test_only_rs256_tokens_are_taken(api: RunningApi, entra: EntraStandIn, algorithm: str, key: str | None) -> None:
    token = jwt.encode({"aud": AUDIENCE, "iss": entra.issuer(TENANT), "exp": 4102444800, "roles": ["contributor"]},
                       key, algorithm=algorithm, headers={"kid": entra.signing_key.kid})
    assert f"signed with {algorithm!r}; only RS256 is accepted" in refused(call(api, token))
    assert entra.requests == []  # refused before any key is looked up


def test_a_rotated_in_key_is_accepted_once_published(tmp_path: Path, entra: EntraStandIn) -> None:
    with entra_api(tmp_path, entra, key_refresh_cooldown_seconds=0) as api:
        assert call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"])).status_code == 200
        rotated = entra.publish_signing_key()  # after the service has cached the key set
        assert call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"], key=rotated)).status_code == 200
        assert call(api, entra.mint_token(TENANT, AUDIENCE, roles=["reader"])).status_code == 200
    assert len(entra.signing_key_requests()) == 2  # the first token, and the unknown kid; then from the cache


def test_api_keys_keep_working_beside_entra_tokens(api: RunningApi) -> None:
    with api.client(TokenRole.READER) as client:
        assert client.get(FACTORY_PATH).status_code == 200
        assert "not a valid pgfactory API key" in refused(client.get(FACTORY_PATH, headers={
            "Authorization": "Bearer pgf_nope_" + "x" * 40}))


def test_without_an_entra_configuration_jwts_are_refused_and_api_keys_work(tmp_path: Path, entra: EntraStandIn) -> None:
    with entra_api(tmp_path, entra, tenant=None) as api:
        message = refused(call(api, entra.mint_token(TENANT, AUDIENCE, roles=["contributor"])))
        assert "--entra-issuer and --entra-audience" in message
        with api.client(TokenRole.READER) as client:
            assert client.get(FACTORY_PATH).status_code == 200
    assert entra.requests == []


def test_an_issuer_whose_configuration_cannot_be_read_refuses_tokens_but_not_api_keys(
        tmp_path: Path, entra: EntraStandIn) -> None:
    with entra_api(tmp_path, entra, tenant="unknown-tenant") as api:  # the stand-in answers its discovery with 400
        message = refused(call(api, entra.mint_token("unknown-tenant", AUDIENCE, roles=["reader"])))
        assert "the issuer's OpenID configuration at" in message and "could not be read" in message
        with api.client(TokenRole.READER) as client:
            assert client.get(FACTORY_PATH).status_code == 200


def test_serve_takes_the_entra_issuer_and_audience_together(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli(), ["serve", "--insecure-http", "--state-dir", str(tmp_path),
                                        "--entra-issuer", "https://login.microsoftonline.com/x/v2.0"],
                                env={"COLUMNS": "200"})  # the error box must not wrap the message
    assert result.exit_code == 2 and "both --entra-issuer and --entra-audience" in result.output
