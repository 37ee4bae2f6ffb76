"""The pipeline run list's filters as the URL carries them, and the service query they make.

ADF Studio filters runs by pipeline, status and a time range ("Last 24 hours" by default). The
time range is the query's ``lastUpdated`` window, as ADF's queryPipelineRuns has it: a run that
started earlier but was still running, or ended, within the range is listed. A custom range is
entered in UTC; a bound left empty does not limit. The page is an offset, so that a link to any page of a list can be shared.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from pgfactory.errors import DefinitionError
from pgfactory.store import RunStatus
from pgfactory.store.run_queries import RunFilter, RunQuery

PAGE_SIZE = 25
TIME_RANGES = {"24h": ("Last 24 hours", timedelta(hours=24)), "7d": ("Last 7 days", timedelta(days=7)),
               "30d": ("Last 30 days", timedelta(days=30)), "custom": ("Custom range", None)}
DEFAULT_RANGE = "24h"
STATUSES = tuple(status.value for status in RunStatus if status != RunStatus.SKIPPED)  # a pipeline run is never Skipped
ACTIVE = frozenset({RunStatus.QUEUED, RunStatus.IN_PROGRESS, RunStatus.CANCELING})
_FAR_FUTURE = timedelta(days=1)  # "until now", with room for a service host whose clock runs ahead
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a custom range without a start: every run


@dataclass(frozen=True)
class RunListFilter:
    """What the list shows, as entered (the form's field names are these attribute names)."""

    pipeline: str = ""
    status: str = ""
    range: str = DEFAULT_RANGE
    start: str = ""  # a custom range's bounds, as <input type="datetime-local"> sends them (UTC)
    end: str = ""
    offset: int = 0

    @classmethod
    def from_query(cls, pipeline: str, status: str, range: str, start: str, end: str, offset: int) -> RunListFilter:
        return cls(pipeline.strip(), status.strip(), range.strip() or DEFAULT_RANGE, start.strip(), end.strip(),
                   max(offset, 0))

    def query(self, now: datetime) -> RunQuery:
        """The service query for this page; :class:`DefinitionError` whose ``property_path`` names the field at fault."""
        if self.status and self.status not in STATUSES:
            raise DefinitionError(f"unknown status {self.status!r}; choose one of {', '.join(STATUSES)}",
                                  property_path="status")
        if self.range not in TIME_RANGES:
            raise DefinitionError(f"unknown time range {self.range!r}", property_path="range")
        span = TIME_RANGES[self.range][1]
        if span is not None:
            after, before = now - span, now + _FAR_FUTURE
        else:
            after = _moment(self.start, "start") if self.start else EARLIEST
            before = _moment(self.end, "end") if self.end else now + _FAR_FUTURE
            if after > before:
                raise DefinitionError("the range ends before it starts", property_path="end")
        filters = [RunFilter(operand, "Equals", (value,))
                   for operand, value in (("PipelineName", self.pipeline), ("Status", self.status)) if value]
        return RunQuery(after, before, filters=tuple(filters), order_by=(("RunStart", True),), offset=self.offset,
                        limit=PAGE_SIZE)

    def url_query(self, **changes: str | int) -> str:
        """This filter (with ``changes``) as a query string, without what is left at its default."""
        shown = replace(self, **changes)  # type: ignore[arg-type]
        defaults = asdict(RunListFilter())
        return urlencode({name: value for name, value in asdict(shown).items()
                          if value != defaults[name] and not (name in ("start", "end") and shown.range != "custom")})


def _moment(text: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DefinitionError(f"{text!r} is not a date and time", property_path=field) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
