"""The pipeline run list: filters in the URL, pages, and a list that refreshes itself while runs are going."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from pgfactory.errors import DefinitionError
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.resources import ResourceService
from pgfactory.service.scope import FactoryScope
from pgfactory.store import PipelineRunRecord
from pgfactory.store.records import utc_now
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.monitor import display
from pgfactory.studio.monitor.context import STOP_POLLING, can_run, wants_fragment
from pgfactory.studio.monitor.filters import ACTIVE, DEFAULT_RANGE, PAGE_SIZE, STATUSES, TIME_RANGES, RunListFilter
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, service_of

router = APIRouter()
FILTER_FORM_ID = "run-filters"  # htmx names the element that sent a request (HX-Trigger): the form, or the list polling
MAX_PIPELINE_NAMES = 2000  # the pipeline filter lists at most this many names (a name can still be typed in the URL)


@router.get(FACTORY_PATH + "/monitor/runs")
def runs(request: Request, factory: Factory, user: User, pipeline: str = "", status: str = "",
         time_range: Annotated[str, Query(alias="range")] = DEFAULT_RANGE, start: str = "", end: str = "",
         offset: int = 0) -> Response:
    listing = RunListFilter.from_query(pipeline, status, time_range, start, end, offset)
    service = service_of(request)
    now = utc_now()
    errors: dict[str, str] = {}
    records: list[PipelineRunRecord] = []
    more = False
    try:
        records, more = service.runs.query_runs(factory.scope, listing.query(now))
    except DefinitionError as error:
        errors[error.property_path or "range"] = error.detail
    list_url = factory.url("monitor", "runs")
    query = listing.url_query()
    current_url = f"{list_url}?{query}" if query else list_url
    polling = any(record.status in ACTIVE for record in records)
    context = {"listing": listing, "runs": records, "more": more, "errors": errors, "now": now, "show": display,
               "list_url": list_url, "current_url": current_url, "polling": polling, "can_run": can_run(user),
               "page_size": PAGE_SIZE}
    status_code = 400 if errors else 200
    if wants_fragment(request):
        headers = {}
        if request.headers.get("HX-Trigger") == FILTER_FORM_ID:  # the address bar shows the filters without defaults
            headers["HX-Push-Url"] = current_url
        if not errors and not polling:
            status_code = STOP_POLLING
        return render(request, "monitor/_runs_answer.html", context, status_code=status_code, headers=headers)
    context.update(statuses=STATUSES, time_ranges=TIME_RANGES,
                   pipelines=_pipeline_names(service.resources, factory.scope, listing.pipeline))
    return render(request, "monitor/runs.html", context, status_code=status_code)


def _pipeline_names(resources: ResourceService, scope: FactoryScope, chosen: str) -> list[str]:
    """The factory's pipelines by name, with the one the filter names even when it has been deleted since."""
    names: list[str] = []
    after: str | None = None
    while len(names) < MAX_PIPELINE_NAMES:
        views, after = resources.list(scope, COLLECTIONS["pipelines"], after=after, limit=500)
        names.extend(view.name for view in views)
        if after is None:
            break
    if chosen and chosen not in names:
        names.append(chosen)
    return names

