"""Which factory a request is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FactoryScope:
    """The three names in a factory's ARM path."""

    subscription_id: str
    resource_group: str
    factory_name: str
