from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgfactory.models.factory import load_factory
from pgfactory.models.problems import Problem
from pgfactory.models.validation import validate_resources, validate_resources_folder

LS_FILE = "linkedService/SalesPostgres.json"
KEY_VAULT_PASSWORD = {"type": "AzureKeyVaultSecret", "secretName": "pg-password",
                      "store": {"referenceName": "Vault", "type": "LinkedServiceReference"}}


def postgres(name: str = "SalesPostgres", *, parameters: dict[str, Any] | None = None, version: str | None = "2.0",
             connect_via: str | None = None, **type_properties: Any) -> dict[str, Any]:
    properties: dict[str, Any] = {"type": "AzurePostgreSql"}
    if version is not None:
        properties["version"] = version
    properties["typeProperties"] = type_properties or {
        "server": "pg.example.com", "database": "sales", "username": "loader", "password": KEY_VAULT_PASSWORD}
    if parameters is not None:
        properties["parameters"] = parameters
    if connect_via is not None:
        properties["connectVia"] = {"referenceName": connect_via, "type": "IntegrationRuntimeReference"}
    return {"name": name, "properties": properties}


def key_vault(name: str = "Vault") -> dict[str, Any]:
    return {"name": name, "properties": {"type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://v.vault.azure.net"}}}


IDENTITY_ID = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/l"


def managed_identity(name: str = "LoaderIdentity", **type_properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": {"type": "ManagedIdentity",
                                         "typeProperties": type_properties or {"resourceId": IDENTITY_ID}}}


def dataset(linked_service: str, name: str = "Orders") -> dict[str, Any]:
    return {"name": name, "properties": {
        "type": "AzurePostgreSqlTable", "typeProperties": {"table": "orders"},
        "linkedServiceName": {"referenceName": linked_service, "type": "LinkedServiceReference"}}}


def check(root: Path, resources: dict[str, list[dict[str, Any]]]) -> list[Problem]:
    """Write ``resources`` (by folder) under ``root`` and return every problem of the folder."""
    for folder, documents in resources.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for document in documents:
            (root / folder / f"{document['name']}.json").write_text(json.dumps(document, indent=4))
    return validate_resources_folder(root)[1]


def lines(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def test_a_consistent_factory_has_no_problems(tmp_path: Path) -> None:
    problems = check(tmp_path, {
        "linkedService": [
            postgres(parameters={"host": {"type": "String"}}, connect_via="SelfHosted", server="@linkedService().host",
                     database="sales", authenticationType="UserAssignedManagedIdentity",
                     credential={"referenceName": "LoaderIdentity", "type": "CredentialReference"}),
            postgres("WithVault"),
            key_vault(),
        ],
        "credential": [managed_identity()],
        "integrationRuntime": [{"name": "SelfHosted", "properties": {"type": "SelfHosted"}}],
        "dataset": [dataset("SalesPostgres")],
    })
    assert problems == []


def test_version_2_type_properties_are_checked(tmp_path: Path) -> None:
    problems = check(tmp_path, {"linkedService": [postgres(server="pg", port="abc", username="u")]})
    assert lines(problems) == [
        f"{LS_FILE}: SalesPostgres: properties.typeProperties.port: expected a whole number or an expression, "
        "got str 'abc'",
        f"{LS_FILE}: SalesPostgres: properties.typeProperties.database: required property is missing",
    ]


def test_required_when_rules_name_each_missing_property(tmp_path: Path) -> None:
    problems = check(tmp_path, {"linkedService": [postgres(server="pg", database="d")]})
    assert lines(problems) == [
        f"{LS_FILE}: SalesPostgres: properties.typeProperties.username: required when authenticationType is BasicAuth",
        f"{LS_FILE}: SalesPostgres: properties.typeProperties.password: required when authenticationType is BasicAuth",
    ]


@pytest.mark.parametrize("version", [None, "1.0"])
def test_version_1_is_a_warning_that_names_the_upgrade_command(tmp_path: Path, version: str | None) -> None:
    problems = check(tmp_path, {"linkedService": [postgres(version=version, connectionString="host=h;uid=u")]})
    [problem] = problems
    assert problem.severity == "warning"
    assert problem.property_path == "properties.version"
    assert problem.message == (f"version 1.0 is legacy; run 'pgfactory upgrade-linked-service "
                               f"{tmp_path / LS_FILE}' to convert it to 2.0")
    assert str(problem).startswith(f"{LS_FILE}: SalesPostgres: properties.version: warning: version 1.0 is legacy")


def test_version_1_type_properties_are_checked(tmp_path: Path) -> None:
    problems = check(tmp_path, {"linkedService": [postgres(version="1.0", server="pg")]})
    assert [(problem.severity, problem.property_path) for problem in problems] == [
        ("error", "properties.typeProperties.connectionString"), ("warning", "properties.version")]


def test_unknown_version_is_an_error(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres(version="3.0"), key_vault()]})
    assert (problem.property_path, problem.severity) == ("properties.version", "error")


