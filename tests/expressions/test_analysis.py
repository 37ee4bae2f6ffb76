from __future__ import annotations

import pytest

from pgfactory.errors import ExpressionError
from pgfactory.expressions import Reference, check_syntax, references


@pytest.mark.parametrize("text", [
    "plain text", "@@literal(", "@add(1, 2)", "Hi @{concat('a', 'b')} @{utcNow()}", "@pipeline().parameters.x",
    "@if(equals(1, 1), 'a', 'b')", "@UNION(createArray(1), createArray(2))",
    "@add(pipeline().parameters.x, 'b')",  # depends on the run: checked when it runs
])
def test_valid_strings_pass(text: str) -> None:
    assert check_syntax(text) is None


@pytest.mark.parametrize(("text", "position", "message"), [
    ("@add(1,", 7, "is not valid: expected an expression"),
    ("x @{nope(1)}", 4, "The template function 'nope' is not defined or not valid."),
    ("@concat('a', toLower('A', 'B'))", 13, "The function 'toLower' expects one parameter. The function was invoked "
                                            "with '2' parameter(s)."),
    ("@if(true, 1)", 1, "The function 'if' expects 3 parameters."),
    ("@item(1)", 1, "The function 'item' expects no parameters."),
    # Parts that depend on no run are evaluated, so wrong literal types are found before it.
    ("@concat('x', string(add(1, 'b')))", 20, "The function 'add' expects its second parameter to be an integer"),
    ("hello @{substring('abc', 5, 1)}", 8, "The function 'substring' parameters are out of range"),
])
def test_problems_are_found_without_evaluating(text: str, position: int, message: str) -> None:
    error = check_syntax(text)
    assert isinstance(error, ExpressionError)
    assert error.position == position
    assert error.expression == text
    assert message in error.message


def test_references_name_what_an_expression_uses() -> None:
    text = ("@concat(activity('Lookup 1').output.value, variables('v'), pipeline().parameters.p, "
            "pipeline().parameters['q'], pipeline().globalParameters.G, item().id, linkedService().host, "
            "dataset()['path'])")
    assert references(text) == [
        Reference("activity", "Lookup 1", text.index("'Lookup 1'")),
        Reference("variable", "v", text.index("'v'")),
        Reference("parameter", "p", text.index("p, pipeline")),
        Reference("parameter", "q", text.index("'q'")),
        Reference("globalParameter", "G", text.index("G, item")),
        Reference("item", None, text.index("item()")),
        Reference("linkedService", "host", text.index("host")),
        Reference("dataset", "path", text.index("'path'")),
    ]


def test_references_without_a_literal_name() -> None:
    text = "@{activity(variables('name')).output} @{pipeline().parameters[item()]} @{string(linkedService())}"
    kinds = [(reference.kind, reference.name) for reference in references(text)]
    assert kinds == [("activity", None), ("variable", "name"), ("parameter", None), ("item", None),
                     ("linkedService", None)]


def test_references_ignore_other_pipeline_values_and_literals() -> None:
    assert references("@pipeline().RunId") == []
    assert references("@pipeline().parameters") == [Reference("parameter", None, 12)]  # all of them
    assert references("activity('x') without @") == []
    assert references("@@{activity('x')}") == []


def test_references_of_a_broken_string_raise() -> None:
    with pytest.raises(ExpressionError):
        references("@activity('x'")
