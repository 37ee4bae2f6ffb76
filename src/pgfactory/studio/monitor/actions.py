"""Cancel and rerun, for operators: the same RunService calls as the REST API's cancel and createRun.

A cancel is recursive: the runs the run's ExecutePipeline activities started stop with it. A rerun
repeats the run with its parameters, in its run group (ADF Studio's reruns are recoveries), from
the start, from the activities that did not succeed, or from a chosen top-level activity; then the
browser goes to the new run's page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from pgfactory.errors import DefinitionError
from pgfactory.store import RunOptions, TokenRole
from pgfactory.studio.factory_page import FACTORY_PATH, Factory
from pgfactory.studio.monitor.context import RUNS_CHANGED, monitor_page
from pgfactory.studio.rendering import is_htmx
from pgfactory.studio.session import User, require, service_of

router = APIRouter()
RERUN_MODES = ("start", "failure", "activity")


@router.post(FACTORY_PATH + "/monitor/runs/{run_id}/cancel")
def cancel(request: Request, factory: Factory, user: User, run_id: str, next: Annotated[str, Form()] = "") -> Response:
    require(user, TokenRole.OPERATOR, "cancelling pipeline runs")
    service_of(request).runs.cancel(factory.scope, run_id, recursive=True)
    if is_htmx(request):  # the page refreshes its list or run at once, without waiting for its next poll
        return Response(status_code=204, headers={"HX-Trigger": RUNS_CHANGED})
    return RedirectResponse(monitor_page(factory, next) or factory.url("monitor", "runs", run_id), status_code=303)


@router.post(FACTORY_PATH + "/monitor/runs/{run_id}/rerun")
def rerun(request: Request, factory: Factory, user: User, run_id: str, mode: Annotated[str, Form()] = "start",
          activity: Annotated[str, Form()] = "") -> Response:
    require(user, TokenRole.OPERATOR, "rerunning pipelines")
    if mode not in RERUN_MODES:
        raise DefinitionError(f"unknown rerun {mode!r}; use one of {', '.join(RERUN_MODES)}", property_path="mode")
    if mode == "activity" and not activity:
        raise DefinitionError("choose the activity to rerun from", property_path="activity")
    runs = service_of(request).runs
    run = runs.get_run(factory.scope, run_id)
    options = RunOptions(reference_pipeline_run_id=run_id, is_recovery=True, start_from_failure=mode == "failure",
                         start_activity_name=activity if mode == "activity" else None)
    new_run_id = runs.create_run(factory.scope, run.pipeline_name, None, options)
    return RedirectResponse(factory.url("monitor", "runs", new_run_id), status_code=303)
