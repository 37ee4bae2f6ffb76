"""A factory: the resources of one folder in ADF's git layout, parsed into typed models.

ADF's git integration writes one ``<name>.json`` per resource, in one folder per kind
(``linkedService/``, ``dataset/``, ``pipeline/``, ``credential/``, ``integrationRuntime/``,
``trigger/``, ``factory/``). Loading never stops at the first bad file: every problem is
collected and reported with its file, resource and property.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from pgfactory.errors import DefinitionError
from pgfactory.models.base import AdfModel, AdfResource
from pgfactory.models.linked_service import LinkedServiceResource
from pgfactory.models.problems import Problem, problems_from_validation_error
from pgfactory.models.resources import (
    CredentialResource,
    DatasetResource,
    FactoryResource,
    IntegrationRuntimeResource,
    PipelineResource,
    TriggerResource,
)

Model = TypeVar("Model", bound=AdfModel)


class ResourceKind(Enum):
    """Each kind of resource with its folder name and model."""

    LINKED_SERVICE = ("linkedService", LinkedServiceResource)
    CREDENTIAL = ("credential", CredentialResource)
    DATASET = ("dataset", DatasetResource)
    PIPELINE = ("pipeline", PipelineResource)
    INTEGRATION_RUNTIME = ("integrationRuntime", IntegrationRuntimeResource)
    TRIGGER = ("trigger", TriggerResource)
    FACTORY = ("factory", FactoryResource)

    def __init__(self, folder: str, model: type[AdfResource]) -> None:
        self.folder = folder
        self.model = model


@dataclass
class Factory:
    """Every resource of a factory by kind and name, with the file each came from."""

    root: Path | None = None
    resources: dict[ResourceKind, dict[str, AdfResource]] = field(
        default_factory=lambda: {kind: {} for kind in ResourceKind}
    )
    files: dict[tuple[ResourceKind, str], Path] = field(default_factory=dict)

    @property
    def name(self) -> str | None:
        factories = self.resources[ResourceKind.FACTORY]
        return next(iter(factories), None)

    @property
    def linked_services(self) -> dict[str, LinkedServiceResource]:
        return self._of(ResourceKind.LINKED_SERVICE, LinkedServiceResource)

    @property
    def credentials(self) -> dict[str, CredentialResource]:
        return self._of(ResourceKind.CREDENTIAL, CredentialResource)

    @property
    def datasets(self) -> dict[str, DatasetResource]:
        return self._of(ResourceKind.DATASET, DatasetResource)

    def _of(self, kind: ResourceKind, model: type[Model]) -> dict[str, Model]:
        return {name: resource for name, resource in self.resources[kind].items() if isinstance(resource, model)}

    def add(self, kind: ResourceKind, resource: AdfResource, file: Path | None = None) -> None:
        name = str(resource.name)
        self.resources[kind][name] = resource
        if file is not None:
            self.files[(kind, name)] = file

    def file_of(self, kind: ResourceKind, name: str) -> str:
        path = self.files.get((kind, name))
        if path is None:
            return f"<{kind.folder} {name}>"
        return str(path.relative_to(self.root)) if self.root and path.is_relative_to(self.root) else str(path)

    def linked_service(self, name: str) -> LinkedServiceResource:
        found = self.linked_services.get(name)
        if found is None:
            raise DefinitionError(
                f"no linked service named {name!r}; known: {', '.join(sorted(self.linked_services)) or 'none'}",
                resource=name, code="UserErrorLinkedServiceNotFound",
            )
        return found

    def credential(self, name: str) -> CredentialResource:
        found = self.credentials.get(name)
        if found is None:
            raise DefinitionError(
                f"no credential named {name!r} in credential/", resource=name, code="UserErrorCredentialNotFound",
            )
        return found


def read_json_file(path: Path) -> tuple[Any, Problem | None]:
    """The parsed JSON of a file, or a problem that says where it breaks."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return None, Problem(str(path), path.stem, "", f"cannot read file: {error}")
    try:
        return json.loads(text), None
    except json.JSONDecodeError as error:
        return None, Problem(str(path), path.stem, "", f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}")


def parse_resource(
    kind: ResourceKind, data: Any, *, file: str, expected_name: str | None = None
) -> tuple[AdfResource | None, list[Problem]]:
    resource_name = expected_name or (data.get("name") if isinstance(data, dict) else None) or "?"
    if not isinstance(data, dict):
        return None, [Problem(file, str(resource_name), "", f"a {kind.folder} file must hold a JSON object")]
    try:
        model = kind.model.model_validate(data)
    except ValidationError as error:
        return None, problems_from_validation_error(error, file=file, resource=str(resource_name))
    problems: list[Problem] = []
    if expected_name is not None and data.get("name") != expected_name:
        problems.append(Problem(file, str(resource_name), "name",
                                f"the file is named {expected_name}.json but the resource is named {data.get('name')!r}"))
    return model, problems


def read_resource_file(kind: ResourceKind, path: Path) -> AdfResource:
    """One resource file outside a factory folder (an unsaved definition); errors name the file and property."""
    data, problem = read_json_file(path)
    if problem is not None:
        raise DefinitionError(problem.message, file=path, resource=problem.resource)
    model, problems = parse_resource(kind, data, file=str(path))
    if model is None:
        first = problems[0]
        raise DefinitionError(first.message, file=path, resource=first.resource, property_path=first.property_path)
    return model


def load_factory(root: Path | str) -> tuple[Factory, list[Problem]]:
    """Read every resource under ``root``; the problems list is empty when all parsed."""
    root = Path(root)
    factory = Factory(root=root)
    problems: list[Problem] = []
    if not root.is_dir():
        raise DefinitionError(f"factory folder {root} does not exist", file=root, code="UserErrorFactoryNotFound")
    for kind in ResourceKind:
        folder = root / kind.folder
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            relative = str(path.relative_to(root))
            data, problem = read_json_file(path)
            if problem is not None:
                problems.append(Problem(relative, path.stem, problem.property_path, problem.message))
                continue
            model, found = parse_resource(kind, data, file=relative, expected_name=path.stem)
            problems.extend(found)
            if model is not None:
                factory.add(kind, model, path)
    return factory, problems


def dump_resource(resource: AdfModel) -> str:
    """The resource as ADF's git integration writes it: four-space indents, keys in order."""
    return json.dumps(resource.to_json(), indent=4, ensure_ascii=False)


def write_resource(root: Path, kind: ResourceKind, resource: AdfResource) -> Path:
    path = root / kind.folder / f"{resource.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dump_resource(resource), encoding="utf-8")
    return path
