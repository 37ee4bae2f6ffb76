"""Manage > Credentials: the identities linked services sign in with, listed, created, edited and deleted.

ADF's two credential types (spec 1.6): ``ManagedIdentity``, whose ``typeProperties.resourceId`` names a
user-assigned managed identity, and ``ServicePrincipal`` (``tenant``, ``servicePrincipalId`` and
``servicePrincipalKey``, a SecureString or an AzureKeyVaultSecret reference). The key never goes
back to the browser: the form says one is stored, and a save with the field left empty sends the
mask, which the service replaces with the stored secret (:func:`pgfactory.secrets.merge_for_put`).
Everything the form does not show (annotations, other typeProperties) is kept as it was.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from pgfactory.errors import NotFoundError
from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.resources import ResourceService, ResourceView
from pgfactory.store import ResourceKind, TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory, FactoryPage
from pgfactory.studio.manage.resource_forms import save, text
from pgfactory.studio.manage.usage import LINKED_SERVICES, all_resources, users_by_name
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
CREDENTIALS = COLLECTIONS[ResourceKind.CREDENTIALS.value]
PATH = FACTORY_PATH + "/manage/credentials"
REFERENCE = "CredentialReference"

MANAGED_IDENTITY = "ManagedIdentity"
SERVICE_PRINCIPAL = "ServicePrincipal"
TYPES = {MANAGED_IDENTITY: "User-assigned managed identity", SERVICE_PRINCIPAL: "Service principal"}
SECURE_STRING = "SecureString"
KEY_VAULT_SECRET = "AzureKeyVaultSecret"
KEY_SOURCES = {SECURE_STRING: "Stored in pgfactory", KEY_VAULT_SECRET: "Azure Key Vault"}
USER_ASSIGNED_IDENTITY = re.compile(r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/"
                                    r"Microsoft\.ManagedIdentity/userAssignedIdentities/[^/]+", re.IGNORECASE)
_KEY = "properties.typeProperties.servicePrincipalKey"
# Where each property of a credential sits in the form (DefinitionError.property_path -> field).
FIELDS = {
    "name": "name", "properties.description": "description", "properties.type": "type",
    "properties.typeProperties.resourceId": "resource_id", "properties.typeProperties.tenant": "tenant",
    "properties.typeProperties.servicePrincipalId": "service_principal_id", _KEY: "service_principal_key",
    f"{_KEY}.store": "key_vault", f"{_KEY}.secretName": "secret_name", f"{_KEY}.secretVersion": "secret_version",
}


class CredentialFields(BaseModel):
    """The form as posted; ``service_principal_key`` is what was typed, never a stored value."""

    name: str = ""
    description: str = ""
    type: str = MANAGED_IDENTITY
    resource_id: str = ""
    tenant: str = ""
    service_principal_id: str = ""
    key_source: str = SECURE_STRING
    service_principal_key: str = ""
    key_vault: str = ""
    secret_name: str = ""
    secret_version: str = ""
    etag: str = ""  # the version the form was opened on: a save over someone else's change is refused


@router.get(PATH)
def credential_list(request: Request, factory: Factory, saved: str = "", deleted: str = "") -> Response:
    resources = service_of(request).resources
    users = users_by_name(all_resources(resources, factory.scope, LINKED_SERVICES), REFERENCE)
    rows = [{"name": view.name, "type": TYPES.get(str(view.properties.get("type")), view.properties.get("type")),
             "identity": _identity(view.properties), "used_by": users.get(view.name.lower(), [])}
            for view in all_resources(resources, factory.scope, CREDENTIALS)]
    return render(request, "manage/credentials.html", {"rows": rows, "saved": saved, "deleted": deleted})


@router.get(PATH + "/new")
def new_credential(request: Request, factory: Factory, user: User) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "creating credentials")
    return _form(request, factory, CredentialFields(), stored=None)


@router.post(PATH + "/new")
def create_credential(request: Request, factory: Factory, user: User,
                      fields: Annotated[CredentialFields, Form()]) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "creating credentials")
    return _save(request, factory, fields, stored=None)


@router.get(PATH + "/{name}")
def credential(request: Request, factory: Factory, name: str) -> Response:
    view = service_of(request).resources.get(factory.scope, CREDENTIALS, name)
    return _form(request, factory, _fields_of(view), stored=view)


@router.post(PATH + "/{name}")
def update_credential(request: Request, factory: Factory, user: User, name: str,
                      fields: Annotated[CredentialFields, Form()]) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "changing credentials")
    view = service_of(request).resources.get(factory.scope, CREDENTIALS, name)
    return _save(request, factory, fields.model_copy(update={"name": view.name}), stored=view)


@router.get(PATH + "/{name}/delete")
def confirm_delete(request: Request, factory: Factory, user: User, name: str) -> Response:
    """The delete dialog, naming the linked services that use the credential (asked now, not when the list was shown)."""
    require(user, TokenRole.CONTRIBUTOR, "deleting credentials")
    resources = service_of(request).resources
    view = resources.get(factory.scope, CREDENTIALS, name)
    users = users_by_name(all_resources(resources, factory.scope, LINKED_SERVICES), REFERENCE).get(view.name.lower(), [])
    return render(request, "manage/_delete_in_use.html", {
        "label": "credential", "name": view.name, "users": users,
        "action": factory.url("manage", "credentials", view.name, "delete"),
        "consequence": "They will fail to sign in until they use another credential."})


@router.post(PATH + "/{name}/delete")
def delete_credential(request: Request, factory: Factory, user: User, name: str) -> Response:
    require(user, TokenRole.CONTRIBUTOR, "deleting credentials")
    if not service_of(request).resources.delete(factory.scope, CREDENTIALS, name, if_match=None):
        raise NotFoundError(f"credential {name!r} was not found in factory {factory.name!r}")
    return RedirectResponse(f"{factory.url('manage', 'credentials')}?deleted={quote(name)}", status_code=303)


def _save(request: Request, factory: FactoryPage, fields: CredentialFields, *, stored: ResourceView | None) -> Response:
    resources = service_of(request).resources
    name = fields.name.strip()
    key_vaults = _key_vaults(resources, factory)
    errors = _problems(fields, stored=stored, key_vaults=key_vaults)
    if not errors:
        errors = save(resources, factory.scope, CREDENTIALS, name, credential_properties(fields, stored),
                      stored=stored, etag=fields.etag, fields=FIELDS)
        if not errors:
            return RedirectResponse(f"{factory.url('manage', 'credentials')}?saved={quote(name)}", status_code=303)
    return _form(request, factory, fields, stored=stored, errors=errors, key_vaults=key_vaults, status_code=422)


def _form(request: Request, factory: FactoryPage, fields: CredentialFields, *, stored: ResourceView | None,
          errors: dict[str, str] | None = None, key_vaults: list[str] | None = None, status_code: int = 200) -> Response:
    creating = stored is None
    action = factory.url("manage", "credentials", "new" if stored is None else stored.name)
    if key_vaults is None:
        key_vaults = _key_vaults(service_of(request).resources, factory)
    return render(request, "manage/credential_form.html", {
        "fields": fields, "creating": creating, "action": action, "errors": errors or {}, "types": TYPES,
        "key_sources": KEY_SOURCES, "key_vaults": key_vaults, "vault_options": _vault_options(key_vaults, fields.key_vault),
        "key_stored": _stored_key_source(stored) == SECURE_STRING,
    }, status_code=status_code)


def _vault_options(key_vaults: list[str], chosen: str) -> list[tuple[str, str]]:
    """The Key Vault select's choices; a stored reference to something else stays visible, said to be wrong."""
    options = [("", "Choose an Azure Key Vault linked service"), *((vault, vault) for vault in key_vaults)]
    if chosen and chosen.lower() not in {vault.lower() for vault in key_vaults}:
        options.append((chosen, f"{chosen} (not an Azure Key Vault linked service of this factory)"))
    return options


