"""A pipeline run's page: its header, its activity runs as a timeline and a table, live while it runs, and one
activity run's input, output and error.

Inputs and outputs are shown as the run history holds them: an activity whose policy has
``secureInput`` or ``secureOutput`` was recorded as ``{"secureInput": "**********"}`` (the engine
masks it before it is stored), and the clear text of the run's SecureString parameters was
replaced by the mask wherever an expression copied it. Nothing here can show more than that.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from pgfactory.errors import NotFoundError, PgFactoryError
from pgfactory.models.secrets import MASK
from pgfactory.service.collections import COLLECTIONS
from pgfactory.service.runs import FINISHED
from pgfactory.service.scope import FactoryScope
from pgfactory.service.service import Service
from pgfactory.store import ActivityRunRecord, PipelineRunRecord, RunStatus
from pgfactory.store.records import utc_now
from pgfactory.store.run_queries import RunQuery
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.monitor import display
from pgfactory.studio.monitor.context import STOP_POLLING, can_run, wants_fragment
from pgfactory.studio.monitor.timeline import build_timeline
from pgfactory.studio.rendering import render
from pgfactory.studio.session import User, service_of

router = APIRouter()
ACTIVITY_PAGE = 500
MAX_ACTIVITY_RUNS = 5000  # a run with more (a long ForEach) shows its first ones and says so
RERUN_FROM_FAILURE = frozenset({RunStatus.FAILED, RunStatus.CANCELLED})
_COPY_STATISTICS = (("rowsRead", "Rows read", display.count), ("rowsCopied", "Rows copied", display.count),
                    ("rowsSkipped", "Rows skipped", display.count), ("dataRead", "Data read", display.data_size),
                    ("dataWritten", "Data written", display.data_size), ("throughput", "Throughput", display.throughput),
                    # whole seconds, as ADF counts them (the activity's own duration is shown to the millisecond)
                    ("copyDuration", "Copy duration (s)", display.count))


@router.get(FACTORY_PATH + "/monitor/runs/{run_id}")
def run_page(request: Request, factory: Factory, user: User, run_id: str) -> Response:
    service = service_of(request)
    run = service.runs.get_run(factory.scope, run_id)
    activities, truncated = _activity_runs(service, factory.scope, run)
    now = utc_now()
    options = service.runs.run_options(factory.scope, run_id)
    context = {"run": run, "timeline": build_timeline(run, activities, service.runs.child_runs(factory.scope, run_id), now),
               "truncated": truncated, "options": options, "now": now, "show": display, "can_run": can_run(user),
               "finished": run.status in FINISHED, "rerunnable": _rerunnable(run),
               "rerun_from_failure": run.status in RERUN_FROM_FAILURE,
               "activity_names": _top_level_activities(service, factory.scope, run.pipeline_name, options.draft),
               "run_url": factory.url("monitor", "runs", run_id)}
    if wants_fragment(request):
        return render(request, "monitor/_run_live.html", context,
                      status_code=STOP_POLLING if context["finished"] else 200)
    return render(request, "monitor/run.html", context)


@router.get(FACTORY_PATH + "/monitor/runs/{run_id}/activities/{activity_run_id}")
def activity_page(request: Request, factory: Factory, _: User, run_id: str, activity_run_id: str) -> Response:
    """One activity run's details: a dialog for htmx to open, or a page of its own when followed as a link."""
    service = service_of(request)
    run = service.runs.get_run(factory.scope, run_id)
    activities, _truncated = _activity_runs(service, factory.scope, run)
    activity = next((record for record in activities if record.activity_run_id == activity_run_id), None)
    if activity is None:
        raise NotFoundError(f"pipeline run {run_id} has no activity run {activity_run_id!r}")
    output = activity.output if isinstance(activity.output, dict) else {}
    statistics = [(label, shown(output[key])) for key, label, shown in _COPY_STATISTICS
                  if activity.activity_type == "Copy" and key in output]
    context = {"run": run, "activity": activity, "show": display, "now": utc_now(), "statistics": statistics,
               "secure_input": _masked(activity.input, "secureInput"),
               "secure_output": _masked(activity.output, "secureOutput"),
               "failed": bool(activity.error and activity.error.get("message")),
               "run_url": factory.url("monitor", "runs", run_id)}
    return render(request, "monitor/_activity_dialog.html" if wants_fragment(request) else "monitor/activity.html", context)


def _activity_runs(service: Service, scope: FactoryScope, run: PipelineRunRecord) -> tuple[list[ActivityRunRecord], bool]:
    """The run's activity runs, page after page, up to :data:`MAX_ACTIVITY_RUNS`; and whether some were left out."""
    # Activity runs start after their pipeline run was created; a day either side allows for hosts whose clocks differ.
    window = (run.run_start - timedelta(days=1), (run.run_end or utc_now()) + timedelta(days=1))
    found: list[ActivityRunRecord] = []
    while True:
        page, more = service.runs.query_activity_runs(scope, run.run_id, RunQuery(
            *window, order_by=(("ActivityRunStart", False),), offset=len(found), limit=ACTIVITY_PAGE))
        found.extend(page)
        if not more or len(found) >= MAX_ACTIVITY_RUNS:
            return found, more


def _rerunnable(run: PipelineRunRecord) -> bool:
    """A run that has ended and that createRun made: a child run is rerun with its parent."""
    return run.status in FINISHED and run.invoked_by.invoked_by_type != "PipelineActivity"


def _top_level_activities(service: Service, scope: FactoryScope, pipeline_name: str,
                          draft: dict[str, Any] | None) -> list[str]:
    """The names a rerun can start from: the top-level activities of the debug run's draft (a rerun repeats it), else
    of the pipeline as it is defined now."""
    if draft is not None:
        properties = draft
    else:
        try:
            properties = service.resources.get(scope, COLLECTIONS["pipelines"], pipeline_name).properties
        except PgFactoryError:  # deleted since the run: a rerun would be refused anyway
            return []
    activities: Any = properties.get("activities")
    return [str(activity["name"]) for activity in activities or [] if isinstance(activity, dict) and "name" in activity]


def _masked(value: Any, key: str) -> bool:
    return isinstance(value, dict) and value.get(key) == MASK
