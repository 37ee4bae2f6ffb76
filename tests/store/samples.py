"""Records with every field set to something other than its default, for store and CLI tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from pgfactory.store import ActivityRunRecord, InvokedBy, PipelineRunRecord

T0 = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)


def full_pipeline_run(run_id: str | None = None, **changes: Any) -> PipelineRunRecord:
    fields: dict[str, Any] = {
        "run_id": run_id or str(uuid.uuid4()),
        "pipeline_name": "LoadSales",
        "status": "Failed",
        "run_start": T0,
        "run_group_id": "group-1",
        "is_latest": False,
        "parameters": {"day": "2024-05-01", "ids": [1, 2], "full": True, "note": "é ✓"},
        "run_dimension": {"JobId": "42"},
        "annotations": ["nightly"],
        "invoked_by": InvokedBy(name="RunChild", id="activity-run-9", invoked_by_type="PipelineActivity",
                                pipeline_name="Parent", pipeline_run_id="parent-run-1"),
        "last_updated": T0 + timedelta(seconds=9),
        "run_end": T0 + timedelta(seconds=8, microseconds=1),
        "duration_in_ms": 8000,
        "message": "Operation on target Each failed: boom",
    }
    return PipelineRunRecord(**{**fields, **changes})


def full_activity_run(pipeline_run_id: str, activity_run_id: str | None = None, **changes: Any) -> ActivityRunRecord:
    fields: dict[str, Any] = {
        "activity_run_id": activity_run_id or str(uuid.uuid4()),
        "activity_name": "CopyTable",
        "activity_type": "Script",
        "pipeline_run_id": pipeline_run_id,
        "pipeline_name": "LoadSales",
        "status": "Failed",
        "activity_run_start": T0 + timedelta(seconds=1),
        "activity_run_end": T0 + timedelta(seconds=2, microseconds=654321),
        "duration_in_ms": 1654,
        "input": {"scripts": [{"type": "Query", "text": "SELECT 1"}], "password": "**********"},
        "output": {"resultSetCount": 1, "resultSets": [{"rowCount": 1, "rows": [{"n": 1.5, "s": None}]}]},
        "error": {"errorCode": "2200", "message": "relation \"s\" does not exist", "failureType": "UserError",
                  "target": "CopyTable", "details": []},
        "linked_service_name": "Sales",
        "user_properties": {"table": "orders"},
        "retry_attempt": 2,
        "iteration_hash": "abc123",
        "parent_activity_run_id": "foreach-run-1",
    }
    return ActivityRunRecord(**{**fields, **changes})
