"""The engine: runs a factory's pipelines, records every run, and lets callers wait or cancel.

    engine = Engine(factory, store=RunStore.open())
    result = engine.run("CopyAll", {"day": "2024-01-01"})

``run`` waits; ``start`` returns a :class:`RunHandle` at once (the service's createRun). Bad input
(an unknown pipeline, a parameter of the wrong type) is refused before any run exists, as ADF's
createRun refuses it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pgfactory.activities import Cancellation
from pgfactory.engine.executor import Executor, LocalExecutor
from pgfactory.engine.frames import Frame, RunState
from pgfactory.engine.history import History, RunObserver
from pgfactory.engine.outcome import CANCELLED, FAILED, SUCCEEDED
from pgfactory.engine.parameters import bind_parameters
from pgfactory.engine.recovery import Recovery, restored_states
from pgfactory.engine.scope import ScopeResult, run_scope, submit_orchestration
from pgfactory.errors import DefinitionError
from pgfactory.expressions import ActivityState
from pgfactory.models.factory import Factory, ResourceKind
from pgfactory.models.resources import FactoryResource, PipelineResource
from pgfactory.store.records import InvokedBy, PipelineRunRecord, RunStatus, adf_timestamp, utc_now
from pgfactory.store.run_store import RunStore

if TYPE_CHECKING:
    from pgfactory.engine.activity_runner import ActivityRun

MAX_PIPELINE_DEPTH = 20
"""ExecutePipeline nesting beyond this is a pipeline that calls itself."""


@dataclass(frozen=True)
class RunResult:
    run: PipelineRunRecord
    return_value: dict[str, Any] | None
    activities: Mapping[str, ActivityState]
    error_code: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.run.status == SUCCEEDED


class RunHandle:
    """A pipeline run in progress."""

    def __init__(self, state: RunState, future: Future[RunResult]) -> None:
        self._state = state
        self._future = future

    @property
    def run_id(self) -> str:
        return self._state.run_id

    def wait(self, timeout: float | None = None) -> RunResult:
        return self._future.result(timeout)

    def cancel(self) -> None:
        """Stop the run: nothing new starts, running activities and their SQL are cancelled."""
        self._state.cancellation.cancel("cancelled")

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on an engine thread) once the run has ended, or now if it has."""
        self._future.add_done_callback(lambda _: callback())


