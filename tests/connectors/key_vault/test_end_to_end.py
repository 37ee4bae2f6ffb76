"""A PostgreSQL password kept in Key Vault: linked service JSON -> Key Vault stand-in -> real PostgreSQL.

The role's password exists only in the vault stand-in; test-connection and a pipeline's Script
activity log in only if pgfactory read it from there, with a token from the Entra stand-in.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgfactory.connectors.postgres.diagnostics import StageStatus, test_connection
from pgfactory.connectors.postgres.pool import close_pools
from pgfactory.engine import Engine
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.store.run_store import RunStore
from tests.connectors.key_vault.vaults import factory_of, reference_json, vault
from tests.fixtures.entra import EntraStandIn
from tests.fixtures.key_vault import SYSTEM_ASSIGNED, KeyVaultStandIn
from tests.fixtures.linked_services import azure_postgresql
from tests.fixtures.postgres import RunningServer

ROLE = "key_vault_user"
REQUIRE = 3


@pytest.fixture
def factory(pg_tls: RunningServer, entra: EntraStandIn, key_vault: KeyVaultStandIn) -> Iterator[Factory]:
    """Linked service ``Pg`` whose password is ``pg-password`` in the vault, which the factory's identity may read."""
    password = secrets.token_urlsafe(18)
    pg_tls.create_role(ROLE, password)
    entra.register_managed_identity()
    key_vault.grant(SYSTEM_ASSIGNED)
    key_vault.set_secret("pg-password", password)
    made = factory_of(linked_services=(vault("Vault", key_vault.url),), pipelines=(pipeline(),))
    made.add(ResourceKind.LINKED_SERVICE, azure_postgresql(
        "Pg", server=pg_tls.host, port=pg_tls.port, database="postgres", sslMode=REQUIRE,
        authenticationType="BasicAuth", username=ROLE, password=reference_json("Vault", "pg-password")))
    yield made
    close_pools()


def pipeline() -> dict[str, object]:
    return {"name": "WhoAmI", "properties": {"activities": [{
        "name": "Who", "type": "Script",
        "linkedServiceName": {"referenceName": "Pg", "type": "LinkedServiceReference"},
        "typeProperties": {"scripts": [{"type": "Query", "text": "SELECT current_user AS who"}]},
    }]}}


def test_test_connection_reads_the_password_from_key_vault(factory: Factory, key_vault: KeyVaultStandIn) -> None:
    report = test_connection(factory.linked_service("Pg"), factory=factory)

    assert report.succeeded, report.to_dict()
    assert [stage.name for stage in report.stages if stage.status is StageStatus.PASSED] == [
        "resolve", "dns", "tcp", "tls", "authentication", "database", "permissions"]
    assert [read.path for read in key_vault.secret_reads()] == ["/secrets/pg-password/"]


def test_a_script_activity_logs_in_with_the_vault_secret(factory: Factory, tmp_path: Path) -> None:
    with RunStore.open(tmp_path) as store, Engine(factory, store=store) as engine:
        result = engine.run("WhoAmI", {})
        [activity] = store.activity_runs(result.run.run_id)

    assert result.run.status == "Succeeded", activity.error
    assert activity.output["resultSets"][0]["rows"] == [{"who": ROLE}]


def test_a_secret_the_identity_may_not_read_fails_at_resolve(factory: Factory, key_vault: KeyVaultStandIn) -> None:
    key_vault.reset(key_vault.entra)  # forgets the grant and the secret

    report = test_connection(factory.linked_service("Pg"), factory=factory).to_dict()

    assert report["succeeded"] is False and report["errorCode"] == "UserErrorKeyVaultAccessDenied"
    assert report["stages"][0]["stage"] == "resolve" and report["stages"][0]["status"] == "failed"
    assert "through linked service 'Vault'" in report["message"]
