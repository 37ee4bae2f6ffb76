"""translator.typeConversion / typeConversionSettings: .NET date formats and booleans between PostgreSQL and text files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgfactory.errors import ActivityError
from tests.activities.copy import test_postgres_to_postgres as tables_copy
from tests.activities.copy.test_postgres_and_files import SCHEMA, copy, factory_with, file_dataset, run, same_rows
from tests.activities.copy.test_postgres_to_postgres import create, rows
from tests.activities.copy.test_skip_rows import log_settings, read_log
from tests.fixtures.postgres import RunningServer

COLUMNS = "id int, moment timestamp, instant timestamptz, day date, flag boolean"
VALUES = ("VALUES (1, '2024-01-02 03:04:05.678', '2024-03-31 01:30:00.25+02', '2024-02-29', true), "
          "(2, '1999-12-31 23:59:59', '1970-01-01 00:00:00+00', '0999-01-01', false), (3, NULL, NULL, NULL, NULL)")
CSV = {"columnDelimiter": ",", "firstRowAsHeader": True}


def translator(settings: dict[str, Any], *, enabled: bool = True) -> dict[str, Any]:
    return {"type": "TabularTranslator", "typeConversion": enabled, "typeConversionSettings": settings}


def written_lines(folder: Path, name: str = "rows.csv") -> list[str]:
    return (folder / "out" / name).read_text().splitlines()


def round_trip(server: RunningServer, folder: Path, settings: dict[str, Any], dataset_type: str = "DelimitedText",
               **properties: Any) -> list[str]:
    """Source rows written to a file and read back into the target with the same settings; the file's lines."""
    create(server, "source", COLUMNS, VALUES)
    create(server, "target", COLUMNS)
    factory = factory_with(server, folder, file_dataset("File", dataset_type, "out", "rows.csv", **properties))
    run(factory, copy("Source", "File", "AzurePostgreSqlSource", f"{dataset_type}Sink", translator=translator(settings)))
    run(factory, copy("File", "Target", f"{dataset_type}Source", "AzurePostgreSqlSink", translator=translator(settings)))
    assert same_rows(server)
    return written_lines(folder)


def test_formats_arrow_writes_go_out_and_come_back(tables: RunningServer, tmp_path: Path) -> None:
    lines = round_trip(tables, tmp_path, {"dateTimeFormat": "yyyy-MM-dd HH:mm:ss.fff",
                                          "dateTimeOffsetFormat": "yyyy-MM-ddTHH:mm:ss.fffzzz",
                                          "dateFormat": "dd/MM/yyyy", "culture": "en-us"}, **CSV)
    assert lines == ["id,moment,instant,day,flag",
                     "1,2024-01-02 03:04:05.678,2024-03-30T23:30:00.250+00:00,29/02/2024,True",
                     "2,1999-12-31 23:59:59.000,1970-01-01T00:00:00.000+00:00,01/01/0999,False",
                     "3,,,,"]


def test_formats_arrow_cannot_write_fall_back_to_the_dotnet_formatter(tables: RunningServer, tmp_path: Path) -> None:
    lines = round_trip(tables, tmp_path, {"dateTimeFormat": "M/d/yyyy h:mm:ss.FFF tt", "dateTimeOffsetFormat": "o",
                                          "treatBooleanAsNumber": True}, **CSV)
    # dateFormat is not set: dates take dateTimeFormat
    assert lines[1:3] == ["1,1/2/2024 3:04:05.678 AM,2024-03-30T23:30:00.2500000+00:00,2/29/2024 12:00:00 AM,1",
                          "2,12/31/1999 11:59:59 PM,1970-01-01T00:00:00.0000000+00:00,1/1/0999 12:00:00 AM,0"]


