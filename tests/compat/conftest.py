"""The original ftrack-python-api, installed in its own virtual environment.

Compatibility tests run scenarios with the original client (from PyPI) against our
local server, in a subprocess, and check what it saw. The environment is created
once under ``.compat-venv`` in the project root (ignored by git) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("FTRACK_COMPAT_VENV", ROOT / ".compat-venv"))
ORIGINAL = "ftrack-python-api==3.1.0"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"


def _python(environment: Path) -> Path:
    scripts = "Scripts" if sys.platform == "win32" else "bin"
    return environment / scripts / ("python.exe" if sys.platform == "win32" else "python")


def _has_original(python: Path) -> bool:
    if not python.exists():
        return False
    check = subprocess.run(
        [
            str(python),
            "-I",
            "-c",
            "import ftrack_api, sys; sys.exit(ftrack_api.__version__ != '3.1.0')",
        ],
        capture_output=True,
        check=False,
    )
    return check.returncode == 0


@pytest.fixture(scope="session")
def original_python() -> Path:
    """The interpreter of a virtual environment holding the original client."""
    python = _python(VENV)
    if not _has_original(python):
        venv.create(VENV, with_pip=True, clear=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                ORIGINAL,
            ],
            check=True,
        )
    return python


class OriginalClient:
    """Runs scenario scripts with the original client against a server."""

    def __init__(self, python: Path, server: Any, workdir: Path) -> None:
        self.python = python
        self.server = server
        self.workdir = workdir

    def run(self, scenario: str, *arguments: str, timeout: float = 300) -> Dict[str, Any]:
        """Run ``scenarios/<scenario>.py``; return the JSON object it prints last."""
        environment = {
            key: value for key, value in os.environ.items() if not key.startswith("FTRACK")
        }
        environment.update(self.server.environment())
        environment["FTRACK_API_SCHEMA_CACHE_PATH"] = str(self.workdir)
        environment["NO_PROXY"] = "127.0.0.1,localhost"
        completed = subprocess.run(
            [str(self.python), "-I", str(SCENARIOS / f"{scenario}.py"), *arguments],
            cwd=self.workdir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(
                f"scenario {scenario} failed (exit {completed.returncode}):\n"
                f"{completed.stdout[-4000:]}\n{completed.stderr[-8000:]}"
            )
        last: Optional[str] = None
        for line in completed.stdout.splitlines():
            if line.startswith("{"):
                last = line
        assert last is not None, f"scenario {scenario} printed no result:\n{completed.stdout}"
        return json.loads(last)


@pytest.fixture
def original_client(original_python, ftrack_server, tmp_path) -> OriginalClient:
    return OriginalClient(original_python, ftrack_server, tmp_path)