def credential_properties(fields: CredentialFields, stored: ResourceView | None) -> dict[str, Any]:
    """The credential's properties: the stored ones with what the form holds written over them."""
    base = dict(stored.properties) if stored is not None else {}
    type_properties = dict(base.get("typeProperties") or {}) if base.get("type") == fields.type else {}
    properties = {**base, "type": fields.type, "typeProperties": type_properties}
    properties.pop("description", None)
    if fields.description.strip():
        properties["description"] = fields.description.strip()
    if fields.type == MANAGED_IDENTITY:
        type_properties["resourceId"] = fields.resource_id.strip()
        return properties
    type_properties["tenant"] = fields.tenant.strip()
    type_properties["servicePrincipalId"] = fields.service_principal_id.strip()
    if fields.key_source == KEY_VAULT_SECRET:
        reference: dict[str, Any] = {"type": KEY_VAULT_SECRET, "store": {"referenceName": fields.key_vault,
                                                                         "type": "LinkedServiceReference"},
                                     "secretName": fields.secret_name.strip()}
        if fields.secret_version.strip():
            reference["secretVersion"] = fields.secret_version.strip()
        type_properties["servicePrincipalKey"] = reference
    elif fields.service_principal_key:
        type_properties["servicePrincipalKey"] = {"type": SECURE_STRING, "value": fields.service_principal_key}
    # else: the stored key stays, masked; the service puts the stored secret back in its place.
    return properties


