"""A raw socket.io 0.9 peer for the event hub tests, built on websocket-client.

It speaks the frames of protocol.md section 7 directly, so the tests see exactly
what the server sends, with no client hub in between.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, List, Optional

import requests
import websocket

HANDSHAKE = "/socket.io/1/"


def handshake(url: str, user: str, key: str, *, as_query: bool = False) -> requests.Response:
    """GET the handshake with header credentials (Py) or query credentials (JS)."""
    if as_query:
        return requests.get(url + HANDSHAKE, params={"api_user": user, "api_key": key}, timeout=30)
    return requests.get(
        url + HANDSHAKE, headers={"ftrack-user": user, "ftrack-api-key": key}, timeout=30
    )


def socket_url(url: str, sid: str) -> str:
    return url.replace("http://", "ws://", 1) + f"/socket.io/1/websocket/{sid}"


def frame(event: Dict[str, Any], ack_id: Optional[int] = None) -> str:
    """An event frame as Py (with an ack id) or JS (without) sends it."""
    message_id = f"{ack_id}+" if ack_id is not None else ""
    return f"5:{message_id}::" + json.dumps({"name": "ftrack.event", "args": [event]})


def event(topic: str, **keys: Any) -> Dict[str, Any]:
    keys.setdefault("id", uuid.uuid4().hex)
    keys.setdefault("data", {})
    keys.setdefault("source", {})
    keys.setdefault("target", "")
    return {"topic": topic, **keys}


def wait_until(condition, timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or the timeout passes; return its last value."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bool(condition())


class Peer:
    """One websocket to the hub, keeping what arrives in order: events and acks."""

    def __init__(self, url: str, user: str, key: str, *, as_query: bool = False) -> None:
        response = handshake(url, user, key, as_query=as_query)
        assert response.status_code == 200, response.text
        self.handshake = response.text
        self.sid = response.text.split(":", 1)[0]
        self.socket = websocket.create_connection(socket_url(url, self.sid), timeout=10)
        self.frames: List[str] = []
        self._next_ack = 0
        assert self.socket.recv() == "1::", "the server greets with a connect packet"

    # -- sending ------------------------------------------------------------------------

    def send(self, text: str) -> None:
        self.socket.send(text)

    def emit(self, payload: Dict[str, Any]) -> Dict[str, Any]:
        """Send an event asking for an ack, as Py does; return the ack's single object."""
        self._next_ack += 1
        ack_id = self._next_ack
        self.send(frame(payload, ack_id))
        return self.ack(ack_id)

    def subscribe(self, subscription: str, subscriber_id: Optional[str] = None, **metadata):
        subscriber = {"id": subscriber_id or uuid.uuid4().hex, **metadata}
        return self.emit(
            event(
                "ftrack.meta.subscribe",
                data={"subscriber": subscriber, "subscription": subscription},
            )
        )

    def unsubscribe(self, subscriber_id: str) -> Dict[str, Any]:
        return self.emit(
            event("ftrack.meta.unsubscribe", data={"subscriber": {"id": subscriber_id}})
        )

    # -- receiving ----------------------------------------------------------------------

    def recv(self, timeout: float = 10.0) -> str:
        """The next frame from the server (heartbeats included)."""
        self.socket.settimeout(timeout)
        return self.socket.recv()

    def _take(self, prefix: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for index, text in enumerate(self.frames):
                if text.startswith(prefix):
                    return self.frames.pop(index)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no frame starting {prefix!r} within {timeout} s")
            try:
                self.frames.append(self.recv(remaining))
            except websocket.WebSocketTimeoutException:
                continue

    def ack(self, ack_id: int, timeout: float = 10.0) -> Dict[str, Any]:
        """The object of the ack ``6:::<ack_id>+[...]``; the form must be exact."""
        text = self._take(f"6:::{ack_id}+", timeout)
        (result,) = json.loads(text[len(f"6:::{ack_id}+") :])
        return result

    def next_event(self, timeout: float = 10.0) -> Dict[str, Any]:
        """The next delivered event (``5:::`` frames only; heartbeats are skipped)."""
        text = self._take("5:", timeout)
        assert text.startswith("5:::"), f"events from the server carry no id: {text[:40]}"
        message = json.loads(text[len("5:::") :])
        assert message["name"] == "ftrack.event"
        (payload,) = message["args"]
        return payload

    def events_until(self, topic: str, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Events received up to and including the first one with ``topic``."""
        received = []
        while True:
            payload = self.next_event(timeout)
            received.append(payload)
            if payload["topic"] == topic:
                return received

    def barrier(self) -> List[Dict[str, Any]]:
        """Events delivered before a probe published now comes back.

        Frames of one connection are handled in order, so anything routed to this
        peer before the probe arrives first: a clean way to prove that nothing else
        was (or will be) delivered.
        """
        topic = "probe." + uuid.uuid4().hex
        self.subscribe(f"topic={topic}")
        self.emit(event(topic))
        return self.events_until(topic)[:-1]

    def close(self) -> None:
        self.socket.close()
