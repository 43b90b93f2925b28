"""The client's event hub against the real local server.

Hubs here talk to ``ftrack_server`` over HTTP and websockets exactly as users'
processes do: in this process, in separate processes, across a server restart,
and together with the original ftrack-python-api client's hub.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

import pytest

import ftrack_api.exception
from ftrack_api.event.base import Event
from ftrack_api.event.hub import EventHub

ROOT = Path(__file__).resolve().parents[2]

#: A process with one hub: it answers pings, replies to ``ready`` replies and
#: stops when told to. Runs with our client or the original one (public API only).
PEER_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time

    import ftrack_api
    from ftrack_api.event.base import Event
    from ftrack_api.event.hub import EventHub

    run = sys.argv[1]
    hub = EventHub(
        os.environ["FTRACK_SERVER"], os.environ["FTRACK_API_USER"], os.environ["FTRACK_API_KEY"]
    )
    state = {"stop": False, "pings": 0}

    def on_ping(event):
        state["pings"] += 1
        return {"pid": os.getpid(), "echo": event["data"]["value"]}

    def on_stop(event):
        state["stop"] = True

    hub.subscribe("topic=integration.ping and data.run=" + run, on_ping)
    hub.subscribe("topic=integration.stop and data.run=" + run, on_stop)
    hub.connect()

    replies = []
    hub.publish(
        Event(
            "integration.ready",
            data={
                "run": run,
                "pid": os.getpid(),
                "hub": hub.id,
                "package": os.path.dirname(ftrack_api.__file__),
            },
        ),
        on_reply=replies.append,
    )
    deadline = time.time() + 60
    while not state["stop"] and time.time() < deadline:
        hub.wait(0.05)
    print(json.dumps({"replies": [reply["data"] for reply in replies], "pings": state["pings"]}))
    hub.disconnect()
    """
)


