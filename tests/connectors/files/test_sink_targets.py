from __future__ import annotations

from pathlib import Path

import pytest

from pgfactory.connectors.files import FileServer, SinkTarget, plan_sink_targets
from pgfactory.connectors.files.source_files import SourceFile
from pgfactory.errors import DefinitionError
from tests.connectors.files.helpers import dataset


def source(relative_path: str) -> SourceFile:
    return SourceFile(Path("/in") / relative_path, relative_path, 0, None)  # type: ignore[arg-type]


def paths(server: FileServer, targets: list[SinkTarget], part: int = 0) -> list[str]:
    return [target.path(part).relative_to(server.root).as_posix() for target in targets]


def test_tabular_source_writes_the_dataset_file_name(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", "orders.csv", compressionCodec="gzip")
    targets = plan_sink_targets(server, fmt.location, None, fmt.sink_settings({"fileExtension": ".txt"}))
    assert paths(server, targets) == ["out/orders.csv"]  # fileName is used as given


def test_generated_name_takes_prefix_or_default_stem_and_extensions(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", compressionCodec="bzip2")
    settings = fmt.sink_settings({"fileExtension": "csv"})
    assert paths(server, plan_sink_targets(server, fmt.location, None, settings, default_stem="public.orders")) == [
        "out/public.orders.csv.bz2"]
    settings = fmt.sink_settings({"fileExtension": ".csv.bz2", "fileNamePrefix": "part"})
    assert paths(server, plan_sink_targets(server, fmt.location, None, settings)) == ["out/part.csv.bz2"]
    assert paths(server, plan_sink_targets(server, dataset("Parquet").location, None,
                                           dataset("Parquet").sink_settings())) == ["data.parquet"]


def test_max_rows_per_file_numbers_the_files(server: FileServer) -> None:
    fmt = dataset("Parquet", "out")
    settings = fmt.sink_settings({"type": "ParquetWriteSettings", "maxRowsPerFile": 10, "fileNamePrefix": "orders"})
    [target] = plan_sink_targets(server, fmt.location, None, settings)
    assert paths(server, [target], 0) == ["out/orders_00000.parquet"]
    assert paths(server, [target], 12) == ["out/orders_00012.parquet"]


def test_max_rows_per_file_with_a_file_name_is_refused(server: FileServer) -> None:
    fmt = dataset("Parquet", "out", "one.parquet")
    with pytest.raises(DefinitionError) as caught:
        plan_sink_targets(server, fmt.location, None, fmt.sink_settings({"maxRowsPerFile": 10}))
    assert caught.value.property_path == "formatSettings.maxRowsPerFile"


def test_preserve_hierarchy_keeps_relative_paths(server: FileServer) -> None:
    fmt = dataset("Json", "out")
    files = [source("a.json"), source("sub/b.json")]
    targets = plan_sink_targets(server, fmt.location, {"type": "FileServerWriteSettings"}, fmt.sink_settings(),
                                source_files=files)
    assert paths(server, targets) == ["out/a.json", "out/sub/b.json"]
    assert [target.sources for target in targets] == [(files[0],), (files[1],)]


def test_flatten_hierarchy_names_files_after_their_paths_without_collisions(server: FileServer) -> None:
    fmt = dataset("Json", "out")
    files = [source("a_b.json"), source("a/b.json"), source("c.json")]
    targets = plan_sink_targets(server, fmt.location, {"copyBehavior": "flattenHierarchy"}, fmt.sink_settings(),
                                source_files=files)
    assert paths(server, targets) == ["out/a_b.json", "out/a_b_2.json", "out/c.json"]


def test_merge_files_writes_every_source_into_one_file(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", "all.csv")
    files = [source("a.csv"), source("sub/b.csv")]
    [target] = plan_sink_targets(server, fmt.location, {"copyBehavior": "MergeFiles"}, fmt.sink_settings(),
                                 source_files=files)
    assert (paths(server, [target]), target.sources) == (["out/all.csv"], tuple(files))


def test_one_file_name_for_many_sources_needs_merge_files(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", "all.csv")
    with pytest.raises(DefinitionError) as caught:
        plan_sink_targets(server, fmt.location, None, fmt.sink_settings(), source_files=[source("a"), source("b")])
    assert caught.value.property_path == "storeSettings.copyBehavior"


def test_split_file_sources_are_numbered_before_the_extension(server: FileServer) -> None:
    fmt = dataset("DelimitedText", "out", compressionCodec="gzip")
    settings = fmt.sink_settings({"fileExtension": ".csv", "maxRowsPerFile": 5})
    [target] = plan_sink_targets(server, fmt.location, None, settings, source_files=[source("in/x.csv.gz")])
    assert paths(server, [target], 1) == ["out/in/x_00001.csv.gz"]


def test_unknown_copy_behavior_names_the_property(server: FileServer) -> None:
    fmt = dataset("Json")
    with pytest.raises(DefinitionError) as caught:
        plan_sink_targets(server, fmt.location, {"copyBehavior": "Shuffle"}, fmt.sink_settings())
    assert caught.value.property_path == "storeSettings.copyBehavior"
