"""What uses a linked service: the datasets on it, the pipelines that reach it, the linked services that read from it.

A pipeline uses it when one of its activities (nested ones in ForEach, If, Switch and Until
included) names it (a Script's or Lookup's ``linkedServiceName``) or names a dataset on it
(``inputs``, ``outputs``, a Lookup's ``dataset``). A linked service uses it when one of its secrets
is an Azure Key Vault reference to it. Every reference is found by its ``type`` and
``referenceName``, wherever it sits, and names are compared as ARM compares them (without case).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgfactory.service.collections import COLLECTIONS

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceService
    from pgfactory.service.scope import FactoryScope

# Where a reference may be written without its "type" (the key says what it refers to).
_UNTYPED_UNDER = {"LinkedServiceReference": frozenset({"linkedServiceName", "store"}),
                  "DatasetReference": frozenset({"dataset"})}


@dataclass
class Usage:
    datasets: list[str] = field(default_factory=list)
    pipelines: list[str] = field(default_factory=list)
    linked_services: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.datasets or self.pipelines or self.linked_services)


def linked_service_usage(resources: ResourceService, scope: FactoryScope, name: str) -> Usage:
    """The datasets, pipelines and other linked services of the factory that refer to linked service ``name``."""
    usage = Usage()
    wanted = name.lower()
    for view in resources.every(scope, COLLECTIONS["datasets"]):
        if wanted in _references(view.properties, "LinkedServiceReference"):
            usage.datasets.append(view.name)
    datasets = {dataset.lower() for dataset in usage.datasets}
    for view in resources.every(scope, COLLECTIONS["pipelines"]):
        if wanted in _references(view.properties, "LinkedServiceReference") or \
                datasets & _references(view.properties, "DatasetReference"):
            usage.pipelines.append(view.name)
    for view in resources.every(scope, COLLECTIONS["linkedservices"]):
        if view.name.lower() != wanted and wanted in _references(view.properties, "LinkedServiceReference"):
            usage.linked_services.append(view.name)
    return usage


def _references(document: Any, reference_type: str) -> set[str]:
    """The lowered names of every ``reference_type`` reference anywhere in ``document``."""
    return {name.lower() for name in _walk(document, reference_type)}


def _walk(value: Any, reference_type: str, key: str = "") -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, reference_type, key)
    elif isinstance(value, dict):
        kind = value.get("type", reference_type if key in _UNTYPED_UNDER[reference_type] else None)
        if kind == reference_type and isinstance(value.get("referenceName"), str):
            yield value["referenceName"]
        for inner_key, item in value.items():
            yield from _walk(item, reference_type, inner_key)
