"""The README's code examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_the_pytest_fixture_example_passes(ftrack_session, new_project):
    new_project()  # the example takes the first project it finds
    namespace: dict = {}
    blocks = [block for block in _python_blocks() if "def test_" in block]
    assert len(blocks) == 1
    exec(compile(blocks[0], "README example", "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    for test in tests:
        test(ftrack_session)


def test_the_session_example_runs(ftrack_server, monkeypatch, capsys, new_project):
    project = new_project()
    for name, value in ftrack_server.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FTRACK_EVENT_PLUGIN_PATH", "")
    block = next(block for block in _python_blocks() if "ftrack_api.Session()" in block)
    exec(compile(block, "README session example", "exec"), {})
    assert project["name"] in capsys.readouterr().out.split()
