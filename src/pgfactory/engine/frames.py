"""What the activities of one pipeline run share (:class:`RunState`), and what one nesting level
of it sees (:class:`Frame`): the activities finished so far in its scope and the ForEach item.
"""

from __future__ import annotations

import threading
from collections import ChainMap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pgfactory.activities import Cancellation
from pgfactory.engine.history import History
from pgfactory.errors import ActivityError, ExpressionError
from pgfactory.expressions import NO_ITEM, ActivityState, ExpressionContext, evaluate_tree
from pgfactory.models.factory import Factory
from pgfactory.models.resources import PipelineResource
from pgfactory.store.records import PipelineRunRecord

if TYPE_CHECKING:  # the engine module imports this one
    from pgfactory.engine.engine import Engine


@dataclass
class RunState:
    """One pipeline run."""

    engine: Engine
    factory: Factory
    pipeline: PipelineResource
    record: PipelineRunRecord
    parameters: dict[str, Any]
    global_parameters: dict[str, Any]
    system: dict[str, Any]
    variables: dict[str, Any]
    variable_types: dict[str, str]
    history: History
    cancellation: Cancellation
    depth: int = 0
    return_value: dict[str, Any] | None = None
    restored: dict[str, ActivityState] = field(default_factory=dict)  # top-level activities a rerun does not run
    variables_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def run_id(self) -> str:
        return self.record.run_id

    @property
    def pipeline_name(self) -> str:
        return self.pipeline.name


@dataclass
class Frame:
    """One scope of a run: the pipeline's top level, or one iteration of a container activity.

    ``activities`` chains this scope's finished activities to the enclosing scopes', so
    ``activity('x')`` inside a ForEach finds both its siblings and the pipeline's activities.
    """

    run: RunState
    activities: ChainMap[str, ActivityState] = field(default_factory=ChainMap)
    item: Any = NO_ITEM
    parent_activity_run_id: str | None = None
    iteration: str = ""  # the ForEach/Until iteration (ADF's iterationHash), "" outside one

    def child(self, parent_activity_run_id: str, item: Any = NO_ITEM, iteration: int | None = None) -> Frame:
        return Frame(self.run, self.activities.new_child(), self.item if item is NO_ITEM else item, parent_activity_run_id,
                     self.iteration if iteration is None else str(iteration))

    def context(self, activity_name: str | None = None, property_path: str | None = None) -> ExpressionContext:
        return ExpressionContext(
            parameters=self.run.parameters,
            global_parameters=self.run.global_parameters,
            system=self.run.system,
            variables=self.run.variables,
            activities=self.activities,
            item=self.item,
            resource=activity_name,
            property_path=property_path,
        )

    def evaluate(self, value: Any, activity_name: str, property_path: str) -> Any:
        """``value`` with its expressions evaluated; a failure becomes the activity's error, as in ADF."""
        try:
            return evaluate_tree(value, self.context(activity_name, property_path))
        except ExpressionError as error:
            raise ActivityError(f"{property_path}: {error.detail}", code=error.code) from None
