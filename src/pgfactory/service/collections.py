"""A factory's collections in the three vocabularies that meet in the service.

ARM's paths (``linkedservices``), the store's kinds, and the model kinds that validate a
definition and name its folder in ADF's git layout (``linkedService``).
"""

from __future__ import annotations

from dataclasses import dataclass

from pgfactory.errors import NotFoundError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.store import ResourceKind as StoredKind

ARM_FACTORY_TYPE = "Microsoft.DataFactory/factories"


@dataclass(frozen=True)
class Collection:
    stored: StoredKind
    model: ModelKind
    label: str  # how messages name one of its resources
    typed: bool  # whether its definitions carry properties.type (pipelines do not)

    @property
    def path(self) -> str:
        return self.stored.value

    @property
    def arm_type(self) -> str:
        return f"{ARM_FACTORY_TYPE}/{self.stored.value}"


COLLECTIONS = {collection.path: collection for collection in (
    Collection(StoredKind.LINKED_SERVICES, ModelKind.LINKED_SERVICE, "linked service", typed=True),
    Collection(StoredKind.DATASETS, ModelKind.DATASET, "dataset", typed=True),
    Collection(StoredKind.PIPELINES, ModelKind.PIPELINE, "pipeline", typed=False),
    Collection(StoredKind.TRIGGERS, ModelKind.TRIGGER, "trigger", typed=True),
    Collection(StoredKind.CREDENTIALS, ModelKind.CREDENTIAL, "credential", typed=True),
    Collection(StoredKind.INTEGRATION_RUNTIMES, ModelKind.INTEGRATION_RUNTIME, "integration runtime", typed=True),
)}
BY_MODEL_KIND = {collection.model: collection for collection in COLLECTIONS.values()}


def collection(segment: str) -> Collection:
    """The collection a path segment names (ARM paths are case-insensitive)."""
    found = COLLECTIONS.get(segment.lower())
    if found is None:
        raise NotFoundError(f"a factory has no collection {segment!r}; it has {', '.join(COLLECTIONS)}")
    return found
