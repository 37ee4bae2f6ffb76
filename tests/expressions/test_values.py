from __future__ import annotations

import pytest

from pgfactory.expressions.values import content_bytes, find_property, format_float, is_missing, make_content, render_text


@pytest.mark.parametrize(("value", "text"), [
    (30.0, "30"), (2.5, "2.5"), (-0.5, "-0.5"), (1e15, "1E+15"), (1e20, "1E+20"), (1.5e-05, "1.5E-05"),
    (0.0001, "0.0001"), (1234567890123456.0, "1.234567890123456E+15"), (10.000000000000002, "10.000000000000002"),
])
def test_floats_are_written_as_dotnet_writes_doubles(value: float, text: str) -> None:
    assert format_float(value) == text


@pytest.mark.parametrize(("value", "text"), [
    ("s", "s"), (None, ""), (True, "True"), (False, "False"), (7, "7"), ([1, "a", None], '[1,"a",null]'),
    ({"k": "é"}, '{"k":"é"}'), (make_content(b"bytes"), "bytes"),
])
def test_render_text(value: object, text: str) -> None:
    assert render_text(value) == text


def test_content_objects_round_trip_their_bytes() -> None:
    assert content_bytes(make_content(b"\x00\xff", "image/png")) == b"\x00\xff"
    assert content_bytes({"$content-type": "x", "$content": "not base64!"}) is None
    assert content_bytes({"$content": "aGk="}) is None


def test_find_property_prefers_the_exact_name() -> None:
    assert find_property({"aAa": 1, "AaA": 2}, "AaA") == 2
    assert find_property({"aAa": 1, "AaA": 2}, "aaa") == 1
    assert is_missing(find_property({"a": 1}, "b"))
