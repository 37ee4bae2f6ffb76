"""``xml()``, ``xpath()`` and the XML side of ``json()`` (spec 7.3).

An XML value is a content object of type ``application/xml;charset=utf-8`` holding the document's
UTF-8 text, so ``string(xml(...))`` gives the XML back. JSON and XML map onto each other as
ADF's documentation shows (the Newtonsoft.Json convention): attributes are ``@name`` properties,
mixed text is ``#text``, repeated elements become an array, the declaration is ``?xml``.
Parsing never resolves entities or touches the network. lxml is imported when first needed.
"""

from __future__ import annotations

import json as json_module
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from pgfactory.expressions.functions import arguments
from pgfactory.expressions.values import CONTENT_TYPE, content_bytes, make_content

if TYPE_CHECKING:
    from lxml import etree

XML_CONTENT_TYPE = "application/xml;charset=utf-8"
_DECLARATION = re.compile(rb"\s*<\?xml\s+(.*?)\?>", re.DOTALL)
_DECLARATION_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*["']([^"']*)["']""")
_NAME_START = re.compile(r"[A-Za-z_:]")
_NAME_CHAR = re.compile(r"[\w.\-:]")


def is_xml_content(value: Any) -> bool:
    return content_bytes(value) is not None and "xml" in str(value[CONTENT_TYPE]).lower()


def xml(value: Any) -> dict[str, str]:
    """An XML value from XML text, or from a JSON object (or its text) with one root property."""
    if is_xml_content(value):
        result: dict[str, str] = value
        return result
    if isinstance(value, str) and value.lstrip().startswith("<"):
        data = value.strip().encode("utf-8")
        _parse("xml", data)
        return make_content(data, XML_CONTENT_TYPE)
    document = value
    if isinstance(value, str):
        try:
            document = json_module.loads(value)
        except ValueError as error:
            raise arguments.invalid_value("xml", f"The value is neither XML nor a JSON object: {error}.") from None
    if not isinstance(document, dict):
        raise arguments.type_error("xml", None, "a string or an object", value)
    data = _json_to_xml(document).encode("utf-8")
    _parse("xml", data)
    return make_content(data, XML_CONTENT_TYPE)


def xpath(document: Any, expression: Any) -> Any:
    """What an XPath 1.0 expression selects: one node or value, or an array when several match.

    Element nodes come back as XML values; text and attribute nodes as strings; ``sum()``,
    ``count()``, ``boolean()``... as numbers and booleans.
    """
    from lxml import etree

    tree = _parse("xpath", _xml_bytes("xpath", document))
    path = arguments.string("xpath", expression, 1)
    try:
        result: Any = tree.xpath(path)
    except etree.XPathError as error:
        raise arguments.invalid_value("xpath", f"The XPath expression '{path}' is not valid: {error}.") from None
    if isinstance(result, list):
        items = [_xpath_item(item) for item in result]
        return items[0] if len(items) == 1 else items
    return _xpath_item(result)


def xml_to_json(function: str, value: Any) -> dict[str, Any]:
    """The JSON form of an XML value or XML text."""
    data = _xml_bytes(function, value)
    root = _parse(function, data).getroot()
    result: dict[str, Any] = {}
    declaration = _DECLARATION.match(data)
    if declaration:
        result["?xml"] = {"@" + name.decode(): text.decode()
                          for name, text in _DECLARATION_ATTRIBUTE.findall(declaration.group(1))}
    result[_qualified_name(root, root.tag)] = _element_json(root)
    return result


# -- XML text -> tree -----------------------------------------------------------------------

def _xml_bytes(function: str, value: Any) -> bytes:
    data = content_bytes(value)
    if data is not None:
        return data
    if isinstance(value, str):
        return value.strip().encode("utf-8")
    raise arguments.type_error(function, 0 if function == "xpath" else None, "XML or a string of XML", value)


def _parse(function: str, data: bytes) -> etree._ElementTree:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser).getroottree()
    except (etree.XMLSyntaxError, ValueError) as error:
        raise arguments.invalid_value(function, f"The value is not valid XML: {error}.") from None


# -- tree -> JSON ---------------------------------------------------------------------------

def _qualified_name(element: etree._Element, clark_name: str) -> str:
    """``prefix:local`` as written in the document, from lxml's ``{namespace}local``."""
    if not clark_name.startswith("{"):
        return clark_name
    namespace, local = clark_name[1:].split("}", 1)
    if namespace == "http://www.w3.org/XML/1998/namespace":
        return f"xml:{local}"
    prefixes = [prefix for prefix, uri in element.nsmap.items() if uri == namespace]
    prefix = element.prefix if clark_name == element.tag else next((p for p in prefixes if p), None)
    return f"{prefix}:{local}" if prefix else local


