from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgfactory.connectors.postgres.settings import resolve_connection_settings
from pgfactory.connectors.postgres.upgrade import (
    UpgradeResult,
    split_connection_string,
    upgrade_linked_service,
    upgrade_linked_service_file,
)
from pgfactory.errors import DefinitionError
from pgfactory.models.azure_postgresql import AzurePostgreSqlTypeProperties, SslMode
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.secrets import SecureString

SECRET = "s3cr;et'pw"


def legacy(connection_string: Any, name: str = "LegacyPg", **type_properties: Any) -> LinkedServiceResource:
    return LinkedServiceResource.model_validate({
        "name": name,
        "properties": {
            "type": "AzurePostgreSql",
            "typeProperties": {"connectionString": connection_string, **type_properties},
        },
    })


def upgraded(connection_string: Any, **type_properties: Any) -> tuple[dict[str, Any], UpgradeResult]:
    result = upgrade_linked_service(legacy(connection_string, **type_properties))
    return result.linked_service.properties.type_properties, result


def test_npgsql_connection_string_becomes_version_2_properties() -> None:
    props, result = upgraded(
        "host=pg.postgres.database.azure.com;database=sales;port=5433;uid=loader;password=hunter2;SSL Mode=Require"
    )
    assert result.linked_service.properties.version == "2.0"
    assert props == {
        "server": "pg.postgres.database.azure.com",
        "port": 5433,
        "database": "sales",
        "sslMode": 3,
        "authenticationType": "BasicAuth",
        "username": "loader",
        "password": {"type": "SecureString", "value": "hunter2"},
    }


def test_odbc_connection_string_inside_a_secure_string() -> None:
    props, _ = upgraded({
        "type": "SecureString",
        "value": "Server=pg.example.com;Database=sales;Port=5432;UID=loader;Password=hunter2;"
                 "EncryptionMethod=1;ValidateServerCertificate=1",
    })
    assert (props["server"], props["database"], props["port"], props["username"]) == (
        "pg.example.com", "sales", 5432, "loader")
    assert props["sslMode"] == SslMode.VERIFY_FULL
    assert props["password"] == {"type": "SecureString", "value": "hunter2"}


def test_upgraded_definition_is_valid_version_2_with_the_same_meaning() -> None:
    resource = legacy(f"Host=db.internal;Port=6432;Database=app;Username=etl;Password=\"{SECRET}\";SslMode=VerifyCA")
    result = upgrade_linked_service(resource)
    typed = AzurePostgreSqlTypeProperties.model_validate(result.linked_service.properties.type_properties)
    assert isinstance(typed.password, SecureString) and typed.password.value == SECRET
    settings = resolve_connection_settings(result.linked_service)
    assert (settings.host, settings.port, settings.database, settings.username, settings.ssl_mode) == (
        "db.internal", 6432, "app", "etl", SslMode.VERIFY_CA)
    assert settings.password is not None and settings.password.reveal() == SECRET
    # A 1.0 definition resolves on the fly to the same settings.
    assert resolve_connection_settings(resource) == settings


@pytest.mark.parametrize(("text", "expected"), [
    ("password='a;b'", "a;b"),
    ('password="a;b"', "a;b"),
    ("password='it''s'", "it's"),
    ('password="say ""hi"""', 'say "hi"'),
    ("Password={a;b}}c}", "a;b}c"),
    ("password = ' spaced ' ", " spaced "),
    ("password=plain value ", "plain value"),
])
def test_quoted_values_keep_semicolons_and_escaped_quotes(text: str, expected: str) -> None:
    assert split_connection_string(f"host=h;{text};database=d") == [("host", "h"), (text.split("=")[0].strip(),
                                                                                     expected), ("database", "d")]


def test_parameter_expressions_stay_whole() -> None:
    props, _ = upgraded("host=@{linkedService().host};port=@{linkedService().port};"
                        "database=@{concat('a', ';b')};uid=u;pwd=p")
    assert props["server"] == "@{linkedService().host}"
    assert props["port"] == "@{linkedService().port}"
    assert props["database"] == "@{concat('a', ';b')}"
    AzurePostgreSqlTypeProperties.model_validate(props)


@pytest.mark.parametrize(("key", "property_name"), [
    ("Server", "server"), ("Host", "server"), ("HOST", "server"),
    ("Database", "database"), ("DB", "database"),
    ("Port", "port"),
    ("User Id", "username"), ("UID", "username"), ("User Name", "username"), ("Username", "username"),
    ("User", "username"), ("userid", "username"),
    ("Password", "password"), ("PWD", "password"), ("pwd", "password"),
])
def test_key_synonyms_are_case_insensitive(key: str, property_name: str) -> None:
    value = "5432" if property_name == "port" else "x"
    props, _ = upgraded(f"{key}={value}")
    expected: Any = {"type": "SecureString", "value": "x"} if property_name == "password" else value
    assert props[property_name] == (5432 if property_name == "port" else expected)


