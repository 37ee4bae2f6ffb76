"""Secrets in a shape the store can seal, or a 400: a written secret never lands in clear text.

Sealing rewrites strings (:mod:`pgfactory.secrets.slots`): the value of a ``SecureString`` and a
plain string under a secret property (``password``, ``servicePrincipalKey``...). A secret written
any other way, a misspelled ``{"type": "SecureStrin", "value": ...}``, ``{"value": ...}`` with no
type, a number, a list, would be stored and answered as written. ADF refuses such definitions
(its secrets are a string, a ``SecureString`` or an ``AzureKeyVaultSecret`` reference), and so
does the service, naming the property.
"""

from __future__ import annotations

from typing import Any

from pgfactory.errors import DefinitionError
from pgfactory.models.secrets import SECRET_PROPERTIES
from pgfactory.models.values import is_expression_text

_SECRET_OBJECTS = ("securestring", "azurekeyvaultsecret")
_SECURE_TEXTS = ("value", "defaultValue")
# Maps whose keys are names a user chose (a parameter called "password" is no secret property).
_NAMED = frozenset({"parameters", "variables"})


def check_secret_shapes(document: Any, path: str = "properties") -> None:
    """Raise :class:`DefinitionError` (InvalidResourceDefinition, naming the property) at the first secret
    in ``document`` that sealing would leave in clear text."""
    _check(document, path, names=False)


def _check(value: Any, path: str, *, names: bool) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, f"{path}[{index}]", names=False)
        return
    if not isinstance(value, dict):
        return
    if str(value.get("type", "")).lower() == "securestring":
        for key in _SECURE_TEXTS:
            if value.get(key) is not None and not isinstance(value[key], str):
                _refuse(f"{path}.{key}", "a SecureString's value must be a string")
    for key, item in value.items():
        where = f"{path}.{key}"
        if not names and key in SECRET_PROPERTIES and item is not None and not _sealable(item):
            _refuse(where, f"{key} must be a string, a SecureString or an AzureKeyVaultSecret reference")
        _check(item, where, names=not names and key in _NAMED)


def _sealable(secret: Any) -> bool:
    if isinstance(secret, str):
        return True
    if not isinstance(secret, dict):
        return False
    kind = str(secret.get("type", "")).lower()
    # An Expression object computes the secret when the run starts; it holds none while its value is an expression.
    return kind in _SECRET_OBJECTS or (kind == "expression" and is_expression_text(secret.get("value")))


def _refuse(path: str, message: str) -> None:
    raise DefinitionError(f"{message}: stored otherwise, it would be kept and shown in clear text",
                          property_path=path, code="InvalidResourceDefinition")