def test_json_sink_writes_formatted_strings_and_numeric_booleans(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", COLUMNS, VALUES)
    factory = factory_with(tables, tmp_path, file_dataset("File", "Json", "out", "rows.json"))
    run(factory, copy("Source", "File", "AzurePostgreSqlSource", "JsonSink", translator=translator(
        {"dateTimeFormat": "yyyy-MM-dd HH:mm:ss", "dateTimeOffsetFormat": "yyyy-MM-dd HH:mm:ss zzz",
         "treatBooleanAsNumber": "true"})))
    first = json.loads(written_lines(tmp_path, "rows.json")[0])
    assert first == {"id": 1, "moment": "2024-01-02 03:04:05", "instant": "2024-03-30 23:30:00 +00:00",
                     "day": "2024-02-29 00:00:00", "flag": 1}


def test_without_type_conversion_the_settings_are_ignored(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", COLUMNS, VALUES)
    factory = factory_with(tables, tmp_path, file_dataset("File", "DelimitedText", "out", "rows.csv", **CSV))
    settings = {"dateTimeFormat": "dd/MM/yyyy", "treatBooleanAsNumber": True, "culture": "fr-fr"}
    run(factory, copy("Source", "File", "AzurePostgreSqlSource", "DelimitedTextSink",
                      translator=translator(settings, enabled=False)))
    assert written_lines(tmp_path)[1] == "1,2024-01-02 03:04:05.678000,2024-03-30 23:30:00.250000Z,2024-02-29,True"


def test_booleans_written_as_true_false_and_numbers_read_back(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "source", "id int, flag boolean", "VALUES (1, true), (2, false), (3, NULL)")
    create(tables, "target", "id int, flag boolean")
    factory = factory_with(tables, tmp_path, file_dataset("File", "DelimitedText", "out", "rows.csv", **CSV))
    run(factory, copy("Source", "File", "AzurePostgreSqlSource", "DelimitedTextSink"))
    assert written_lines(tmp_path) == ["id,flag", "1,True", "2,False", "3,"]
    (tmp_path / "out" / "rows.csv").write_text("id,flag\n1,1\n2,0\n3,\n")
    run(factory, copy("File", "Target", "DelimitedTextSource", "AzurePostgreSqlSink"))
    assert same_rows(tables)


def csv_into_target(server: RunningServer, folder: Path, text: str, settings: dict[str, Any],
                    **type_properties: Any) -> dict[str, Any]:
    (folder / "in").mkdir(exist_ok=True)
    (folder / "in" / "a.csv").write_text(text)
    factory = factory_with(server, folder, file_dataset("In", "DelimitedText", "in", "a.csv", **CSV))
    return run(factory, copy("In", "Target", "DelimitedTextSource", "AzurePostgreSqlSink", translator=translator(settings),
                             **type_properties))


def test_a_value_that_does_not_match_fails_naming_row_column_and_format(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, day date", "VALUES (0, NULL)")
    with pytest.raises(ActivityError) as caught:
        csv_into_target(tables, tmp_path, "id,day\n1,31/01/2024\n2,2024-01-31\n", {"dateTimeFormat": "dd/MM/yyyy"})
    assert caught.value.code == "TypeConversionFailure"
    assert caught.value.message == ("'a.csv', data row 2, column 'day': '2024-01-31' does not match the format "
                                    "'dd/MM/yyyy'")
    assert rows(tables, "target") == [(0, None)]


def test_strptime_leniency_is_caught_by_the_dotnet_reading(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, moment timestamp")
    with pytest.raises(ActivityError, match="data row 1, column 'moment': '2024-02-30 10:00:00' in the format"):
        csv_into_target(tables, tmp_path, "id,moment\n1,2024-02-30 10:00:00\n", {"dateTimeFormat": "yyyy-MM-dd HH:mm:ss"})


def test_an_offset_in_the_text_gives_the_instant(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, moment timestamp, instant timestamptz")
    csv_into_target(tables, tmp_path, "id,moment,instant\n1,2024-01-02 03:04 +05:30,2024-01-02 03:04 -01:00\n",
                    {"dateTimeFormat": "yyyy-MM-dd HH:mm zzz", "dateTimeOffsetFormat": "yyyy-MM-dd HH:mm zzz"})
    [(moment, instant)] = tables.execute(f"SELECT moment::text, (instant AT TIME ZONE 'UTC')::text FROM {SCHEMA}.target")
    assert (moment, instant) == ("2024-01-01 21:34:00", "2024-01-02 04:04:00")


def test_skipping_rows_skips_values_that_do_not_match(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, moment timestamp")
    output = csv_into_target(tables, tmp_path, "id,moment\n1,02/01/2024 10:00\n2,2024-01-02 10:00\n3,\n",
                             {"dateTimeFormat": "dd/MM/yyyy HH:mm"}, enableSkipIncompatibleRow=True,
                             logSettings=log_settings())
    assert [(row[0], str(row[1])) for row in rows(tables, "target")] == [(1, "2024-01-02 10:00:00"), (3, "None")]
    assert output["rowsSkipped"] == 1
    [entry] = read_log(Path(output["logFilePath"]))
    assert "'2024-01-02 10:00' does not match the format 'dd/MM/yyyy HH:mm'" in entry["Message"]


def test_another_culture_is_refused(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, day date")
    with pytest.raises(ActivityError, match=r"^translator\.typeConversionSettings\.culture: .*'fr-fr'"):
        csv_into_target(tables, tmp_path, "id,day\n1,2024-01-31\n", {"culture": "fr-fr"})


def test_data_is_never_truncated(tables: RunningServer, tmp_path: Path) -> None:
    create(tables, "target", "id int, label varchar(3)")
    with pytest.raises(ActivityError, match="value too long for type character varying"):
        csv_into_target(tables, tmp_path, "id,label\n1,abcd\n", {"allowDataTruncation": True})


def test_infinity_is_the_largest_dotnet_date_and_later_years_fail_naming_the_column(tables: RunningServer,
                                                                                    tmp_path: Path) -> None:
    create(tables, "source", "id int, moment timestamp", "VALUES (1, 'infinity'), (2, '-infinity')")
    factory = factory_with(tables, tmp_path, file_dataset("File", "DelimitedText", "out", "rows.csv", **CSV))
    activity = copy("Source", "File", "AzurePostgreSqlSource", "DelimitedTextSink",
                    translator=translator({"dateTimeFormat": "yyyy-MM-dd HH:mm:ss.fff"}))
    run(factory, activity)
    assert written_lines(tmp_path)[1:] == ["1,9999-12-31 23:59:59.999", "2,0001-01-01 00:00:00.000"]
    tables.execute(f"INSERT INTO {SCHEMA}.source VALUES (3, '10000-01-01')")
    with pytest.raises(ActivityError, match=r"column 'moment': a value is outside the dates \.NET can write") as caught:
        run(factory, activity)
    assert caught.value.code == "TypeConversionFailure"


def test_a_translator_with_only_type_conversion_maps_by_name(tables: RunningServer) -> None:
    create(tables, "source", "id int, label text", "VALUES (1, 'a')")
    create(tables, "target", "label text, id int")
    tables_copy.run(tables, tables_copy.copy(translator=translator({"treatBooleanAsNumber": True})))
    assert rows(tables, "target") == [("a", 1)]
