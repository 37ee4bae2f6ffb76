"""Turn a secret-bearing property value into a :class:`Secret`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgfactory.errors import SecretError
from pgfactory.models.secrets import AzureKeyVaultSecretReference, SecureString
from pgfactory.secrets.secret import Secret

# Key Vault references are resolved by a resolver the caller registers (the service does, with
# azure-keyvault-secrets); until one is given, a reference is an error that names it.
KeyVaultResolver = Callable[[AzureKeyVaultSecretReference], str]


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
                "use a SecureString locally or run under 'pgfactory serve' with Key Vault access",
                code="UserErrorKeyVaultNotConfigured",
            )
        return Secret(key_vault(value))
    resolved = evaluate(value)
    if not isinstance(resolved, str):
        raise SecretError(f"{property_name} must resolve to a string", code="UserErrorInvalidSecret")
    return Secret(resolved)