def test_other_linked_service_types_are_not_checked_as_postgres(tmp_path: Path) -> None:
    assert check(tmp_path, {"linkedService": [key_vault()]}) == []


MI: dict[str, Any] = {"server": "pg", "database": "d", "authenticationType": "UserAssignedManagedIdentity",
      "credential": {"referenceName": "LoaderIdentity", "type": "CredentialReference"}}
CREDENTIAL_PATH = "properties.typeProperties.credential.referenceName"


def test_credential_must_exist(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres(**MI)]})
    assert str(problem) == (f"{LS_FILE}: SalesPostgres: {CREDENTIAL_PATH}: credential 'LoaderIdentity' is not "
                            "defined; add credential/LoaderIdentity.json")


def test_credential_name_with_other_case_gets_a_hint(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres(**MI)], "credential": [managed_identity("loaderidentity")]})
    assert problem.message.endswith("did you mean 'loaderidentity'?")


def test_credential_must_be_a_managed_identity(tmp_path: Path) -> None:
    service_principal = {"name": "LoaderIdentity", "properties": {"type": "ServicePrincipal", "typeProperties": {}}}
    [problem] = check(tmp_path, {"linkedService": [postgres(**MI)], "credential": [service_principal]})
    assert problem.property_path == CREDENTIAL_PATH
    assert "needs type ManagedIdentity" in problem.message


def test_managed_identity_credential_needs_a_resource_id(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres(**MI)],
                                 "credential": [managed_identity(clientId="c0ffee")]})
    assert str(problem) == ("credential/LoaderIdentity.json: LoaderIdentity: properties.typeProperties.resourceId: "
                            "a ManagedIdentity credential needs the user-assigned identity's resourceId")


def test_other_connectors_may_use_service_principal_credentials(tmp_path: Path) -> None:
    lake = {"name": "Lake", "properties": {"type": "AzureBlobFS", "typeProperties": {
        "url": "https://lake.dfs.core.windows.net",
        "credential": {"referenceName": "Sp", "type": "CredentialReference"}}}}
    service_principal = {"name": "Sp", "properties": {"type": "ServicePrincipal", "typeProperties": {}}}
    assert check(tmp_path, {"linkedService": [lake], "credential": [service_principal]}) == []
    [problem] = check(tmp_path / "other", {"linkedService": [lake]})
    assert "credential 'Sp' is not defined" in problem.message


def test_integration_runtime_must_exist(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres(connect_via="SelfHosted"), key_vault()]})
    assert str(problem) == (f"{LS_FILE}: SalesPostgres: properties.connectVia.referenceName: integration runtime "
                            "'SelfHosted' is not defined; add integrationRuntime/SelfHosted.json")


def test_auto_resolve_integration_runtime_needs_no_file(tmp_path: Path) -> None:
    linked_services = [postgres(connect_via="AutoResolveIntegrationRuntime"), key_vault()]
    assert check(tmp_path, {"linkedService": linked_services}) == []


@pytest.mark.parametrize(("server", "used"), [
    ("@linkedService().host", "host"),
    ("@{linkedService().host}.postgres.database.azure.com", "host"),
    ({"value": "@concat(linkedService().prefix, '.example.com')", "type": "Expression"}, "prefix"),
    ("@linkedService()['host']", "host"),
])
def test_parameters_used_must_be_declared(tmp_path: Path, server: Any, used: str) -> None:
    [problem] = check(tmp_path, {"linkedService": [
        postgres(parameters={"database": {"type": "String"}}, server=server, database="d", username="u",
                 password=KEY_VAULT_PASSWORD), key_vault()]})
    assert problem.property_path.startswith("properties.typeProperties.server")
    assert problem.message == f"linkedService().{used} is not declared in properties.parameters (declared: database)"