def test_npgsql_options_map_to_typed_version_2_properties() -> None:
    props, result = upgraded(
        "Host=h;Database=d;Username=u;Password=p;Trust Server Certificate=true;Timeout=20;Command Timeout=0;"
        "Search Path=sales,public;Timezone=Europe/Paris;Encoding=UTF-8;Pooling=false;Read Buffer Size=16384"
    )
    leading = ["server", "database", "authenticationType", "username", "password"]
    assert list(props)[:5] == leading
    assert {name: value for name, value in props.items() if name not in leading} == {
        "trustServerCertificate": True, "connectionTimeout": 20, "commandTimeout": 0, "schema": "sales,public",
        "timezone": "Europe/Paris", "encoding": "UTF-8", "pooling": False, "readBufferSize": 16384,
    }
    settings = resolve_connection_settings(result.linked_service)
    assert (settings.connect_timeout, settings.command_timeout, settings.search_path, settings.pooling) == (
        20, 0, "sales,public", False)


@pytest.mark.parametrize(("name", "number"), [
    ("Disable", 0), ("Allow", 1), ("Prefer", 2), ("Require", 3), ("VerifyCA", 4), ("VerifyFull", 5),
    ("verify-full", 5), ("verify_ca", 4), ("3", 3),
])
def test_ssl_mode_names(name: str, number: int) -> None:
    props, _ = upgraded(f"host=h;SslMode={name}")
    assert props["sslMode"] == number


@pytest.mark.parametrize(("odbc", "ssl_mode"), [
    ("EncryptionMethod=0", 0),
    ("EncryptionMethod=1;ValidateServerCertificate=1", 5),
    ("EncryptionMethod=1;ValidateServerCertificate=0", 3),
    ("EncryptionMethod=1", 3),
    ("EncryptionMethod=6", 2),
    ("EM=1;VSC=1", 5),
    ("em=0;vsc=0", 0),
])
def test_encryption_method_maps_to_ssl_mode(odbc: str, ssl_mode: int) -> None:
    props, result = upgraded(f"Server=h;Database=d;UID=u;PWD=p;{odbc}")
    assert props["sslMode"] == ssl_mode
    assert any(f"became sslMode {ssl_mode}" in note for note in result.notes)


def test_without_any_ssl_setting_ssl_mode_is_left_to_the_version_2_default() -> None:
    props, result = upgraded("Server=h;Database=d;UID=u;PWD=p")
    assert "sslMode" not in props
    assert any("sslMode is left unset" in note and "Prefer" in note for note in result.notes)


def test_key_vault_password_is_carried_over() -> None:
    reference = {"type": "AzureKeyVaultSecret", "store": {"referenceName": "Vault", "type": "LinkedServiceReference"},
                 "secretName": "pg-password"}
    props, result = upgraded("host=h;database=d;uid=u", password=reference)
    assert props["password"] == reference
    assert props["authenticationType"] == "BasicAuth"
    assert not any("password" in note for note in result.notes)


def test_password_property_wins_over_one_in_the_connection_string() -> None:
    props, result = upgraded("host=h;database=d;uid=u;password=0ld-pw",
                             password={"type": "SecureString", "value": "n3w-pw"})
    assert props["password"] == {"type": "SecureString", "value": "n3w-pw"}
    assert any("'password' property was used" in note for note in result.notes)
    assert not any("0ld-pw" in note or "n3w-pw" in note for note in result.notes)


def test_unknown_keys_are_noted_without_their_values() -> None:
    _, result = upgraded(
        f"host=h;database=d;uid=u;password={SECRET[:4]};Application Name=nightly-load;SSL Password=k3y-pass;"
        "Driver={PostgreSQL Unicode}"
    )
    assert "not carried over: Application Name" in result.notes
    assert "not carried over: SSL Password" in result.notes
    assert "not carried over: Driver" in result.notes
    text = "\n".join(result.notes)
    for value in ("nightly-load", "k3y-pass", "PostgreSQL Unicode", SECRET[:4]):
        assert value not in text


def test_missing_required_parts_are_noted() -> None:
    _, result = upgraded("host=h")
    assert "no database in the connection string: set typeProperties.database before use" in result.notes
    assert any("typeProperties.username" in note for note in result.notes)
    assert any("typeProperties.password" in note for note in result.notes)


def test_envelope_is_kept_and_version_follows_type() -> None:
    resource = LinkedServiceResource.model_validate({
        "name": "LegacyPg",
        "type": "Microsoft.DataFactory/factories/linkedservices",
        "properties": {
            "annotations": ["team:data"],
            "type": "AzurePostgreSql",
            "description": "old one",
            "parameters": {"env": {"type": "String", "defaultValue": "dev"}},
            "typeProperties": {"connectionString": "host=h;database=d;uid=u;pwd=p", "encryptedCredential": "blob"},
            "connectVia": {"referenceName": "SelfHosted", "type": "IntegrationRuntimeReference"},
            "folder": {"name": "postgres"},
        },
    })
    result = upgrade_linked_service(resource)
    document = result.linked_service.to_json()
    assert list(document) == ["name", "type", "properties"]
    assert list(document["properties"]) == [
        "annotations", "type", "version", "description", "parameters", "typeProperties", "connectVia", "folder"]
    assert document["properties"]["folder"] == {"name": "postgres"}
    assert document["properties"]["connectVia"]["referenceName"] == "SelfHosted"
    assert "not carried over: typeProperties.encryptedCredential" in result.notes


