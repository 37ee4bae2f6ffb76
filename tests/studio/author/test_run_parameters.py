"""The Trigger now dialog's fields read back into typed values, without HTTP."""

from __future__ import annotations

from pgfactory.studio.author.run_parameters import field_of, parameter_fields, read_parameters


def test_an_empty_field_takes_the_default_except_a_string_which_is_the_empty_string() -> None:
    fields = parameter_fields({"name": {"type": "String", "defaultValue": "x"}, "count": {"type": "Int", "defaultValue": 2},
                               "on": {"type": "bool", "defaultValue": False},
                               "key": {"type": "SecureString", "defaultValue": "k"}})
    assert [field.value for field in fields] == ["x", "2", "false", ""]
    values, errors = read_parameters(fields, {"parameters.name": "", "parameters.count": " ", "parameters.on": "",
                                              "parameters.key": ""})
    assert (values, errors) == ({"name": ""}, {})  # the others are left to createRun, which binds their defaults


def test_a_parameter_without_default_needs_a_value_and_each_type_its_own_shape() -> None:
    fields = parameter_fields({"on": {"type": "Bool"}, "key": {"type": "SecureString"}, "rate": {"type": "Float"},
                               "ids": {"type": "Array"}})
    values, errors = read_parameters(fields, {"parameters.rate": "inf", "parameters.ids": '{"a": 1}'})
    assert values == {}
    assert errors == {"parameters.on": "Enter a value: this parameter has no default.",
                      "parameters.key": "Enter a value: this parameter has no default.",
                      "parameters.rate": "Not a finite number.", "parameters.ids": "Expected a JSON array: [ ... ]."}
    values, errors = read_parameters(fields, {"parameters.on": "true", "parameters.key": " spaced ", "parameters.rate": "1e3",
                                              "parameters.ids": "[1, 2]"})
    assert (values, errors) == ({"on": True, "key": " spaced ", "rate": 1000.0, "ids": [1, 2]}, {})


def test_create_runs_errors_map_back_to_their_field() -> None:
    assert field_of("properties.parameters.window") == "parameters.window"
    assert field_of("properties.parameters") is None and field_of(None) is None
