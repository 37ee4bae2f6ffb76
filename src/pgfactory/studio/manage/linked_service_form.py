"""A linked service form's state, and the definition it stands for, in both directions (no HTTP here).

The form edits the properties its fields show and keeps the rest of the definition as it was
(``base``: annotations, properties pgfactory does not know, expressions written as objects): a
field whose text did not change keeps its original JSON value. Secrets are never filled from a
stored definition: a stored secret is named in ``stored_secrets``, its field shows empty, and the
definition sends the mask, which the service replaces with the stored secret. What the user types
(``typed``) goes out in clear text to the service only.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from pgfactory.models.azure_postgresql import AuthenticationType, is_version_2
from pgfactory.models.secrets import MASK
from pgfactory.models.validation import AUTO_RESOLVE_RUNTIME, AZURE_POSTGRESQL
from pgfactory.secrets.at_rest import mask
from pgfactory.studio.manage.linked_service_fields import (
    AUTHENTICATION_TYPE,
    CREDENTIAL_TYPE,
    FieldSpec,
    account_fields,
    advanced_fields,
    all_authentication_fields,
    authentication_fields,
    every_field,
    main_fields,
)

SECRET_KINDS = frozenset({"secret", "certificate"})
SECURE_STRING = "SecureString"
PARAMETER_TYPES = ("String", "Int", "Float", "Bool", "Array", "Object", SECURE_STRING)
MANUAL, FROM_AZURE = "manual", "azure"  # account selection methods
_WHOLE_NUMBER = re.compile(r"[+-]?\d+")


class PostedForm(Protocol):
    """What a posted form offers (Starlette's FormData): one value, or every value of a repeated name."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: Any) -> list[Any]: ...

    def __contains__(self, key: Any, /) -> bool: ...


@dataclass
class ParameterRow:
    name: str
    type: str = "String"
    default: str = ""  # for SecureString: only what was typed; a stored default is named in stored_secrets

    @property
    def secure(self) -> bool:
        return self.type.lower() == SECURE_STRING.lower()


@dataclass
class LinkedServiceForm:
    type: str
    name: str = ""
    description: str = ""
    connect_via: str = AUTO_RESOLVE_RUNTIME
    version: str = "2.0"
    values: dict[str, str] = field(default_factory=dict)  # text of each field but the secrets
    typed: dict[str, str] = field(default_factory=dict)  # secrets typed in this session, by field
    parameters: list[ParameterRow] = field(default_factory=list)
    account: str = MANUAL
    stored_secrets: frozenset[str] = frozenset()  # fields (and "parameter:<name>") whose secret the service holds
    base: dict[str, Any] = field(default_factory=dict)  # the masked definition the form started from
    certificate_file: str = ""  # the name of the certificate file uploaded in this session

    @property
    def legacy(self) -> bool:
        """A 1.0 AzurePostgreSql definition: its connection string is kept as it is, until it is upgraded."""
        return self.type == AZURE_POSTGRESQL and not is_version_2(self.version)

    @property
    def authentication_type(self) -> str:
        return self.values.get(AUTHENTICATION_TYPE) or AuthenticationType.BASIC.value

    @property
    def credential_type(self) -> str:
        return self.values.get(CREDENTIAL_TYPE, "")

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def secret_state(self, name: str) -> str:
        """"typed", "stored" (empty keeps the stored secret), "keyvault" (a reference, kept) or ""."""
        if self.typed.get(name):
            return "typed"
        if name in self.stored_secrets:
            return "stored"
        return "keyvault" if _is_key_vault(self._base_type_properties().get(name)) else ""

    def key_vault_reference(self, name: str) -> dict[str, Any]:
        found = _object(self._base_type_properties().get(name))
        return found if _is_key_vault(found) else {}

    def parameter_stored(self, row: ParameterRow) -> bool:
        return row.secure and f"parameter:{row.name}" in self.stored_secrets

    def account_fields(self) -> tuple[FieldSpec, ...]:
        return () if self.legacy else account_fields(self.type)

    def main_fields(self) -> tuple[FieldSpec, ...]:
        return () if self.legacy else main_fields(self.type)

    def authentication_fields(self) -> tuple[FieldSpec, ...]:
        return () if self.legacy else authentication_fields(self.type, self.authentication_type, self.credential_type)

    def advanced_fields(self) -> tuple[FieldSpec, ...]:
        return () if self.legacy else advanced_fields(self.type)

    def authentication_chooser(self) -> tuple[FieldSpec, ...]:
        """The authentication type's own field, for connectors that have several (AzurePostgreSql)."""
        return () if self.legacy else all_authentication_fields(self.type)[:1]

    def visible_fields(self) -> tuple[FieldSpec, ...]:
        """The typeProperties fields the form shows now."""
        return (*self.account_fields(), *self.main_fields(), *self.authentication_chooser(), *self.authentication_fields(),
                *self.advanced_fields())

    def _base_type_properties(self) -> dict[str, Any]:
        return _object(_object(self.base.get("properties")).get("typeProperties"))


def new_form(connector_type: str) -> LinkedServiceForm:
    """An empty form with ADF's defaults: version 2.0, port 5432, sslMode Prefer, basic authentication."""
    values = {spec.name: spec.default for spec in every_field(connector_type) if spec.kind not in SECRET_KINDS}
    return LinkedServiceForm(type=connector_type, values=values)


def form_from_definition(definition: dict[str, Any], *, stored_secrets: frozenset[str] | None = None) -> LinkedServiceForm:
    """The form of ``definition`` (``{"name", "properties"}``). Its masked secrets are the stored ones unless
    ``stored_secrets`` says which are; secrets in clear text (typed into the JSON view) count as typed."""
    properties = _object(definition.get("properties"))
    connector_type = str(properties.get("type") or "")
    type_properties = _object(properties.get("typeProperties"))
    values: dict[str, str] = {}
    typed: dict[str, str] = {}
    masked_names: set[str] = set()
    for spec in every_field(connector_type):
        raw = _property(type_properties, spec)
        if spec.kind in SECRET_KINDS:
            text = secret_text(raw)
            if text == MASK:
                masked_names.add(spec.name)
            elif text:
                typed[spec.name] = text
        else:
            values[spec.name] = text_of(raw) or (spec.default if spec.kind == "choice" else "")
    rows: list[ParameterRow] = []
    declared = _object(properties.get("parameters"))
    for name, declaration in declared.items():
        row = ParameterRow(str(name), str(_object(declaration).get("type") or "String"))
        default = _object(declaration).get("defaultValue")
        if row.secure and default == MASK:
            masked_names.add(f"parameter:{name}")
        else:
            row.default = text_of(default)
        rows.append(row)
    connect_via = properties.get("connectVia")
    return LinkedServiceForm(
        type=connector_type, name=str(definition.get("name") or ""), description=str(properties.get("description") or ""),
        connect_via=str(connect_via.get("referenceName") or AUTO_RESOLVE_RUNTIME) if isinstance(connect_via, dict)
        else AUTO_RESOLVE_RUNTIME,
        version=str(properties.get("version") or ("1.0" if connector_type == AZURE_POSTGRESQL else "")),
        values=values, typed=typed, parameters=rows,
        stored_secrets=frozenset(masked_names) if stored_secrets is None else stored_secrets,
        base=mask(definition))


def form_from_post(data: PostedForm) -> LinkedServiceForm:
    """The form as the browser posted it. A field the page did not show (one just revealed by another
    authentication type) takes the definition's value, or the field's default."""
    base = _json_object(_text(data.get("base")))
    properties = _object(base.get("properties"))
    connector_type = _text(data.get("type")) or str(properties.get("type") or "")
    type_properties = _object(properties.get("typeProperties"))
    values: dict[str, str] = {}
    typed: dict[str, str] = {}
    for spec in every_field(connector_type):
        if spec.kind in SECRET_KINDS:
            if _text(data.get(spec.name)):
                typed[spec.name] = _text(data.get(spec.name))
        elif spec.name in data:
            values[spec.name] = _text(data.get(spec.name)).strip()
        else:
            values[spec.name] = text_of(_property(type_properties, spec)) or spec.default
    names, kinds, defaults = (data.getlist(f"parameter_{part}") for part in ("name", "type", "default"))
    rows = [ParameterRow(_text(name).strip(), _text(kind) or "String", _text(default))
            for name, kind, default in zip(names, kinds, defaults, strict=False)]
    stored = _json_object(_text(data.get("stored_secrets")) or "{}").get("names")
    return LinkedServiceForm(
        type=connector_type, name=_text(data.get("name")).strip(), description=_text(data.get("description")),
        connect_via=_text(data.get("connectVia")) or AUTO_RESOLVE_RUNTIME,
        version=_text(data.get("version")) or str(properties.get("version") or "2.0"),
        values=values, typed=typed, parameters=rows, account=FROM_AZURE if data.get("account") == FROM_AZURE else MANUAL,
        stored_secrets=frozenset(str(name) for name in stored) if isinstance(stored, list) else frozenset(),
        base=base, certificate_file=_text(data.get("certificate_file")))


def stored_secrets_json(form: LinkedServiceForm) -> str:
    """What the form's hidden ``stored_secrets`` field carries."""
    return json.dumps({"names": sorted(form.stored_secrets)})


def definition_from_form(form: LinkedServiceForm) -> dict[str, Any]:
    """``{"name", "properties"}`` as the form says: typed secrets in clear text, stored ones as the mask."""
    base_properties = _object(form.base.get("properties"))
    properties: dict[str, Any] = copy.deepcopy(base_properties) if base_properties else {}
    properties["type"] = form.type
    if form.type == AZURE_POSTGRESQL and not form.legacy and not is_version_2(properties.get("version")):
        properties["version"] = "2.0"
    _put(properties, "description", form.description.strip() or None)
    if not form.legacy:
        properties["typeProperties"] = _type_properties(form, base_properties.get("typeProperties") or {})
    _put(properties, "connectVia", _connect_via(form, base_properties.get("connectVia")))
    _put(properties, "parameters", _parameters(form, base_properties.get("parameters")))
    return {"name": form.name, "properties": properties}


def text_of(value: Any) -> str:
    """How a property's JSON value reads in a text field (an expression object as its expression)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, dict) and value.get("type") == "Expression" and isinstance(value.get("value"), str):
        return str(value["value"])
    if isinstance(value, dict) and value.get("type") == "CredentialReference":
        return str(value.get("referenceName") or "")
    return json.dumps(value, ensure_ascii=False)


def _type_properties(form: LinkedServiceForm, given: Any) -> dict[str, Any]:
    base = _object(given)
    result = copy.deepcopy(base)
    visible = {spec.name for spec in form.visible_fields()}
    authentication_names = {spec.name for spec in all_authentication_fields(form.type)} - {AUTHENTICATION_TYPE}
    same_authentication = (text_of(base.get(AUTHENTICATION_TYPE)) or AuthenticationType.BASIC.value) == form.authentication_type
    if same_authentication and form.authentication_type == AuthenticationType.SERVICE_PRINCIPAL:
        same_authentication = text_of(base.get(CREDENTIAL_TYPE)) == form.credential_type
    for spec in every_field(form.type):
        key = spec.alias if spec.alias and spec.alias in base and spec.name not in base else spec.name
        if spec.name in visible:
            _put(result, key, _field_value(form, spec, base.get(key)))
        elif spec.name in authentication_names and not same_authentication:
            result.pop(key, None)  # belonged to the authentication the user switched away from
    return result


def _field_value(form: LinkedServiceForm, spec: FieldSpec, base_value: Any) -> Any:
    """The JSON value of one visible field; None leaves the property out."""
    if spec.kind in SECRET_KINDS:
        if form.typed.get(spec.name):
            return {"type": SECURE_STRING, "value": form.typed[spec.name]}
        if spec.name in form.stored_secrets:
            return base_value if secret_text(base_value) == MASK else {"type": SECURE_STRING, "value": MASK}
        return base_value if _is_key_vault(base_value) else None
    text = form.values.get(spec.name, "")
    if text == text_of(base_value):
        return base_value  # unchanged: "5432" stays a string, an Expression object stays one
    if not text:
        return None
    if spec.kind == "number" or (spec.kind == "choice" and spec.name == "sslMode"):
        return int(text) if _WHOLE_NUMBER.fullmatch(text) else text
    if spec.kind == "flag":
        return {"true": True, "false": False}.get(text.lower(), text)
    if spec.kind == "credential":
        return {"referenceName": text, "type": "CredentialReference"}
    return text


def _connect_via(form: LinkedServiceForm, base: Any) -> dict[str, Any] | None:
    if isinstance(base, dict) and base.get("referenceName") == form.connect_via:
        return base
    if form.connect_via == AUTO_RESOLVE_RUNTIME and not base:
        return None  # ADF's default: the definition need not say it
    return {"referenceName": form.connect_via, "type": "IntegrationRuntimeReference"}


def _parameters(form: LinkedServiceForm, given: Any) -> dict[str, Any] | None:
    base = _object(given)
    declared: dict[str, Any] = {}
    for row in form.parameters:
        if not row.name and not row.default:
            continue  # an empty row the user added and left
        before = _object(base.get(row.name))
        spec = {**before, "type": row.type}
        spec.pop("defaultValue", None)
        default = _parameter_default(form, row, before.get("defaultValue"))
        if default is not None:
            spec["defaultValue"] = default
        declared[row.name] = spec
    return declared or None


def _parameter_default(form: LinkedServiceForm, row: ParameterRow, before: Any) -> Any:
    if row.secure:
        if row.default:
            return row.default
        return MASK if form.parameter_stored(row) else None
    if row.default == text_of(before):
        return before
    if not row.default:
        return None
    return parse_parameter_default(row.type, row.default)[0]


def parse_parameter_default(parameter_type: str, text: str) -> tuple[Any, str | None]:
    """A default value typed as text, as JSON of the parameter's type; and what is wrong with it, if anything."""
    kind = parameter_type.lower()
    try:
        if kind == "int":
            return int(text), None
        if kind == "float":
            return float(text), None
        if kind == "bool":
            if text.strip().lower() not in {"true", "false"}:
                return text, "a Bool default is true or false"
            return text.strip().lower() == "true", None
        if kind in {"array", "object"}:
            value = json.loads(text)
            if not isinstance(value, list if kind == "array" else dict):
                return text, f"an {parameter_type} default is a JSON {'array' if kind == 'array' else 'object'}"
            return value, None
    except ValueError:
        return text, f"{text[:40]!r} is not a valid {parameter_type}"
    return text, None


def _property(type_properties: dict[str, Any], spec: FieldSpec) -> Any:
    if spec.name not in type_properties and spec.alias:
        return type_properties.get(spec.alias)
    return type_properties.get(spec.name)


def secret_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("type") == SECURE_STRING and isinstance(value.get("value"), str):
        return str(value["value"])
    return None


def _is_key_vault(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "AzureKeyVaultSecret"


def _put(document: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (keeping its place when it exists), or remove it when ``value`` is None."""
    if value is None:
        document.pop(key, None)
    else:
        document[key] = value


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_object(text: str) -> dict[str, Any]:
    """A JSON object posted back in a hidden field; anything else (tampered with) counts as empty."""
    try:
        value = json.loads(text) if text else {}
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}
