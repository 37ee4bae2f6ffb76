"""Timeouts without a thread each: one watchdog thread keeps every deadline in a heap.

Most deadlines never fire (an activity ends long before its timeout), so scheduling and
cancelling one must cost microseconds; a deadline that fires runs its action on a thread of its
own, so that an action that blocks (a cancel request to a slow server) delays no other.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable


class Deadlines:
    """Calls ``action`` once ``seconds`` have passed, unless the returned function is called first."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._cancelled: set[int] = set()
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None

    def schedule(self, seconds: float, action: Callable[[], None]) -> Callable[[], None]:
        key = next(self._counter)
        with self._condition:
            heapq.heappush(self._heap, (time.monotonic() + seconds, key, action))
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="pgfactory-deadlines", daemon=True)
                self._thread.start()
            self._condition.notify()

        def cancel() -> None:
            with self._condition:
                self._cancelled.add(key)
                # Most activities end long before their (7-day default) deadline: compact now and
                # then so a long-lived process does not keep every finished activity's entry.
                if len(self._cancelled) > 1000 and len(self._cancelled) * 2 > len(self._heap):
                    self._heap = [entry for entry in self._heap if entry[1] not in self._cancelled]
                    heapq.heapify(self._heap)
                    self._cancelled.clear()

        return cancel

    def _watch(self) -> None:
        while True:
            with self._condition:
                while not self._heap or self._heap[0][0] > time.monotonic():
                    self._condition.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                    self._drop_cancelled()
                _, key, action = heapq.heappop(self._heap)
                if key in self._cancelled:
                    self._cancelled.discard(key)
                    continue
            threading.Thread(target=action, name="pgfactory-deadline", daemon=True).start()

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0][1] in self._cancelled:
            self._cancelled.discard(heapq.heappop(self._heap)[1])


DEADLINES = Deadlines()
