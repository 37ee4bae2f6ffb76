"""Pipeline runs as the API serves them: createRun into the durable queue, get, cancel, queries.

``createRun`` checks what ADF's createRun checks (the pipeline exists, the parameters bind to
its declared types) and answers with a run id at once: the run is Queued in the store, and a
:class:`~pgfactory.service.worker.RunWorker` of this or another service process runs it. A full
queue is refused (HTTP 429) rather than accepted and lost. SecureString parameters are sealed in
the queued request and masked in the run record, so the store never holds them in clear text.

A debug run (ADF Studio's **Debug**) runs a draft: the pipeline as the editor holds it, unsaved. The
draft is checked as a save would check it, sealed as a save would seal it, and carried in the queued
request's options; the worker runs it in place of the saved pipeline of that name. Its run says it was
invoked by ``Debug``, and a rerun of it repeats the same draft.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pgfactory.engine.parameters import bind_parameters
from pgfactory.errors import DefinitionError, NotFoundError, QueueFullError
from pgfactory.models.factory import ResourceKind as ModelKind
from pgfactory.models.factory import parse_resource
from pgfactory.models.resources import PipelineResource
from pgfactory.models.secrets import MASK
from pgfactory.secrets.at_rest import merge_for_put, seal, unseal
from pgfactory.service.collections import COLLECTIONS
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
DEBUG = "Debug"  # who invokes a debug run, as ADF Studio's Monitor names it


class RunService:
    def __init__(self, resources: ResourceService, worker: RunWorker, *, max_queued: int) -> None:
        self.resources = resources
        self.store = resources.store
        self.worker = worker
        self.max_queued = max_queued

    def create_run(self, scope: FactoryScope, pipeline_name: str, parameters: dict[str, Any] | None,
                   options: RunOptions) -> str:
        factory = self.resources.factory(scope)
        draft = self._referenced_draft(factory, pipeline_name, options)
        if draft is not None:  # a rerun of a debug run repeats its draft, not the saved pipeline
            options = replace(options, draft=draft[1])
            pipeline = self._parsed(*draft)
        else:
            pipeline = self._pipeline(factory, pipeline_name)
        if options.start_activity_name or options.start_from_failure:
            self._check_rerun(factory, pipeline, options)
        given = dict(parameters or {})
        if options.reference_pipeline_run_id and not given:  # a rerun takes the referenced run's parameters
            given = self._referenced_parameters(options.reference_pipeline_run_id)
        return self._enqueue(factory, pipeline, given, options)

    def create_debug_run(self, scope: FactoryScope, pipeline_name: str, definition: dict[str, Any],
                         parameters: dict[str, Any] | None) -> str:
        """Run ``definition`` (the editor's ``{"properties": ...}``) as pipeline ``pipeline_name`` without saving it.

        The draft is checked exactly as a save would be, then with the factory-wide checks (missing datasets,
        dependencies, expressions): any error is a :class:`DefinitionError` naming the first one's property path,
        and nothing is queued. Masked secrets keep those of the saved pipeline, as a save would keep them; the
        draft's secrets are sealed in the queued request. The pipeline need not have been saved at all.
        """
        factory = self.resources.factory(scope)
        pipelines = COLLECTIONS[StoredKind.PIPELINES]
        errors = [problem for problem in self.resources.problems(scope, pipelines, pipeline_name, definition)
                  if problem.severity == "error"]
        if errors:
            first = errors[0]
            others = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
            raise DefinitionError(first.message + others, resource=pipeline_name, property_path=first.property_path or None,
                                  code="InvalidResourceDefinition")
        stored = self.store.resources.get(factory.id, StoredKind.PIPELINES, pipeline_name)
        name = stored.name if stored is not None else pipeline_name  # the saved pipeline's spelling, if there is one
        draft = seal(merge_for_put(definition["properties"], stored.properties if stored is not None else None),
                     self.resources.key)
        return self._enqueue(factory, self._parsed(name, draft), dict(parameters or {}), RunOptions(draft=draft))

    def _enqueue(self, factory: FactoryRecord, pipeline: PipelineResource, given: dict[str, Any],
                 options: RunOptions) -> str:
        """Bind ``given`` to ``pipeline``'s parameters and queue its run (a debug run when ``options`` has a draft)."""
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
            invoked_by=InvokedBy(name=DEBUG) if options.draft is not None else InvokedBy(),
            annotations=list(getattr(pipeline.properties, "annotations", None) or []))
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
        return self._parsed(stored.name, stored.properties)

    def _parsed(self, name: str, sealed: dict[str, Any]) -> PipelineResource:
        """A pipeline's sealed properties (stored, or a debug run's draft) as the run binds them: opened, since a
        SecureString parameter's defaultValue is sealed and the run uses it."""
        return parse_pipeline(name, unseal(sealed, self.resources.key))

    def _referenced_draft(self, factory: FactoryRecord, pipeline_name: str,
                          options: RunOptions) -> tuple[str, dict[str, Any]] | None:
        """The pipeline name and sealed draft of the debug run ``options`` repeats, if it repeats one of this factory
        and pipeline (a run referenced only for its parameters by another pipeline runs that pipeline as saved)."""
        run_id = options.reference_pipeline_run_id
        request = self.store.queue.get(run_id) if run_id else None
        if request is None or request.options.draft is None or request.factory_id != factory.id \
                or request.pipeline_name.lower() != pipeline_name.lower():
            return None
        return request.pipeline_name, request.options.draft

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


def parse_pipeline(name: str, properties: dict[str, Any]) -> PipelineResource:
    """Pipeline ``name`` of ``properties`` (secrets open) as a model, or the first problem as a DefinitionError."""
    model, problems = parse_resource(ModelKind.PIPELINE, {"name": name, "properties": properties},
                                     file=f"pipeline/{name}.json")
    if not isinstance(model, PipelineResource):
        first = problems[0] if problems else None
        raise DefinitionError(first.message if first else "the pipeline does not parse", resource=name,
                              property_path=(first.property_path or None) if first else None)
    return model


def run_parameters(stored: dict[str, Any], resources: ResourceService) -> dict[str, Any]:
    """A queued request's parameters with the sealed ones opened, as the run gets them."""
    return {name: json.loads(resources.key.decrypt(str(value[SEALED_PARAMETER])))
            if isinstance(value, dict) and set(value) == {SEALED_PARAMETER} else value
            for name, value in stored.items()}