@pytest.mark.parametrize("server", ["@@linkedService().host", "literal@{text", "@linkedService().HOST"])
def test_escaped_literals_and_declared_parameters_pass(tmp_path: Path, server: str) -> None:
    assert check(tmp_path, {"linkedService": [
        postgres(parameters={"host": {"type": "String"}}, server=server, database="d", username="u",
                 password=KEY_VAULT_PASSWORD), key_vault()]}) == []


def test_dataset_linked_service_must_exist(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"dataset": [dataset("Missing")]})
    assert str(problem) == ("dataset/Orders.json: Orders: properties.linkedServiceName.referenceName: linked service "
                            "'Missing' is not defined; add linkedService/Missing.json")


def test_reference_to_a_resource_that_failed_to_load_points_at_its_file(tmp_path: Path) -> None:
    (tmp_path / "linkedService").mkdir()
    (tmp_path / "linkedService" / "Broken.json").write_text("{not json")
    problems = check(tmp_path, {"dataset": [dataset("Broken")]})
    assert [problem.file for problem in problems] == ["linkedService/Broken.json", "dataset/Orders.json"]
    assert "could not be loaded; see the problems of linkedService/Broken.json" in problems[1].message


def test_key_vault_store_must_exist(tmp_path: Path) -> None:
    [problem] = check(tmp_path, {"linkedService": [postgres()]})
    assert str(problem) == (f"{LS_FILE}: SalesPostgres: properties.typeProperties.password.store.referenceName: "
                            "Key Vault linked service 'Vault' is not defined; add linkedService/Vault.json")


def test_key_vault_store_must_be_a_key_vault(tmp_path: Path) -> None:
    not_a_vault = postgres("Vault", server="pg", database="d", username="u",
                           password={"type": "SecureString", "value": "x"})
    [problem] = check(tmp_path, {"linkedService": [postgres(), not_a_vault]})
    assert problem.resource == "SalesPostgres"
    assert "linked service 'Vault' is of type 'AzurePostgreSql'; a Key Vault secret needs an AzureKeyVault one" \
        in problem.message


def test_key_vault_references_in_credentials_are_checked(tmp_path: Path) -> None:
    service_principal = {"name": "Sp", "properties": {"type": "ServicePrincipal", "typeProperties": {
        "servicePrincipalId": "id", "tenant": "t", "servicePrincipalKey": KEY_VAULT_PASSWORD}}}
    [problem] = check(tmp_path, {"credential": [service_principal]})
    assert (problem.file, problem.property_path) == (
        "credential/Sp.json", "properties.typeProperties.servicePrincipalKey.store.referenceName")


def test_validate_factory_checks_a_loaded_factory(tmp_path: Path) -> None:
    check(tmp_path, {"dataset": [dataset("Missing")]})
    factory, parse_problems = load_factory(tmp_path)
    assert parse_problems == []
    assert [problem.resource for problem in validate_resources(factory)] == ["Orders"]


def test_key_vault_linked_service_with_a_credential_passes(tmp_path: Path) -> None:
    vault = key_vault()
    vault["properties"]["typeProperties"]["credential"] = {"referenceName": "LoaderIdentity",
                                                           "type": "CredentialReference"}
    assert check(tmp_path, {"linkedService": [postgres(), vault], "credential": [managed_identity()]}) == []


@pytest.mark.parametrize(("type_properties", "message"), [
    ({}, "required property is missing"),
    ({"baseUrl": "http://v.vault.azure.net"}, "baseUrl must be the vault's https URL"),
    ({"baseUrl": "v.vault.azure.net"}, "baseUrl must be the vault's https URL"),
])
def test_key_vault_needs_an_https_base_url(tmp_path: Path, type_properties: dict[str, Any], message: str) -> None:
    vault = {"name": "Vault", "properties": {"type": "AzureKeyVault", "typeProperties": type_properties}}
    [problem] = check(tmp_path, {"linkedService": [vault]})
    assert (problem.file, problem.property_path) == ("linkedService/Vault.json", "properties.typeProperties.baseUrl")
    assert message in problem.message


def test_key_vault_base_url_may_be_a_parameter(tmp_path: Path) -> None:
    vault = {"name": "Vault", "properties": {"type": "AzureKeyVault",
                                             "parameters": {"vault": {"type": "String"}},
                                             "typeProperties": {"baseUrl": "@{linkedService().vault}"}}}
    assert check(tmp_path, {"linkedService": [vault]}) == []
