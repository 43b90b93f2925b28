"""Fixtures for the HTTP API tests."""

import pytest

from .wire import Api


@pytest.fixture
def api(ftrack_server) -> Api:
    return Api(ftrack_server.url, ftrack_server.api_user, ftrack_server.api_key)
