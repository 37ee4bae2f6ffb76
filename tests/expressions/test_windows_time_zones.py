from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pgfactory.expressions.windows_time_zones import (
    NonexistentLocalTimeError,
    UnknownTimeZoneError,
    find_time_zone,
    is_utc,
    local_to_utc,
    utc_to_local,
)


@pytest.mark.parametrize(
    ("name", "iana"),
    [
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("pacific standard time", "America/Los_Angeles"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("GMT Standard Time", "Europe/London"),
        ("India Standard Time", "Asia/Calcutta"),
        ("Cen. Australia Standard Time", "Australia/Adelaide"),
        ("UTC", "Etc/UTC"),
        ("UTC-11", "Etc/GMT+11"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" Tokyo Standard Time ", "Asia/Tokyo"),
    ],
)
def test_windows_ids_and_iana_names_find_their_zone(name: str, iana: str) -> None:
    assert find_time_zone(name).key == iana


@pytest.mark.parametrize("name", ["Mars Standard Time", "", "Pacific", "../etc/passwd"])
def test_unknown_names_say_how_to_find_valid_ids(name: str) -> None:
    with pytest.raises(UnknownTimeZoneError, match="tzutil /l") as raised:
        find_time_zone(name)
    assert "'Pacific Standard Time'" in str(raised.value)


def test_only_utc_itself_counts_as_utc() -> None:
    assert is_utc(find_time_zone("UTC"))
    assert is_utc(find_time_zone("Etc/UTC"))
    assert not is_utc(find_time_zone("GMT Standard Time"))  # London: UTC+0 in winter only
    assert not is_utc(find_time_zone("Pacific Standard Time"))


def test_utc_to_local_follows_daylight_saving() -> None:
    pacific = find_time_zone("Pacific Standard Time")
    assert utc_to_local(datetime(2018, 1, 1, 8, tzinfo=UTC), pacific) == datetime(2018, 1, 1, 0)
    assert utc_to_local(datetime(2018, 7, 1, 8, tzinfo=UTC), pacific) == datetime(2018, 7, 1, 1)


def test_local_to_utc_of_an_ordinary_time() -> None:
    berlin = find_time_zone("W. Europe Standard Time")
    assert local_to_utc(datetime(2018, 6, 1, 12), berlin) == datetime(2018, 6, 1, 10, tzinfo=UTC)
    assert local_to_utc(datetime(2018, 12, 1, 12), berlin) == datetime(2018, 12, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "skipped"),
    [
        ("Pacific Standard Time", datetime(2018, 3, 11, 2, 30)),
        ("W. Europe Standard Time", datetime(2018, 3, 25, 2, 0)),
        ("AUS Eastern Standard Time", datetime(2018, 10, 7, 2, 59)),
    ],
)
def test_a_time_skipped_when_clocks_spring_forward_does_not_exist(zone: str, skipped: datetime) -> None:
    with pytest.raises(NonexistentLocalTimeError, match="does not exist"):
        local_to_utc(skipped, find_time_zone(zone))


@pytest.mark.parametrize(
    ("zone", "repeated", "standard_time_in_utc"),
    [
        ("Pacific Standard Time", datetime(2018, 11, 4, 1, 30), datetime(2018, 11, 4, 9, 30)),
        ("W. Europe Standard Time", datetime(2018, 10, 28, 2, 30), datetime(2018, 10, 28, 1, 30)),
        ("AUS Eastern Standard Time", datetime(2018, 4, 1, 2, 30), datetime(2018, 3, 31, 16, 30)),
    ],
)
def test_a_time_repeated_when_clocks_fall_back_is_read_as_standard_time(
    zone: str, repeated: datetime, standard_time_in_utc: datetime
) -> None:
    assert local_to_utc(repeated, find_time_zone(zone)) == standard_time_in_utc.replace(tzinfo=UTC)


def test_the_minutes_around_a_spring_forward_convert_on_both_sides() -> None:
    pacific = find_time_zone("Pacific Standard Time")
    assert local_to_utc(datetime(2018, 3, 11, 1, 59), pacific) == datetime(2018, 3, 11, 9, 59, tzinfo=UTC)
    assert local_to_utc(datetime(2018, 3, 11, 3, 0), pacific) == datetime(2018, 3, 11, 10, 0, tzinfo=UTC)
