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
    """.NET TimeSpan text ("c" format) of ``duration``: ``[-][d.]hh:mm:ss[.fffffff]``."""
    total = duration // timedelta(microseconds=1)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 86_400_000_000)
    seconds, microseconds = divmod(rest, 1_000_000)
    text = f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
    if microseconds:
        text += f".{microseconds * 10:07}"  # .NET counts 100-ns ticks
    return f"{sign}{days}.{text}" if days else f"{sign}{text}"
