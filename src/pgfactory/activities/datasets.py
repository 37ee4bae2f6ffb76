"""Datasets as activities use them: found by reference, ``@dataset()`` evaluated, tables named safely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql

from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_tree
from pgfactory.models.factory import Factory
from pgfactory.models.resources import DatasetResource

POSTGRESQL_TABLE = "AzurePostgreSqlTable"


@dataclass(frozen=True)
class ResolvedDataset:
    """A dataset with the parameters its reference passed applied: typeProperties and linked service reference."""

    resource: DatasetResource
    type_properties: dict[str, Any]
    linked_service: dict[str, Any]

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def type(self) -> str:
        return self.resource.properties.type


def resolve_dataset(factory: Factory, reference: Any, *, where: str, types: tuple[str, ...]) -> ResolvedDataset:
    """The dataset ``reference`` names (``where`` says which property holds it), of one of ``types``."""
    if not isinstance(reference, dict) or not reference.get("referenceName"):
        raise _invalid(f"{where} must name a dataset (referenceName)")
    name = str(reference["referenceName"])
    dataset = factory.datasets.get(name)
    if dataset is None:
        known = ", ".join(sorted(factory.datasets)) or "none"
        raise ActivityError(f"no dataset named {name!r}; known: {known}", code="UserErrorDatasetNotFound")
    if dataset.properties.type not in types:
        raise _invalid(f"dataset '{name}' is of type {dataset.properties.type}; {where} needs {' or '.join(types)}")
    declared = dataset.properties.parameters or {}
    given = reference.get("parameters") or {}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise _invalid(f"dataset '{name}' declares no parameter(s) {', '.join(unknown)}; "
                       f"declared: {', '.join(sorted(declared)) or 'none'}")
    values = {key: spec.default_value for key, spec in declared.items()} | dict(given)
    scope = ExpressionContext(dataset_parameters=values, resource=name)
    try:
        type_properties = evaluate_tree(dataset.properties.type_properties, scope)
        linked_service = evaluate_tree(dataset.properties.linked_service_name.to_json(), scope)
    except DefinitionError as error:
        raise ActivityError(f"dataset '{name}': {error.message}", code=error.code) from None
    return ResolvedDataset(dataset, type_properties, linked_service)


def table_name(dataset: ResolvedDataset, *, otherwise: str = "") -> list[str]:
    """``[schema, table]`` (or ``[table]``) of an AzurePostgreSqlTable: ``schema``/``table`` exactly as written,
    legacy ``tableName`` as SQL reads it (unquoted parts fold to lower case)."""
    properties = dataset.type_properties
    table = properties.get("table")
    schema = properties.get("schema")
    if table:
        return [str(schema), str(table)] if schema else [str(table)]
    if properties.get("tableName"):
        return _qualified_name(str(properties["tableName"]))
    raise _invalid(f"dataset '{dataset.name}' names no table (schema and table, or tableName){otherwise}")


def table_identifier(dataset: ResolvedDataset, *, otherwise: str = "") -> sql.Identifier:
    """The table as a SQL identifier; ``otherwise`` ends the error message when there is none (what else would do)."""
    return sql.Identifier(*table_name(dataset, otherwise=otherwise))


def _qualified_name(text: str) -> list[str]:
    """``schema.table`` split on dots outside double quotes; unquoted parts fold to lower case as in SQL."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    was_quoted = False
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            if quoted and text[position + 1:position + 2] == '"':
                current.append('"')
                position += 1
            else:
                quoted = not quoted
                was_quoted = True
        elif char == "." and not quoted:
            parts.append("".join(current) if was_quoted else "".join(current).strip().lower())
            current, was_quoted = [], False
        else:
            current.append(char)
        position += 1
    parts.append("".join(current) if was_quoted else "".join(current).strip().lower())
    if quoted or not all(parts):
        raise _invalid(f"tableName {text!r} is not a valid [schema.]table name")
    return parts


def _invalid(message: str) -> ActivityError:
    return ActivityError(message, code="UserErrorInvalidDataset")
