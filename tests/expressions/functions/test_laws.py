"""Laws the functions keep, checked on generated values through the expression language."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pgfactory.expressions import evaluate_expression

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), texts)
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=5), children, max_size=4)), max_leaves=10)
arrays = st.lists(st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c"])), max_size=8)
integers = st.integers(-(2**40), 2**40)
LAWS = settings(max_examples=100, deadline=None)


def evaluate(text: str, **parameters: Any) -> Any:
    return evaluate_expression(text, {"parameters": parameters})


@LAWS
@given(texts, texts)
def test_length_of_concat_is_the_sum_of_lengths(a: str, b: str) -> None:
    assert evaluate("@length(concat(pipeline().parameters.a, pipeline().parameters.b))", a=a, b=b) == len(a) + len(b)


@LAWS
@given(texts, texts.filter(bool))
def test_join_undoes_split(text: str, delimiter: str) -> None:
    assert evaluate("@join(split(pipeline().parameters.t, pipeline().parameters.d), pipeline().parameters.d)",
                    t=text, d=delimiter) == text


@LAWS
@given(arrays, arrays)
def test_union_is_idempotent(a: list[Any], b: list[Any]) -> None:
    once = evaluate("@union(pipeline().parameters.a, pipeline().parameters.b)", a=a, b=b)
    assert evaluate("@union(pipeline().parameters.u, pipeline().parameters.b)", u=once, b=b) == once
    assert evaluate("@union(pipeline().parameters.a, pipeline().parameters.a)", a=a) == evaluate(
        "@union(pipeline().parameters.a)", a=a)
    assert sorted(map(repr, once)) == sorted({repr(item) for item in a + b})


@LAWS
@given(arrays, arrays)
def test_intersection_is_within_both(a: list[Any], b: list[Any]) -> None:
    common = evaluate("@intersection(pipeline().parameters.a, pipeline().parameters.b)", a=a, b=b)
    assert all(item in a and item in b for item in common)
    assert evaluate("@intersection(pipeline().parameters.c, pipeline().parameters.c)", c=common) == common


@LAWS
@given(integers, integers)
def test_sub_undoes_add(a: int, b: int) -> None:
    assert evaluate("@sub(add(pipeline().parameters.a, pipeline().parameters.b), pipeline().parameters.b)", a=a, b=b) == a


@LAWS
@given(integers, integers.filter(bool))
def test_div_and_mod_rebuild_the_dividend(a: int, b: int) -> None:
    text = ("@add(mul(div(pipeline().parameters.a, pipeline().parameters.b), pipeline().parameters.b), "
            "mod(pipeline().parameters.a, pipeline().parameters.b))")
    assert evaluate(text, a=a, b=b) == a


@LAWS
@given(texts)
def test_base64_round_trip(text: str) -> None:
    assert evaluate("@base64ToString(base64(pipeline().parameters.t))", t=text) == text
    assert evaluate("@string(base64ToBinary(base64(pipeline().parameters.t)))", t=text) == text


@LAWS
@given(texts)
def test_uri_component_round_trip(text: str) -> None:
    encoded = evaluate("@uriComponent(pipeline().parameters.t)", t=text)
    assert set(encoded) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~%")
    assert evaluate("@uriComponentToString(pipeline().parameters.e)", e=encoded) == text


@LAWS
@given(st.one_of(texts, arrays), st.integers(0, 25))
def test_take_and_skip_partition(collection: str | list[Any], count: int) -> None:
    text = ("@concat(take(pipeline().parameters.c, pipeline().parameters.n), "
            "skip(pipeline().parameters.c, pipeline().parameters.n))")
    assert evaluate(text, c=collection, n=count) == collection


@LAWS
@given(json_values)
def test_json_reads_what_string_writes(value: Any) -> None:
    if isinstance(value, str | bool) or value is None:
        return  # string() writes these as text ('True', ''), not as JSON
    assert evaluate("@json(string(pipeline().parameters.v))", v=value) == value


@LAWS
@given(json_values, json_values)
def test_equals_is_symmetric(a: Any, b: Any) -> None:
    assert evaluate("@equals(pipeline().parameters.a, pipeline().parameters.b)", a=a, b=b) == evaluate(
        "@equals(pipeline().parameters.b, pipeline().parameters.a)", a=a, b=b)
    assert evaluate("@equals(pipeline().parameters.a, pipeline().parameters.a)", a=a) is True
