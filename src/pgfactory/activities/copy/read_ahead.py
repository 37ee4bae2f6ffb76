"""Reading a few batches ahead on a thread of its own, so that reading and writing overlap.

The source stream (the ADBC driver decoding binary COPY, a Parquet decoder) and the sink (a
Parquet encoder, the driver's COPY writer) both work in C with the GIL released: one after the
other their times add up, on two threads they overlap. At most ``depth`` batches wait between
them, so memory stays bounded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterable
from typing import TypeVar

Item = TypeVar("Item")

_END = object()


def read_ahead(items: Iterable[Item], *, stop: Callable[[], None], depth: int = 2) -> Generator[Item, None, None]:
    """``items``, read on another thread up to ``depth`` ahead; the reader's error is raised here.

    Close the iterator (``contextlib.closing``) when leaving early: ``stop`` then interrupts a
    read that waits (e.g. cancels the query), and the reading thread is gone before this returns.
    """
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    leaving = threading.Event()

    def hand_over(item: object) -> bool:
        while not leaving.is_set():
            try:
                waiting.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for item in items:
                if not hand_over(item):
                    return
            hand_over(_END)
        except BaseException as error:  # handed to the consumer, which raises it
            hand_over(error)

    reader = threading.Thread(target=read, name="pgfactory-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = waiting.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        if reader.is_alive():
            leaving.set()
            stop()
        reader.join()
