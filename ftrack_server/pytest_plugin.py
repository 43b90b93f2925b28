"""pytest fixtures: a throwaway local ftrack server, and a session connected to it.

Registered as a pytest plugin by the package's entry point, so pipeline tests can
simply ask for them::

    def test_publish(ftrack_session):
        project = ftrack_session.create("Project", {...})

``ftrack_server`` is shared by the whole test run (an in-memory site on a free
loopback port); ``ftrack_server_factory`` starts extra, isolated servers;
``ftrack_session`` is a new ``ftrack_api.Session`` per test. Server modules are
imported only when a fixture is used, so installing the client alone never breaks
pytest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator, List, Optional

import pytest


@dataclass
class ServerInfo:
    """Where a test server lives and how to log in to it."""

    url: str
    api_user: str
    api_key: str
    background: Any  # ftrack_server.runner.BackgroundServer

    @property
    def server(self) -> Any:
        """The :class:`ftrack_server.server.LocalServer` behind the URL."""
        return self.background.server

    def environment(self) -> dict:
        """The ``FTRACK_*`` variables a client needs to reach this server."""
        return {
            "FTRACK_SERVER": self.url,
            "FTRACK_API_USER": self.api_user,
            "FTRACK_API_KEY": self.api_key,
        }


def _start(database: Optional[str] = None) -> ServerInfo:
    from ftrack_server.runner import BackgroundServer
    from ftrack_server.server import LocalServer

    background = BackgroundServer(LocalServer(database)).start()
    server = background.server
    api_key = server.admin_api_key or server.issue_api_key(server.admin_username)
    return ServerInfo(background.url, server.admin_username, api_key, background)


@pytest.fixture(scope="session")
def ftrack_server() -> Iterator[ServerInfo]:
    """A local server shared by the test run (in-memory database, free port)."""
    info = _start()
    try:
        yield info
    finally:
        info.background.stop()


@pytest.fixture
def ftrack_server_factory(tmp_path_factory) -> Iterator[Callable[..., ServerInfo]]:
    """Start isolated servers on demand: ``ftrack_server_factory(database=None)``.

    ``database`` may be a file path (kept in a temporary directory by default) or a
    SQLAlchemy URL. Every server started is stopped after the test.
    """
    started: List[ServerInfo] = []

    def start(database: Optional[str] = None, *, persistent: bool = False) -> ServerInfo:
        if database is None and persistent:
            database = str(tmp_path_factory.mktemp("ftrack-server") / "site.sqlite")
        info = _start(database)
        started.append(info)
        return info

    yield start
    for info in started:
        info.background.stop()


@pytest.fixture
def ftrack_session(ftrack_server: ServerInfo) -> Iterator[Any]:
    """A new ``ftrack_api.Session`` connected to ``ftrack_server``; closed afterwards."""
    import ftrack_api

    session = ftrack_api.Session(
        server_url=ftrack_server.url,
        api_key=ftrack_server.api_key,
        api_user=ftrack_server.api_user,
        auto_connect_event_hub=False,
        plugin_paths=[],
    )
    try:
        yield session
    finally:
        session.close()
