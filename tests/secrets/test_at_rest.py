"""Secrets at rest: sealing for the store, masking for every GET, keeping a stored secret on PUT."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pgfactory.errors import DefinitionError, SecretError
from pgfactory.secrets import MASK, SecretKey, mask, merge_for_put, seal, unseal

PASSWORD = "Pa55;w0rd-clear"
SP_KEY = "sp-key~clear.value"
CONNECTION_PASSWORD = "conn'pass;word"
PARAMETER_DEFAULT = "param-default-clear"
ACTIVITY_SECRET = "web-activity-clear"
CLEAR_TEXTS = (PASSWORD, SP_KEY, CONNECTION_PASSWORD, PARAMETER_DEFAULT, ACTIVITY_SECRET)
KEY_VAULT_REFERENCE = {"type": "AzureKeyVaultSecret", "secretName": "pg-password",
                       "store": {"referenceName": "Vault", "type": "LinkedServiceReference"}}


def secure(value: str) -> dict[str, str]:
    return {"type": "SecureString", "value": value}


def linked_service() -> dict[str, Any]:
    return {
        "name": "Pg",
        "properties": {
            "type": "AzurePostgreSql",
            "version": "2.0",
            "parameters": {"token": {"type": "SecureString", "defaultValue": PARAMETER_DEFAULT},
                           "database": {"type": "String", "defaultValue": "sales"}},
            "typeProperties": {
                "server": "pg.example.com", "port": 5432, "database": "@{linkedService().database}",
                "username": "loader", "password": secure(PASSWORD),
                "servicePrincipalKey": SP_KEY,
                "servicePrincipalEmbeddedCertPassword": KEY_VAULT_REFERENCE,
                "servicePrincipalEmbeddedCert": "@linkedService().token",
            },
        },
    }


def legacy_linked_service(connection_string: str) -> dict[str, Any]:
    return {"name": "Legacy", "properties": {"type": "AzurePostgreSql", "typeProperties": {
        "connectionString": connection_string}}}


def pipeline() -> dict[str, Any]:
    return {"name": "P", "properties": {"activities": [{
        "name": "Call", "type": "WebActivity",
        "typeProperties": {"url": "https://example.com", "authentication": {
            "type": "Basic", "username": "u", "password": secure(ACTIVITY_SECRET)}},
    }]}}


@pytest.fixture(scope="module")
def key() -> SecretKey:
    return SecretKey.generate()


def test_sealing_round_trips_every_kind_of_secret(key: SecretKey) -> None:
    for document in (linked_service(), pipeline(), legacy_linked_service(f'host=h;password="{CONNECTION_PASSWORD}"')):
        sealed = seal(document, key)
        assert sealed != document
        assert unseal(sealed, key) == document


def test_the_sealed_json_holds_no_clear_text(key: SecretKey) -> None:
    documents = [linked_service(), pipeline(), legacy_linked_service(f'host=h;Password="{CONNECTION_PASSWORD}"')]
    serialized = json.dumps([seal(document, key) for document in documents])
    for secret in CLEAR_TEXTS:
        assert secret not in serialized
        assert json.dumps(secret)[1:-1] not in serialized  # nor its JSON-escaped form


def test_sealing_keeps_the_json_shape_and_every_non_secret(key: SecretKey) -> None:
    document = linked_service()
    sealed = seal(document, key)
    properties = sealed["properties"]
    password = properties["typeProperties"]["password"]
    assert password["type"] == "SecureString" and password["value"].startswith("pgfactory:v1:")
    assert properties["typeProperties"]["servicePrincipalKey"].startswith("pgfactory:v1:")
    assert properties["parameters"]["token"]["defaultValue"].startswith("pgfactory:v1:")
    # Key Vault references and expressions hold no secret: left as written.
    assert properties["typeProperties"]["servicePrincipalEmbeddedCertPassword"] == KEY_VAULT_REFERENCE
    assert properties["typeProperties"]["servicePrincipalEmbeddedCert"] == "@linkedService().token"
    assert properties["typeProperties"]["database"] == "@{linkedService().database}"
    assert properties["parameters"]["database"] == {"type": "String", "defaultValue": "sales"}
    assert list(properties["typeProperties"]) == list(document["properties"]["typeProperties"])


def test_only_the_password_of_a_connection_string_is_sealed(key: SecretKey) -> None:
    text = f'host=pg.example.com;database=sales;uid=loader;Password="{CONNECTION_PASSWORD}";port=5432'
    sealed = seal(legacy_linked_service(text), key)["properties"]["typeProperties"]["connectionString"]
    assert sealed.startswith("host=pg.example.com;database=sales;uid=loader;Password=pgfactory:v1:")
    assert sealed.endswith(";port=5432")
    assert CONNECTION_PASSWORD not in sealed


def test_a_connection_string_that_does_not_split_is_sealed_whole(key: SecretKey) -> None:
    text = f'host=h;password="{CONNECTION_PASSWORD}'  # no closing quote
    sealed = seal(legacy_linked_service(text), key)
    assert sealed["properties"]["typeProperties"]["connectionString"].startswith("pgfactory:v1:")
    assert unseal(sealed, key) == legacy_linked_service(text)


def test_sealing_twice_changes_nothing(key: SecretKey) -> None:
    sealed = seal(linked_service(), key)
    assert seal(sealed, key) == sealed


def test_the_input_document_is_not_changed(key: SecretKey) -> None:
    document = linked_service()
    before = copy.deepcopy(document)
    unseal(seal(document, key), key)
    mask(document)
    merge_for_put(document, seal(document, key))
    assert document == before


# -- masking ------------------------------------------------------------------------------------


def test_mask_is_adf_s_ten_asterisks() -> None:
    masked = mask(linked_service())["properties"]
    assert MASK == "*" * 10
    assert masked["typeProperties"]["password"] == {"type": "SecureString", "value": "**********"}
    assert masked["typeProperties"]["servicePrincipalKey"] == "**********"
    assert masked["parameters"]["token"] == {"type": "SecureString", "defaultValue": "**********"}
    assert masked["typeProperties"]["servicePrincipalEmbeddedCertPassword"] == KEY_VAULT_REFERENCE
    assert masked["typeProperties"]["servicePrincipalEmbeddedCert"] == "@linkedService().token"


def test_a_secure_string_is_masked_even_when_it_holds_an_expression() -> None:
    document = {"properties": {"typeProperties": {"password": secure("@{linkedService().password}")}}}
    assert mask(document)["properties"]["typeProperties"]["password"]["value"] == MASK


def test_a_connection_string_shows_everything_but_its_password(key: SecretKey) -> None:
    text = f"host=pg.example.com;database=sales;PWD = \"{CONNECTION_PASSWORD}\";port=5432"
    expected = "host=pg.example.com;database=sales;PWD = **********;port=5432"
    for document in (legacy_linked_service(text), seal(legacy_linked_service(text), key)):
        assert mask(document)["properties"]["typeProperties"]["connectionString"] == expected


def test_masking_a_sealed_document_shows_no_token(key: SecretKey) -> None:
    serialized = json.dumps(mask(seal(linked_service(), key)))
    assert "pgfactory:v1:" not in serialized
    for secret in CLEAR_TEXTS:
        assert secret not in serialized


# -- PUT: merging with what is stored -------------------------------------------------------------


def test_a_put_that_sends_the_mask_back_keeps_the_stored_secrets(key: SecretKey) -> None:
    stored = seal(linked_service(), key)
    incoming = mask(linked_service())
    incoming["properties"]["typeProperties"]["server"] = "pg2.example.com"

    merged = seal(merge_for_put(incoming, stored), key)

    expected = linked_service()
    expected["properties"]["typeProperties"]["server"] = "pg2.example.com"
    assert unseal(merged, key) == expected
    assert merged["properties"]["typeProperties"]["password"] == stored["properties"]["typeProperties"]["password"]


def test_a_put_with_a_new_value_replaces_the_secret(key: SecretKey) -> None:
    stored = seal(linked_service(), key)
    incoming = mask(linked_service())
    incoming["properties"]["typeProperties"]["password"] = secure("new-password")

    merged = unseal(seal(merge_for_put(incoming, stored), key), key)

    assert merged["properties"]["typeProperties"]["password"] == secure("new-password")
    assert merged["properties"]["typeProperties"]["servicePrincipalKey"] == SP_KEY


def test_a_masked_connection_string_password_is_kept_when_the_host_changes(key: SecretKey) -> None:
    stored = seal(legacy_linked_service(f'host=old;password="{CONNECTION_PASSWORD}"'), key)
    incoming = legacy_linked_service("host=new;password=**********")

    merged = unseal(seal(merge_for_put(incoming, stored), key), key)

    assert merged == legacy_linked_service(f'host=new;password="{CONNECTION_PASSWORD}"')


@pytest.mark.parametrize(("stored", "path"), [
    (None, "properties.typeProperties.password.value"),
    ({"properties": {"typeProperties": {"username": "loader"}}}, "properties.typeProperties.password.value"),
])
def test_a_mask_where_nothing_is_stored_names_the_property(stored: Any, path: str) -> None:
    incoming = {"properties": {"typeProperties": {"username": "loader", "password": secure(MASK)}}}
    with pytest.raises(DefinitionError) as raised:
        merge_for_put(incoming, stored)
    assert raised.value.property_path == path
    assert raised.value.code == "UserErrorSecretMaskWithoutValue"
    assert "none is stored here" in raised.value.message


def test_a_masked_connection_string_password_without_a_stored_one_is_an_error() -> None:
    with pytest.raises(DefinitionError) as raised:
        merge_for_put(legacy_linked_service("host=h;pwd=**********"), legacy_linked_service("host=h"))
    assert raised.value.property_path == "properties.typeProperties.connectionString"
    assert "the pwd part of the connection string" in raised.value.message


def test_sealing_refuses_the_mask(key: SecretKey) -> None:
    with pytest.raises(DefinitionError) as raised:
        seal({"password": MASK}, key)
    assert raised.value.property_path == "password"


# -- keys ---------------------------------------------------------------------------------------


def test_unsealing_with_another_key_is_a_clear_error(key: SecretKey) -> None:
    sealed = seal(linked_service(), key)
    other = SecretKey.generate(source="$PGFACTORY_SECRET_KEY")
    with pytest.raises(SecretError) as raised:
        unseal(sealed, other)
    error = raised.value
    assert error.code == "UserErrorSecretKeyMismatch"
    assert error.message.startswith("properties.parameters.token.defaultValue was sealed with another key than the "
                                    "one from $PGFACTORY_SECRET_KEY")
    assert error.__cause__ is None and error.__suppress_context__  # no cryptography traceback behind it


def test_sealing_beside_values_another_key_sealed_is_refused(key: SecretKey) -> None:
    with pytest.raises(SecretError) as raised:
        seal(seal(linked_service(), key), SecretKey.generate())
    assert raised.value.code == "UserErrorSecretKeyMismatch"


def test_a_newer_format_version_is_named() -> None:
    with pytest.raises(SecretError) as raised:
        unseal({"password": "pgfactory:v2:abc"}, SecretKey.generate())
    assert raised.value.code == "UserErrorSecretFormatUnknown"
    assert "format v2" in raised.value.message
