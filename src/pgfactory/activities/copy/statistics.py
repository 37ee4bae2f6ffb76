"""What a copy counted, and the Copy activity output ADF reports from it (spec 3.7)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pgfactory.store.records import adf_timestamp, utc_now


@dataclass
class CopyStatistics:
    source_type: str
    sink_type: str
    method: str = ""  # how the rows moved, e.g. "COPY BINARY pass-through" (pgfactory's own detail)
    rows_read: int = 0
    rows_copied: int = 0
    rows_skipped: int = 0
    data_read: int = 0
    data_written: int = 0
    files_read: int | None = None  # set when the source is files
    files_written: int | None = None  # set when the sink is files
    parallel_copies: int = 1
    source_connections: int = 1
    sink_connections: int = 1
    consistency: dict[str, str] | None = None  # dataConsistencyVerification, when validateDataConsistency is on
    log_file_path: str | None = None  # the session log of skipped rows, when one was written
    started_at: datetime = field(default_factory=utc_now)
    _started: float = field(default_factory=time.monotonic)

    def progress(self) -> dict[str, int]:
        return {"rowsRead": self.rows_read, "rowsCopied": self.rows_copied, "dataRead": self.data_read,
                "dataWritten": self.data_written}

    def to_output(self) -> dict[str, Any]:
        seconds = time.monotonic() - self._started
        return {
            "dataRead": self.data_read,
            "dataWritten": self.data_written,
            "rowsRead": self.rows_read,
            "rowsCopied": self.rows_copied,
            "rowsSkipped": self.rows_skipped,
            "copyDuration": round(seconds),
            "throughput": round(self.data_read / 1024 / max(seconds, 1e-3), 3),  # KB/s, as ADF reports it
            **({"filesRead": self.files_read} if self.files_read is not None else {}),
            **({"filesWritten": self.files_written} if self.files_written is not None else {}),
            **({"dataConsistencyVerification": self.consistency} if self.consistency is not None else {}),
            **({"logFilePath": self.log_file_path} if self.log_file_path is not None else {}),
            "errors": [],
            "usedParallelCopies": self.parallel_copies,
            "sourcePeakConnections": self.source_connections,
            "sinkPeakConnections": self.sink_connections,
            "executionDetails": [{
                "source": {"type": self.source_type},
                "sink": {"type": self.sink_type},
                "status": "Succeeded",
                "start": adf_timestamp(self.started_at),
                "duration": round(seconds),
                "usedParallelCopies": self.parallel_copies,
                "detailedDurations": {"queuingDuration": 0, "transferDuration": round(seconds)},
                "copyMethod": self.method,
            }],
        }
