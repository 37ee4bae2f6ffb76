from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgfactory.errors import DefinitionError
from pgfactory.models.factory import ResourceKind, dump_resource, load_factory
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.resources import (
    CredentialResource,
    DatasetResource,
    FactoryResource,
    IntegrationRuntimeResource,
    PipelineResource,
    TriggerResource,
)
from pgfactory.models.validation import validate_resources_folder

SECRET = "Tr0ub4dor&3-not-for-logs"

# As ADF's git integration writes them: annotations first, unknown properties, nested values.
LINKED_SERVICE: dict[str, Any] = {
    "name": "SalesPostgres",
    "type": "Microsoft.DataFactory/factories/linkedservices",
    "properties": {
        "annotations": ["owner:data-team", {"tier": "gold"}],
        "type": "AzurePostgreSql",
        "version": "2.0",
        "parameters": {
            "database": {"type": "String", "defaultValue": "sales"},
            "retries": {"type": "int", "defaultValue": 3},
        },
        "typeProperties": {
            "server": "sales.postgres.database.azure.com",
            "port": "5432",
            "database": {"value": "@linkedService().database", "type": "Expression"},
            "sslMode": 5,
            "username": "loader",
            "password": {"type": "SecureString", "value": SECRET},
            "authenticationType": "BasicAuth",
            "schema": "sales",
            "futureOption": {"z": 1, "a": [{"y": True, "b": None}]},
        },
        "connectVia": {"referenceName": "SelfHostedIr", "type": "IntegrationRuntimeReference", "parameters": {}},
        "folder": {"name": "databases"},
        "description": "Sales database",
    },
    "etag": "0c00d6f2-0000-0000-0000-000000000000",
}

RESOURCES: dict[str, dict[str, Any]] = {
    "linkedService": LINKED_SERVICE,
    "credential": {"name": "LoaderIdentity", "properties": {
        "type": "ManagedIdentity", "annotations": [],
        "typeProperties": {"resourceId": "/subscriptions/s/resourceGroups/g/providers/"
                                         "Microsoft.ManagedIdentity/userAssignedIdentities/loader"}}},
    "dataset": {"name": "Orders", "properties": {
        "linkedServiceName": {"referenceName": "SalesPostgres", "type": "LinkedServiceReference"},
        "annotations": [], "type": "AzurePostgreSqlTable", "schema": [],
        "typeProperties": {"schema": "sales", "table": "orders"}}},
    "pipeline": {"name": "CopyOrders", "properties": {
        "activities": [{"name": "Copy", "type": "Copy", "dependsOn": [], "typeProperties": {"source": {}}}],
        "annotations": [], "lastPublishTime": "2024-05-01T10:00:00Z"}},
    "integrationRuntime": {"name": "SelfHostedIr", "properties": {"type": "SelfHosted"}},
    "trigger": {"name": "Nightly", "properties": {
        "annotations": [], "runtimeState": "Started",
        "pipelines": [{"pipelineReference": {"referenceName": "CopyOrders", "type": "PipelineReference"}}],
        "type": "ScheduleTrigger", "typeProperties": {"recurrence": {"frequency": "Day", "interval": 1}}}},
    "factory": {"name": "adf-sales", "location": "westeurope", "properties": {
        "globalParameters": {"env": {"type": "string", "value": "dev"}}}, "identity": {"type": "SystemAssigned"}},
}

MODELS = {
    ResourceKind.LINKED_SERVICE: LinkedServiceResource, ResourceKind.CREDENTIAL: CredentialResource,
    ResourceKind.DATASET: DatasetResource, ResourceKind.PIPELINE: PipelineResource,
    ResourceKind.INTEGRATION_RUNTIME: IntegrationRuntimeResource, ResourceKind.TRIGGER: TriggerResource,
    ResourceKind.FACTORY: FactoryResource,
}


def write(root: Path, folder: str, document: Any, name: str | None = None, *, text: str | None = None) -> Path:
    path = root / folder / f"{name or document['name']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text is not None else json.dumps(document, indent=4), encoding="utf-8")
    return path


@pytest.fixture
def factory_root(tmp_path: Path) -> Path:
    for folder, document in RESOURCES.items():
        write(tmp_path, folder, document)
    return tmp_path


