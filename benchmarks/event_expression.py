"""Benchmark parsing and matching of event subscription expressions.

Measures, for a set of realistic subscriptions and events:

* parsing without the parse cache (expressions per second), the cost of a
  subscription seen for the first time;
* parsing through the cache (expressions per second), the cost of the many
  subscriptions that repeat the same text;
* matching every parsed expression against every event (matches per second),
  the work an event hub does for each event it dispatches.

When the original ftrack-python-api is installed in another interpreter
(``$FTRACK_ORACLE_PYTHON``, else ``/work/oracle-venv/bin/python`` when it
exists), the same workload also runs there, in a subprocess that only uses its
public API, and the ratio ours / original is printed.

Usage::

    python benchmarks/event_expression.py [--seconds 1.0] [--no-oracle]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import subprocess
import sys
import textwrap
import time
from typing import Callable, Dict, List, Optional

ORACLE_PYTHON_DEFAULT = "/work/oracle-venv/bin/python"

EXPRESSIONS = [
    "topic=ftrack.update",
    "topic=ftrack.meta.reply",
    "topic=ftrack.action.discover and source.user.username=jane",
    "topic=ftrack.action.launch and data.actionIdentifier=my-action and "
    'source.user.username="jane"',
    "topic=ftrack.storage-scenario.activate and "
    'data.storage_scenario.scenario="ftrack.centralized-storage"',
    "topic=ftrack.action.*",
    'topic=ftrack.update and (data.user.name="Jane Doe" or not source.user.username=robot*)',
    "id=3f9c2b7e9d0a4c1f8e6b5a4d3c2b1a09",
    "(topic=ftrack.update or topic=ftrack.location.*) and not data.parents=*shot010*",
]

EVENTS = [
    {
        "id": "8b1f5c0e2a4d4f6e9c7b3a1d5e2f4c6a",
        "topic": "ftrack.update",
        "data": {
            "user": {"userid": "u1", "name": "Jane Doe"},
            "parents": ["show", "seq010", "shot010"],
            "entities": [{"entityId": "t1", "entityType": "task", "action": "update"}],
        },
        "source": {"id": "server", "user": {"username": "jane"}},
        "target": "",
        "sent": None,
        "in_reply_to_event": None,
    },
    {
        "id": "1d2c3b4a5e6f47089a1b2c3d4e5f6071",
        "topic": "ftrack.action.launch",
        "data": {"actionIdentifier": "my-action", "selection": [{"entityId": "t1"}]},
        "source": {"id": "hub", "user": {"username": "jane"}, "host": "ws-17"},
        "target": "",
        "sent": None,
        "in_reply_to_event": None,
    },
    {
        "id": "aa0b1c2d3e4f45a6b7c8d9e0f1a2b3c4",
        "topic": "ftrack.action.discover",
        "data": {"selection": [{"entityId": "t1", "entityType": "task"}]},
        "source": {"id": "web", "user": {"username": "john"}},
        "target": "",
        "sent": None,
        "in_reply_to_event": None,
    },
    {
        "id": "3f9c2b7e9d0a4c1f8e6b5a4d3c2b1a09",
        "topic": "ftrack.meta.reply",
        "data": {"success": True},
        "source": {"id": "subscriber", "user": {"username": "robot-7"}},
        "target": "id=hub",
        "sent": None,
        "in_reply_to_event": "1d2c3b4a5e6f47089a1b2c3d4e5f6071",
    },
]


def measure_rate(batch: Callable[[], int], seconds: float) -> float:
    """Return operations per second of *batch*, best of three timed rounds.

    *batch* performs some operations and returns how many. Each round repeats
    it for about *seconds* / 3.
    """
    clock = time.perf_counter
    round_seconds = seconds / 3
    best = 0.0
    for _ in range(3):
        operations = 0
        started = clock()
        elapsed = 0.0
        while elapsed < round_seconds:
            operations += batch()
            elapsed = clock() - started
        best = max(best, operations / elapsed)
    return best


def measure_workload(
    parse: Callable[[str], object],
    expressions: List[str],
    events: List[dict],
    seconds: float,
) -> Dict[str, object]:
    """Return parse and match rates for *parse* over the workload.

    Also return the outcome of each match, to check that both packages agree.
    """

    def parse_batch() -> int:
        for expression in expressions:
            parse(expression)
        return len(expressions)

    parsed = [parse(expression) for expression in expressions]
    matchers = [expression.match for expression in parsed]

    def match_batch() -> int:
        for event in events:
            for match in matchers:
                match(event)
        return len(events) * len(matchers)

    return {
        "parse": measure_rate(parse_batch, seconds),
        "match": measure_rate(match_batch, seconds),
        "outcomes": [bool(match(event)) for event in events for match in matchers],
    }


# Run by the original package's interpreter: its public API plus the two
# measuring functions above, fed the workload as JSON on standard input.
ORACLE_SCRIPT = (
    "import json, sys, time\n"
    "from typing import Callable, Dict, List\n"
    "from ftrack_api.event.expression import Parser\n"
    + inspect.getsource(measure_rate)
    + inspect.getsource(measure_workload)
    + textwrap.dedent(
        """
        workload = json.load(sys.stdin)
        parser = Parser()
        rates = measure_workload(
            parser.parse, workload["expressions"], workload["events"], workload["seconds"]
        )
        json.dump(rates, sys.stdout)
        """
    )
)


def oracle_python() -> Optional[str]:
    """Return the interpreter with the original package, if there is one."""
    configured = os.environ.get("FTRACK_ORACLE_PYTHON")
    if configured:
        return configured
    if os.path.exists(ORACLE_PYTHON_DEFAULT):
        return ORACLE_PYTHON_DEFAULT
    return None


def measure_oracle(python: str, seconds: float) -> Dict[str, object]:
    """Run the workload with the original package under *python*."""
    workload = {"expressions": EXPRESSIONS, "events": EVENTS, "seconds": seconds}
    completed = subprocess.run(
        # Isolated mode: the current directory (maybe this project, with its
        # own ftrack_api) and PYTHONPATH must not shadow the original package.
        [python, "-I", "-c", ORACLE_SCRIPT],
        input=json.dumps(workload),
        capture_output=True,
        text=True,
        timeout=60 + 20 * seconds,
        check=True,
    )
    return json.loads(completed.stdout)


def measure_ours(seconds: float) -> Dict[str, object]:
    """Run the workload with this project's package, in this process."""
    from ftrack_api.event.expression import Parser

    parser = Parser()
    uncached = measure_workload(parser._parse_uncached, EXPRESSIONS, EVENTS, seconds)
    cached = measure_workload(parser.parse, EXPRESSIONS, EVENTS, seconds)
    return {
        "parse": uncached["parse"],
        "parse_cached": cached["parse"],
        "match": uncached["match"],
        "outcomes": uncached["outcomes"],
    }