def _element_json(element: etree._Element) -> Any:
    properties: dict[str, Any] = {}
    parent = element.getparent()
    inherited = parent.nsmap if parent is not None else {}
    for prefix, uri in element.nsmap.items():
        if inherited.get(prefix) != uri:
            properties["@xmlns" if prefix is None else f"@xmlns:{prefix}"] = uri
    for name, text in element.attrib.items():
        properties["@" + _qualified_name(element, str(name))] = str(text)
    children: dict[str, list[Any]] = {}
    texts = [element.text] if element.text and element.text.strip() else []
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(_qualified_name(child, child.tag), []).append(_element_json(child))
        if child.tail and child.tail.strip():
            texts.append(child.tail)
    if not properties and not children:
        return element.text if element.text else None
    for name, values in children.items():
        properties[name] = values[0] if len(values) == 1 else values
    if texts:
        properties["#text"] = texts[0] if len(texts) == 1 else texts
    return properties


def _xpath_item(item: Any) -> Any:
    from lxml import etree

    if isinstance(item, bool):
        return item
    if isinstance(item, float):
        if item != item:  # NaN, e.g. number('abc'): JSON has no such value
            return None
        return int(item) if item.is_integer() else item
    if isinstance(item, str):
        return str(item)
    if isinstance(item, etree._Element) and isinstance(item.tag, str):
        return make_content(etree.tostring(item, with_tail=False, encoding="utf-8"), XML_CONTENT_TYPE)
    if isinstance(item, etree._Element):  # a comment or processing instruction
        return etree.tostring(item, with_tail=False, encoding="unicode")
    return str(item)


# -- JSON -> XML text -----------------------------------------------------------------------

def _json_to_xml(document: dict[str, Any]) -> str:
    roots = [(name, value) for name, value in document.items() if name != "?xml"]
    if len(roots) != 1:
        raise arguments.invalid_value("xml", f"The JSON object must have exactly one root property; it has "
                                      f"{len(roots)}.")
    name, value = roots[0]
    if isinstance(value, list):
        raise arguments.invalid_value("xml", f"The root property '{name}' cannot be an array.")
    declaration = document.get("?xml")
    prolog = ""
    if isinstance(declaration, dict):
        attributes = "".join(f" {key[1:]}={quoteattr(_scalar_text(text))}"
                             for key, text in declaration.items() if key.startswith("@"))
        prolog = f"<?xml{attributes}?>"
    return prolog + _element_xml(name, value)


def _element_xml(name: str, value: Any) -> str:
    tag = _xml_name(name)
    if not isinstance(value, dict):
        content = "" if value is None else escape(_scalar_text(value))
        return f"<{tag}>{content}</{tag}>" if content else f"<{tag} />"
    attributes: list[str] = []
    body: list[str] = []
    for key, item in value.items():
        if key.startswith("@"):
            attributes.append(f" {_xml_name(key[1:])}={quoteattr(_scalar_text(item))}")
        elif key in ("#text", "#cdata-section"):
            for text in item if isinstance(item, list) else [item]:
                body.append(escape(_scalar_text(text)) if key == "#text" else f"<![CDATA[{_scalar_text(text)}]]>")
        else:
            body.extend(_element_xml(key, child) for child in (item if isinstance(item, list) else [item]))
    inner = "".join(body)
    return f"<{tag}{''.join(attributes)}>{inner}</{tag}>" if inner else f"<{tag}{''.join(attributes)} />"


def _xml_name(name: str) -> str:
    """A JSON property name as an XML name; other characters become ``_xHHHH_`` as .NET encodes them."""
    return "".join(char if (_NAME_CHAR if index else _NAME_START).match(char) else f"_x{ord(char):04X}_"
                   for index, char in enumerate(name)) or "_"


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json_module.dumps(value, ensure_ascii=False, separators=(",", ":"))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "xml": xml,
    "xpath": xpath,
}
