"""Extension columns as PostgreSQL sends them (uuid, json) render as text without going through Python."""

from __future__ import annotations

import uuid

import pyarrow as pa

from pgfactory.connectors.files.arrow_text import as_json, as_text

IDS = [uuid.UUID("153ccf8d-dd1a-4b2b-9636-a9361d7e0f61"), None, uuid.UUID("d12abb33-2b87-4fc3-81d3-a6b0347e8140")]


def uuids() -> pa.Array:
    storage = pa.array([None if value is None else value.bytes for value in IDS], pa.binary(16))
    return pa.ExtensionArray.from_storage(pa.uuid(), storage)


def test_uuids_are_canonical_lower_case_text_with_nulls_kept() -> None:
    assert as_text(uuids()).to_pylist() == [None if value is None else str(value) for value in IDS]


def test_a_slice_of_uuids_renders_its_own_values() -> None:
    assert as_text(uuids().slice(1)).to_pylist() == [None, str(IDS[2])]


def test_uuids_are_json_strings() -> None:
    assert as_json(uuids()).to_pylist() == [f'"{IDS[0]}"', "null", f'"{IDS[2]}"']


def test_json_columns_are_their_own_text() -> None:
    column = pa.ExtensionArray.from_storage(pa.json_(), pa.array(['{"a": 1}', None]))
    assert as_text(column).to_pylist() == ['{"a": 1}', None]
    assert as_json(column).to_pylist() == ['"{\\"a\\": 1}"', "null"]
