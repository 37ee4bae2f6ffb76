"""Turn a secret-bearing property value into a :class:`Secret`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgfactory.errors import SecretError
from pgfactory.models.secrets import AzureKeyVaultSecretReference, SecureString
from pgfactory.secrets.secret import Secret

# Key Vault references are resolved by a resolver the caller gives (connectors.key_vault reads the
# factory's AzureKeyVault linked services with azure-keyvault-secrets); without one, a reference is
# an error that names it. The resolver receives the reference with its expressions evaluated.
KeyVaultResolver = Callable[[AzureKeyVaultSecretReference], Secret]


def resolve_secret(
    value: SecureString | AzureKeyVaultSecretReference | str,
    *,
    property_name: str,
    evaluate: Callable[[Any], Any] = lambda value: value,
    key_vault: KeyVaultResolver | None = None,
) -> Secret:
    """The clear value behind ``value``; ``evaluate`` resolves expressions in plain strings."""
    if isinstance(value, SecureString):
        return Secret(value.value)
    if isinstance(value, AzureKeyVaultSecretReference):
        if key_vault is None:
            raise SecretError(
                f"{property_name} refers to Key Vault secret {value.secret_name!r} through linked service "
                f"{value.store.reference_name!r}, and no Key Vault resolver is configured here; "
                "resolve it within the factory that defines that AzureKeyVault linked service, or use a SecureString",
                code="UserErrorKeyVaultNotConfigured",
            )
        return key_vault(_evaluated_reference(value, evaluate, property_name))
    resolved = evaluate(value)
    if not isinstance(resolved, str):
        raise SecretError(f"{property_name} must resolve to a string", code="UserErrorInvalidSecret")
    return Secret(resolved)


def _evaluated_reference(
    reference: AzureKeyVaultSecretReference, evaluate: Callable[[Any], Any], property_name: str
) -> AzureKeyVaultSecretReference:
    """``secretName``, ``secretVersion`` and the store's parameters with their expressions evaluated
    (ADF's advice is to parameterize the secret's name, not the secret)."""
    store = reference.store
    if store.parameters:
        store = store.model_copy(update={"parameters": {name: evaluate(item) for name, item in store.parameters.items()}})
    name = evaluate(reference.secret_name)
    version = None if reference.secret_version is None else evaluate(reference.secret_version)
    if not isinstance(name, str) or not name or not isinstance(version, str | None):
        raise SecretError(f"{property_name}: the Key Vault reference's secretName and secretVersion must resolve to "
                          "strings", code="UserErrorInvalidSecret")
    return reference.model_copy(update={"store": store, "secret_name": name, "secret_version": version or None})
