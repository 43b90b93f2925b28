"""Fixtures for client integration tests: sessions on the local server and test data."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any, Callable, Dict, Iterator, List

import pytest

import ftrack_api


class RequestCounter:
    """Counts the operations a session sends to the server, by action."""

    def __init__(self, session: ftrack_api.Session) -> None:
        self.actions: List[str] = []
        original = session._request

        def request(body: str) -> Any:
            self.actions.extend(operation["action"] for operation in json.loads(body))
            return original(body)

        session._request = request  # type: ignore[method-assign]

    def count(self, action: str) -> int:
        return self.actions.count(action)


@contextlib.contextmanager
def recorded_actions() -> Iterator[List[str]]:
    """Record the actions every session sends while the block runs (start-up included)."""
    actions: List[str] = []
    original = ftrack_api.Session._request

    def request(self: ftrack_api.Session, body: str) -> Any:
        actions.extend(operation["action"] for operation in json.loads(body))
        return original(self, body)

    ftrack_api.Session._request = request  # type: ignore[method-assign]
    try:
        yield actions
    finally:
        ftrack_api.Session._request = original  # type: ignore[method-assign]


@pytest.fixture
def session_factory(ftrack_server, tmp_path) -> Callable[..., ftrack_api.Session]:
    """Make sessions on the shared test server; all are closed after the test."""
    sessions: List[ftrack_api.Session] = []

    def make(**options: Any) -> ftrack_api.Session:
        options.setdefault("server_url", ftrack_server.url)
        options.setdefault("api_key", ftrack_server.api_key)
        options.setdefault("api_user", ftrack_server.api_user)
        options.setdefault("plugin_paths", [])
        options.setdefault("schema_cache_path", str(tmp_path / "schema-cache"))
        session = ftrack_api.Session(**options)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if len(session.recorded_operations):
            session.rollback()
        session.close()


@pytest.fixture
def session(session_factory) -> ftrack_api.Session:
    return session_factory()


@pytest.fixture
def new_project(session) -> Callable[..., Any]:
    """Create (and commit) projects with a unique name; deleted after the test."""
    created: List[Any] = []

    def make(**data: Any) -> Any:
        schema = session.query('ProjectSchema where name is "VFX Scheme"').one()
        values: Dict[str, Any] = {
            "name": f"test_{uuid.uuid4().hex[:10]}",
            "full_name": "Test project",
            "project_schema": schema,
        }
        values.update(data)
        project = session.create("Project", values)
        session.commit()
        created.append(project)
        return project

    yield make
    for project in created:
        try:
            session.delete(project)
            session.commit()
        except Exception:  # already deleted by the test
            session.rollback()
