"""The service's run worker: takes queued runs from the store and runs them, at most N at once.

One dispatcher thread claims the oldest queued request whenever fewer than ``max_running`` runs
are in progress here (several service processes on one PostgreSQL store claim without ever
taking the same run). Each run gets the factory's definitions as they are at that moment and an
:class:`~pgfactory.engine.Engine` sharing one executor. A heartbeat thread renews this instance's
claims, stops runs another instance was asked to cancel, and recovers the runs of instances that
died: a request whose heartbeat stopped more than ``stale_after`` ago is taken over (by exactly
one instance) and its run marked Failed with the reason, because resuming a half-done pipeline
could repeat what it already wrote. No run stays InProgress forever.

A debug run's request carries its draft: the worker runs it in place of the saved pipeline of that
name (ExecutePipeline inside it still calls the saved pipelines).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pgfactory.engine import Engine
from pgfactory.engine.executor import LocalExecutor
from pgfactory.engine.recovery import Recovery
from pgfactory.models.factory import ResourceKind
from pgfactory.secrets.at_rest import unseal
from pgfactory.service.runs import parse_pipeline, run_parameters
from pgfactory.store import RunStatus
from pgfactory.store.records import adf_timestamp, utc_now

if TYPE_CHECKING:
    from pgfactory.engine import RunHandle
    from pgfactory.models.factory import Factory
    from pgfactory.service.resources import ResourceService
    from pgfactory.store import FactoryRecord, RunRequest

log = logging.getLogger(__name__)
INTERRUPTED_CODE = "ServiceInterrupted"


@dataclass(frozen=True)
class WorkerSettings:
    max_running: int = 4
    heartbeat_seconds: float = 5.0
    stale_after_seconds: float = 30.0


class RunWorker:
    def __init__(self, resources: ResourceService, settings: WorkerSettings) -> None:
        self.resources = resources
        self.store = resources.store
        self.settings = settings
        self.instance_id = f"pgfactory-{uuid.uuid4().hex[:12]}"
        self._executor = LocalExecutor()
        self._running: dict[str, RunHandle] = {}
        self._engines: dict[str, Engine] = {}  # by the run id of the queued run each engine runs
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.recover()
        for target, name in ((self._dispatch, "pgfactory-dispatcher"), (self._beat, "pgfactory-heartbeat")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, cancel_running: bool = True) -> None:
        """Stop taking runs; cancel the runs in progress (they end Cancelled) and wait for them."""
        self._stop.set()
        self._wake.set()
        with self._lock:
            handles = list(self._running.values())
        for handle in handles:
            if cancel_running:
                handle.cancel()
        for handle in handles:
            handle.wait()
        for thread in self._threads:
            thread.join()
        self._executor.shutdown()

    def wake(self) -> None:
        """A run was queued: look for work now rather than at the next poll."""
        self._wake.set()

    def cancel(self, run_id: str) -> bool:
        """Cancel ``run_id`` if it runs here (a queued run, or a child run one of them started)."""
        with self._lock:
            handle = self._running.get(run_id) or next(
                (found for engine in self._engines.values() if (found := engine.handle(run_id)) is not None), None)
        if handle is None:
            return False
        handle.cancel()
        return True

    @property
    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def recover(self) -> None:
        """Fail the runs of instances whose heartbeat stopped (a killed or crashed service)."""
        older_than = timedelta(seconds=self.settings.stale_after_seconds)
        for stale in self.store.queue.stale_running(older_than):
            request = self.store.queue.take_over(stale.run_id, self.instance_id, older_than=older_than)
            if request is None:
                continue
            last = adf_timestamp(stale.heartbeat_at) if stale.heartbeat_at else "never"
            self._fail(request, f"The run was interrupted: the pgfactory service running it ({stale.claimed_by}) "
                                f"stopped; its last heartbeat was at {last}. Rerun the pipeline.")

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            started = False
            with self._lock:
                room = len(self._running) < self.settings.max_running
            if room:
                request = self.store.queue.claim_next(self.instance_id)
                if request is not None:
                    self._launch(request)
                    started = True
            if not started:
                self._wake.wait(self.settings.heartbeat_seconds)

    def _launch(self, request: RunRequest) -> None:
        try:
            factory_record = self._factory(request.factory_id)
            factory = self.resources.runnable_factory(factory_record)
            if request.options.draft is not None:
                _put_draft(factory, request.pipeline_name, unseal(request.options.draft, self.resources.key))
            engine = Engine(factory, store=self.store.runs.for_factory(request.factory_id), executor=self._executor)
            options = request.options
            recovery = Recovery(self._references(request), options.start_from_failure, options.start_activity_name) \
                if options.reference_pipeline_run_id and (options.start_from_failure or options.start_activity_name) else None
            queued = self.store.runs.get_pipeline_run(request.run_id)
            handle = engine.start(request.pipeline_name, run_parameters(request.parameters, self.resources),
                                  queued_run_id=request.run_id, run_group_id=queued.run_group_id if queued else None,
                                  recovery=recovery, invoked_by=queued.invoked_by if queued else None)
        except Exception as error:  # the definitions changed under the queued run, or the store failed
            log.exception("run %s could not start", request.run_id)
            self._fail(request, f"The run could not start: {error}")
            return
        with self._lock:
            self._running[request.run_id] = handle
            self._engines[request.run_id] = engine
        threading.Thread(target=self._await, args=(request.run_id, handle), name=f"pgfactory-run-{request.run_id[:8]}",
                         daemon=True).start()

    def _await(self, run_id: str, handle: RunHandle) -> None:
        try:
            handle.wait()
        finally:
            self.store.queue.finish(run_id)
            with self._lock:
                self._running.pop(run_id, None)
                self._engines.pop(run_id, None)
            self._wake.set()

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_seconds):
            try:
                running = self.running  # one snapshot: a run launched after it was not in the heartbeat
                held = self.store.queue.heartbeat(self.instance_id, running)
                for run_id in running:
                    if run_id not in held:  # another service took it over: it must not run twice
                        self.cancel(run_id)
                # Another service asked for a cancel (a shared store): the run, or a child run, is Canceling.
                with self._lock:
                    going = [run_id for engine in self._engines.values() for run_id in engine.runs_in_progress()]
                for run_id in going:
                    run = self.store.runs.get_pipeline_run(run_id)
                    if run is not None and run.status == RunStatus.CANCELING:
                        self.cancel(run_id)
                self.recover()
            except Exception:  # a store hiccup must not end the heartbeat; the next beat retries
                log.exception("heartbeat failed")

    def _references(self, request: RunRequest) -> tuple[str, ...]:
        """The run a partial rerun repeats, then the run that one repeated if it was a partial rerun too, ..."""
        chain: list[str] = []
        options = request.options
        while options.reference_pipeline_run_id and options.reference_pipeline_run_id not in chain:
            chain.append(options.reference_pipeline_run_id)
            referenced = self.store.queue.get(options.reference_pipeline_run_id)
            if referenced is None or not (referenced.options.start_from_failure or referenced.options.start_activity_name):
                break
            options = referenced.options
        return tuple(chain)

    def _factory(self, factory_id: int) -> FactoryRecord:
        record = self.store.factories.get_by_id(factory_id)
        if record is None:
            raise LookupError(f"the run's factory (id {factory_id}) was deleted")
        return record

    def _fail(self, request: RunRequest, message: str) -> None:
        now = utc_now()
        run = self.store.runs.get_pipeline_run(request.run_id)
        if run is not None and run.status not in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED):
            run.finish(RunStatus.FAILED, message=message, at=now)
            self.store.runs.update_pipeline_run(run)
            self.store.runs.fail_unfinished_activity_runs(
                request.run_id, {"errorCode": INTERRUPTED_CODE, "message": message, "failureType": "SystemError",
                                 "target": run.pipeline_name}, now)
        self.store.queue.finish(request.run_id)


def _put_draft(factory: Factory, name: str, properties: dict[str, Any]) -> None:
    """A debug run's draft (secrets open) in place of the saved pipeline ``name`` (names compare as ADF's do:
    ignoring case), or beside the others when none is saved."""
    pipelines = factory.resources[ResourceKind.PIPELINE]
    for saved in [saved for saved in pipelines if saved.lower() == name.lower()]:
        del pipelines[saved]
    factory.add(ResourceKind.PIPELINE, parse_pipeline(name, properties))
