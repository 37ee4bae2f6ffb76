"""The pipeline engine: dependency conditions, control flow, policies, run history.

Data flows in one direction: the engine reads models, evaluates expressions, and hands execution
activities to an executor; it never imports a connector.
"""

from __future__ import annotations

from pgfactory.engine.engine import Engine, RunHandle, RunResult
from pgfactory.engine.executor import Executor, LocalExecutor
from pgfactory.engine.history import RunObserver

__all__ = ["Engine", "Executor", "LocalExecutor", "RunHandle", "RunObserver", "RunResult"]
