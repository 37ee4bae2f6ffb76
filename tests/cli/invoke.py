"""Run the command line as a user does: a new process, a fixed terminal width, a clean environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def pgfactory(*args: str, cwd: Path | None = None, stdin: str | None = None, columns: int = 200,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from pgfactory.cli.main import main; main()", *args],
                          input=stdin, capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False,
                          env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin", "HOME": str(cwd or Path.cwd())})
