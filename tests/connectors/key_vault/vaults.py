"""Build factories with AzureKeyVault linked services and Key Vault references for the tests."""

from __future__ import annotations

from typing import Any

from pgfactory.models.factory import Factory, ResourceKind, parse_resource
from pgfactory.models.secrets import AzureKeyVaultSecretReference

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the stand-in's challenge names this tenant
CLIENT_ID = "0b9f7a1c-5d2e-4c3b-9a8f-6e5d4c3b2a19"
UAMI_CLIENT_ID = "5c1e2d3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
UAMI_RESOURCE_ID = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/pgfactory-rg/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/pgfactory-kv-uami")


def vault(name: str, base_url: str, *, credential: str | None = None, **properties: Any) -> dict[str, Any]:
    type_properties: dict[str, Any] = {"baseUrl": base_url}
    if credential is not None:
        type_properties["credential"] = {"referenceName": credential, "type": "CredentialReference"}
    return {"name": name, "properties": {"type": "AzureKeyVault", "typeProperties": type_properties, **properties}}


def reference_json(store: str, secret_name: Any, version: str | None = None, **store_extra: Any) -> dict[str, Any]:
    reference: dict[str, Any] = {"type": "AzureKeyVaultSecret",
                                 "store": {"referenceName": store, "type": "LinkedServiceReference", **store_extra},
                                 "secretName": secret_name}
    if version is not None:
        reference["secretVersion"] = version
    return reference


def reference(store: str, secret_name: str, version: str | None = None) -> AzureKeyVaultSecretReference:
    return AzureKeyVaultSecretReference.model_validate(reference_json(store, secret_name, version))


def credential(name: str, kind: str, **type_properties: Any) -> dict[str, Any]:
    return {"name": name, "properties": {"type": kind, "typeProperties": type_properties}}


def factory_of(*, linked_services: tuple[dict[str, Any], ...] = (), credentials: tuple[dict[str, Any], ...] = (),
               pipelines: tuple[dict[str, Any], ...] = ()) -> Factory:
    factory = Factory()
    for kind, documents in ((ResourceKind.LINKED_SERVICE, linked_services), (ResourceKind.CREDENTIAL, credentials),
                            (ResourceKind.PIPELINE, pipelines)):
        for document in documents:
            model, problems = parse_resource(kind, document, file=f"{kind.folder}/{document['name']}.json")
            assert model is not None, problems
            factory.add(kind, model)
    return factory
