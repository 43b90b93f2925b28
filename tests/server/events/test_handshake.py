"""Handshake, websocket binding, heartbeats and liveness over real HTTP and websockets."""

import time

import pytest
import websocket

from .peer import Peer, handshake, socket_url, wait_until


def test_handshake_answers_sid_heartbeat_close_and_transports(ftrack_server):
    response = handshake(ftrack_server.url, ftrack_server.api_user, ftrack_server.api_key)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    sid, heartbeat, close, transports = response.text.split(":")
    assert len(sid) >= 16
    assert int(heartbeat) >= 15
    assert int(close) > 0
    assert "websocket" in transports.split(",")


def test_query_credentials_as_the_javascript_client_sends_them(connect):
    peer = connect(as_query=True)
    assert peer.subscribe("topic=js.hello") == {"success": True}


def test_username_is_matched_without_regard_to_case(ftrack_server):
    response = handshake(ftrack_server.url, ftrack_server.api_user.upper(), ftrack_server.api_key)
    assert response.status_code == 200


@pytest.mark.parametrize("as_query", [False, True])
def test_bad_credentials_get_401_with_an_error_object(ftrack_server, as_query):
    response = handshake(ftrack_server.url, ftrack_server.api_user, "wrong", as_query=as_query)
    assert response.status_code == 401
    body = response.json()
    assert body["exception"] == "InvalidCredentialsError"
    assert "ftrack-api-key" in body["content"]
    assert body["error_code"] is None


def test_missing_credentials_get_401(ftrack_server):
    import requests

    response = requests.get(ftrack_server.url + "/socket.io/1/", timeout=30)
    assert response.status_code == 401


def _refused(url):
    with pytest.raises(websocket.WebSocketBadStatusException) as raised:
        websocket.create_connection(url, timeout=10)
    return raised.value.status_code


def test_a_sid_opens_one_websocket_only(ftrack_server):
    peer = Peer(ftrack_server.url, ftrack_server.api_user, ftrack_server.api_key)
    try:
        assert _refused(socket_url(ftrack_server.url, peer.sid)) == 403
    finally:
        peer.close()


def test_unknown_sids_are_refused(ftrack_server):
    assert _refused(socket_url(ftrack_server.url, "f" * 32)) == 403


def test_unused_sids_expire(ftrack_server_factory):
    server = ftrack_server_factory()
    server.server.events.sessions.lifetime = 0.2
    response = handshake(server.url, server.api_user, server.api_key)
    sid = response.text.split(":")[0]
    time.sleep(0.4)
    assert _refused(socket_url(server.url, sid)) == 403


def test_the_server_sends_heartbeats_and_keeps_an_answering_client(ftrack_server_factory, connect):
    server = ftrack_server_factory()
    server.server.events.heartbeat_interval = 0.1
    server.server.events.heartbeat_timeout = 0.6
    peer = connect(server)
    started = time.monotonic()
    heartbeats = 0
    while time.monotonic() - started < 1.5:
        frame = peer.recv(timeout=2)
        assert frame == "2::", "an idle connection carries only heartbeats"
        heartbeats += 1
        peer.send("2:::")  # how Py answers (JS answers "2::")
    assert heartbeats >= 5
    assert peer.subscribe("topic=still.here") == {"success": True}


def test_a_silent_client_is_disconnected(ftrack_server_factory, connect):
    server = ftrack_server_factory()
    server.server.events.heartbeat_interval = 0.1
    server.server.events.heartbeat_timeout = 0.5
    peer = connect(server)
    frames = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            frame = peer.recv(timeout=2)
        except websocket.WebSocketConnectionClosedException:
            break
        if frame == "":  # the close frame
            break
        frames.append(frame)
    else:
        pytest.fail("the server kept a silent client connected")
    assert set(frames) == {"2::"}
    assert wait_until(lambda: server.server.events.connections == [])