class Engine:
    def __init__(
        self,
        factory: Factory,
        *,
        store: RunStore | None = None,
        executor: Executor | None = None,
        observers: Iterable[RunObserver] = (),
    ) -> None:
        self.factory = factory
        self.executor: Executor = executor or LocalExecutor()
        self._owns_executor = executor is None
        self.history = History(store, observers)
        self._in_progress: dict[str, RunHandle] = {}  # every run of this engine not yet ended, child runs too

    def close(self) -> None:
        if self._owns_executor:
            self.executor.shutdown()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def run(self, pipeline_name: str, parameters: Mapping[str, Any] | None = None, *,
            parameters_from_text: bool = False) -> RunResult:
        """Run a pipeline to its end. ``parameters_from_text`` converts text values to the declared types."""
        return self.start(pipeline_name, parameters, parameters_from_text=parameters_from_text).wait()

    def start(self, pipeline_name: str, parameters: Mapping[str, Any] | None = None, *,
              parameters_from_text: bool = False, queued_run_id: str | None = None,
              run_group_id: str | None = None, recovery: Recovery | None = None,
              invoked_by: InvokedBy | None = None) -> RunHandle:
        """Start a run. ``queued_run_id`` runs a request the service queued: its Queued pipeline run
        record exists already and is taken over (same run id, and ``run_group_id`` when it joined
        another run's group) instead of created. ``recovery`` reruns from a failed or a chosen
        activity (see :mod:`.recovery`). ``invoked_by`` says who started it (Manual unless given:
        the service's debug runs are invoked by Debug)."""
        return self._start(pipeline_name, parameters or {}, parameters_from_text, invoked_by or InvokedBy(), None,
                           queued_run_id=queued_run_id, run_group_id=run_group_id, recovery=recovery)

    def start_child(self, pipeline_name: str, parameters: Mapping[str, Any], *, parent: ActivityRun) -> RunHandle:
        """A run started by an ExecutePipeline activity; cancelling the parent cancels it."""
        parent_state = parent.frame.run
        invoked_by = InvokedBy(name=parent.name, id=parent.activity_run_id, invoked_by_type="PipelineActivity",
                               pipeline_name=parent_state.pipeline_name, pipeline_run_id=parent_state.run_id)
        return self._start(pipeline_name, parameters, False, invoked_by, parent_state)

    def _start(self, pipeline_name: str, parameters: Mapping[str, Any], from_text: bool, invoked_by: InvokedBy,
               parent: RunState | None, *, queued_run_id: str | None = None, run_group_id: str | None = None,
               recovery: Recovery | None = None) -> RunHandle:
        state = self._prepare(pipeline_name, parameters, from_text, invoked_by, parent, run_id=queued_run_id,
                              run_group_id=run_group_id)
        if recovery is not None:
            state.restored = restored_states(state.pipeline, recovery, self.history.store)
        if queued_run_id is None:
            state.history.pipeline_run_created(state.record)
        else:
            state.history.pipeline_run_changed(state.record)
        handle = RunHandle(state, submit_orchestration(self._execute, state))
        self._in_progress[state.run_id] = handle

        def ended() -> None:
            self._in_progress.pop(state.run_id, None)

        handle.add_done_callback(ended)
        return handle

    def runs_in_progress(self) -> list[str]:
        """The ids of the runs this engine runs now, child runs included."""
        return list(self._in_progress)

    def handle(self, run_id: str) -> RunHandle | None:
        """The run ``run_id`` if this engine runs it now (a child run of ExecutePipeline too)."""
        return self._in_progress.get(run_id)

    def _pipeline(self, name: str) -> PipelineResource:
        pipelines = self.factory.resources[ResourceKind.PIPELINE]
        pipeline = pipelines.get(name)
        if not isinstance(pipeline, PipelineResource):
            raise DefinitionError(f"there is no pipeline {name!r}; the factory has: {', '.join(sorted(pipelines)) or 'none'}",
                                  resource=name)
        return pipeline

    def _prepare(self, pipeline_name: str, given: Mapping[str, Any], from_text: bool, invoked_by: InvokedBy,
                 parent: RunState | None, *, run_id: str | None = None, run_group_id: str | None = None) -> RunState:
        pipeline = self._pipeline(pipeline_name)
        depth = parent.depth + 1 if parent is not None else 0
        if depth > MAX_PIPELINE_DEPTH:
            raise DefinitionError(f"ExecutePipeline nests deeper than {MAX_PIPELINE_DEPTH} levels; does {pipeline_name!r} "
                                  "call itself?", resource=pipeline_name)
        file = self.factory.file_of(ResourceKind.PIPELINE, pipeline_name)
        parameters = bind_parameters(pipeline, given, from_text=from_text, file=file)
        run_id = run_id or str(uuid.uuid4())
        now = utc_now()
        record = PipelineRunRecord(run_id=run_id, pipeline_name=pipeline_name, status=RunStatus.QUEUED, run_start=now,
                                   run_group_id=run_group_id or "",
                                   parameters=parameters, invoked_by=invoked_by,
                                   annotations=list(getattr(pipeline.properties, "annotations", None) or []))
        declared_variables = pipeline.properties.variables or {}
        global_parameters, global_secrets = self._global_parameters()
        secrets = [str(parameters[name]) for name, specification in (pipeline.properties.parameters or {}).items()
                   if specification.type.lower() == "securestring" and parameters.get(name)]
        cancellation = Cancellation()
        if parent is not None:
            parent.cancellation.on_cancel(lambda: cancellation.cancel("cancelled"))
        return RunState(
            engine=self,
            factory=self.factory,
            pipeline=pipeline,
            record=record,
            parameters=parameters,
            global_parameters=global_parameters,
            system={
                "DataFactory": self.factory.name or (self.factory.root.name if self.factory.root else "pgfactory"),
                "Pipeline": pipeline_name,
                "RunId": run_id,
                "TriggerType": "Manual" if parent is None else "PipelineActivity",
                "TriggerId": invoked_by.id,
                "TriggerName": invoked_by.name,
                "TriggerTime": adf_timestamp(now),
                "GroupId": record.run_group_id,
                "TriggeredByPipelineName": parent.pipeline_name if parent else None,
                "TriggeredByPipelineRunId": parent.run_id if parent else None,
            },
            variables={name: (spec or {}).get("defaultValue") for name, spec in declared_variables.items()},
            variable_types={name: str((spec or {}).get("type", "String")) for name, spec in declared_variables.items()},
            history=(parent.history if parent else self.history).with_secrets([*secrets, *global_secrets]),
            cancellation=cancellation,
            depth=depth,
        )

    def _global_parameters(self) -> tuple[dict[str, Any], list[str]]:
        factories = list(self.factory.resources[ResourceKind.FACTORY].values())
        if not factories or not isinstance(factories[0], FactoryResource):
            return {}, []
        declared = factories[0].properties.global_parameters or {}
        values = {name: parameter.value for name, parameter in declared.items()}
        secrets = [str(p.value) for p in declared.values() if p.type.lower() == "securestring" and p.value]
        return values, secrets

    def _execute(self, state: RunState) -> RunResult:
        record = state.record
        record.status = RunStatus.IN_PROGRESS
        record.last_updated = utc_now()
        state.history.pipeline_run_changed(record)
        error_code: str | None = None
        try:
            result = run_scope(list(state.pipeline.properties.activities), Frame(state), state.restored)
            status, message, error_code = _outcome(result, state)
        except Exception as error:  # never leave a run InProgress, whatever went wrong
            status, message = FAILED, f"pgfactory failed to run the pipeline: {type(error).__name__}: {error}"
            result = ScopeResult([], {})
        record.finish(status, message=message)
        state.history.pipeline_run_changed(record)
        # What callers print or return (a service's GET) must not hold secrets either.
        return RunResult(state.history.scrubbed(record), state.return_value, result.states, error_code)


def _outcome(result: ScopeResult, state: RunState) -> tuple[str, str, str | None]:
    if state.cancellation.cancelled:
        return CANCELLED, "The pipeline run was cancelled.", "Cancelled"
    failure = result.first_failure()
    if failure is None:
        return SUCCEEDED, "", None
    name, error = failure
    return FAILED, f"Operation on target {name} failed: {error.get('message', '')}", str(error.get("errorCode") or "")