def _problems(fields: CredentialFields, *, stored: ResourceView | None, key_vaults: list[str]) -> dict[str, str]:
    """What the form lacks, each under its field (the service checks names and shapes after these)."""
    errors: dict[str, str] = {}
    if stored is None and not fields.name.strip():
        errors["name"] = "Enter a name."
    if fields.type == MANAGED_IDENTITY:
        resource_id = fields.resource_id.strip()
        if not resource_id:
            errors["resource_id"] = "Enter the resource ID of the user-assigned managed identity."
        elif not USER_ASSIGNED_IDENTITY.fullmatch(resource_id):
            errors["resource_id"] = ("This is not the resource ID of a user-assigned managed identity, which reads "
                                     "/subscriptions/<subscription ID>/resourceGroups/<resource group>/providers/"
                                     "Microsoft.ManagedIdentity/userAssignedIdentities/<name>.")
    elif fields.type == SERVICE_PRINCIPAL:
        if not fields.tenant.strip():
            errors["tenant"] = "Enter the tenant (directory) ID or domain of the service principal."
        if not fields.service_principal_id.strip():
            errors["service_principal_id"] = "Enter the service principal's application (client) ID."
        if fields.key_source == KEY_VAULT_SECRET:
            if fields.key_vault.lower() not in {vault.lower() for vault in key_vaults}:
                errors["key_vault"] = ("Choose the Azure Key Vault linked service that holds the key." if key_vaults else
                                       "This factory has no Azure Key Vault linked service: create one first, or store "
                                       "the key in pgfactory.")
            if not fields.secret_name.strip():
                errors["secret_name"] = "Enter the name of the secret that holds the key."
        elif fields.key_source == SECURE_STRING:
            if not fields.service_principal_key and _stored_key_source(stored) != SECURE_STRING:
                errors["service_principal_key"] = "Enter the service principal's key (client secret)."
        else:
            errors["key_source"] = "Choose where the key is kept."
    else:
        errors["type"] = "Choose a user-assigned managed identity or a service principal."
    return errors


def _fields_of(view: ResourceView) -> CredentialFields:
    properties = view.properties
    type_properties = properties.get("typeProperties") or {}
    key = type_properties.get("servicePrincipalKey")
    vault = key if _stored_key_source(view) == KEY_VAULT_SECRET and isinstance(key, dict) else {}
    store = vault.get("store")
    store = store if isinstance(store, dict) else {}
    return CredentialFields(
        name=view.name, description=text(properties.get("description")), type=text(properties.get("type")),
        resource_id=text(type_properties.get("resourceId")), tenant=text(type_properties.get("tenant")),
        service_principal_id=text(type_properties.get("servicePrincipalId")),
        key_source=KEY_VAULT_SECRET if vault else SECURE_STRING, key_vault=text(store.get("referenceName")),
        secret_name=text(vault.get("secretName")), secret_version=text(vault.get("secretVersion")), etag=view.etag)


def _stored_key_source(view: ResourceView | None) -> str | None:
    """Where the stored service principal key is: SecureString (a secret kept here, also a bare string), an
    AzureKeyVaultSecret reference, or None."""
    if view is None or view.properties.get("type") != SERVICE_PRINCIPAL:
        return None
    key = (view.properties.get("typeProperties") or {}).get("servicePrincipalKey")
    if isinstance(key, str) and key:
        return SECURE_STRING
    if isinstance(key, dict) and key.get("type") in (SECURE_STRING, KEY_VAULT_SECRET):
        return str(key["type"])
    return None


def _identity(properties: dict[str, Any]) -> str:
    """The list's one-line summary of who the credential is."""
    type_properties = properties.get("typeProperties") or {}
    if properties.get("type") == MANAGED_IDENTITY:
        return text(type_properties.get("resourceId")).rsplit("/", 1)[-1]
    if properties.get("type") == SERVICE_PRINCIPAL:
        return f"{text(type_properties.get('servicePrincipalId'))} in tenant {text(type_properties.get('tenant'))}"
    return ""


def _key_vaults(resources: ResourceService, factory: FactoryPage) -> list[str]:
    return [view.name for view in all_resources(resources, factory.scope, LINKED_SERVICES)
            if view.properties.get("type") == AZURE_KEY_VAULT]
