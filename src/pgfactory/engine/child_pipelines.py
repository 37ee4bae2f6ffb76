"""ExecutePipeline: a child pipeline run, waited for or not."""

from __future__ import annotations

from typing import Any

from pgfactory.engine.activity_runner import ActivityRun
from pgfactory.errors import ActivityError, PgFactoryError
from pgfactory.models.values import as_flag


def execute_pipeline(run: ActivityRun) -> dict[str, Any]:
    reference = run.type_properties.get("pipeline")
    name = reference.get("referenceName") if isinstance(reference, dict) else None
    if not isinstance(name, str):
        raise ActivityError("typeProperties.pipeline.referenceName is required", code="InvalidPipelineReference")
    parameters = run.evaluate_property("parameters") or {}
    wait = as_flag(run.evaluate_property("waitOnCompletion"), True)
    run.set_input({"pipeline": reference, "parameters": parameters, "waitOnCompletion": wait})
    try:
        child = run.frame.run.engine.start_child(name, parameters, parent=run)
    except PgFactoryError as error:
        raise ActivityError(error.message, code=error.code) from None
    output: dict[str, Any] = {"pipelineName": name, "pipelineRunId": child.run_id}
    if not wait:
        return output
    result = child.wait()
    if result.run.status != "Succeeded":
        raise ActivityError(result.run.message or f"pipeline run {child.run_id} ended {result.run.status}",
                            code=result.error_code or "PipelineFailed")
    if result.return_value is not None:
        output["pipelineReturnValue"] = result.return_value
    return output
