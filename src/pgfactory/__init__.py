"""pgfactory: run Azure Data Factory definitions against PostgreSQL.

The library API; the command line is a thin face over these calls.
"""

from __future__ import annotations

from pgfactory.connectors.postgres.diagnostics import ConnectionTestReport, test_connection, test_linked_service
from pgfactory.connectors.postgres.settings import PostgresConnectionSettings, resolve_connection_settings
from pgfactory.connectors.postgres.upgrade import UpgradeResult, upgrade_linked_service, upgrade_linked_service_file
from pgfactory.engine import Engine, RunHandle, RunResult
from pgfactory.engine.validation import validate_factory, validate_factory_folder
from pgfactory.errors import PgFactoryError
from pgfactory.expressions import ExpressionContext, evaluate_expression
from pgfactory.models.factory import Factory, load_factory
from pgfactory.models.problems import Problem
from pgfactory.store import RunStore

__all__ = [
    "ConnectionTestReport",
    "Engine",
    "ExpressionContext",
    "Factory",
    "PgFactoryError",
    "PostgresConnectionSettings",
    "Problem",
    "RunHandle",
    "RunResult",
    "RunStore",
    "UpgradeResult",
    "evaluate_expression",
    "load_factory",
    "resolve_connection_settings",
    "test_connection",
    "test_linked_service",
    "upgrade_linked_service",
    "upgrade_linked_service_file",
    "validate_factory",
    "validate_factory_folder",
]

# The names above are library calls, not pytest tests, whatever their prefix.
test_connection.__test__ = False  # type: ignore[attr-defined]
test_linked_service.__test__ = False  # type: ignore[attr-defined]
