"""Files on a local or mounted folder (ADF's ``FileServer``) for the Copy activity.

    server = FileServer.from_type_properties(linked_service_type_properties)
    fmt = file_format(dataset_type, dataset_type_properties)        # DelimitedText, Parquet, Json
    for source in list_source_files(server, fmt.location, copy_source.get("storeSettings")):
        with fmt.open_reader(source.path, format_settings=copy_source.get("formatSettings")) as reader:
            for batch in reader: ...                                 # pyarrow.RecordBatch
    settings = fmt.sink_settings(copy_sink.get("formatSettings"))
    for target in plan_sink_targets(server, fmt.location, copy_sink.get("storeSettings"), settings):
        with FileSink(target, fmt, schema, settings) as sink:
            for batch in batches: sink.write(batch)
            sink.commit()

Inputs are evaluated JSON (expressions already resolved). Readers and writers work in constant
memory and count bytes on disk (``bytes_read``/``bytes_written``) for Copy's ``dataRead`` and
``dataWritten``.
"""

from pgfactory.connectors.files.errors import FileStoreError
from pgfactory.connectors.files.file_server import FileServer, FileServerLocation
from pgfactory.connectors.files.format_base import ColumnTypes, FileFormat, FileReader, SinkSettings
from pgfactory.connectors.files.formats import file_format
from pgfactory.connectors.files.sink import FileSink
from pgfactory.connectors.files.sink_targets import CopyBehavior, SinkTarget, WriteSettings, plan_sink_targets
from pgfactory.connectors.files.source_files import ReadSettings, SourceFile, delete_source_files, list_source_files

__all__ = [
    "ColumnTypes",
    "CopyBehavior",
    "FileFormat",
    "FileReader",
    "FileServer",
    "FileServerLocation",
    "FileSink",
    "FileStoreError",
    "ReadSettings",
    "SinkSettings",
    "SinkTarget",
    "SourceFile",
    "WriteSettings",
    "delete_source_files",
    "file_format",
    "list_source_files",
    "plan_sink_targets",
]
