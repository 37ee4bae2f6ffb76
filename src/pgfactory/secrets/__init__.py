"""Secrets at run time: values that never show themselves.

A resolved secret is a :class:`Secret`; its repr, str and format are the mask, so it cannot
leak through a log line, an exception message or JSON by accident. Code that must hand the
value to a driver calls :meth:`Secret.reveal` at that one place.
"""

from __future__ import annotations

from pgfactory.models.secrets import MASK
from pgfactory.secrets.resolver import resolve_secret
from pgfactory.secrets.secret import Secret

__all__ = ["MASK", "Secret", "resolve_secret"]
