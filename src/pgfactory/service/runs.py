"""Pipeline runs as the API serves them: createRun into the durable queue, get, cancel, queries.

``createRun`` checks what ADF's createRun checks (the pipeline exists, the parameters bind to
its declared types) and answers with a run id at once: the run is Queued in the store, and a
:class:`~pgfactory.service.worker.RunWorker` of this or another service process runs it. A full
queue is refused (HTTP 429) rather than accepted and lost. SecureString parameters are sealed in
the queued request and masked in the run record, so the store never holds them in clear text.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from pgfactory.engine.parameters import bind_parameters
from pgfactory.errors import DefinitionError, NotFoundError, QueueFullError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.factory import parse_resource
from pgfactory.models.resources import PipelineResource
from pgfactory.models.secrets import MASK
from pgfactory.secrets.at_rest import unseal
from pgfactory.store import InvokedBy, PipelineRunRecord, RunOptions, RunStatus
from pgfactory.store import ResourceKind as StoredKind
from pgfactory.store.records import utc_now

if TYPE_CHECKING:
    from pgfactory.service.resources import ResourceService
    from pgfactory.service.scope import FactoryScope
    from pgfactory.service.worker import RunWorker
    from pgfactory.store import ActivityRunRecord, FactoryRecord
    from pgfactory.store.run_queries import RunQuery

SEALED_PARAMETER = "sealedValue"  # a queued request keeps a SecureString parameter as {"sealedValue": ...}
FINISHED = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class RunService:
    def __init__(self, resources: ResourceService, worker: RunWorker, *, max_queued: int) -> None:
        self.resources = resources
        self.store = resources.store
        self.worker = worker
        self.max_queued = max_queued

    def create_run(self, scope: FactoryScope, pipeline_name: str, parameters: dict[str, Any] | None,
                   options: RunOptions) -> str:
        factory = self.resources.factory(scope)
        pipeline = self._pipeline(factory, pipeline_name)
        if options.start_activity_name or options.start_from_failure:
            self._check_rerun(factory, pipeline, options)
        given = dict(parameters or {})
        if options.reference_pipeline_run_id and not given:  # a rerun takes the referenced run's parameters
            given = self._referenced_parameters(options.reference_pipeline_run_id)
        bound = bind_parameters(pipeline, given, file=f"pipeline/{pipeline.name}.json")
        secure = {name for name, spec in (pipeline.properties.parameters or {}).items()
                  if spec.type.lower() == "securestring" and bound.get(name) is not None}
        if self.store.queue.count_queued() >= self.max_queued:
            raise QueueFullError(f"the run queue holds {self.max_queued} runs already, its limit; try again when some "
                                 "have started")
        run_id = str(uuid.uuid4())
        record = PipelineRunRecord(
            run_id=run_id, pipeline_name=str(pipeline.name), status=RunStatus.QUEUED, run_start=utc_now(),
            parameters={name: MASK if name in secure else value for name, value in bound.items()},
            invoked_by=InvokedBy(), annotations=list(getattr(pipeline.properties, "annotations", None) or []))
        if options.reference_pipeline_run_id and options.is_recovery:
            referenced = self.store.runs.get_pipeline_run(options.reference_pipeline_run_id)
            if referenced is not None:
                record.run_group_id = referenced.run_group_id
        sealed = {name: {SEALED_PARAMETER: self.resources.key.encrypt(json.dumps(value))} if name in secure else value
                  for name, value in bound.items()}
        self.store.queue.enqueue(factory.id, record, options, parameters=sealed)
        self.worker.wake()
        return run_id

    def get_run(self, scope: FactoryScope, run_id: str) -> PipelineRunRecord:
        factory = self.resources.factory(scope)
        run = self.store.runs.get_pipeline_run(run_id)
        if run is None or not self._belongs(run_id, factory):
            raise NotFoundError(f"pipeline run {run_id!r} was not found in factory {scope.factory_name!r}")
        return run

    def cancel(self, scope: FactoryScope, run_id: str, *, recursive: bool) -> None:
        """Cancel a run: a queued one never starts, a running one stops (its SQL is cancelled). ``recursive`` also
        cancels the runs its ExecutePipeline activities started (the engine stops those it waits for anyway)."""
        run = self.get_run(scope, run_id)
        self._cancel(run)
        if recursive:
            for child_id in self.store.runs.child_run_ids(run_id):
                child = self.store.runs.get_pipeline_run(child_id)
                if child is not None:
                    self._cancel(child)

    def query_runs(self, scope: FactoryScope, query: RunQuery) -> tuple[list[PipelineRunRecord], bool]:
        return self.store.runs.query_pipeline_runs(query, factory_id=self.resources.factory(scope).id)

    def query_activity_runs(self, scope: FactoryScope, run_id: str,
                            query: RunQuery) -> tuple[list[ActivityRunRecord], bool]:
        self.get_run(scope, run_id)
        return self.store.runs.query_activity_runs(run_id, query)

    def child_runs(self, scope: FactoryScope, run_id: str) -> list[PipelineRunRecord]:
        """The runs ``run_id``'s ExecutePipeline activities started; each names its activity run in ``invoked_by.id``."""
        self.get_run(scope, run_id)
        children = (self.store.runs.get_pipeline_run(child_id) for child_id in self.store.runs.child_run_ids(run_id))
        return [child for child in children if child is not None]

    def run_options(self, scope: FactoryScope, run_id: str) -> RunOptions:
        """The createRun options ``run_id`` was created with (which run it repeats, from where); none for a run
        that an ExecutePipeline activity started."""
        self.get_run(scope, run_id)
        request = self.store.queue.get(run_id)
        return request.options if request is not None else RunOptions()

    def _cancel(self, run: PipelineRunRecord) -> None:
        if run.status in FINISHED:
            return
        if self.store.queue.cancel_queued(run.run_id):
            run.finish(RunStatus.CANCELLED, message="Cancelled before it started")
            self.store.runs.update_pipeline_run(run)
            return
        if self.worker.cancel(run.run_id):
            return
        # Running in another service process (a shared store): its worker sees Canceling and stops the run.
        # A conditional update, so that a run that ended meanwhile keeps its final status.
        self.store.runs.mark_canceling(run.run_id)

    def _pipeline(self, factory: FactoryRecord, name: str) -> PipelineResource:
        stored = self.store.resources.get(factory.id, StoredKind.PIPELINES, name)
        if stored is None:
            raise NotFoundError(f"pipeline {name!r} was not found in factory {factory.name!r}")
        # Opened: a SecureString parameter's defaultValue is sealed in the store, and the run binds it.
        properties = unseal(stored.properties, self.resources.key)
        model, problems = parse_resource(ModelKind.PIPELINE, {"name": stored.name, "properties": properties},
                                         file=f"pipeline/{stored.name}.json")
        if not isinstance(model, PipelineResource):
            raise DefinitionError(problems[0].message if problems else "the stored pipeline does not parse",
                                  resource=name)
        return model

    def _check_rerun(self, factory: FactoryRecord, pipeline: PipelineResource, options: RunOptions) -> None:
        """A rerun from an activity repeats a run of the same pipeline in this factory, from one of its activities."""
        where = "startActivityName" if options.start_activity_name else "startFromFailure"
        if not options.reference_pipeline_run_id:
            raise DefinitionError(f"{where} reruns a run: give its id as referencePipelineRunId", property_path=where,
                                  code="InvalidRequestContent")
        referenced = self.store.runs.get_pipeline_run(options.reference_pipeline_run_id)
        if referenced is None or self.store.runs.factory_of(referenced.run_id) != factory.id:
            raise NotFoundError(f"referencePipelineRunId {options.reference_pipeline_run_id!r} is not a run of this factory")
        if referenced.pipeline_name.lower() != str(pipeline.name).lower():
            raise DefinitionError(f"run {referenced.run_id} is a run of pipeline {referenced.pipeline_name!r}, not of "
                                  f"{pipeline.name!r}", property_path="referencePipelineRunId", code="InvalidRequestContent")
        names = [str(activity["name"]) for activity in pipeline.properties.activities]
        if options.start_activity_name and options.start_activity_name not in names:
            raise DefinitionError(f"pipeline {pipeline.name!r} has no top-level activity {options.start_activity_name!r}; "
                                  f"it has {', '.join(names)}", property_path="startActivityName",
                                  code="InvalidRequestContent")

    def _referenced_parameters(self, run_id: str) -> dict[str, Any]:
        request = self.store.queue.get(run_id)
        if request is None:
            raise NotFoundError(f"referencePipelineRunId {run_id!r}: no such run was created through this service")
        return run_parameters(request.parameters, self.resources)

    def _belongs(self, run_id: str, factory: FactoryRecord) -> bool:
        return self.store.runs.factory_of(run_id) == factory.id


def run_parameters(stored: dict[str, Any], resources: ResourceService) -> dict[str, Any]:
    """A queued request's parameters with the sealed ones opened, as the run gets them."""
    return {name: json.loads(resources.key.decrypt(str(value[SEALED_PARAMETER])))
            if isinstance(value, dict) and set(value) == {SEALED_PARAMETER} else value
            for name, value in stored.items()}
