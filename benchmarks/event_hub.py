"""Event hub figures: our client's hub against the original's, through one local server.

Starts a local server, then runs the same workload in a fresh subprocess with our
client and with the original ftrack-python-api (from a separate virtual
environment). In each, two hubs connect: a publisher and a subscriber, each with
a thread running ``wait()``. The workload measures

* round-trip latency: publish an event, the subscriber's callback returns a
  value, the publisher's ``on_reply`` receives the reply (median and p95);
* throughput: publish a burst of events as fast as possible; the rate at which
  ``publish()`` returns, and the rate at which the subscriber's callback has
  seen them all (end to end).

Run: ``.venv/bin/python benchmarks/event_hub.py [--original PYTHON]``. The
original's interpreter defaults to ``$FTRACK_ORIGINAL_PYTHON``, then
``.compat-venv/bin/python`` (created by the compatibility tests).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, List

from _common import original_python

from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer

#: Runs in the measured client's interpreter; uses only the public hub API.
WORKLOAD = r"""
import json, os, sys, threading, time

from ftrack_api.event.base import Event
from ftrack_api.event.hub import EventHub

events, round_trips = int(sys.argv[1]), int(sys.argv[2])


def make_hub():
    return EventHub(
        os.environ["FTRACK_SERVER"], os.environ["FTRACK_API_USER"], os.environ["FTRACK_API_KEY"]
    )


publisher, subscriber = make_hub(), make_hub()
received = [0]
flooded = threading.Event()


def on_flood(event):
    received[0] += 1
    if received[0] == events:
        flooded.set()


subscriber.subscribe("topic=bench.flood", on_flood)
subscriber.subscribe("topic=bench.question", lambda event: "answer")
publisher.connect()
subscriber.connect()
for hub in (publisher, subscriber):
    threading.Thread(target=hub.wait, daemon=True).start()


def round_trip(timeout):
    replied = threading.Event()
    publisher.publish(Event("bench.question"), on_reply=lambda event: replied.set())
    return replied.wait(timeout)


# Until the first reply the subscriber may not be registered yet.
deadline = time.time() + 30
while not round_trip(0.5):
    if time.time() > deadline:
        raise SystemExit("no reply from the subscriber hub")
for _ in range(20):
    round_trip(10)

latencies = []
for _ in range(round_trips):
    started = time.perf_counter()
    if not round_trip(10):
        raise SystemExit("a reply went missing")
    latencies.append(time.perf_counter() - started)
latencies.sort()

started = time.perf_counter()
for number in range(events):
    publisher.publish(Event("bench.flood", data={"n": number, "payload": "x" * 64}))
published = time.perf_counter() - started
if not flooded.wait(300):
    raise SystemExit("only %d of %d events arrived" % (received[0], events))
delivered = time.perf_counter() - started

print(json.dumps({
    "latency_median": latencies[len(latencies) // 2],
    "latency_p95": latencies[int(len(latencies) * 0.95)],
    "publish_rate": events / published,
    "delivery_rate": events / delivered,
}))
sys.stdout.flush()
os._exit(0)
"""


def run(python: str, environment: Dict[str, str], events: int, round_trips: int) -> dict:
    completed = subprocess.run(
        [python, "-I", "-c", WORKLOAD, str(events), str(round_trips)],
        env=environment,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", help="python of a venv with ftrack-python-api 3.1")
    parser.add_argument("--events", type=int, default=5000, help="events in the burst")
    parser.add_argument("--round-trips", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    upstream = original_python(arguments.original)

    with BackgroundServer(LocalServer()) as background:
        server = background.server
        environment = dict(os.environ)
        environment.update(
            {
                "FTRACK_SERVER": background.url,
                "FTRACK_API_USER": server.admin_username,
                "FTRACK_API_KEY": server.admin_api_key,
                "NO_PROXY": "127.0.0.1,localhost",
            }
        )
        print(f"local server {background.url}; original: {upstream}")
        print(
            f"{arguments.events} events per burst, {arguments.round_trips} round trips, "
            f"best of {arguments.repeats}\n"
        )

        results: Dict[str, List[dict]] = {"ours": [], "original": []}
        for _ in range(arguments.repeats):
            for name, python in (("ours", sys.executable), ("original", upstream)):
                results[name].append(
                    run(python, environment, arguments.events, arguments.round_trips)
                )

        for measure, label, unit, scale, best in (
            ("latency_median", "round trip, median", "ms", 1e3, min),
            ("latency_p95", "round trip, p95", "ms", 1e3, min),
            ("publish_rate", "publish() rate", "ev/s", 1, max),
            ("delivery_rate", "end-to-end delivery rate", "ev/s", 1, max),
        ):
            ours = best(result[measure] for result in results["ours"]) * scale
            original = best(result[measure] for result in results["original"]) * scale
            print(
                f"{label:<26} ours {ours:10.2f} {unit:<4} original {original:10.2f} {unit:<4} "
                f"ratio {ours / original:.2f}x"
            )


if __name__ == "__main__":
    main()
