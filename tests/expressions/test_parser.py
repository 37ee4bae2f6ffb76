from __future__ import annotations

import pytest

from pgfactory.errors import ExpressionError
from pgfactory.expressions.ast import Call, Index, Literal, Member, Segment, Template
from pgfactory.expressions.parser import parse_expression, parse_template


def whole(text: str) -> object:
    template = parse_template(text)
    assert template.whole
    (segment,) = template.parts
    assert isinstance(segment, Segment)
    return segment.expression


@pytest.mark.parametrize(("text", "value"), [
    ("@1", 1), ("@-51", -51), ("@+54", 54), ("@0.5", 0.5), ("@+.5", 0.5), ("@.3", 0.3), ("@+1.", 1.0),
    ("@-01.0", -1.0), ("@3e1", 30.0), ("@3.2e-1", 0.32), ("@0.9e+1", 9.0),
    ("@true", True), ("@false", False), ("@null", None), ("@TRUE", True),
    ("@'text'", "text"), ("@'don''t'", "don't"), ("@''", ""), ("@'a}b'", "a}b"), ("@'back\\slash'", "back\\slash"),
])
def test_literals(text: str, value: object) -> None:
    literal = whole(text)
    assert isinstance(literal, Literal)
    assert literal.value == value
    assert type(literal.value) is type(value)


def test_a_call_chain_keeps_every_access_and_its_position() -> None:
    text = "@activity('Look up').output?.value[0]?['Name']"
    node = whole(text)
    assert node == Index(Index(Member(Member(Call("activity", (Literal("Look up"),)), "output"), "value", True),
                               Literal(0)), Literal("Name"), True)
    assert isinstance(node, Index)
    assert text[node.position:].startswith("?['Name']")
    assert isinstance(node.target, Index) and text[node.target.position:].startswith("[0]")
    member = node.target.target
    assert isinstance(member, Member) and text[member.position:].startswith("value")


def test_whitespace_between_tokens_is_allowed() -> None:
    assert whole("@ concat ( 'a' ,\n\t'b' ) . x [ 1 ]") == Index(Member(Call("concat", (Literal("a"), Literal("b"))), "x"),
                                                             Literal(1))


def test_function_names_keep_their_spelling() -> None:
    assert whole("@ADD(1, 2)") == Call("ADD", (Literal(1), Literal(2)))


@pytest.mark.parametrize(("text", "parts"), [
    ("", ()),
    ("plain", ("plain",)),
    ("@", ("@",)),
    ("@@", ("@",)),
    ("@@unparsed!", ("@unparsed!",)),
    ("@@{'abc'}@{'def'}", ("@{'abc'}@{'def'}",)),  # a leading '@@' makes the whole value literal
    (" @x", (" @x",)),
    ("a@b", ("a@b",)),
    ("a@@b", ("a@@b",)),  # '@@' is an escape only at the start and before '{'
    ("Answer is: @@{pipeline().parameters.myNumber}", ("Answer is: @{pipeline().parameters.myNumber}",)),
])
def test_literal_property_strings(text: str, parts: tuple[str, ...]) -> None:
    template = parse_template(text)
    assert template == Template(parts)
    assert template.is_literal


def test_interpolation_splits_text_and_expressions() -> None:
    template = parse_template("Hi @{'a'}, @@{x} @{concat('b', 'c')}!")
    assert not template.whole
    assert template.parts == ("Hi ", Segment(Literal("a")), ", @{x} ", Segment(Call("concat", (Literal("b"), Literal("c")))),
                              "!")
    segment = template.parts[3]
    assert isinstance(segment, Segment) and segment.source == "concat('b', 'c')"


def test_a_value_that_is_one_interpolation_is_not_whole() -> None:
    template = parse_template("@{add(1, 2)}")
    assert not template.whole
    assert template.parts == (Segment(Call("add", (Literal(1), Literal(2)))),)


def test_parses_are_cached_by_text() -> None:
    assert parse_template("@concat('cached', 'x')") is parse_template("@concat('cached', 'x')")


def test_parse_expression_reads_a_body_without_at() -> None:
    assert parse_expression("item().id") == Member(Call("item"), "id")


@pytest.mark.parametrize(("text", "position", "problem"), [
    ("@concat", 1, "'concat' must be called as a function"),
    ("@concat('a', 'b'", 16, "expected ',' or ')'"),
    ("@concat('a',)", 12, "expected an expression but found ')'"),
    ("@concat('a' 'b')", 12, "expected ',' or ')'"),
    ("@'abc", 1, "this string is not terminated"),
    ("x @{concat('abc}", 11, "this string is not terminated"),
    ("@{add(1, 2)", 0, "the '@{' at position 0 has no closing '}'"),
    ("ok @{add(1, 2) ", 3, "the '@{' at position 3 has no closing '}'"),
    ("@{}", 2, "expected an expression but found '}'"),
    ("@()", 1, "unexpected character '('"),
    ("@a() b", 5, "unexpected 'b' after the end of the expression"),
    ("@concat('a','b')('c')", 16, "unexpected '('"),
    ("@a()?x", 5, "expected '.' or '[' after '?'"),
    ("@a().", 5, "expected a property name after '.'"),
    ("@a()[0", 6, "expected ']'"),
    ("@1e", 1, "this is not a valid number"),
    ("@1e+", 1, "this is not a valid number"),
    ("@++1", 1, "this is not a valid number"),
    ("@1e1.1", 5, "expected a property name after '.'"),
    ("@#", 1, "unexpected character '#'"),
    ("@{a(} b", 4, "expected an expression but found '}'"),
    ("@{a()!}", 5, "expected '}' but found '!'"),
])
def test_syntax_errors_point_at_the_problem(text: str, position: int, problem: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_template(text)
    assert raised.value.position == position
    assert raised.value.expression == text
    assert problem in raised.value.message
    assert f"(position {position})" in raised.value.message


def test_a_syntax_error_quotes_the_expression_it_is_in() -> None:
    with pytest.raises(ExpressionError) as raised:
        parse_template("Table @{concat('a',,'b')} done @{x()}")
    assert raised.value.message.startswith("The expression 'concat('a',,'b')' is not valid: ")


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_template("@" + "a(" * 5000 + ")" * 5000)


def test_long_expressions_are_cut_in_messages() -> None:
    text = "@concat(" + ", ".join(["'x'"] * 200) + ", )"
    with pytest.raises(ExpressionError) as raised:
        parse_template(text)
    quoted = raised.value.message.split("'", 1)[1].split("' is not valid")[0]
    assert len(quoted) == 200 and quoted.endswith("...")
    assert raised.value.position == len(text) - 1
