"""Where a Script activity's logs go: ``logSettings`` (spec 4.1).

Without ``logSettings`` logging is off. ``ActivityOutput`` puts the logs in ``outputLogs``;
``ExternalStore`` writes them to ``logLocationSettings``: ADF only offers Blob storage there,
pgfactory (until its file connectors exist) a ``FileServer`` linked service whose ``host`` is a
local folder. The log of one run is ``<host>/<path>/<activity run id>/output.log``, with
``path`` defaulting to ``scriptactivity-logs`` as for PostgreSQL in ADF. As ADF says, an error
writing the log does not fail the activity; it is logged and ``outputLogsLocation`` stays empty.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from pgfactory.activities.base import ActivityInvocation
from pgfactory.errors import ActivityError, DefinitionError
from pgfactory.expressions import ExpressionContext, evaluate_value

ACTIVITY_OUTPUT, EXTERNAL_STORE = "ActivityOutput", "ExternalStore"
DEFAULT_LOG_PATH = "scriptactivity-logs"
LOG_FILE_NAME = "output.log"
_LOCAL_FOLDER_TYPE = "FileServer"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogSettings:
    """Logging is on; ``folder`` is where the log file goes, None for the activity output."""

    folder: Path | None = None

    @classmethod
    def from_json(cls, raw: Any, invocation: ActivityInvocation) -> LogSettings | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise _invalid("logSettings must be an object with logDestination")
        destination = str(raw.get("logDestination") or ACTIVITY_OUTPUT)
        if destination.lower() == ACTIVITY_OUTPUT.lower():
            return cls()
        if destination.lower() != EXTERNAL_STORE.lower():
            raise _invalid(f"logSettings.logDestination must be ActivityOutput or ExternalStore, got {destination!r}")
        location = raw.get("logLocationSettings")
        if not isinstance(location, dict):
            raise _invalid("logSettings.logLocationSettings is required with logDestination ExternalStore")
        root = _local_folder(location.get("linkedServiceName"), invocation)
        path = str(location.get("path") or DEFAULT_LOG_PATH)
        return cls(folder=root / path / invocation.activity_run_id)


def _local_folder(reference: Any, invocation: ActivityInvocation) -> Path:
    where = "logSettings.logLocationSettings.linkedServiceName"
    if not isinstance(reference, dict) or not reference.get("referenceName"):
        raise _invalid(f"{where} must name a linked service")
    name = str(reference["referenceName"])
    try:
        linked_service = invocation.factory.linked_service(name)
    except DefinitionError as error:
        raise _invalid(f"{where}: {error.message}") from None
    kind = linked_service.properties.type
    if kind != _LOCAL_FOLDER_TYPE:
        raise _invalid(
            f"{where}: linked service '{name}' is of type {kind}; pgfactory writes script logs to a FileServer "
            "linked service whose host is a local folder (Blob storage and other stores are not supported yet), "
            "or use logDestination ActivityOutput")
    declared = linked_service.properties.parameters or {}
    parameters = {key: spec.default_value for key, spec in declared.items()} | dict(reference.get("parameters") or {})
    scope = ExpressionContext(linked_service_parameters=parameters, resource=name)
    try:
        host = evaluate_value(linked_service.properties.type_properties.get("host"), scope)
    except DefinitionError as error:
        raise _invalid(f"linked service '{name}' host: {error.detail}") from None
    host_text = str(host or "")
    if not host_text or host_text.startswith("\\\\") or not (Path(host_text).is_absolute()
                                                            or PureWindowsPath(host_text).is_absolute()):
        raise _invalid(f"linked service '{name}': host must be an absolute local folder, got {host_text!r}; "
                       "network shares are not supported yet")
    return Path(host_text)


def write_external_log(folder: Path, lines: list[str]) -> str:
    """Write the log; the folder written to, or "" when it could not be written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / LOG_FILE_NAME).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    except OSError as error:
        log.warning("could not write the script activity log to %s: %s", folder, error)
        return ""
    return str(folder)


def _invalid(message: str) -> ActivityError:
    return ActivityError(message, code="UserErrorInvalidLogSettings")
