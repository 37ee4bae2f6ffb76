"""What is wrong with a linked service definition before it is saved, and which form field each problem belongs to.

The service checks the envelope of what is PUT; the form also checks the typeProperties with the
connector's model (as ``pgfactory validate`` does), so that a missing server or password is said
next to its field instead of at the first test connection or run.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError

from pgfactory.errors import DefinitionError
from pgfactory.models.azure_key_vault import AZURE_KEY_VAULT, AzureKeyVaultTypeProperties
from pgfactory.models.azure_postgresql import AzurePostgreSqlTypeProperties, AzurePostgreSqlV1TypeProperties, is_version_2
from pgfactory.models.factory import ResourceKind, parse_resource
from pgfactory.models.file_datasets import FILE_SERVER, FileServerTypeProperties
from pgfactory.models.problems import Problem, problems_from_validation_error
from pgfactory.models.validation import AZURE_POSTGRESQL
from pgfactory.service.resources import check_name
from pgfactory.studio.manage.linked_service_form import SECRET_KINDS, LinkedServiceForm, parse_parameter_default

# Fields every form shows whatever the connector and authentication; "json" is the JSON view.
ENVELOPE_FIELDS = frozenset({"name", "description", "connectVia", "version", "parameters", "json"})
_INDEX = re.compile(r"\[\d+\]")
MISSING = "required property is missing"  # the model's own words for it


def check_definition(definition: dict[str, Any]) -> list[Problem]:
    """Every problem of ``definition`` (``{"name", "properties"}``) that would stop it from being saved or used."""
    name = str(definition.get("name") or "")
    problems: list[Problem] = []
    try:
        if not name:
            raise DefinitionError("enter a name", property_path="name")
        check_name(name, "linked service")
    except DefinitionError as error:
        problems.append(Problem("", name, "name", error.detail))
    _, envelope = parse_resource(ResourceKind.LINKED_SERVICE, definition, file="")
    problems.extend(envelope)
    properties = definition.get("properties")
    if not envelope and isinstance(properties, dict):
        model = _type_properties_model(str(properties.get("type")), properties.get("version"))
        if model is not None:
            try:
                model.model_validate(properties.get("typeProperties") or {})
            except ValidationError as error:
                problems.extend(problems_from_validation_error(error, file="", resource=name,
                                                               prefix="properties.typeProperties"))
    return problems


def check_parameter_rows(form: LinkedServiceForm) -> list[Problem]:
    """Parameter rows the form cannot turn into a declaration: no name, a name twice, a default of another type."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for row in form.parameters:
        if not row.name and not row.default:
            continue
        path = f"properties.parameters.{row.name}"
        if not row.name:
            problems.append(Problem("", form.name, "properties.parameters", "a parameter with a default needs a name"))
        elif row.name.lower() in seen:
            problems.append(Problem("", form.name, path, f"parameter {row.name!r} is declared twice"))
        seen.add(row.name.lower())
        if row.default and not row.secure:
            _, wrong = parse_parameter_default(row.type, row.default)
            if wrong:
                problems.append(Problem("", form.name, path, f"parameter {row.name!r}: {wrong}"))
    return problems


def check_required_fields(form: LinkedServiceForm) -> list[Problem]:
    """The required fields the form shows that are empty (the model names them one stage at a time)."""
    problems: list[Problem] = []
    for spec in form.visible_fields():
        empty = not form.secret_state(spec.name) if spec.kind in SECRET_KINDS else not form.value(spec.name)
        if spec.required and empty:
            problems.append(Problem("", form.name, f"properties.typeProperties.{spec.name}", MISSING))
    return problems


def field_of(property_path: str) -> str:
    """The form field that holds ``property_path`` (``properties.typeProperties.password.value`` -> ``password``);
    ``json`` for what only the JSON view shows."""
    parts = [part for part in _INDEX.sub("", property_path).split(".") if part]
    while parts and parts[0] in {"linkedService", "properties"}:
        parts = parts[1:]
    if not parts:
        return "json"
    head = parts[0]
    if head == "typeProperties" and len(parts) > 1:
        return "connectionTimeout" if parts[1] == "timeout" else parts[1]
    return head if head in ENVELOPE_FIELDS else "json"


def place_errors(problems: list[Problem], visible: set[str]) -> tuple[dict[str, str], list[Problem]]:
    """Messages by the field they are shown under, and the problems of properties no field shows."""
    errors: dict[str, str] = {}
    elsewhere: list[Problem] = []
    for problem in problems:
        field = field_of(problem.property_path)
        if field in visible or field in ENVELOPE_FIELDS:
            if problem.message not in errors.get(field, "").split("; "):
                errors[field] = f"{errors[field]}; {problem.message}" if field in errors else problem.message
        else:
            elsewhere.append(problem)
    return errors, elsewhere


def _type_properties_model(connector_type: str, version: Any) -> type[BaseModel] | None:
    if connector_type == AZURE_POSTGRESQL:
        return AzurePostgreSqlTypeProperties if is_version_2(version) else AzurePostgreSqlV1TypeProperties
    models: dict[str, type[BaseModel]] = {FILE_SERVER: FileServerTypeProperties, AZURE_KEY_VAULT: AzureKeyVaultTypeProperties}
    return models.get(connector_type)
