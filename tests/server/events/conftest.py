"""Fixtures for the event hub tests: raw socket.io peers on the shared test server."""

import logging
from typing import Callable, Iterator, List

import pytest

from .peer import Peer


@pytest.fixture
def connect(ftrack_server) -> Iterator[Callable[..., Peer]]:
    """Open peers to a server (the shared one unless given); all closed afterwards."""
    opened: List[Peer] = []

    def open_peer(server=None, **options) -> Peer:
        server = server or ftrack_server
        peer = Peer(server.url, server.api_user, server.api_key, **options)
        opened.append(peer)
        return peer

    yield open_peer
    for peer in opened:
        peer.close()


@pytest.fixture(autouse=True)
def no_server_errors(caplog):
    """Whatever a test sends, the hub must not hit an unexpected error."""
    yield
    errors = [
        record
        for record in caplog.get_records("call")
        if record.name.startswith("ftrack_server") and record.levelno >= logging.ERROR
    ]
    assert not errors, [record.getMessage() for record in errors]
