"""ADF's timespan values (``policy.timeout``, ``scriptBlockExecutionTimeout``, Until ``timeout``).

ADF writes .NET TimeSpan text: ``[d.]hh:mm:ss[.fffffff]``, e.g. ``7.00:00:00`` or ``00:10:00``.
"""

from __future__ import annotations

import re
from datetime import timedelta

_TIMESPAN = re.compile(r"^\s*(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?\s*$")


def parse_timespan(text: str) -> timedelta:
    """The duration ``text`` names; ValueError with the expected form when it is not one."""
    match = _TIMESPAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a timespan; expected [d.]hh:mm:ss such as 7.00:00:00 or 00:10:00")
    days, hours, minutes, seconds, fraction = match.groups()
    if int(hours) > 23 or int(minutes) > 59 or int(seconds) > 59:
        raise ValueError(f"{text!r} is not a timespan: hours must be below 24, minutes and seconds below 60")
    return timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes), seconds=int(seconds),
                     microseconds=int((fraction or "0").ljust(7, "0")) // 10)


def format_timespan(duration: timedelta) -> str:
    """.NET TimeSpan text for ``duration`` (``d.hh:mm:ss`` with a fraction only when there is one)."""
    total_microseconds = round(duration.total_seconds() * 1_000_000)
    days, rest = divmod(total_microseconds, 86_400_000_000)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, microseconds = divmod(rest, 1_000_000)
    text = f"{hours:02}:{minutes:02}:{seconds:02}"
    if microseconds:
        text += f".{microseconds * 10:07}"
    return f"{days}.{text}" if days else text