def test_explicit_version_1_is_replaced_in_place() -> None:
    resource = LinkedServiceResource.model_validate({"name": "p", "properties": {
        "version": "1.0", "type": "AzurePostgreSql", "typeProperties": {"connectionString": "host=h"}}})
    assert list(upgrade_linked_service(resource).linked_service.to_json()["properties"])[:2] == ["version", "type"]


def test_key_vault_connection_string_is_rejected() -> None:
    reference = {"type": "AzureKeyVaultSecret", "store": {"referenceName": "Vault", "type": "LinkedServiceReference"},
                 "secretName": "pg-connection"}
    with pytest.raises(DefinitionError) as raised:
        upgrade_linked_service(legacy(reference, name="KvPg"))
    assert raised.value.code == "UserErrorCannotUpgradeKeyVaultConnectionString"
    assert raised.value.resource == "KvPg"
    assert raised.value.property_path == "properties.typeProperties.connectionString"
    assert "KvPg: properties.typeProperties.connectionString:" in str(raised.value)
    assert "pg-connection" in str(raised.value)


def test_whole_expression_connection_string_is_rejected() -> None:
    with pytest.raises(DefinitionError) as raised:
        upgrade_linked_service(legacy("@linkedService().connection"))
    assert raised.value.code == "UserErrorCannotUpgradeDynamicConnectionString"


def test_version_2_is_rejected() -> None:
    resource = LinkedServiceResource.model_validate({"name": "p", "properties": {
        "type": "AzurePostgreSql", "version": "2.0", "typeProperties": {"server": "h", "database": "d"}}})
    with pytest.raises(DefinitionError, match=r"already version 2\.0") as raised:
        upgrade_linked_service(resource)
    assert raised.value.property_path == "properties.version"


def test_other_linked_service_types_are_rejected() -> None:
    resource = LinkedServiceResource.model_validate({"name": "kv", "properties": {
        "type": "AzureKeyVault", "typeProperties": {"baseUrl": "https://v.vault.azure.net"}}})
    with pytest.raises(DefinitionError, match="cannot be upgraded"):
        upgrade_linked_service(resource)


@pytest.mark.parametrize(("text", "complaint"), [
    (f"host=h;password='{SECRET[:3]}", "has no closing '"),
    (f"host=h;password='{SECRET[:3]}' trailing", "text after its closing"),
    (f"host=h;{SECRET[:3]};port=1", "segment 2 has no '='"),
    ("host=h;port=five", "'port' must be a whole number"),
    ("host=h;SslMode=Sometimes", "unknown SSL mode"),
    ("host=h;EncryptionMethod=4", "unknown value"),
])
def test_malformed_connection_strings_name_the_key_not_the_secret(text: str, complaint: str) -> None:
    with pytest.raises(DefinitionError, match=complaint) as raised:
        upgrade_linked_service(legacy(text))
    assert raised.value.property_path == "properties.typeProperties.connectionString"
    assert SECRET[:3] not in str(raised.value)


def test_upgrade_file(tmp_path: Path) -> None:
    path = tmp_path / "LegacyPg.json"
    path.write_text(json.dumps({"name": "LegacyPg", "properties": {
        "type": "AzurePostgreSql", "typeProperties": {"connectionString": "host=h;database=d;uid=u;pwd=p"}}}))
    result = upgrade_linked_service_file(path)
    assert result.linked_service.properties.type_properties["server"] == "h"


def test_upgrade_file_reports_malformed_json_with_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "Broken.json"
    path.write_text('{\n  "name": "Broken",\n  "properties": {,}\n}')
    with pytest.raises(DefinitionError, match=r"line 3 column") as raised:
        upgrade_linked_service_file(path)
    assert raised.value.file == str(path)


def test_upgrade_file_reports_wrong_shape_with_file_and_property(tmp_path: Path) -> None:
    path = tmp_path / "NoProps.json"
    path.write_text('{"name": "NoProps"}')
    with pytest.raises(DefinitionError) as raised:
        upgrade_linked_service_file(path)
    assert (raised.value.file, raised.value.property_path) == (str(path), "properties")
    path.write_text('{"name": "NoConn", "properties": {"type": "AzurePostgreSql", "typeProperties": {}}}')
    with pytest.raises(DefinitionError) as raised:
        upgrade_linked_service_file(path)
    assert raised.value.property_path == "properties.typeProperties.connectionString"
    assert str(path) in str(raised.value)
