"""Execution activities: the units of work the engine hands to an executor.

``EXECUTION_ACTIVITIES`` maps an activity ``type`` to the function that runs it. Control-flow
activities (ForEach, IfCondition, ...) are not here: they belong to the engine.
"""

from __future__ import annotations

from pgfactory.activities.base import ActivityControl, ActivityInvocation, Cancellation, ExecutionActivity, Progress
from pgfactory.activities.copy import run_copy
from pgfactory.activities.lookup import run_lookup
from pgfactory.activities.script import run_script

EXECUTION_ACTIVITIES: dict[str, ExecutionActivity] = {"Script": run_script, "Lookup": run_lookup, "Copy": run_copy}

__all__ = ["EXECUTION_ACTIVITIES", "ActivityControl", "ActivityInvocation", "Cancellation", "ExecutionActivity", "Progress"]
