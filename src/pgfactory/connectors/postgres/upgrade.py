"""Upgrade a legacy (1.0) ``AzurePostgreSql`` linked service to version 2.0.

Version 1.0 keeps everything in one connection string, written either for Npgsql
(``host=...;database=...;uid=...``) or for the DataDirect ODBC driver of older factories
(``Server=...;UID=...;EncryptionMethod=1``). Version 2.0 wants one property per setting, so the
string is split here, offline, with the same quoting rules the drivers use. Whatever has no 2.0
property, and every guess made on the way, goes into the notes; a password never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pgfactory.errors import DefinitionError
from pgfactory.models.azure_postgresql import AuthenticationType, AzurePostgreSqlV1TypeProperties, SslMode, is_version_2
from pgfactory.models.connection_strings import ConnectionStringError, split_connection_string
from pgfactory.models.factory import ResourceKind, read_resource_file
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.problems import problems_from_validation_error
from pgfactory.models.secrets import AzureKeyVaultSecretReference, SecureString
from pgfactory.models.values import is_expression_text

LINKED_SERVICE_TYPE = "AzurePostgreSql"
_CONNECTION_STRING = "properties.typeProperties.connectionString"

# Connection string keys (lower case, spaces and underscores removed) to 2.0 property names.
# Npgsql's synonyms, plus the DataDirect ODBC names of factories older than the Npgsql driver.
_PROPERTY_OF_KEY = {
    "host": "server", "server": "server", "hostname": "server",
    "database": "database", "db": "database", "databasename": "database",
    "port": "port", "portnumber": "port",
    "userid": "username", "uid": "username", "username": "username", "user": "username", "logonid": "username",
    "password": "password", "pwd": "password", "psw": "password",
    "sslmode": "sslMode",
    "trustservercertificate": "trustServerCertificate",
    "timeout": "connectionTimeout",
    "commandtimeout": "commandTimeout",
    "searchpath": "schema",
    "timezone": "timezone",
    "encoding": "encoding",
    "pooling": "pooling",
    "readbuffersize": "readBufferSize",
    "encryptionmethod": "EncryptionMethod", "em": "EncryptionMethod",
    "validateservercertificate": "ValidateServerCertificate", "vsc": "ValidateServerCertificate",
}
_WHOLE_NUMBERS = {"port", "connectionTimeout", "commandTimeout", "readBufferSize"}
_FLAGS = {"trustServerCertificate", "pooling"}
_ODBC_ONLY = {"EncryptionMethod", "ValidateServerCertificate"}
# The order ADF's documented 2.0 examples use; the rest follow in connection string order.
_LEADING = ("server", "port", "database", "sslMode", "authenticationType", "username", "password")
_SSL_MODE_TITLES = {SslMode.DISABLE: "Disable", SslMode.ALLOW: "Allow", SslMode.PREFER: "Prefer",
                    SslMode.REQUIRE: "Require", SslMode.VERIFY_CA: "VerifyCA", SslMode.VERIFY_FULL: "VerifyFull"}
_SSL_MODE_NAMES = {title.lower(): mode for mode, title in _SSL_MODE_TITLES.items()}


@dataclass(frozen=True)
class _Location:
    """Where the linked service being upgraded lives, so every error can name it."""

    file: Path | str | None
    resource: str

    def error(self, message: str, property_path: str = _CONNECTION_STRING, code: str | None = None) -> DefinitionError:
        return DefinitionError(message, file=self.file, resource=self.resource, property_path=property_path, code=code)


@dataclass
class UpgradeResult:
    """The 2.0 definition and what the upgrade could not carry over or had to assume."""

    linked_service: LinkedServiceResource
    notes: list[str] = field(default_factory=list)


def upgrade_linked_service(resource: LinkedServiceResource, *, file: Path | str | None = None) -> UpgradeResult:
    """The 2.0 form of a 1.0 ``AzurePostgreSql`` linked service, with notes on what changed."""
    properties = resource.properties
    where = _Location(file, resource.name)
    error = where.error
    if properties.type != LINKED_SERVICE_TYPE:
        raise error(f"linked service type {properties.type!r} cannot be upgraded; only {LINKED_SERVICE_TYPE} can",
                    "properties.type", "UserErrorUnsupportedLinkedServiceType")
    if is_version_2(properties.version):
        raise error("the linked service is already version 2.0; there is nothing to upgrade", "properties.version",
                    "UserErrorLinkedServiceAlreadyUpgraded")
    if str(properties.version or "1.0").strip() not in {"1.0", "1"}:
        raise error(f"unknown version {properties.version!r}; expected 1.0 or 2.0", "properties.version")
    raw = properties.type_properties
    if isinstance(raw.get("connectionString"), dict) and raw["connectionString"].get("type") == "Expression":
        raise _dynamic_connection_string(where)
    try:
        legacy = AzurePostgreSqlV1TypeProperties.model_validate(raw)
    except ValidationError as validation_error:
        first = problems_from_validation_error(validation_error, file=str(file or ""), resource=resource.name,
                                               prefix="properties.typeProperties")[0]
        raise error(first.message, first.property_path) from None

    connection_string = legacy.connection_string
    if isinstance(connection_string, AzureKeyVaultSecretReference):
        raise error(
            f"the connection string is Azure Key Vault secret {connection_string.secret_name!r} (store "
            f"{connection_string.store.reference_name!r}), which cannot be read offline to split it into 2.0 "
            "properties; write server, port, database and username by hand and make 'password' a Key Vault "
            "reference to a secret that holds only the password",
            _CONNECTION_STRING, "UserErrorCannotUpgradeKeyVaultConnectionString")
    text = connection_string.value if isinstance(connection_string, SecureString) else connection_string
    if is_expression_text(text):
        raise _dynamic_connection_string(where)
    try:
        pairs = split_connection_string(text)
    except ConnectionStringError as split_error:
        raise error(f"cannot split the connection string: {split_error}", _CONNECTION_STRING) from None

    notes: list[str] = []
    settings = _settings_from_pairs(pairs, notes, where)
    type_properties = _type_properties(settings, raw, notes)
    for key in raw:
        if key not in {"connectionString", "password"}:
            notes.append(f"not carried over: typeProperties.{key}")
    return UpgradeResult(_with_type_properties(resource, type_properties), notes)


def _dynamic_connection_string(where: _Location) -> DefinitionError:
    return where.error(
        "the whole connection string is an expression, which cannot be split before it is evaluated; "
        "write the 2.0 properties by hand, each with its own @linkedService() parameter",
        _CONNECTION_STRING, "UserErrorCannotUpgradeDynamicConnectionString")


def _settings_from_pairs(pairs: list[tuple[str, str]], notes: list[str], where: _Location) -> dict[str, Any]:
    """2.0 property values by name, in connection string order (the last of repeated keys wins)."""
    settings: dict[str, Any] = {}
    for key, value in pairs:
        name = _PROPERTY_OF_KEY.get(re.sub(r"[\s_]", "", key.lower()))
        if name is None:
            notes.append(f"not carried over: {key}")  # the key only: unknown keys may hold secrets
            continue
        if name in _WHOLE_NUMBERS:
            settings[name] = _whole_number(key, value, where)
        elif name in _FLAGS:
            settings[name] = _flag(key, value, where)
        elif name == "sslMode":
            settings[name] = _ssl_mode(key, value, where)
        elif name in _ODBC_ONLY:
            if value.strip() not in ({"0", "1", "6"} if name == "EncryptionMethod" else {"0", "1"}):
                raise where.error(f"connection string key '{key}' has unknown value {value!r}", _CONNECTION_STRING)
            settings[name] = int(value)
        else:
            settings[name] = value
    _ssl_mode_from_odbc(settings, notes)
    return settings


def _whole_number(key: str, value: str, where: _Location) -> int | str:
    if is_expression_text(value):
        return value
    try:
        return int(value.strip())
    except ValueError:
        raise where.error(f"connection string key '{key}' must be a whole number, got {value!r}",
                    _CONNECTION_STRING) from None


def _flag(key: str, value: str, where: _Location) -> bool | str:
    if is_expression_text(value):
        return value
    text = value.strip().lower()
    if text in {"true", "yes", "1"}:
        return True
    if text in {"false", "no", "0"}:
        return False
    raise where.error(f"connection string key '{key}' must be true or false, got {value!r}", _CONNECTION_STRING)


def _ssl_mode(key: str, value: str, where: _Location) -> int | str:
    if is_expression_text(value):
        return value
    text = re.sub(r"[\s_-]", "", value.lower())
    if text.isdigit() and int(text) in SslMode._value2member_map_:
        return int(text)
    if text in _SSL_MODE_NAMES:
        return int(_SSL_MODE_NAMES[text])
    raise where.error(f"connection string key '{key}' has unknown SSL mode {value!r}; expected Disable, Allow, Prefer, "
                "Require, VerifyCA or VerifyFull", _CONNECTION_STRING)


def _ssl_mode_from_odbc(settings: dict[str, Any], notes: list[str]) -> None:
    """Turn DataDirect's EncryptionMethod/ValidateServerCertificate into the nearest sslMode."""
    method = settings.pop("EncryptionMethod", None)
    validate = settings.pop("ValidateServerCertificate", None)
    if "sslMode" in settings:
        if method is not None or validate is not None:
            notes.append("SSL Mode and EncryptionMethod are both given; SSL Mode was used")
        return
    if method is None:
        notes.append("no SSL Mode or EncryptionMethod in the connection string: sslMode is left unset, "
                     "so version 2.0 uses 2 (Prefer)")
        if validate is not None:
            notes.append("not carried over: ValidateServerCertificate (it applies only with EncryptionMethod=1)")
        return
    if method == 0:
        mode = SslMode.DISABLE
    elif method == 6:
        mode = SslMode.PREFER
        if validate == 1:
            notes.append("ValidateServerCertificate=1 is not carried over: sslMode 2 (Prefer) does not verify "
                         "certificates; use 5 (VerifyFull) once the server is known to have TLS")
    else:
        # DataDirect does not validate unless told to, so EncryptionMethod=1 alone means Require.
        mode = SslMode.VERIFY_FULL if validate == 1 else SslMode.REQUIRE
    settings["sslMode"] = int(mode)
    given = f"EncryptionMethod={method}" + (f", ValidateServerCertificate={validate}" if validate is not None else "")
    notes.append(f"{given} became sslMode {int(mode)} ({_SSL_MODE_TITLES[mode]})")


