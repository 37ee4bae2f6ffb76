"""Secrets at run time: values that never show themselves.

A resolved secret is a :class:`Secret`; its repr, str and format are the mask, so it cannot
leak through a log line, an exception message or JSON by accident. Code that must hand the
value to a driver calls :meth:`Secret.reveal` at that one place.

At rest (in a store), secrets are sealed with a :class:`SecretKey` and shown masked: see
:mod:`pgfactory.secrets.at_rest`.
"""

from __future__ import annotations

from pgfactory.models.secrets import MASK
from pgfactory.secrets.at_rest import mask, merge_for_put, seal, unseal
from pgfactory.secrets.key import SecretKey, load_secret_key
from pgfactory.secrets.resolver import KeyVaultResolver, resolve_secret
from pgfactory.secrets.secret import Secret

__all__ = [
    "MASK",
    "KeyVaultResolver",
    "Secret",
    "SecretKey",
    "load_secret_key",
    "mask",
    "merge_for_put",
    "resolve_secret",
    "seal",
    "unseal",
]
