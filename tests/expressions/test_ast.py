from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pgfactory.expressions.ast import Call, Expression, Index, Literal, Member, Segment, Template, unparse
from pgfactory.expressions.parser import parse_template

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda name: name.lower() not in ("true", "false", "null"))
literals = st.one_of(
    st.text(max_size=10).map(Literal),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(Literal),
    st.floats(allow_nan=False, allow_infinity=False).map(Literal),
    st.sampled_from([True, False, None]).map(Literal),
)


def _extend(children: st.SearchStrategy[Expression]) -> st.SearchStrategy[Expression]:
    # A number cannot be followed by '.name' ('1.x' reads as the number '1.'), so accessors take other targets.
    targets = children.filter(lambda node: not (isinstance(node, Literal) and isinstance(node.value, int | float)
                                                and not isinstance(node.value, bool)))
    return st.one_of(
        st.builds(Call, names, st.lists(children, max_size=3).map(tuple)),
        st.builds(Member, targets, names, st.booleans()),
        st.builds(Index, targets, children, st.booleans()),
    )


expressions = st.recursive(st.one_of(literals, st.builds(Call, names)), _extend, max_leaves=12)
texts = st.text(st.characters(blacklist_characters="@", blacklist_categories=("Cs",)), min_size=1, max_size=12)


def _template(parts: list[str | Expression]) -> Template:
    merged: list[str | Segment] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part if isinstance(part, str) else Segment(part))
    return Template(tuple(merged))


templates = st.one_of(
    expressions.map(lambda node: Template((Segment(node),), whole=True)),
    st.lists(st.one_of(texts, expressions), max_size=5).map(_template),
)


@settings(max_examples=200, deadline=None)
@given(templates)
def test_unparsed_templates_parse_back_to_the_same_tree(template: Template) -> None:
    assert parse_template(unparse(template)) == template


def test_unparse_writes_adf_syntax() -> None:
    node = Index(Member(Call("activity", (Literal("it's"),)), "output", True), Literal(0))
    assert unparse(node) == "activity('it''s')?.output[0]"
    assert unparse(Template((Segment(Call("utcNow")),), whole=True)) == "@utcNow()"
    assert unparse(Template(("a ", Segment(Literal(1.5)), " b"))) == "a @{1.5} b"


def test_unparse_escapes_literal_text() -> None:
    assert unparse(Template(("@home",))) == "@@home"
    assert unparse(Template(("mail@{x}",))) == "mail@@{x}"
    assert unparse(Template(("a@{b} ", Segment(Literal(None))))) == "a@@{b} @{null}"
    for template in (Template(("@home",)), Template(("mail@{x}",)), Template(("a@{b} ", Segment(Literal(None)))),):
        assert parse_template(unparse(template)) == template
