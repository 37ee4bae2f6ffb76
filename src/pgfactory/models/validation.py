"""Checks across a loaded factory: typed linked service properties and references between resources.

``load_factory`` reports what does not parse; this module reports what parses but cannot work:
a reference to a resource that is not there, an ``@linkedService()`` parameter that is not
declared, a 1.0 linked service that should be upgraded. Every problem names the file, resource
and property, and none repeats a property value (it may be a secret).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT, AzureKeyVaultTypeProperties
from pgfactory.models.azure_postgresql import (
    AzurePostgreSqlTypeProperties,
    AzurePostgreSqlV1TypeProperties,
    is_version_2,
)
from pgfactory.models.base import AdfModel
from pgfactory.models.factory import Factory, ResourceKind, load_factory
from pgfactory.models.file_datasets import (
    FILE_DATASET_TYPE_PROPERTIES,
    FILE_SERVER,
    FILE_SERVER_LOCATION,
    FileServerTypeProperties,
)
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.problems import Problem, problems_from_validation_error
from pgfactory.models.resources import DatasetResource, ManagedIdentityCredentialTypeProperties

AZURE_POSTGRESQL = "AzurePostgreSql"
# ADF's default Azure integration runtime exists in every factory without a file.
AUTO_RESOLVE_RUNTIME = "AutoResolveIntegrationRuntime"
LEGACY_WARNING = "version 1.0 is legacy; run 'pgfactory upgrade-linked-service {file}' to convert it to 2.0"

_TYPE_PROPERTIES = "properties.typeProperties"
_PARAMETER_USE = re.compile(r"linkedService\(\s*\)\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*'([^']+)'\s*\])", re.IGNORECASE)
_INTERPOLATION = re.compile(r"@\{(.*?)\}", re.DOTALL)


def validate_resources_folder(root: Path) -> tuple[Factory, list[Problem]]:
    """Load the factory under ``root`` and check it: parse problems first, then semantic ones."""
    factory, problems = load_factory(root)
    return factory, problems + validate_resources(factory)


def validate_resources(factory: Factory) -> list[Problem]:
    """Semantic problems of an already loaded factory (parse problems come from ``load_factory``)."""
    problems: list[Problem] = []
    for name, linked_service in factory.linked_services.items():
        file = factory.file_of(ResourceKind.LINKED_SERVICE, name)
        is_postgresql = linked_service.properties.type == AZURE_POSTGRESQL
        if is_postgresql:
            # The upgrade hint names the path as given, so it can be pasted into the same shell.
            path = factory.files.get((ResourceKind.LINKED_SERVICE, name))
            problems.extend(_check_azure_postgresql(linked_service, file, str(path or file)))
        if linked_service.properties.type == FILE_SERVER:
            problems.extend(_check_type_properties(FileServerTypeProperties, linked_service.properties.type_properties,
                                                   file, name))
        if linked_service.properties.type == AZURE_KEY_VAULT:
            problems.extend(_check_type_properties(AzureKeyVaultTypeProperties, linked_service.properties.type_properties,
                                                   file, name))
        problems.extend(_check_runtime(factory, linked_service, file))
        problems.extend(_check_parameter_uses(linked_service, file))
        type_properties = linked_service.properties.type_properties
        # Other connectors also take ServicePrincipal credentials; AzurePostgreSql only managed identities.
        problems.extend(_check_credentials(factory, type_properties, file, name, managed_identity=is_postgresql))
        problems.extend(_check_key_vault_references(factory, type_properties, file, name))
    for name, credential in factory.credentials.items():
        file = factory.file_of(ResourceKind.CREDENTIAL, name)
        problems.extend(_check_key_vault_references(factory, credential.properties.type_properties, file, name))
    for name, dataset in factory.datasets.items():
        reference = dataset.properties.linked_service_name.reference_name
        if reference not in factory.linked_services:
            problems.append(Problem(factory.file_of(ResourceKind.DATASET, name), name,
                                    "properties.linkedServiceName.referenceName",
                                    _missing(factory, ResourceKind.LINKED_SERVICE, "linked service", reference)))
        problems.extend(_check_file_dataset(factory, dataset, factory.file_of(ResourceKind.DATASET, name)))
    return problems


def _check_file_dataset(factory: Factory, dataset: DatasetResource, file: str) -> list[Problem]:
    """DelimitedText, Parquet and Json datasets: their typeProperties, and a FileServerLocation on a FileServer."""
    model = FILE_DATASET_TYPE_PROPERTIES.get(dataset.properties.type)
    if model is None:
        return []
    type_properties = dataset.properties.type_properties
    problems = _check_type_properties(model, type_properties, file, dataset.name)
    location = type_properties.get("location")
    linked_service = factory.linked_services.get(dataset.properties.linked_service_name.reference_name)
    if (isinstance(location, dict) and location.get("type") == FILE_SERVER_LOCATION and linked_service is not None
            and linked_service.properties.type != FILE_SERVER):
        problems.append(Problem(file, dataset.name, f"{_TYPE_PROPERTIES}.location.type",
                                f"{FILE_SERVER_LOCATION} needs a {FILE_SERVER} linked service; "
                                f"{linked_service.name!r} is of type {linked_service.properties.type!r}"))
    return problems


def _check_type_properties(model: type[AdfModel], type_properties: dict[str, Any], file: str, resource: str) -> list[Problem]:
    try:
        model.model_validate(type_properties)
    except ValidationError as error:
        return problems_from_validation_error(error, file=file, resource=resource, prefix=_TYPE_PROPERTIES)
    return []


def _check_azure_postgresql(linked_service: LinkedServiceResource, file: str, path: str) -> list[Problem]:
    name, properties = linked_service.name, linked_service.properties
    version = properties.version
    if version is not None and str(version).strip() not in {"1.0", "1", "2.0", "2"}:
        return [Problem(file, name, "properties.version", f"unknown version {version!r}; expected 1.0 or 2.0")]
    model: type[AzurePostgreSqlTypeProperties | AzurePostgreSqlV1TypeProperties]
    problems: list[Problem] = []
    if is_version_2(version):
        model = AzurePostgreSqlTypeProperties
    else:
        model = AzurePostgreSqlV1TypeProperties
        problems.append(Problem(file, name, "properties.version", LEGACY_WARNING.format(file=path), "warning"))
    try:
        model.model_validate(properties.type_properties)
    except ValidationError as error:
        problems[:0] = problems_from_validation_error(error, file=file, resource=name, prefix=_TYPE_PROPERTIES)
    return problems


def _check_runtime(factory: Factory, linked_service: LinkedServiceResource, file: str) -> list[Problem]:
    connect_via = linked_service.properties.connect_via
    if connect_via is None or connect_via.reference_name == AUTO_RESOLVE_RUNTIME:
        return []
    if connect_via.reference_name in factory.resources[ResourceKind.INTEGRATION_RUNTIME]:
        return []
    message = _missing(factory, ResourceKind.INTEGRATION_RUNTIME, "integration runtime", connect_via.reference_name)
    return [Problem(file, linked_service.name, "properties.connectVia.referenceName", message)]


def _check_parameter_uses(linked_service: LinkedServiceResource, file: str) -> list[Problem]:
    declared = {name.lower(): name for name in linked_service.properties.parameters or {}}
    problems: list[Problem] = []
    for path, value in _walk(linked_service.properties.type_properties, _TYPE_PROPERTIES):
        for expression in _expressions_in(value):
            for match in _PARAMETER_USE.finditer(expression):
                used = match.group(1) or match.group(2)
                # The evaluator looks parameters up without regard to case, as ADF does.
                if used.lower() in declared:
                    continue
                known = ", ".join(sorted(declared.values())) or "none"
                problems.append(Problem(file, linked_service.name, path,
                                        f"linkedService().{used} is not declared in properties.parameters "
                                        f"(declared: {known})"))
    return problems


def _check_credentials(
    factory: Factory, type_properties: dict[str, Any], file: str, resource: str, *, managed_identity: bool
) -> list[Problem]:
    problems: list[Problem] = []
    for path, value in _walk(type_properties, _TYPE_PROPERTIES):
        if not (isinstance(value, dict) and value.get("type") == "CredentialReference"):
            continue
        name = value.get("referenceName")
        where = f"{path}.referenceName"
        credential = factory.credentials.get(name) if isinstance(name, str) else None
        if credential is None:
            problems.append(Problem(file, resource, where,
                                    _missing(factory, ResourceKind.CREDENTIAL, "credential", str(name))))
        elif not managed_identity:
            continue
        elif credential.properties.type != "ManagedIdentity":
            problems.append(Problem(file, resource, where, f"credential {name!r} is of type "
                                    f"{credential.properties.type!r}; a managed identity needs type ManagedIdentity"))
        elif not _resource_id(credential.properties.type_properties):
            problems.append(Problem(factory.file_of(ResourceKind.CREDENTIAL, str(name)), str(name),
                                    "properties.typeProperties.resourceId",
                                    "a ManagedIdentity credential needs the user-assigned identity's resourceId"))
    return problems


def _resource_id(type_properties: dict[str, Any]) -> str | None:
    try:
        return ManagedIdentityCredentialTypeProperties.model_validate(type_properties).resource_id
    except ValidationError:
        return None  # not a string: as unusable as a missing one


def _check_key_vault_references(
    factory: Factory, type_properties: dict[str, Any], file: str, resource: str
) -> list[Problem]:
    problems: list[Problem] = []
    for path, value in _walk(type_properties, _TYPE_PROPERTIES):
        if not (isinstance(value, dict) and value.get("type") == "AzureKeyVaultSecret"):
            continue
        store = value.get("store")
        name = store.get("referenceName") if isinstance(store, dict) else None
        where = f"{path}.store.referenceName"
        if not isinstance(name, str):
            problems.append(Problem(file, resource, where, "an AzureKeyVaultSecret needs store.referenceName"))
            continue
        target = factory.linked_services.get(name)
        if target is None:
            problems.append(Problem(file, resource, where,
                                    _missing(factory, ResourceKind.LINKED_SERVICE, "Key Vault linked service", name)))
        elif target.properties.type != AZURE_KEY_VAULT:
            problems.append(Problem(file, resource, where, f"linked service {name!r} is of type "
                                    f"{target.properties.type!r}; a Key Vault secret needs an {AZURE_KEY_VAULT} one"))
    return problems


def _walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value inside ``value`` with its dotted property path, parents before children."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}.{index}")


def _expressions_in(value: Any) -> list[str]:
    """The expression texts a string holds: ``@x`` or each ``@{x}`` (an Expression object's
    ``value`` is such a string, and ``_walk`` visits it)."""
    if not isinstance(value, str) or value.startswith("@@"):
        return []
    if value.startswith("@") and not value.startswith("@{"):
        return [value[1:]]
    return _INTERPOLATION.findall(value)


def _missing(factory: Factory, kind: ResourceKind, what: str, name: str) -> str:
    """Why a reference is broken, with the likely fix."""
    if factory.root is not None and (factory.root / kind.folder / f"{name}.json").exists():
        return f"{what} {name!r} could not be loaded; see the problems of {kind.folder}/{name}.json"
    # ADF compares names without regard to case when it deploys, but git files are case-sensitive here.
    near = [known for known in factory.resources[kind] if known.lower() == name.lower()]
    if near:
        return f"{what} {name!r} is not defined; did you mean {near[0]!r}?"
    return f"{what} {name!r} is not defined; add {kind.folder}/{name}.json"
