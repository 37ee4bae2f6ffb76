from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from pgfactory.store import state_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGFACTORY_STATE_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)


def test_an_explicit_folder_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PGFACTORY_STATE_DIR", str(tmp_path / "from-env"))
    assert state_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert (tmp_path / "explicit").is_dir() and not (tmp_path / "from-env").exists()


def test_the_environment_wins_over_the_user_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PGFACTORY_STATE_DIR", str(tmp_path / "from-env"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "from-env"
    assert not (tmp_path / "xdg").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="XDG folders are Linux's")
def test_the_default_is_the_xdg_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir() == tmp_path / "xdg" / "pgfactory"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG folders are Linux's")
def test_without_xdg_it_is_under_the_home_folder(tmp_path: Path) -> None:
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "pgfactory"


def test_a_created_folder_is_the_owners_alone_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        folder = state_dir(tmp_path / "a" / "b")
    finally:
        os.umask(previous)
    assert mode(folder) == 0o700


def test_an_existing_folder_keeps_its_permissions(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    assert state_dir(shared) == shared
    assert mode(shared) == 0o755


def test_a_home_relative_folder_is_expanded(tmp_path: Path) -> None:
    assert state_dir(Path("~/runs")) == tmp_path / "home" / "runs"
