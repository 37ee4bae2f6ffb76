"""Time zones by ADF's names, and conversions between a zone's wall clock and UTC.

ADF names zones by Windows time zone IDs (``Pacific Standard Time``, ``W. Europe Standard
Time``, ``UTC``). They are mapped to IANA zones through CLDR's windowsZones table as shipped by
``tzlocal`` (``tzlocal.windows_tz.win_tz``, regenerated from CLDR with each release); zone rules
come from :mod:`zoneinfo` (the ``tzdata`` package where the system has no zone files). IANA names
(``Europe/Berlin``) are accepted too. Names match case-insensitively, as .NET's
``FindSystemTimeZoneById`` does.

Conversions follow .NET's ``TimeZoneInfo``: a wall-clock time that falls in a daylight-saving gap
does not exist (an error), and one that occurs twice at the end of daylight saving is read as
standard time.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import UTC, datetime, timedelta

from tzlocal.windows_tz import win_tz

__all__ = ["NonexistentLocalTimeError", "UnknownTimeZoneError", "find_time_zone", "is_utc", "local_to_utc", "utc_to_local"]


class UnknownTimeZoneError(ValueError):
    """A name that is neither a Windows time zone ID nor an IANA zone."""


class NonexistentLocalTimeError(ValueError):
    """A wall-clock time skipped by a daylight-saving change."""


_WINDOWS_TO_IANA = {windows_id.casefold(): iana for windows_id, iana in win_tz.items()}
# IANA names of the zone .NET calls TimeZoneInfo.Utc (Windows ID 'UTC' maps to Etc/UTC).
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"})

HOW_TO_FIND_ZONE_IDS = (
    "use a Windows time zone ID such as 'Pacific Standard Time', 'W. Europe Standard Time' or 'UTC' "
    "(Windows lists them with `tzutil /l`, PowerShell with `Get-TimeZone -ListAvailable`; Microsoft's "
    "'Default Time Zones' page has the table) or an IANA name such as 'Europe/Berlin'"
)


@functools.cache
def find_time_zone(name: str) -> zoneinfo.ZoneInfo:
    """The zone a Windows time zone ID or an IANA name stands for."""
    key = name.strip()
    iana = _WINDOWS_TO_IANA.get(key.casefold()) or _iana_names_by_casefold().get(key.casefold())
    if iana is None:
        raise UnknownTimeZoneError(f"'{name}' is not a known time zone: {HOW_TO_FIND_ZONE_IDS}")
    try:
        return zoneinfo.ZoneInfo(iana)
    except zoneinfo.ZoneInfoNotFoundError:
        raise UnknownTimeZoneError(f"'{name}' maps to the IANA zone {iana}, which this machine's zone data lacks; "
                                   "install or upgrade the 'tzdata' package") from None


@functools.cache
def _iana_names_by_casefold() -> dict[str, str]:
    return {iana.casefold(): iana for iana in zoneinfo.available_timezones()}


def is_utc(zone: zoneinfo.ZoneInfo) -> bool:
    """Whether ``zone`` is UTC itself (not merely a zone at offset 0 part of the year)."""
    return zone.key in _UTC_NAMES


def local_to_utc(wall_clock: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant (aware, ``UTC``) at which ``zone``'s clocks show naive ``wall_clock``."""
    earlier = wall_clock.replace(tzinfo=zone, fold=0)
    later = wall_clock.replace(tzinfo=zone, fold=1)
    instant = earlier.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall_clock:
        raise NonexistentLocalTimeError(
            f"{wall_clock:%Y-%m-%dT%H:%M:%S} does not exist in {zone.key}: the clocks skip it at a daylight saving change"
        )
    if earlier.utcoffset() != later.utcoffset() and later.dst() == timedelta(0):
        # Shown twice when daylight saving ends: .NET reads it as standard time, the later instant.
        instant = later.astimezone(UTC)
    return instant


def utc_to_local(instant: datetime, zone: zoneinfo.ZoneInfo) -> datetime:
    """What ``zone``'s clocks show (naive) at the aware ``instant``."""
    return instant.astimezone(zone).replace(tzinfo=None)
