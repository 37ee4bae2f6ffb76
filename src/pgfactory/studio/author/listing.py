"""What the pipeline and dataset lists show of each definition."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pgfactory.service.resources import ResourceView
from pgfactory.studio.author.diagram import inner_lists


@dataclass(frozen=True)
class PipelineRow:
    name: str
    activities: int  # the pipeline's own
    nested: int  # those inside containers, at any depth
    parameters: list[tuple[str, str]]  # (name, type)
    folder: str


@dataclass(frozen=True)
class DatasetRow:
    name: str
    type: str
    linked_service: str
    folder: str


def pipeline_row(view: ResourceView) -> PipelineRow:
    activities = view.properties.get("activities")
    own = [activity for activity in activities if isinstance(activity, dict)] if isinstance(activities, list) else []
    parameters = view.properties.get("parameters")
    declared = [(str(name), str(spec.get("type", "")) if isinstance(spec, dict) else "")
                for name, spec in (parameters.items() if isinstance(parameters, dict) else [])]
    return PipelineRow(view.name, len(own), sum(1 for _ in _nested(own)), declared, _folder(view.properties))


def dataset_row(view: ResourceView) -> DatasetRow:
    reference = view.properties.get("linkedServiceName")
    linked_service = reference.get("referenceName") if isinstance(reference, dict) else None
    return DatasetRow(view.name, str(view.properties.get("type") or ""), str(linked_service or ""), _folder(view.properties))


def _nested(activities: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for activity in activities:
        for _, inner in inner_lists(activity):
            children = [child for child in inner if isinstance(child, dict)] if isinstance(inner, list) else []
            yield from children
            yield from _nested(children)


def _folder(properties: dict[str, Any]) -> str:
    folder = properties.get("folder")
    return str(folder.get("name") or "") if isinstance(folder, dict) else ""
