"""The state folder: where pgfactory keeps what outlives a process (the run history, later keys and tokens)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

STATE_DIR_VARIABLE = "PGFACTORY_STATE_DIR"


def state_dir(explicit: Path | None = None) -> Path:
    """``explicit``, else ``$PGFACTORY_STATE_DIR``, else the user's state folder (``$XDG_STATE_HOME/pgfactory``,
    ``~/.local/state/pgfactory`` on Linux); created when missing, readable by its owner only.

    A folder that already exists keeps its permissions: it may be one the user chose for more than pgfactory.
    """
    if explicit is not None:
        folder = explicit
    elif os.environ.get(STATE_DIR_VARIABLE):
        folder = Path(os.environ[STATE_DIR_VARIABLE])
    else:
        folder = platformdirs.user_state_path("pgfactory", appauthor=False)
    folder = folder.expanduser()
    if not folder.is_dir():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode passes through the umask; the state is the owner's alone either way
    return folder
