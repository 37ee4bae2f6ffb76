"""Datasets on a test FileServer, and whole-table writes and reads through the public API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from pgfactory.connectors.files import FileFormat, FileServer, FileSink, file_format, plan_sink_targets


def dataset(dataset_type: str, folder: str = "", file_name: str = "", **type_properties: Any) -> FileFormat:
    location: dict[str, Any] = {"type": "FileServerLocation", "folderPath": folder}
    if file_name:
        location["fileName"] = file_name
    return file_format(dataset_type, {"location": location, **type_properties})


def write_table(server: FileServer, fmt: FileFormat, table: pa.Table, format_settings: dict[str, Any] | None = None,
                **plan: Any) -> FileSink:
    """``table`` written through a FileSink to the dataset's one target; the committed sink."""
    settings = fmt.sink_settings(format_settings)
    [target] = plan_sink_targets(server, fmt.location, None, settings, **plan)
    with FileSink(target, fmt, table.schema, settings) as sink:
        for batch in table.to_batches():
            sink.write(batch)
        sink.commit()
    return sink


def read_table(fmt: FileFormat, path: Path, **options: Any) -> pa.Table:
    with fmt.open_reader(path, **options) as reader:
        return pa.Table.from_batches(list(reader), schema=reader.schema)