def ordered_items(value: Any) -> Any:
    """``value`` with every object turned into a list of (key, value) pairs, so order counts."""
    if isinstance(value, dict):
        return [(key, ordered_items(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [ordered_items(item) for item in value]
    return value


def test_each_kind_is_parsed_from_its_folder(factory_root: Path) -> None:
    factory, problems = load_factory(factory_root)
    assert problems == []
    for kind, model in MODELS.items():
        [(name, resource)] = factory.resources[kind].items()
        assert isinstance(resource, model)
        assert name == RESOURCES[kind.folder]["name"]
        assert factory.file_of(kind, name) == f"{kind.folder}/{name}.json"
    assert factory.name == "adf-sales"
    assert factory.datasets["Orders"].properties.linked_service_name.reference_name == "SalesPostgres"


@pytest.mark.parametrize("folder", list(RESOURCES))
def test_a_resource_written_back_is_the_same_json_in_the_same_order(factory_root: Path, folder: str) -> None:
    factory, _ = load_factory(factory_root)
    kind = next(kind for kind in ResourceKind if kind.folder == folder)
    [resource] = factory.resources[kind].values()
    written = json.loads(dump_resource(resource))
    assert written == RESOURCES[folder]
    assert ordered_items(written) == ordered_items(RESOURCES[folder])


def test_dump_uses_adf_git_formatting(factory_root: Path) -> None:
    factory, _ = load_factory(factory_root)
    text = dump_resource(factory.linked_services["SalesPostgres"])
    assert text == json.dumps(LINKED_SERVICE, indent=4, ensure_ascii=False)


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, "linkedService", None, "Broken", text='{\n    "name": "Broken",\n    "properties": {\n  }}}')
    factory, problems = load_factory(tmp_path)
    [problem] = problems
    assert problem.file == "linkedService/Broken.json"
    assert problem.resource == "Broken"
    assert "malformed JSON at line 4 column 5" in problem.message
    assert factory.linked_services == {}


def test_a_file_named_differently_from_its_resource_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "dataset", RESOURCES["dataset"], "OrdersOld")
    _, problems = load_factory(tmp_path)
    [problem] = problems
    assert str(problem) == ("dataset/OrdersOld.json: OrdersOld: name: the file is named OrdersOld.json "
                            "but the resource is named 'Orders'")


def test_wrong_envelope_types_are_located(tmp_path: Path) -> None:
    write(tmp_path, "dataset", {"name": "Orders", "properties": {"type": "AzurePostgreSqlTable",
                                                                 "linkedServiceName": "SalesPostgres"}})
    _, problems = load_factory(tmp_path)
    [problem] = problems
    assert str(problem).startswith("dataset/Orders.json: Orders: properties.linkedServiceName: ")


def test_wrong_type_properties_are_reported_as_file_resource_property_message(tmp_path: Path) -> None:
    document = json.loads(json.dumps(LINKED_SERVICE))
    document["properties"]["typeProperties"]["port"] = "five thousand"
    document["properties"]["typeProperties"]["sslMode"] = 9
    del document["properties"]["connectVia"]
    write(tmp_path, "linkedService", document)
    _, problems = validate_resources_folder(tmp_path)
    lines = [str(problem) for problem in problems]
    assert ("linkedService/SalesPostgres.json: SalesPostgres: properties.typeProperties.port: "
            "expected a whole number or an expression, got str 'five thousand'") in lines
    assert any(line.startswith("linkedService/SalesPostgres.json: SalesPostgres: properties.typeProperties.sslMode: "
                               "sslMode must be 0 (Disable)") for line in lines)


@pytest.mark.parametrize("password", [
    {"type": "SecureString", "value": [SECRET]},
    {"type": "SecureStrng", "value": SECRET},
    {"value": SECRET},
    [SECRET],
    {"type": "AzureKeyVaultSecret", "store": SECRET, "secretName": "x"},
])
def test_secrets_never_appear_in_problems(tmp_path: Path, password: Any) -> None:
    document = json.loads(json.dumps(LINKED_SERVICE))
    document["properties"]["typeProperties"]["password"] = password
    write(tmp_path, "linkedService", document)
    _, problems = validate_resources_folder(tmp_path)
    password_problems = [problem for problem in problems if ".password" in problem.property_path]
    assert password_problems
    for problem in problems:
        assert SECRET not in str(problem)
        assert SECRET not in json.dumps(problem.to_dict())


def test_a_secret_in_a_malformed_file_is_not_echoed(tmp_path: Path) -> None:
    write(tmp_path, "linkedService", None, "Broken", text='{"name": "Broken", "properties": {"password": "'
                                                         + SECRET + '" "type": 1}}')
    _, problems = load_factory(tmp_path)
    [problem] = problems
    assert SECRET not in str(problem)


def test_a_wrong_secure_string_is_reported_at_its_own_property_path(tmp_path: Path) -> None:
    document = json.loads(json.dumps(LINKED_SERVICE))
    document["properties"]["typeProperties"]["password"] = {"type": "SecureString", "value": 42}
    write(tmp_path, "linkedService", document)
    _, problems = validate_resources_folder(tmp_path)
    password_problems = [problem.property_path for problem in problems if "password" in problem.property_path]
    assert password_problems == ["properties.typeProperties.password.value"]


def test_missing_factory_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="does not exist"):
        load_factory(tmp_path / "nowhere")
