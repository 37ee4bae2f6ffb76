"""ADF's run queries (``queryPipelineRuns``, ``queryActivityruns``) as SQL: a time window, filters, an order, a page.

ADF's ``RunFilterParameters``: runs updated within ``lastUpdatedAfter``..``lastUpdatedBefore``
(both inclusive), ``filters`` of ``{operand, operator, values}`` (operators ``Equals``,
``NotEquals``, ``In``, ``NotIn``) and ``orderBy`` of ``{orderBy, order}``. Each query kind allows
its own operands (spec 8.2); anything else is a :class:`DefinitionError` naming the property.
Rows come in the order asked, then by id, a total order that offsets can page through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pgfactory.errors import DefinitionError
from pgfactory.store.schema import activity_runs, pipeline_runs

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select
    from sqlalchemy.sql.elements import KeyedColumnElement
    from sqlalchemy.sql.expression import UnaryExpression

OPERATORS = ("Equals", "NotEquals", "In", "NotIn")


@dataclass(frozen=True)
class RunFilter:
    operand: str
    operator: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RunQuery:
    last_updated_after: datetime
    last_updated_before: datetime
    filters: tuple[RunFilter, ...] = ()
    order_by: tuple[tuple[str, bool], ...] = ()  # (orderBy, descending)
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True)
class _Kind:
    table_name: str
    updated: KeyedColumnElement[datetime]
    operands: dict[str, KeyedColumnElement[object]]
    orders: dict[str, KeyedColumnElement[object]]
    tie_breaker: KeyedColumnElement[object]
    times: frozenset[str] = field(default_factory=frozenset)


PIPELINE_RUNS = _Kind(
    "pipeline runs", pipeline_runs.c.last_updated,
    operands={"PipelineName": pipeline_runs.c.pipeline_name, "Status": pipeline_runs.c.status,
              "RunStart": pipeline_runs.c.run_start, "RunEnd": pipeline_runs.c.run_end,
              "RunGroupId": pipeline_runs.c.run_group_id, "LatestOnly": pipeline_runs.c.is_latest},
    orders={"RunStart": pipeline_runs.c.run_start, "RunEnd": pipeline_runs.c.run_end,
            "PipelineName": pipeline_runs.c.pipeline_name, "Status": pipeline_runs.c.status},
    tie_breaker=pipeline_runs.c.run_id, times=frozenset({"RunStart", "RunEnd"}))
ACTIVITY_RUNS = _Kind(
    "activity runs", activity_runs.c.activity_run_start,
    operands={"ActivityName": activity_runs.c.activity_name, "ActivityType": activity_runs.c.activity_type,
              "Status": activity_runs.c.status, "ActivityRunStart": activity_runs.c.activity_run_start,
              "ActivityRunEnd": activity_runs.c.activity_run_end},
    orders={"ActivityName": activity_runs.c.activity_name, "ActivityRunStart": activity_runs.c.activity_run_start,
            "ActivityRunEnd": activity_runs.c.activity_run_end, "Status": activity_runs.c.status},
    tie_breaker=activity_runs.c.activity_run_id, times=frozenset({"ActivityRunStart", "ActivityRunEnd"}))


def apply_query(select: Select[tuple[object, ...]], kind: _Kind, query: RunQuery) -> Select[tuple[object, ...]]:
    """``select`` narrowed to ``query``'s window and filters, in its order, one page (plus one row, to tell
    whether another page follows)."""
    conditions: list[ColumnElement[bool]] = [kind.updated >= query.last_updated_after,
                                             kind.updated <= query.last_updated_before]
    conditions += [_condition(kind, index, run_filter) for index, run_filter in enumerate(query.filters)]
    ordering: list[UnaryExpression[object]] = []
    for index, (name, descending) in enumerate(query.order_by):
        column = kind.orders.get(name)
        if column is None:
            raise DefinitionError(f"{kind.table_name} cannot be ordered by {name!r}; use one of {', '.join(kind.orders)}",
                                  property_path=f"orderBy[{index}].orderBy", code="InvalidRequestContent")
        ordering.append(column.desc() if descending else column.asc())
    if not ordering:
        ordering.append(next(iter(kind.orders.values())).desc())
    ordering.append(kind.tie_breaker.desc())
    return select.where(*conditions).order_by(*ordering).offset(query.offset).limit(query.limit + 1)


def _condition(kind: _Kind, index: int, run_filter: RunFilter) -> ColumnElement[bool]:
    where = f"filters[{index}]"
    column = kind.operands.get(run_filter.operand)
    if column is None:
        raise DefinitionError(f"{kind.table_name} cannot be filtered by {run_filter.operand!r}; use one of "
                              f"{', '.join(kind.operands)}", property_path=f"{where}.operand", code="InvalidRequestContent")
    if run_filter.operator not in OPERATORS:
        raise DefinitionError(f"unknown operator {run_filter.operator!r}; use one of {', '.join(OPERATORS)}",
                              property_path=f"{where}.operator", code="InvalidRequestContent")
    if not run_filter.values:
        raise DefinitionError("a filter needs at least one value", property_path=f"{where}.values",
                              code="InvalidRequestContent")
    values: list[object] = [_value(kind, run_filter.operand, value, f"{where}.values[{position}]")
                            for position, value in enumerate(run_filter.values)]
    if run_filter.operator in ("Equals", "NotEquals") and len(values) != 1:
        raise DefinitionError(f"{run_filter.operator} takes exactly one value", property_path=f"{where}.values",
                              code="InvalidRequestContent")
    if run_filter.operator == "Equals":
        return column == values[0]
    if run_filter.operator == "NotEquals":
        return column != values[0]
    return column.in_(values) if run_filter.operator == "In" else column.not_in(values)


def _value(kind: _Kind, operand: str, value: str, where: str) -> object:
    if operand in kind.times:
        try:
            return parse_time(value)
        except ValueError:
            raise DefinitionError(f"{value!r} is not an ISO 8601 time", property_path=where,
                                  code="InvalidRequestContent") from None
    if operand == "LatestOnly":
        return str(value).lower() == "true"
    return value


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as ADF's clients send it: ``Z``, an offset or none (UTC), up to seven fractional digits."""
    cleaned = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if "." in cleaned:  # Python reads at most six fractional digits
        head, _, tail = cleaned.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        cleaned = f"{head}.{tail[:min(digits, 6)]}{tail[digits:]}"
    moment = datetime.fromisoformat(cleaned)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # ARM's times are UTC
