"""The Script activity against a real server: blocks, parameters, output, limits, logs, timeouts, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from pgfactory.activities import EXECUTION_ACTIVITIES, ActivityControl, Cancellation
from pgfactory.activities.script import run_script
from pgfactory.activities.script_output import ROW_LIMIT, SIZE_LIMIT
from pgfactory.errors import ActivityError
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.linked_service import LinkedServiceResource
from tests.activities.conftest import PASSWORD, ROLE
from tests.activities.invocations import (
    LINKED_SERVICE,
    cancel_after,
    invocation,
    linked_service,
    make_factory,
    running_statements,
)
from tests.fixtures.postgres import RunningServer

OUTPUT_KEYS = ["resultSetCount", "recordsAffected", "resultSets", "outputParameters", "outputLogs",
               "outputLogsLocation", "outputTruncated"]


@pytest.fixture(scope="module")
def factory(server: RunningServer) -> Factory:
    return make_factory(server)


def script(*blocks: dict[str, Any], **type_properties: Any) -> dict[str, Any]:
    return {
        "name": "RunScript",
        "type": "Script",
        "linkedServiceName": {"referenceName": LINKED_SERVICE, "type": "LinkedServiceReference"},
        "typeProperties": {"scripts": list(blocks), **type_properties},
    }


def block(text: str, kind: str = "Query", *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"text": text, "type": kind, "parameters": list(parameters)}


def parameter(name: str | None, value: Any, type_: str | None = None, direction: str = "Input",
              **extra: Any) -> dict[str, Any]:
    return {"name": name, "value": value, "type": type_, "direction": direction, **extra}


def compact(output: dict[str, Any]) -> bytes:
    return json.dumps(output, ensure_ascii=False, separators=(",", ":")).encode()


def run(factory: Factory, activity: dict[str, Any], cancellation: Cancellation | None = None) -> dict[str, Any]:
    return run_script(invocation(factory, activity), ActivityControl(cancellation))


def failure(factory: Factory, activity: dict[str, Any], cancellation: Cancellation | None = None) -> ActivityError:
    with pytest.raises(ActivityError) as caught:
        run(factory, activity, cancellation)
    return caught.value


def test_script_is_registered_as_an_execution_activity() -> None:
    assert EXECUTION_ACTIVITIES["Script"] is run_script


def test_a_query_block_returns_its_rows_in_the_documented_shape(factory: Factory) -> None:
    output = run(factory, script(block("SELECT 1 AS id, 'one' AS name UNION ALL SELECT 2, 'two' ORDER BY 1")))
    assert list(output) == OUTPUT_KEYS
    assert output == {
        "resultSetCount": 1,
        "recordsAffected": 0,
        "resultSets": [{"rowCount": 2, "rows": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]}],
        "outputParameters": {},
        "outputLogs": "",
        "outputLogsLocation": "",
        "outputTruncated": False,
    }
    json.dumps(output)  # plain JSON all the way down


def test_blocks_merge_result_sets_and_sum_records_affected(factory: Factory) -> None:
    output = run(factory, script(
        block("DROP TABLE IF EXISTS merged; CREATE TABLE merged (id int)", "NonQuery"),
        block("INSERT INTO merged SELECT generate_series(1, 5)", "NonQuery"),
        block("UPDATE merged SET id = id + 10 WHERE id <= 2", "NonQuery"),
        block("SELECT count(*) AS n FROM merged; SELECT max(id) AS top FROM merged"),
        block("SELECT id FROM merged", "NonQuery"),  # NonQuery: rows are not kept
    ))
    assert output["recordsAffected"] == 7
    assert output["resultSetCount"] == 2
    assert [result["rows"] for result in output["resultSets"]] == [[{"n": 5}], [{"top": 12}]]


def test_a_block_without_parameters_runs_several_statements_and_collects_each_result_set(factory: Factory) -> None:
    output = run(factory, script(block(
        "CREATE TEMP TABLE t (v text); INSERT INTO t VALUES ('a;b'), ($$c;d$$); "
        "SELECT v FROM t ORDER BY v; -- a comment; SELECT 'not run'\n SELECT count(*) AS n FROM t; DROP TABLE t")))
    assert output["resultSetCount"] == 2
    assert output["resultSets"][0]["rows"] == [{"v": "a;b"}, {"v": "c;d"}]
    assert output["resultSets"][1]["rows"] == [{"n": 2}]
    assert output["recordsAffected"] == 2


def test_each_block_commits_on_its_own(server: RunningServer, factory: Factory) -> None:
    server.execute(f"DROP TABLE IF EXISTS {ROLE}.kept")
    error = failure(factory, script(
        block("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)", "NonQuery"),
        block("INSERT INTO kept VALUES (2); SELECT 1/0", "NonQuery"),
    ))
    assert "scripts[1]" in error.message
    assert server.execute(f"SELECT id FROM {ROLE}.kept") == [(1,)]  # block 1 rolled back as one transaction


def test_named_parameters_of_every_type_reach_the_server_typed(factory: Factory) -> None:
    cases = [
        ("Boolean", "true", "boolean", True),
        ("INT16", 7, "smallint", 7),
        ("int32", "42", "integer", 42),
        ("Int64", 9007199254740993, "bigint", 9007199254740993),
        ("Decimal", "12345678901.25", "numeric", 12345678901.25),
        ("Double", 1.5, "double precision", 1.5),
        ("Single", "2.5", "real", 2.5),
        ("String", "it's @b", "text", "it's @b"),
        ("Guid", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("DateTime", "2024-01-02T03:04:05.1234567", "timestamp without time zone", "2024-01-02T03:04:05.123456"),
        ("DateTime", "2024-01-02T03:04:05Z", "timestamp with time zone", "2024-01-02T03:04:05Z"),
        ("DateTimeOffset", "2024-01-02T03:04:05+02:00", "timestamp with time zone", "2024-01-02T01:04:05Z"),
        ("Timespan", "1.02:03:04", "interval", "1.02:03:04"),
        ("Timespan", "-00:00:05", "interval", "-00:00:05"),
    ]
    blocks = [block("SELECT @value AS value, pg_typeof(@VALUE)::text AS type", "Query",
                    parameter("value", value, type_)) for type_, value, _, _ in cases]
    output = run(factory, script(*blocks))
    got = [result["rows"][0] for result in output["resultSets"]]
    assert got == [{"value": expected, "type": pg_type} for _, _, pg_type, expected in cases]


def test_named_placeholders_are_not_replaced_in_literals_identifiers_comments_or_dollar_bodies(factory: Factory) -> None:
    text = ("SELECT @p AS p, '@p' AS literal, \"@p\".x AS quoted, $body$@p$body$ AS dollar /* @p */ -- @p\n"
            "FROM (SELECT 1 AS x) AS \"@p\"")
    output = run(factory, script(block(text, "Query", parameter("p", "bound", "String"))))
    assert output["resultSets"][0]["rows"] == [{"p": "bound", "literal": "@p", "quoted": 1, "dollar": "@p"}]


def test_positional_parameters_are_numbered_in_declaration_order(factory: Factory) -> None:
    output = run(factory, script(block("SELECT $1::int - $2::int AS difference, $3 AS label", "Query",
                                       parameter(None, 10, "Int32"), parameter(None, 3, "Int32"),
                                       parameter(None, "x", "String"))))
    assert output["resultSets"][0]["rows"] == [{"difference": 7, "label": "x"}]


def test_null_and_untyped_values_are_sent(factory: Factory) -> None:
    output = run(factory, script(block("SELECT @a::int IS NULL AS a_null, @b::int + 1 AS b", "Query",
                                       parameter("a", None, "Int32"), parameter("b", 41))))
    assert output["resultSets"][0]["rows"] == [{"a_null": True, "b": 42}]


def test_output_parameters_come_from_the_call_row_by_name_then_by_position(factory: Factory) -> None:
    setup = block("""
        CREATE OR REPLACE PROCEDURE swap_proc(IN input1 int, IN input2 text, OUT output1 text, OUT output2 int,
                                              INOUT counter int)
        LANGUAGE plpgsql AS $$ BEGIN output1 := input2; output2 := input1; counter := counter + 1; END $$""", "NonQuery")
    call = block("CALL swap_proc(@input1, @input2, null, null, @counter)", "Query",
                 parameter("input1", 10, "Int32"), parameter("input2", "Hello", "String"),
                 parameter("output10", None, "String", "Output", size=4),
                 parameter("output2", None, "Int32", "Output"),
                 parameter("counter", 1, "Int32", "InputOutput"))
    output = run(factory, script(setup, call))
    assert output["resultSets"][0]["rows"] == [{"output1": "Hello", "output2": 10, "counter": 2}]
    # output2 matches its column by name; output10 takes the first unmatched column, cut to its size.
    assert output["outputParameters"] == {"output10": "Hell", "output2": 10, "counter": 2}


def test_output_parameters_of_a_non_query_block_are_read_without_keeping_rows(factory: Factory) -> None:
    output = run(factory, script(block("SELECT 5 AS five", "NonQuery", parameter("result", None, "Int32", "Output"))))
    assert output["resultSetCount"] == 0
    assert output["outputParameters"] == {"result": 5}


def test_the_same_output_parameter_in_a_later_block_overwrites(factory: Factory) -> None:
    output = run(factory, script(block("SELECT 1 AS v", "Query", parameter("v", None, "Int32", "Output")),
                                 block("SELECT 2 AS v", "Query", parameter("v", None, "Int32", "Output"))))
    assert output["outputParameters"] == {"v": 2}


def test_named_parameters_in_several_statements_run_as_one_transaction(server: RunningServer, factory: Factory) -> None:
    server.execute(f"DROP TABLE IF EXISTS {ROLE}.batch")
    server.execute(f"CREATE TABLE {ROLE}.batch (id int, label text)")
    server.execute(f"GRANT ALL ON {ROLE}.batch TO {ROLE}")
    output = run(factory, script(block(
        "INSERT INTO batch VALUES (@id, @label); SELECT label FROM batch WHERE id = @id; SELECT @other AS other",
        "Query", parameter("id", 1, "Int32"), parameter("label", "first", "String"), parameter("other", "o", "String"))))
    assert [result["rows"] for result in output["resultSets"]] == [[{"label": "first"}], [{"other": "o"}]]
    assert output["recordsAffected"] == 1
    error = failure(factory, script(block("INSERT INTO batch VALUES (@id, 'second'); SELECT 1 / @zero", "NonQuery",
                                          parameter("id", 2, "Int32"), parameter("zero", 0, "Int32"))))
    assert "22012" in error.message
    assert server.execute(f"SELECT id FROM {ROLE}.batch ORDER BY id") == [(1,)]


@pytest.mark.parametrize("parameters", [
    [parameter(None, 1, "Int32")],
    [parameter("out", None, "Int32", "Output")],
])
def test_several_statements_with_positional_or_output_parameters_are_refused(
        factory: Factory, parameters: list[dict[str, Any]]) -> None:
    error = failure(factory, script(block("SELECT $1; SELECT 2", "Query", *parameters)))
    assert error.code == "UserErrorScriptMultiStatementNotSupported"
    assert "scripts[0]" in error.message


@pytest.mark.parametrize(("bad", "complaint"), [
    (parameter("p", "abc", "Int32"), "not a valid Int32"),
    (parameter("p", 70000, "Int16"), "out of range"),
    (parameter("p", "1", "Xml"), "not a script parameter type"),
    (parameter("p", "1", "String", "ReturnValue"), "ReturnValue is not supported"),
    (parameter("p", "maybe", "Boolean"), "expected true or false"),
])
def test_bad_parameters_fail_before_any_block_runs(
        server: RunningServer, factory: Factory, bad: dict[str, Any], complaint: str) -> None:
    server.execute(f"DROP TABLE IF EXISTS {ROLE}.never")
    error = failure(factory, script(block("CREATE TABLE never (id int)", "NonQuery"), block("SELECT @p", "Query", bad)))
    assert error.code == "UserErrorInvalidScriptParameter"
    assert complaint in error.message
    assert "scripts[1].parameters[0]" in error.message
    assert server.execute(f"SELECT to_regclass('{ROLE}.never') IS NULL") == [(True,)]


def test_mixing_named_and_positional_parameters_is_refused(factory: Factory) -> None:
    error = failure(factory, script(block("SELECT @a, $2", "Query", parameter("a", 1), parameter(None, 2))))
    assert error.code == "UserErrorInvalidScriptParameter"


def test_a_failing_statement_names_the_block_and_the_sqlstate(factory: Factory) -> None:
    error = failure(factory, script(block("SELECT 1"), block("SELEC 2")))
    assert error.code == "PostgreSqlScriptBlockFailed"
    assert error.failure_type == "UserError"
    assert error.message.startswith("scripts[1] failed with SQLSTATE 42601: syntax error")
    assert error.details == [{"sqlstate": "42601", "where": "scripts[1]", "position": 1}]
    assert not error.transient


def test_plpgsql_errors_keep_their_detail_hint_and_context(factory: Factory) -> None:
    error = failure(factory, script(block(
        "DO $$ BEGIN RAISE EXCEPTION 'bad thing' USING DETAIL = 'the detail', HINT = 'the hint', ERRCODE = 'P0002'; END $$")))
    assert "SQLSTATE P0002: bad thing" in error.message
    assert "Detail: the detail" in error.message
    assert "Hint: the hint" in error.message
    assert "PL/pgSQL function inline_code_block" in error.message


def test_deadlock_like_failures_are_transient(factory: Factory) -> None:
    error = failure(factory, script(block("DO $$ BEGIN RAISE EXCEPTION 'retry me' USING ERRCODE = '40001'; END $$")))
    assert error.transient


def test_the_block_timeout_cancels_the_statement(server: RunningServer, factory: Factory) -> None:
    started = time.monotonic()
    error = failure(factory, script(block("SELECT 1"), block("SELECT pg_sleep(30) /* block-timeout */"),
                                    scriptBlockExecutionTimeout="00:00:00.3"))
    assert time.monotonic() - started < 10
    assert error.code == "PostgreSqlScriptBlockTimedOut"
    assert error.transient
    assert "scripts[1] ran longer than scriptBlockExecutionTimeout (00:00:00.3000000)" in error.message
    assert running_statements(server, "block-timeout") == 0


def test_an_explicit_command_timeout_applies_when_the_activity_sets_none(server: RunningServer) -> None:
    factory = make_factory(server, commandTimeout=1)
    error = failure(factory, script(block("SELECT pg_sleep(30) /* command-timeout */")))
    assert error.code == "PostgreSqlScriptBlockTimedOut"
    assert running_statements(server, "command-timeout") == 0


def test_the_linked_service_default_command_timeout_does_not_cut_scripts(factory: Factory) -> None:
    # commandTimeout's default (30 s) would be statement_timeout; a block's default timeout is 2 hours.
    output = run(factory, script(block("SHOW statement_timeout")))
    assert output["resultSets"][0]["rows"] == [{"statement_timeout": "0"}]


def test_cancellation_stops_the_running_statement(server: RunningServer, factory: Factory) -> None:
    cancellation = Cancellation()
    cancel_after(cancellation, 0.5)
    started = time.monotonic()
    error = failure(factory, script(block("SELECT pg_sleep(30) /* cancel-me */")), cancellation)
    assert time.monotonic() - started < 10
    assert error.code == "ActivityCancelled"
    assert running_statements(server, "cancel-me") == 0


def test_an_activity_cancelled_before_it_starts_runs_nothing(server: RunningServer, factory: Factory) -> None:
    cancellation = Cancellation()
    cancellation.cancel("timeout")
    server.execute(f"DROP TABLE IF EXISTS {ROLE}.not_created")
    error = failure(factory, script(block("CREATE TABLE not_created (id int)")), cancellation)
    assert error.code == "ActivityCancelled"
    assert server.execute(f"SELECT to_regclass('{ROLE}.not_created') IS NULL") == [(True,)]


NOTICES = "DO $$ BEGIN RAISE NOTICE 'Hello'; RAISE WARNING 'World!'; END $$"


def test_notices_are_the_output_logs_when_logging_to_the_activity_output(factory: Factory) -> None:
    output = run(factory, script(block(NOTICES), block("DO $$ BEGIN RAISE NOTICE 'again'; END $$"),
                                 logSettings={"logDestination": "ActivityOutput"}))
    assert output["outputLogs"] == "Hello\nWorld!\nagain"


def test_notices_are_dropped_without_log_settings(factory: Factory) -> None:
    assert run(factory, script(block(NOTICES)))["outputLogs"] == ""


def _file_server(name: str, host: str) -> LinkedServiceResource:
    return LinkedServiceResource.model_validate(
        {"name": name, "properties": {"type": "FileServer", "typeProperties": {"host": host}}})


def test_logs_go_to_a_local_folder_through_a_file_server_linked_service(server: RunningServer, tmp_path: Path) -> None:
    factory = make_factory(server, linked_services=[_file_server("Logs", str(tmp_path))])
    activity = script(block(NOTICES), logSettings={
        "logDestination": "ExternalStore",
        "logLocationSettings": {"linkedServiceName": {"referenceName": "Logs", "type": "LinkedServiceReference"},
                                "path": "script-logs"}})
    called = invocation(factory, activity)
    output = run_script(called, ActivityControl())
    folder = tmp_path / "script-logs" / called.activity_run_id
    assert output["outputLogsLocation"] == str(folder)
    assert output["outputLogs"] == ""
    assert (folder / "output.log").read_text() == "Hello\nWorld!\n"


def test_the_external_log_is_written_when_a_block_fails(server: RunningServer, tmp_path: Path) -> None:
    factory = make_factory(server, linked_services=[_file_server("Logs", str(tmp_path))])
    activity = script(block(NOTICES), block("DO $$ BEGIN RAISE NOTICE 'last words'; PERFORM 1/0; END $$"), logSettings={
        "logDestination": "ExternalStore",
        "logLocationSettings": {"linkedServiceName": {"referenceName": "Logs", "type": "LinkedServiceReference"}}})
    called = invocation(factory, activity)
    with pytest.raises(ActivityError):
        run_script(called, ActivityControl())
    log = tmp_path / "scriptactivity-logs" / called.activity_run_id / "output.log"
    assert log.read_text() == "Hello\nWorld!\nlast words\n"


def test_an_external_store_that_is_not_a_local_folder_is_refused(server: RunningServer) -> None:
    blob = LinkedServiceResource.model_validate(
        {"name": "Blob", "properties": {"type": "AzureBlobStorage", "typeProperties": {}}})
    factory = make_factory(server, linked_services=[blob])
    error = failure(factory, script(block("SELECT 1"), logSettings={
        "logDestination": "ExternalStore",
        "logLocationSettings": {"linkedServiceName": {"referenceName": "Blob", "type": "LinkedServiceReference"}}}))
    assert error.code == "UserErrorInvalidLogSettings"
    assert "AzureBlobStorage" in error.message


def test_rows_beyond_5000_are_truncated_and_flagged(factory: Factory) -> None:
    output = run(factory, script(block("SELECT generate_series(1, 3000) AS n"),
                                 block("SELECT generate_series(1, 3000) AS n")))
    assert [result["rowCount"] for result in output["resultSets"]] == [3000, ROW_LIMIT - 3000]
    assert output["resultSets"][1]["rows"][-1] == {"n": ROW_LIMIT - 3000}
    assert output["outputTruncated"] is True


def test_output_over_2_mb_drops_rows_and_is_flagged(factory: Factory) -> None:
    output = run(factory, script(block("SELECT n, repeat('x', 1000) AS filler FROM generate_series(1, 3000) AS n")))
    rows = output["resultSets"][0]["rows"]
    assert output["outputTruncated"] is True
    assert 1900 < len(rows) < 2100
    assert len(compact(output)) <= SIZE_LIMIT
    assert rows[0]["n"] == 1


def test_logs_are_cut_before_parameters_and_rows(factory: Factory) -> None:
    noisy = block("CREATE OR REPLACE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS $$ BEGIN "
                  "FOR i IN 1..3000 LOOP RAISE NOTICE '%', repeat('y', 1000); END LOOP; RETURN 1; END $$", "NonQuery")
    output = run(factory, script(noisy, block("SELECT noisy() AS kept", "Query", parameter("kept", None, "Int32", "Output")),
                                 logSettings={"logDestination": "ActivityOutput"}))
    assert output["outputTruncated"] is True
    assert output["resultSets"][0]["rows"] == [{"kept": 1}]
    assert output["outputParameters"] == {"kept": 1}
    assert 0 < len(output["outputLogs"]) <= SIZE_LIMIT
    assert len(compact(output)) <= SIZE_LIMIT


def test_an_empty_block_produces_nothing(factory: Factory) -> None:
    output = run(factory, script(block("  -- nothing here\n"), {"type": "NonQuery"}))
    assert output["resultSetCount"] == 0


def test_a_wrong_password_fails_with_the_stage_and_no_secret(server: RunningServer) -> None:
    secret = "the-wrong-secret-password"
    factory = Factory()
    factory.add(ResourceKind.LINKED_SERVICE, linked_service(server, password=secret))
    error = failure(factory, script(block("SELECT 1")))
    assert error.code == "UserErrorPostgreSqlAuthenticationFailed"
    assert "authentication failed" in error.message
    assert secret not in json.dumps(error.to_dict())
    assert PASSWORD not in json.dumps(error.to_dict())


def test_an_unknown_linked_service_is_an_activity_error(factory: Factory) -> None:
    activity = script(block("SELECT 1"))
    activity["linkedServiceName"] = {"referenceName": "Missing", "type": "LinkedServiceReference"}
    error = failure(factory, activity)
    assert error.code == "UserErrorLinkedServiceNotFound"


def test_activities_reuse_connections_with_a_clean_session(factory: Factory) -> None:
    first = run(factory, script(block("CREATE TEMP TABLE leftover (id int); SET search_path = pg_catalog"),
                                block("SELECT pg_backend_pid() AS pid")))
    second = run(factory, script(block("SELECT pg_backend_pid() AS pid, to_regclass('leftover') IS NULL AS clean, "
                                       "current_schemas(false)::text AS path")))
    row = second["resultSets"][0]["rows"][0]
    assert row["pid"] == first["resultSets"][0]["rows"][0]["pid"]
    assert row["clean"] is True
    assert row["path"] == "{activity_user,public}"
