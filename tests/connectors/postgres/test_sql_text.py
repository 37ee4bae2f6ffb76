"""Statement splitting, named placeholders and read detection skip literals, identifiers, bodies and comments."""

from __future__ import annotations

import pytest

from pgfactory.connectors.postgres.sql_text import (
    bind_named_parameters,
    is_plain_read,
    named_parameters_used,
    split_statements,
)


@pytest.mark.parametrize(("sql", "statements"), [
    ("SELECT 1", ["SELECT 1"]),
    ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
    (" ; ;; ", []),
    ("-- only a comment; really", []),
    ("SELECT ';'; SELECT 'it''s;'", ["SELECT ';'", "SELECT 'it''s;'"]),
    ("SELECT E'\\';'; SELECT 2", ["SELECT E'\\';'", "SELECT 2"]),
    ('SELECT 1 AS ";"; SELECT 2', ['SELECT 1 AS ";"', "SELECT 2"]),
    ("SELECT $$a;b$$; SELECT $tag$ $$; $tag$", ["SELECT $$a;b$$", "SELECT $tag$ $$; $tag$"]),
    ("SELECT 1 /* a; /* nested; */ still; */; SELECT 2", ["SELECT 1 /* a; /* nested; */ still; */", "SELECT 2"]),
    ("SELECT 1 -- trailing; comment\n; SELECT 2", ["SELECT 1 -- trailing; comment", "SELECT 2"]),
    ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; "
     "END; SELECT f()",
     ["CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; "
      "END", "SELECT f()"]),
    ("BEGIN; SELECT 1; END;", ["BEGIN", "SELECT 1", "END"]),
    ("SELECT 'unterminated; SELECT 2", ["SELECT 'unterminated; SELECT 2"]),
])
def test_split_statements(sql: str, statements: list[str]) -> None:
    assert split_statements(sql) == statements


def test_named_parameters_are_replaced_only_in_code() -> None:
    sql = ("SELECT @a, @A, '@a', E'\\'@a', \"@a\", $$@a$$, x@a, @@a, @b, @ab -- @a\n/* @a */ "
           "FROM t WHERE c <@ '{1}' AND d = @a")
    assert bind_named_parameters(sql, {"a": 1}) == (
        "SELECT $1, $1, '@a', E'\\'@a', \"@a\", $$@a$$, x@a, @@a, @b, @ab -- @a\n/* @a */ "
        "FROM t WHERE c <@ '{1}' AND d = $1")


def test_named_parameters_used_lists_each_once_in_order_of_first_use() -> None:
    assert named_parameters_used("SELECT @b, '@c', @a, @B -- @d") == ["b", "a"]


@pytest.mark.parametrize(("sql", "read"), [
    ("SELECT * FROM t", True),
    ("  -- comment\n  select 1", True),
    ("WITH x AS (SELECT 1) SELECT * FROM x", True),
    ("VALUES (1)", True),
    ("TABLE t", True),
    ("SELECT 'insert into' AS text", True),
    ('SELECT "update" FROM t', True),
    ("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", False),
    ("SELECT * INTO copy_of_t FROM t", False),
    ("SELECT * FROM t FOR UPDATE", False),
    ("SELECT nextval('s')", False),
    ("INSERT INTO t VALUES (1) RETURNING *", False),
    ("CALL p()", False),
    ("", False),
])
def test_is_plain_read(sql: str, read: bool) -> None:
    assert is_plain_read(sql) is read
