"""The two kinds of resource the Author hub edits as JSON, and the definition a New page starts from."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pgfactory.service.collections import COLLECTIONS, Collection
from pgfactory.service.resources import ResourceView

AZURE_POSTGRESQL = "AzurePostgreSql"


class Section(StrEnum):
    """A path segment of the Author hub (``{F}/author/pipelines``) and the collection it edits."""

    PIPELINES = "pipelines"
    DATASETS = "datasets"

    @property
    def collection(self) -> Collection:
        return COLLECTIONS[self.value]

    @property
    def label(self) -> str:
        """How a sentence names one: ``pipeline``."""
        return self.collection.label

    def starter(self, linked_services: list[ResourceView]) -> dict[str, Any]:
        """A minimal definition that saves as it is: a pipeline that waits a second; a PostgreSQL table dataset on
        the factory's first Azure Database for PostgreSQL linked service (or its first linked service)."""
        if self is Section.PIPELINES:
            return {"properties": {
                "activities": [{"name": "Wait1", "type": "Wait", "dependsOn": [], "typeProperties": {"waitTimeInSeconds": 1}}],
                "parameters": {},
            }}
        chosen = next((view for view in linked_services if view.properties.get("type") == AZURE_POSTGRESQL),
                      linked_services[0] if linked_services else None)
        return {"properties": {
            "type": "AzurePostgreSqlTable",
            "linkedServiceName": {"referenceName": chosen.name if chosen else "LinkedService1", "type": "LinkedServiceReference"},
            "typeProperties": {"schema": "public", "table": "table1"},
        }}
