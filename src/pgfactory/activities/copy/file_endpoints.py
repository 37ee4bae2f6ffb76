"""A Copy side that is a file dataset on a ``FileServer`` folder: its folder, format and settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pgfactory.activities.datasets import ResolvedDataset
from pgfactory.connectors.files import FileFormat, FileServer, file_format
from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_tree
from pgfactory.models.factory import Factory

FILE_SERVER = "FileServer"
FILE_DATASETS = ("DelimitedText", "Parquet", "Json")


@dataclass(frozen=True)
class FileEndpoint:
    dataset: ResolvedDataset
    server: FileServer
    format: FileFormat
    settings: dict[str, Any]  # the copy's source or sink object (storeSettings, formatSettings)

    @property
    def format_settings(self) -> dict[str, Any] | None:
        value = self.settings.get("formatSettings")
        return value if isinstance(value, dict) else None

    @property
    def store_settings(self) -> dict[str, Any] | None:
        value = self.settings.get("storeSettings")
        return value if isinstance(value, dict) else None


def file_endpoint(factory: Factory, dataset: ResolvedDataset, settings: dict[str, Any]) -> FileEndpoint:
    """The dataset's folder and format; a relative ``host`` is taken from the factory's folder."""
    where = f"dataset '{dataset.name}'"
    server = file_server(factory, dataset.linked_service, where=where, what=f"is a {dataset.type} file")
    try:
        fmt = file_format(dataset.type, dataset.type_properties)
    except DefinitionError as error:
        raise ActivityError(f"{where}: {error.message}", code=error.code) from None
    return FileEndpoint(dataset, server, fmt, settings)


def file_server(factory: Factory, reference: dict[str, Any], *, where: str, what: str) -> FileServer:
    """The folder of the ``FileServer`` linked service ``reference`` names (``where`` and ``what`` word the errors)."""
    name = str(reference.get("referenceName", ""))
    linked_service = factory.linked_services.get(name)
    if linked_service is None:
        raise ActivityError(f"{where}: there is no linked service {name!r}", code="UserErrorInvalidReference")
    if linked_service.properties.type != FILE_SERVER:
        raise ActivityError(f"{where} {what} on linked service '{name}' of type {linked_service.properties.type}; "
                            f"pgfactory reads and writes files on a {FILE_SERVER} (a local or mounted folder)",
                            code="UserErrorUnsupportedFileStore")
    declared = linked_service.properties.parameters or {}
    values = {key: spec.default_value for key, spec in declared.items()} | dict(reference.get("parameters") or {})
    try:
        type_properties = evaluate_tree(linked_service.properties.type_properties,
                                        ExpressionContext(linked_service_parameters=values, resource=name))
        return FileServer.from_type_properties(type_properties, base_dir=factory.root)
    except DefinitionError as error:
        raise ActivityError(f"{where}: {error.message}", code=error.code) from None