def _type_properties(settings: dict[str, Any], raw: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """2.0 typeProperties: the documented properties first, then the rest as they came."""
    settings["authenticationType"] = AuthenticationType.BASIC.value
    embedded_password = settings.pop("password", None)
    legacy_password = raw.get("password")
    if legacy_password is not None:
        # The 1.0 property exists to hold the password taken out of the string, so it wins.
        settings["password"] = (legacy_password if isinstance(legacy_password, dict)
                                else {"type": "SecureString", "value": legacy_password})
        if embedded_password is not None:
            notes.append("the connection string also holds a password; the 'password' property was used instead")
    elif embedded_password is not None:
        settings["password"] = {"type": "SecureString", "value": embedded_password}
        notes.append("the password from the connection string is now a SecureString in typeProperties.password; "
                     "consider an Azure Key Vault reference instead")
    for name, what in (("server", "server"), ("database", "database"), ("username", "user name"),
                       ("password", "password")):
        if not settings.get(name):
            notes.append(f"no {what} in the connection string: set typeProperties.{name} before use")
    username = settings.get("username")
    if isinstance(username, str) and "@" in username and not username.startswith("@"):
        notes.append(f"username {username!r} has Single Server's user@server form; Flexible Server expects "
                     "the role name alone")
    ordered = {name: settings[name] for name in _LEADING if name in settings}
    ordered.update((name, value) for name, value in settings.items() if name not in ordered)
    return ordered


def _with_type_properties(resource: LinkedServiceResource, type_properties: dict[str, Any]) -> LinkedServiceResource:
    """The same resource, every envelope property kept in place, with version 2.0 and new typeProperties."""
    document = resource.to_json()
    properties: dict[str, Any] = {}
    for key, value in document["properties"].items():
        properties[key] = type_properties if key == "typeProperties" else "2.0" if key == "version" else value
        if key == "type" and "version" not in document["properties"]:
            properties["version"] = "2.0"
    document["properties"] = properties
    return LinkedServiceResource.model_validate(document)


def upgrade_linked_service_file(path: Path) -> UpgradeResult:
    """Read a linked service JSON file and upgrade it; problems name the file and property."""
    model = read_resource_file(ResourceKind.LINKED_SERVICE, path)
    assert isinstance(model, LinkedServiceResource)
    return upgrade_linked_service(model, file=path)
