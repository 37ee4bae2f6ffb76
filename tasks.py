#!/usr/bin/env python3
"""The README's two commands, with nothing but Python 3.11+ needed beforehand.

    python3 tasks.py demo   install pgfactory into .venv and run the demo against an embedded server
    python3 tasks.py test   install pgfactory with its test tools into .venv and run every check

Each command creates ``.venv`` when missing and brings the installation up to date first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if sys.platform == "win32" else "bin")


def run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    result = subprocess.run([str(part) for part in command], cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before anything checks the version
        sys.exit(f"pgfactory needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".[{extra}]")


def demo() -> None:
    install("embedded")
    run(BIN / "pgfactory", "demo", "--dir", ROOT / "pgfactory-demo")


def install_chromium() -> None:
    """Debian's chromium for the studio's browser tests (Playwright drives it; it downloads no browser of its own)."""
    if os.environ.get("PGFACTORY_CHROMIUM") or shutil.which("chromium"):
        return
    if not shutil.which("apt-get"):
        sys.exit("the studio's tests need Chromium: install it, or set PGFACTORY_CHROMIUM to its executable")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"]):
        print("+", " ".join(sudo + command), flush=True)
        if subprocess.run(sudo + command, env=environment, check=False).returncode != 0:
            sys.exit("installing chromium failed; install Debian's chromium package, or set PGFACTORY_CHROMIUM")


def test() -> None:
    install("dev")
    install_chromium()
    run(BIN / "ruff", "check", "src", "tests", "tasks.py")
    run(BIN / "mypy")
    run(BIN / "python", "-m", "pytest", *sys.argv[2:])


COMMANDS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]]()
