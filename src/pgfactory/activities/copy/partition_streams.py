"""Reading partitions at once: at most ``parallelCopies`` threads, the first failure stops them all.

Each partition runs ``work(partition, stop)`` on a thread of its own (inline when only one may
run). ``stop`` is a :class:`Cancellation` that fires when the activity is cancelled or when any
partition fails: the work passes it to the connections it opens (whose guards then cancel
their statements), so siblings of a failed partition stop at once instead of reading on, and
the error raised is the first one, not the cancellations it caused.

:class:`SharedProgress` adds up the counters of all partitions under one lock and reports
progress from whichever thread is streaming, at most once per interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

from pgfactory.activities.base import ActivityControl, Cancellation
from pgfactory.activities.copy.statistics import CopyStatistics

Item = TypeVar("Item")
Result = TypeVar("Result")


def run_partitions(partitions: Sequence[Item], streams: int, work: Callable[[Item, Cancellation], Result],
                   cancellation: Cancellation) -> list[Result]:
    """``work`` for every partition, ``streams`` at a time; the results in partition order."""
    stop = Cancellation()
    unlink = cancellation.on_cancel(lambda: stop.cancel(cancellation.reason or "cancelled"))
    try:
        if streams <= 1 or len(partitions) <= 1:
            return [work(partition, stop) for partition in partitions]
        failures: list[BaseException] = []
        lock = threading.Lock()

        def guarded(partition: Item) -> Result:
            try:
                return work(partition, stop)
            except BaseException as error:
                with lock:
                    failures.append(error)
                stop.cancel("another partition failed")
                raise

        with ThreadPoolExecutor(max_workers=streams, thread_name_prefix="pgfactory-partition") as pool:
            futures = [pool.submit(guarded, partition) for partition in partitions]
            wait(futures, return_when=FIRST_EXCEPTION)
            if failures:
                for future in futures:
                    future.cancel()  # not started yet: never starts
        if failures:
            raise failures[0]
        return [future.result() for future in futures]
    finally:
        unlink()


class SharedProgress:
    """The copy's counters, added to by every partition's thread; progress reported at most every ``interval``."""

    def __init__(self, statistics: CopyStatistics, control: ActivityControl, interval: float) -> None:
        self.statistics = statistics
        self._control = control
        self._interval = interval
        self._lock = threading.Lock()
        self._next_report = time.monotonic()  # the first report comes with the first rows

    def add(self, *, rows_read: int = 0, rows_copied: int = 0, data_read: int = 0, data_written: int = 0) -> None:
        with self._lock:
            statistics = self.statistics
            statistics.rows_read += rows_read
            statistics.rows_copied += rows_copied
            statistics.data_read += data_read
            statistics.data_written += data_written
            now = time.monotonic()
            if now >= self._next_report:
                self._control.report_progress(statistics.progress())
                self._next_report = now + self._interval
