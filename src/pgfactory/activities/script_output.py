"""The Script activity's output, merged block by block within ADF's limits.

ADF (spec 4.2): result sets are "limited to 5000 rows / 2MB size", logs in the activity output
to 2 MB, and "truncation order when over limit: logs -> parameters -> rows, applied per script
block". pgfactory reads that as one budget for the whole output: at most 5000 rows across all
result sets, and at most 2 MB of compact UTF-8 JSON for result sets, output parameters and logs
together. When a block's share does not fit, its logs are cut first, then its output
parameters dropped, then its last rows dropped; ``outputTruncated`` says it happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ROW_LIMIT = 5000
SIZE_LIMIT = 2 * 1024 * 1024
_RESULT_SET_OVERHEAD = len('{"rowCount":0,"rows":[]},')


@dataclass
class BlockResult:
    """What one script block produced (rows already within the row budget)."""

    result_sets: list[list[dict[str, Any]]] = field(default_factory=list)
    rows_dropped: bool = False
    records_affected: int = 0
    output_parameters: dict[str, Any] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _text_size(text: str) -> int:
    """Bytes of ``text`` inside a JSON string (escapes included, quotes not)."""
    return json_size(text) - 2


class ScriptOutput:
    """Accumulates block results; ``logs_in_output`` when logSettings sends logs to the activity output."""

    def __init__(self, *, logs_in_output: bool) -> None:
        self._logs_in_output = logs_in_output
        self.result_sets: list[list[dict[str, Any]]] = []
        self.records_affected = 0
        self.output_parameters: dict[str, Any] = {}
        self.logs: list[str] = []  # every log line, for an external store
        self._shown_logs = ""
        self._rows = 0
        self.truncated = False
        self._size = json_size(self.to_json(logs_location="x" * 200))  # the envelope, with room for a log folder

    @property
    def rows_left(self) -> int:
        return ROW_LIMIT - self._rows

    def add(self, block: BlockResult) -> None:
        self.logs.extend(block.logs)
        self.records_affected += block.records_affected
        truncated = block.rows_dropped
        logs = "\n".join(block.logs) if self._logs_in_output else ""
        if logs and self._shown_logs:
            logs = "\n" + logs
        logs_size = _text_size(logs)
        parameters = dict(block.output_parameters)
        parameters_size = json_size(parameters) if parameters else 0
        row_sizes = [[json_size(row) + 1 for row in rows] for rows in block.result_sets]
        needed = logs_size + parameters_size + sum(map(sum, row_sizes)) + _RESULT_SET_OVERHEAD * len(row_sizes)
        over = self._size + needed - SIZE_LIMIT
        if over > 0 and logs_size:
            # Each character takes at least one byte in JSON: cutting `over` bytes of text saves at least `over`.
            encoded = logs.encode("utf-8")
            logs = encoded[:max(len(encoded) - over, 0)].decode("utf-8", "ignore")
            saved = logs_size - _text_size(logs)
            over -= saved
            needed -= saved
            truncated = True
        if over > 0 and parameters:
            parameters = {}
            over -= parameters_size
            needed -= parameters_size
            truncated = True
        result_sets = [list(rows) for rows in block.result_sets]
        for rows, sizes in zip(reversed(result_sets), reversed(row_sizes), strict=True):
            while over > 0 and rows:
                rows.pop()
                dropped = sizes.pop()
                over -= dropped
                needed -= dropped
                truncated = True
        self._shown_logs += logs
        self.output_parameters.update(parameters)
        self.result_sets.extend(result_sets)
        self._rows += sum(map(len, result_sets))
        self._size += needed
        self.truncated = self.truncated or truncated

    def to_json(self, *, logs_location: str = "") -> dict[str, Any]:
        return {
            "resultSetCount": len(self.result_sets),
            "recordsAffected": self.records_affected,
            "resultSets": [{"rowCount": len(rows), "rows": rows} for rows in self.result_sets],
            "outputParameters": self.output_parameters,
            "outputLogs": self._shown_logs,
            "outputLogsLocation": logs_location,
            "outputTruncated": self.truncated,
        }
