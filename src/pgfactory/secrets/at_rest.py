"""Secrets at rest: what a store keeps (sealed), what every GET shows (masked), what a PUT keeps (merged).

ADF's contract (spec 1.5 and 8.3): ``SecureString`` values come back as ten asterisks on every
GET and list, and Key Vault references come back unchanged. A PUT that sends the mask back for a
secret keeps the stored one: ADF does not document it, but the mask is never a real value here.

The sealed form keeps the JSON shape: a secret's text becomes ``pgfactory:v1:<Fernet token>`` in
place, so a sealed resource is still a definition of the same shape and the store never holds
clear text. The ``v1`` names the format, so that a later key rotation can tell old from new.

Each function takes any JSON document (a whole resource or its ``properties``) and returns a new
one; property paths in errors are relative to the document given.
"""

from __future__ import annotations

import re
from typing import Any

from pgfactory.errors import DefinitionError, SecretError
from pgfactory.models.secrets import MASK
from pgfactory.models.values import is_expression_text
from pgfactory.secrets.key import SecretKey
from pgfactory.secrets.slots import SEALED_MARK, SecretSlot, rewrite_secrets, secret_texts

FORMAT_VERSION = 1
_SEALED = f"{SEALED_MARK}{FORMAT_VERSION}:"
_SEALED_VERSION = re.compile(rf"{re.escape(SEALED_MARK)}(\d+):")


def seal(document: Any, key: SecretKey) -> Any:
    """``document`` with every clear secret encrypted in place; expressions stay as written.

    Values sealed already (what :func:`merge_for_put` kept) stay too, once ``key`` has shown it
    can open them. The mask is refused: it stands for a stored secret, and is not one.
    """

    def rewrite(slot: SecretSlot, text: str) -> str:
        if text == MASK:
            raise _mask_without_secret(slot)
        if _SEALED_VERSION.match(text):
            _open(slot, text, key)  # a value this key cannot open must not be stored beside the others
            return text
        if is_expression_text(text):
            return text
        return _SEALED + key.encrypt(text)

    return rewrite_secrets(document, rewrite)


def unseal(document: Any, key: SecretKey) -> Any:
    """``document`` with every sealed secret in clear text again, for running it."""
    return rewrite_secrets(document, lambda slot, text: _open(slot, text, key))


def mask(document: Any) -> Any:
    """``document`` as every GET and list shows it: each secret is ``**********``, as in ADF."""
    return rewrite_secrets(document, lambda slot, text: MASK)


def merge_for_put(incoming: Any, stored_sealed: Any | None) -> Any:
    """``incoming`` with each mask replaced by the secret stored at the same place (still sealed).

    ``stored_sealed`` is the sealed document the PUT replaces, or None when there is none. A
    mask where nothing is stored is a :class:`DefinitionError` naming the property.
    """
    stored = secret_texts(stored_sealed) if stored_sealed is not None else {}

    def rewrite(slot: SecretSlot, text: str) -> str:
        if text != MASK:
            return text
        kept = stored.get(slot)
        if kept is None:
            raise _mask_without_secret(slot)
        return kept

    return rewrite_secrets(incoming, rewrite)


def _open(slot: SecretSlot, text: str, key: SecretKey) -> str:
    match = _SEALED_VERSION.match(text)
    if match is None:  # not sealed: an expression, or clear text written before sealing
        return text
    if int(match[1]) != FORMAT_VERSION:
        raise SecretError(
            f"{slot.describe()} is sealed in format v{match[1]}; this pgfactory reads v{FORMAT_VERSION} only "
            "(was the store written by a newer pgfactory?)",
            code="UserErrorSecretFormatUnknown",
        )
    try:
        return key.decrypt(text[match.end():])
    except SecretError:
        raise SecretError(
            f"{slot.describe()} was sealed with another key than the one from {key.source}; start with the key "
            "the store was written with",
            code="UserErrorSecretKeyMismatch",
        ) from None


def _mask_without_secret(slot: SecretSlot) -> DefinitionError:
    part = f" (the {slot.connection_string_key} part of the connection string)" if slot.connection_string_key else ""
    return DefinitionError(
        f"the value{part} is the mask {MASK}, which stands for a stored secret, and none is stored here; "
        "send the secret itself",
        property_path=slot.property_path,
        code="UserErrorSecretMaskWithoutValue",
    )
