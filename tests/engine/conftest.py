from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pgfactory.store.run_store import RunStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RunStore]:
    with RunStore.open(tmp_path) as opened:
        yield opened