def format_rate(rate: Optional[float]) -> str:
    return "-" if rate is None else f"{rate:,.0f}"


def format_ratio(ours: float, theirs: Optional[float]) -> str:
    return "-" if not theirs else f"{ours / theirs:.1f}x"


def main(arguments: Optional[List[str]] = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument(
        "--seconds", type=float, default=1.5, help="time spent on each measurement"
    )
    options.add_argument(
        "--no-oracle", action="store_true", help="do not run the original package"
    )
    options = options.parse_args(arguments)

    print(
        f"Workload: {len(EXPRESSIONS)} expressions, {len(EVENTS)} events "
        f"({len(EXPRESSIONS) * len(EVENTS)} matches per round)."
    )
    ours = measure_ours(options.seconds)

    theirs: Dict[str, object] = {}
    python = None if options.no_oracle else oracle_python()
    if python:
        try:
            theirs = measure_oracle(python, options.seconds)
        except subprocess.CalledProcessError as error:
            reason = (error.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"Original package not measured ({python}): {reason}", file=sys.stderr)
        except (OSError, subprocess.SubprocessError, ValueError) as error:
            print(f"Original package not measured ({python}): {error}", file=sys.stderr)

    rows = [
        ("parse, no cache (expressions/s)", "parse", "parse"),
        ("parse, cached (expressions/s)", "parse_cached", "parse"),
        ("match (matches/s)", "match", "match"),
    ]
    print()
    print(f"{'measurement':<34}{'ours':>14}{'original':>14}{'ratio':>9}")
    for label, our_key, their_key in rows:
        their_rate = theirs.get(their_key)
        print(
            f"{label:<34}{format_rate(ours[our_key]):>14}{format_rate(their_rate):>14}"
            f"{format_ratio(ours[our_key], their_rate):>9}"
        )
    if theirs:
        print()
        if theirs["outcomes"] != ours["outcomes"]:
            print("WARNING: the two packages disagree on some matches of this workload.")
        print(f"original: {python}; it has no parse cache, so both parse rows compare")
        print("against its plain parse. ratio = ours / original (higher is faster).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
