"""Reruns that start part-way (ADF's createRun with ``referencePipelineRunId`` and ``startFromFailure`` or
``startActivityName``): what the referenced run already did is not done again.

At the pipeline's top level, an activity that is not rerun keeps the status, output and error it
had in the referenced run, so that ``activity('x').output`` and the dependency conditions of the
activities that do run see them. ``startFromFailure`` reruns every top-level activity that did not
succeed; ``startActivityName`` reruns that activity and everything downstream of it. Variables
start from their defaults, as in any run: a SetVariable that is not rerun does not set them again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pgfactory.errors import DefinitionError
from pgfactory.expressions import ActivityState
from pgfactory.store.records import RunStatus

if TYPE_CHECKING:
    from pgfactory.models.resources import PipelineResource
    from pgfactory.store.records import ActivityRunRecord
    from pgfactory.store.run_store import RunStore


@dataclass(frozen=True)
class Recovery:
    """``reference_run_ids``: the run repeated, then, when that run was itself a partial rerun, the run it
    repeated, and so on: an activity a rerun took over has its record in an earlier run."""

    reference_run_ids: tuple[str, ...]
    start_from_failure: bool = False
    start_activity_name: str | None = None


def restored_states(pipeline: PipelineResource, recovery: Recovery, store: RunStore | None) -> dict[str, ActivityState]:
    """The top-level activities the rerun takes from the referenced run, with their states there."""
    if store is None:
        raise DefinitionError("a rerun from an activity needs the run history of the run it repeats")
    activities: list[dict[str, Any]] = list(pipeline.properties.activities)
    names = [str(activity["name"]) for activity in activities]
    previous: dict[str, ActivityRunRecord] = {}
    for run_id in recovery.reference_run_ids:  # the newest run that has an activity's record gives it
        records = {record.activity_name: record for record in store.activity_runs(run_id)
                   if record.parent_activity_run_id is None}  # in start order: the last attempt of each wins
        previous = {**records, **previous}
    if recovery.start_activity_name is not None:
        if recovery.start_activity_name not in names:
            raise DefinitionError(f"pipeline {pipeline.name!r} has no top-level activity {recovery.start_activity_name!r} "
                                  f"to start from; it has {', '.join(names)}", property_path="startActivityName")
        rerun = downstream(activities, recovery.start_activity_name)
        kept = [name for name in names if name not in rerun and name in previous]
    else:
        kept = [name for name in names if name in previous and previous[name].status == RunStatus.SUCCEEDED]
    return {name: ActivityState(output=previous[name].output, status=previous[name].status, error=previous[name].error)
            for name in kept}


def downstream(activities: list[dict[str, Any]], start: str) -> set[str]:
    """``start`` and every activity that depends on it, directly or not."""
    reached = {start}
    grew = True
    while grew:
        grew = False
        for activity in activities:
            name = str(activity["name"])
            if name not in reached and any(dependency.get("activity") in reached
                                           for dependency in activity.get("dependsOn") or []):
                reached.add(name)
                grew = True
    return reached