def pump(hubs: Iterable[EventHub], predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    """Let *hubs* handle events in short slices until *predicate* is true."""
    hubs = list(hubs)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached while waiting on the hubs"
        for hub in hubs:
            hub.wait(0.02)


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


@pytest.fixture
def make_hub(ftrack_server):
    """Build connected hubs for ``ftrack_server``; disconnect them afterwards."""
    hubs: List[EventHub] = []

    def make(server: Any = None, connect: bool = True) -> EventHub:
        server = server or ftrack_server
        hub = EventHub(server.url, server.api_user, server.api_key)
        hub._auto_reconnect_delay = 0.2
        hubs.append(hub)
        if connect:
            hub.connect()
        return hub

    yield make
    for hub in hubs:
        try:
            hub.disconnect()
        except ftrack_api.exception.EventHubConnectionError:
            pass


def settle(*hubs: EventHub) -> None:
    """Wait until the server has acknowledged everything *hubs* sent (subscriptions too)."""
    wait_until(lambda: not any(hub._packet_callbacks for hub in hubs))


def unique_topic() -> str:
    return f"integration.{uuid.uuid4().hex[:8]}"


# -- One process ------------------------------------------------------------------


def test_publish_subscribe_and_reply_through_the_server(make_hub):
    topic = unique_topic()
    publisher = make_hub()
    responder = make_hub()
    received: List[Event] = []

    def answer(event):
        received.append(event)
        return {"answer": event["data"]["question"] * 2}

    responder_id = responder.subscribe(f"topic={topic}", answer)
    # Registration is asynchronous: wait for the server to acknowledge it.
    settle(responder)

    replies: List[Event] = []
    question = Event(topic, data={"question": 21, "text": "ünïcødé ✓"})
    publisher.publish(question, on_reply=replies.append)
    pump([publisher, responder], lambda: replies)

    assert received[0]["id"] == question["id"]
    assert received[0]["data"] == {"question": 21, "text": "ünïcødé ✓"}
    assert received[0]["source"]["id"] == publisher.id
    assert received[0]["source"]["user"]["username"] == publisher._api_user

    reply = replies[0]
    assert reply["data"] == {"answer": 42}
    assert reply["in_reply_to_event"] == question["id"]
    assert reply["source"]["id"] == responder_id


def test_a_hub_receives_its_own_events(make_hub):
    topic = unique_topic()
    hub = make_hub()
    received: List[Any] = []
    hub.subscribe(f"topic={topic}", lambda event: received.append(event["data"]))
    hub.publish(Event(topic, data={"n": 1}))
    pump([hub], lambda: received)
    assert received == [{"n": 1}]


def test_each_event_reaches_a_hub_once_however_many_subscribers_match(make_hub):
    topic = unique_topic()
    publisher = make_hub()
    listener = make_hub()
    calls: List[str] = []
    listener.subscribe(f"topic={topic}", lambda event: calls.append("exact"))
    listener.subscribe(f"topic={topic[:-2]}*", lambda event: calls.append("wildcard"))
    settle(listener)

    publisher.publish(Event(topic))
    pump([listener], lambda: len(calls) >= 2)
    listener.wait(0.3)
    assert sorted(calls) == ["exact", "wildcard"]


def test_targets_select_the_receiving_subscriber(make_hub):
    topic = unique_topic()
    publisher = make_hub()
    alpha = make_hub()
    beta = make_hub()
    seen: List[str] = []
    alpha.subscribe(f"topic={topic}", lambda e: seen.append("alpha"), {"applicationId": "alpha"})
    beta.subscribe(f"topic={topic}", lambda e: seen.append("beta"), {"applicationId": "beta"})
    settle(alpha, beta)

    publisher.publish(Event(topic, target="applicationId=beta"))
    pump([alpha, beta], lambda: seen)
    alpha.wait(0.3)
    beta.wait(0.1)
    assert seen == ["beta"]


def test_unsubscribed_subscribers_receive_nothing(make_hub):
    topic = unique_topic()
    publisher = make_hub()
    listener = make_hub()
    seen: List[Any] = []
    identifier = listener.subscribe(f"topic={topic}", seen.append)
    settle(listener)
    listener.unsubscribe(identifier)
    settle(listener)
    publisher.publish(Event(topic))
    listener.wait(0.5)
    assert seen == []


def test_wrong_credentials_are_refused(ftrack_server):
    hub = EventHub(ftrack_server.url, ftrack_server.api_user, "not-the-key")
    with pytest.raises(ftrack_api.exception.EventHubConnectionError) as error:
        hub.connect()
    assert "Received unexpected status code 401." in str(error.value)


# -- Server restart -------------------------------------------------------------------


def test_hub_reconnects_resubscribes_and_flushes_after_a_server_restart(
    ftrack_server_factory, make_hub, tmp_path
):
    from ftrack_server.runner import BackgroundServer
    from ftrack_server.server import LocalServer

    database = str(tmp_path / "site.sqlite")
    first = ftrack_server_factory(database)
    port = first.background.port
    topic = unique_topic()

    hub = make_hub(first)
    received: List[int] = []
    hub.subscribe(f"topic={topic}", lambda event: received.append(event["data"]["n"]))
    hub.publish(Event(topic, data={"n": 1}))
    pump([hub], lambda: received == [1])

    first.background.stop()
    wait_until(lambda: not hub.connected)
    # Published while the server is away: queued, not lost.
    assert hub.publish(Event(topic, data={"n": 2})) is True

    second = BackgroundServer(LocalServer(database), port=port).start()
    try:
        assert second.url == first.url
        pump([hub], lambda: received == [1, 2], timeout=20)
        assert hub.connected

        # The subscriber is registered with the new server: another hub reaches it.
        other = make_hub(first)
        other.publish(Event(topic, data={"n": 3}))
        pump([hub], lambda: received == [1, 2, 3])
    finally:
        hub.disconnect()
        second.stop()


# -- Separate processes -------------------------------------------------------------


def _compat_python() -> Optional[str]:
    """The interpreter of an environment holding the original client, if any."""
    venv = Path(os.environ.get("FTRACK_COMPAT_VENV", ROOT / ".compat-venv"))
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    if not python.exists():
        return None
    check = subprocess.run(
        [str(python), "-I", "-c", "import ftrack_api.event.hub"],
        capture_output=True,
        check=False,
    )
    return str(python) if check.returncode == 0 else None


def _exchange_with_peer(make_hub, ftrack_server, python: str, workdir: Path) -> Dict[str, Any]:
    """Run a peer process with *python*; ping it and let it reply; return what both saw."""
    run = uuid.uuid4().hex[:12]
    hub = make_hub()
    ready: List[Event] = []

    def on_ready(event):
        ready.append(event)
        return {"welcome": run}

    hub.subscribe(f"topic=integration.ready and data.run={run}", on_ready)
    settle(hub)

    script = workdir / "peer.py"
    script.write_text(PEER_SCRIPT)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment.update(ftrack_server.environment())
    environment["NO_PROXY"] = "127.0.0.1,localhost"
    peer = subprocess.Popen(
        [python, "-I", str(script), run],
        cwd=workdir,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        pump([hub], lambda: ready, timeout=30)
        replies: List[Event] = []
        for value in range(3):
            hub.publish(
                Event("integration.ping", data={"run": run, "value": value}),
                on_reply=replies.append,
            )
        pump([hub], lambda: len(replies) == 3, timeout=10)
        hub.publish(Event("integration.stop", data={"run": run}))
        stdout, stderr = peer.communicate(timeout=30)
    finally:
        if peer.poll() is None:
            peer.kill()
            peer.communicate()
    assert peer.returncode == 0, stderr
    return {"ready": ready[0], "replies": replies, "peer": json.loads(stdout.splitlines()[-1])}


def test_two_processes_exchange_events_and_replies(make_hub, ftrack_server, tmp_path):
    seen = _exchange_with_peer(make_hub, ftrack_server, sys.executable, tmp_path)

    assert seen["ready"]["data"]["package"] == str(ROOT / "ftrack_api")
    peer_pid = seen["ready"]["data"]["pid"]
    assert peer_pid != os.getpid()
    assert sorted(reply["data"]["echo"] for reply in seen["replies"]) == [0, 1, 2]
    assert {reply["data"]["pid"] for reply in seen["replies"]} == {peer_pid}
    assert seen["peer"]["pings"] == 3
    # Our reply to the peer's ``ready`` event reached its on_reply callback.
    assert seen["peer"]["replies"] == [{"welcome": seen["ready"]["data"]["run"]}]


@pytest.mark.compat
def test_the_original_client_hub_exchanges_events_with_ours(make_hub, ftrack_server, tmp_path):
    python = _compat_python()
    if python is None:
        pytest.skip("the original client is not installed (run the compat tests once)")
    seen = _exchange_with_peer(make_hub, ftrack_server, python, tmp_path)

    assert seen["ready"]["data"]["package"] != str(ROOT / "ftrack_api")
    assert sorted(reply["data"]["echo"] for reply in seen["replies"]) == [0, 1, 2]
    assert seen["peer"]["pings"] == 3
    assert seen["peer"]["replies"] == [{"welcome": seen["ready"]["data"]["run"]}]
