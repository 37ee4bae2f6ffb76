"""Which pipelines use a resource: what a delete would break (an ExecutePipeline's pipeline, an activity's dataset)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pgfactory.service.resources import ResourceView
from pgfactory.studio.author.sections import Section

# How a definition points at a resource of each section: {"referenceName": ..., "type": "DatasetReference"}.
REFERENCE_TYPES = {Section.PIPELINES: "PipelineReference", Section.DATASETS: "DatasetReference"}


def pipelines_using(pipelines: Iterable[ResourceView], section: Section, name: str) -> list[str]:
    """The pipelines (other than ``name`` itself) whose definitions reference ``name`` of ``section`` anywhere, inner
    activities of containers included. ADF compares names without regard to case."""
    wanted = (REFERENCE_TYPES[section], name.lower())
    return [view.name for view in pipelines
            if not (section is Section.PIPELINES and view.name.lower() == name.lower())
            and wanted in set(_references(view.properties))]


def _references(value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        reference = value.get("referenceName")
        if isinstance(reference, str) and isinstance(value.get("type"), str):
            yield value["type"], reference.lower()
        for item in value.values():
            yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)
