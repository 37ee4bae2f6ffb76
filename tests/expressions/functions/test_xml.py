from __future__ import annotations

import base64

import pytest

from tests.expressions.functions.helpers import error_of, evaluate

PRODUCE = ("<produce><item><name>Gala</name><type>apple</type><count>20</count></item>"
           "<item><name>Honeycrisp</name><type>apple</type><count>10</count></item></produce>")
LOCATION = '<?xml version="1.0"?> <file xmlns="http://contoso.com"> <location>Paris</location> </file>'


def xml_text(value: object) -> str:
    assert isinstance(value, dict) and value["$content-type"] == "application/xml;charset=utf-8"
    return base64.b64decode(value["$content"]).decode("utf-8")


def test_xml_of_a_json_object() -> None:
    # ADF's documented examples
    assert xml_text(evaluate("@xml(json('{ \"name\": \"Sophia Owen\" }'))")) == "<name>Sophia Owen</name>"
    assert xml_text(evaluate("@xml(json('{\"person\": {\"name\": \"Sophia Owen\", \"city\": \"Seattle\"}}'))")) == (
        "<person><name>Sophia Owen</name><city>Seattle</city></person>")


def test_xml_maps_attributes_text_arrays_and_the_declaration() -> None:
    document = ('{"?xml": {"@version": "1.0"}, "root": {"@id": 1, "#text": "t", "a": [1, true], "b": null, '
                '"bad name": "x"}}')
    assert xml_text(evaluate(f"@xml('{document}')")) == (
        '<?xml version="1.0"?><root id="1">t<a>1</a><a>true</a><b /><bad_x0020_name>x</bad_x0020_name></root>')


def test_xml_of_xml_text_keeps_it() -> None:
    assert xml_text(evaluate("@xml('<r><a>1</a></r>')")) == "<r><a>1</a></r>"
    assert evaluate("@string(xml('<r/>'))") == "<r/>"


def test_json_of_xml() -> None:
    # ADF's documented example; a single <person> is an object (the documentation shows an array)
    text = ("@json(xml('<?xml version=\"1.0\"?> <root> <person id=''1''> <name>Sophia Owen</name> "
            "<occupation>Engineer</occupation> </person> </root>'))")
    assert evaluate(text) == {"?xml": {"@version": "1.0"},
                              "root": {"person": {"@id": "1", "name": "Sophia Owen", "occupation": "Engineer"}}}


def test_json_of_xml_with_repeats_mixed_text_and_namespaces() -> None:
    text = ("@json('<r xmlns:p=\"urn:p\"><p:a>1</p:a>x<p:a>2</p:a><e/><b k=\"v\">t</b></r>')")
    assert evaluate(text) == {"r": {"@xmlns:p": "urn:p", "p:a": ["1", "2"], "e": None, "b": {"@k": "v", "#text": "t"},
                                    "#text": "x"}}


def test_xpath_values_and_nodes() -> None:
    assert evaluate(f"@xpath(xml('{PRODUCE}'), 'sum(/produce/item/count)')") == 30
    assert evaluate(f"@xpath(xml('{PRODUCE}'), 'count(//item) > 1')") is True
    assert evaluate(f"@xpath(xml('{PRODUCE}'), '/produce/item/name/text()')") == ["Gala", "Honeycrisp"]
    assert evaluate(f"@xpath(xml('{PRODUCE}'), 'string(/produce/item[2]/name)')") == "Honeycrisp"
    names = evaluate(f"@xpath(xml('{PRODUCE}'), '/produce/item/name')")
    assert [xml_text(name) for name in names] == ["<name>Gala</name>", "<name>Honeycrisp</name>"]
    assert evaluate(f"@xpath(xml('{PRODUCE}'), '/produce/missing')") == []
    assert evaluate(f"@xpath(xml('{PRODUCE}'), 'number(/produce/item[1]/count) div 8')") == 2.5


def test_xpath_with_a_namespace_returns_the_one_matching_node() -> None:
    # ADF's documented examples
    by_name = evaluate(f"@xpath(xml('{LOCATION}'), '/*[name()=\"file\"]/*[name()=\"location\"]')")
    assert xml_text(by_name) == '<location xmlns="http://contoso.com">Paris</location>'
    by_namespace = evaluate(f"@xpath(xml('{LOCATION}'), '/*[local-name()=\"file\" and "
                            "namespace-uri()=\"http://contoso.com\"]/*[local-name()=\"location\"]')")
    assert by_namespace == by_name
    assert evaluate(f"@xpath(xml('{LOCATION}'), 'string(/*[name()=\"file\"]/*[name()=\"location\"])')") == "Paris"


@pytest.mark.parametrize(("text", "message"), [
    ("@xml('<a>')", "The function 'xml' was invoked with a parameter that is not valid. The value is not valid XML"),
    ("@xml('{\"a\": 1, \"b\": 2}')", "The function 'xml' was invoked with a parameter that is not valid. The JSON "
                                     "object must have exactly one root property; it has 2."),
    ("@xml('{\"a\": [1]}')", "The root property 'a' cannot be an array."),
    ("@xml(1)", "The function 'xml' expects its parameter to be a string or an object."),
    ("@xpath('<a/>', '///')", "The function 'xpath' was invoked with a parameter that is not valid. The XPath "
                              "expression '///' is not valid"),
    ("@xpath(1, '/a')", "The function 'xpath' expects its first parameter to be XML or a string of XML."),
])
def test_xml_errors(text: str, message: str) -> None:
    assert message in error_of(text)


def test_external_entities_are_never_read() -> None:
    document = '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    assert evaluate(f"@xpath(xml('{document}'), 'string(/d)')") == ""
    assert evaluate(f"@json('{document}')") == {"d": None}
