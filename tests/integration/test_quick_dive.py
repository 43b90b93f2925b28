"""The code of the quick-dive tutorial runs against the local server.

The tutorial's code blocks run in order, in one namespace, as a user would paste
them. The first block passes placeholder credentials (``https://your.ftrack.server``,
``your_api_key``, ``your_username``); they are replaced by the local server's
``FTRACK_*`` values, the only change made to the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# A copy of ../shared/reference/quick-dive-tutorial.txt, so the test runs anywhere.
TUTORIAL = Path(__file__).resolve().parent / "data" / "quick-dive-tutorial.txt"
PLACEHOLDERS = {
    "'https://your.ftrack.server'": "FTRACK_SERVER",
    "'your_api_key'": "FTRACK_API_KEY",
    "'your_username'": "FTRACK_API_USER",
}


def _code_blocks(text: str) -> list:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture
def tutorial_blocks():
    blocks = _code_blocks(TUTORIAL.read_text())
    assert len(blocks) == 3
    return blocks


def test_tutorial_code_runs(tutorial_blocks, ftrack_server, monkeypatch, capsys):
    environment = ftrack_server.environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FTRACK_EVENT_PLUGIN_PATH", "")
    first = tutorial_blocks[0]
    for placeholder, variable in PLACEHOLDERS.items():
        assert placeholder in first
        first = first.replace(placeholder, repr(environment[variable]))
    namespace: dict = {}
    exec(compile(first, "quick-dive block 1", "exec"), namespace)
    session = namespace["session"]
    assert session.server_url == environment["FTRACK_SERVER"]

    project = session.create(
        "Project",
        {
            "name": "quick_dive",
            "full_name": "Quick dive",
            "project_schema": session.query("ProjectSchema").first(),
        },
    )
    session.commit()
    exec(compile(tutorial_blocks[1], "quick-dive block 2", "exec"), namespace)
    assert "quick_dive" in capsys.readouterr().out.splitlines()

    exec(compile(tutorial_blocks[2], "quick-dive block 3", "exec"), namespace)
    assert session.event_hub.connected
    session.event_hub.disconnect()
    session.delete(project)
    session.commit()
    session.close()
