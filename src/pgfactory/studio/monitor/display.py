"""How the Monitor pages write run values: durations, parameters in a line, Copy statistics."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from pgfactory.store import PipelineRunRecord

SHORT = 80  # characters of parameters or an error a table cell shows; the title attribute holds the rest


def duration(milliseconds: int | float | None) -> str:
    """``850 ms``, ``12.4 s``, ``3m 05s``, ``2h 03m``: as precise as a person reads a run's length."""
    if milliseconds is None:
        return ""
    if milliseconds < 1000:
        return f"{round(milliseconds)} ms"
    seconds = milliseconds / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {second:02d}s"
    hours, minute = divmod(minutes, 60)
    return f"{hours}h {minute:02d}m"


def elapsed_ms(start: datetime, end: datetime | None, now: datetime) -> int:
    """Milliseconds from ``start`` to ``end``, or to ``now`` while there is no end."""
    return max((end or now) - start, timedelta(0)) // timedelta(milliseconds=1)


def run_duration(run: PipelineRunRecord, now: datetime) -> str:
    return duration(run.duration_in_ms if run.duration_in_ms is not None else elapsed_ms(run.run_start, run.run_end, now))


def parameter_text(value: Any) -> str:
    """A parameter as ADF shows it: strings as they are, other values as JSON (a SecureString is already masked)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def parameters_line(parameters: dict[str, Any]) -> str:
    return ", ".join(f"{name}: {parameter_text(value)}" for name, value in parameters.items())


def shorten(text: str, length: int = SHORT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


def count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else ""


def throughput(kilobytes_per_second: Any) -> str:
    """A Copy's ``throughput`` (KB/s, as ADF reports it) in the unit that reads best."""
    if not isinstance(kilobytes_per_second, int | float) or isinstance(kilobytes_per_second, bool):
        return ""
    if kilobytes_per_second >= 1024 * 1024:
        return f"{kilobytes_per_second / 1024 / 1024:.2f} GB/s"
    if kilobytes_per_second >= 1024:
        return f"{kilobytes_per_second / 1024:.2f} MB/s"
    return f"{kilobytes_per_second:.2f} KB/s"


def data_size(size: Any) -> str:
    if not isinstance(size, int) or isinstance(size, bool):
        return ""
    if size < 1024:
        return f"{size:,} bytes"
    amount = size / 1024
    for unit in ("KB", "MB"):
        if amount < 1024:
            return f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GB"


def moment(value: datetime | None) -> str:
    """A time in a table whose header says UTC: date and time, which wrap between them in a narrow column."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""
