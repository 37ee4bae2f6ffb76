"""Every control-flow activity type, by ADF's ``type`` name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pgfactory.engine.activity_runner import ActivityRun
from pgfactory.engine.child_pipelines import execute_pipeline
from pgfactory.engine.control_flow import fail, filter_items, for_each, if_condition, switch, until, wait
from pgfactory.engine.variables import append_variable, set_variable

CONTROL_FLOW: dict[str, Callable[[ActivityRun], Any]] = {
    "ForEach": for_each,
    "IfCondition": if_condition,
    "Switch": switch,
    "Until": until,
    "Filter": filter_items,
    "Wait": wait,
    "Fail": fail,
    "SetVariable": set_variable,
    "AppendVariable": append_variable,
    "ExecutePipeline": execute_pipeline,
}
