"""read_ahead: items in order, the reader's error raised, an early exit stops and waits for the reader."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import closing

import pytest

from pgfactory.activities.copy.read_ahead import read_ahead


def test_items_arrive_in_order() -> None:
    assert list(read_ahead(iter(range(100)), stop=lambda: None)) == list(range(100))


def test_the_readers_error_is_raised_after_the_items_before_it() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("broken source")

    seen = []
    with pytest.raises(ValueError, match="broken source"):
        for item in read_ahead(failing(), stop=lambda: None):
            seen.append(item)
    assert seen == [1]


def test_reading_runs_ahead_while_the_consumer_works() -> None:
    def slow(count: int) -> Iterator[int]:
        for item in range(count):
            time.sleep(0.05)
            yield item

    started = time.monotonic()
    for _ in read_ahead(slow(10), stop=lambda: None, depth=4):
        time.sleep(0.05)  # the consumer's own work overlaps the next read
    assert time.monotonic() - started < 0.85  # one after the other: 1.0 s


def test_leaving_early_stops_the_reader_and_waits_for_it() -> None:
    released = threading.Event()
    finished = threading.Event()

    def blocking() -> Iterator[int]:
        try:
            yield 1
            released.wait(5)  # a read waiting on the server until stopped
            yield 2
        finally:
            finished.set()

    with closing(read_ahead(blocking(), stop=released.set, depth=1)) as items:
        assert next(items) == 1
    assert finished.is_set()  # the reading thread is done once closing returns
