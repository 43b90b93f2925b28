"""The code base stays ruff-clean: lint rules and formatting."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list:
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which(
        "ruff"
    )
    if executable is None:
        pytest.fail("ruff is not installed; install the project's test extra")
    return [executable]


@pytest.mark.parametrize(
    "arguments", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"]
)
def test_ruff(arguments):
    result = subprocess.run(
        [*_ruff(), *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
