"""A FileServer linked service on a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgfactory.connectors.files import FileServer


@pytest.fixture
def server(tmp_path: Path) -> FileServer:
    root = tmp_path / "host"
    root.mkdir()
    return FileServer.from_type_properties({"host": str(root), "userId": "ignored", "password": "ignored"})
