"""Our client against the original ftrack-python-api, same workloads, one local server.

Starts a local server (file database) with a generated project of 10,000 Tasks, then
runs each workload in a fresh subprocess with our client and with the original
(from a separate virtual environment) and prints both figures and the ratio:

* query: ``select name, parent.name, parent.parent.name, status.name, type.name
  from Task`` for the 10k Tasks (query + decode + merge, default paging);
* memory: the same query under tracemalloc: memory still held per entity after it
  (results kept alive), peak memory during it, and that peak minus what is kept at the
  end (the working memory the query needed on top of its results);
* commit: one commit of 1,000 created Tasks;
* startup: ``Session()`` with a warm schema cache.

Each figure is the best of ``--repeats`` runs (5; memory is measured once), the two
clients taking turns. Run: ``.venv/bin/python benchmarks/compare_upstream.py
[--original PYTHON] [--repeats N]``. The
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
import textwrap
from pathlib import Path
from typing import Dict

import requests
from _common import create_operation, original_python, reference

from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer

TASKS = 10_000
SHOTS = 100
QUERY = (
    "select name, parent.name, parent.parent.name, status.name, type.name "
    'from Task where project_id is "{project}"'
)

WORKLOAD = textwrap.dedent(
    """
    import gc, json, sys, time, tracemalloc
    import ftrack_api

    workload, project_id, shot_id, query = sys.argv[1:5]

    def session():
        return ftrack_api.Session(auto_connect_event_hub=False, plugin_paths=[])

    result = {}
    if workload == "startup":
        session().close()  # warm the schema cache
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            current = session()
            timings.append(time.perf_counter() - started)
            current.close()
        result["seconds"] = min(timings)
    elif workload == "query":
        current = session()
        started = time.perf_counter()
        tasks = current.query(query).all()
        result["seconds"] = time.perf_counter() - started
        result["rows"] = len(tasks)
    elif workload == "memory":
        current = session()
        gc.collect()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        tasks = current.query(query).all()
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
        result["held_per_entity"] = (held - baseline) / len(tasks)
        result["peak_bytes"] = peak - baseline
        result["transient_bytes"] = peak - held
        result["rows"] = len(tasks)
    elif workload == "commit":
        current = session()
        shot = current.get("Shot", shot_id)
        for index in range(1000):
            current.create("Task", {"name": "bench%d" % index, "parent": shot})
        started = time.perf_counter()
        current.commit()
        result["seconds"] = time.perf_counter() - started
    print(json.dumps(result))
    """
)


def populate(url: str, user: str, key: str) -> tuple:
    """A project with SHOTS shots under 10 sequences and TASKS tasks; return ids."""
    http = requests.Session()
    http.headers.update({"ftrack-user": user, "ftrack-api-key": key})

    def call(operations):
        body = http.post(url + "/api", json=operations, timeout=600).json()
        if isinstance(body, dict):
            raise RuntimeError(body)
        return body

    project = create_operation(
        "Project",
        name="bench",
        full_name="Benchmark",
        project_schema=reference("ProjectSchema", "69cb7f92-4dbf-11e1-9902-f23c91df25eb"),
    )
    project_id = project["entity_key"][0]
    sequences = [
        create_operation(
            "Sequence", name=f"sq{index:03d}", parent=reference("Project", project_id)
        )
        for index in range(10)
    ]
    shots = [
        create_operation(
            "Shot",
            name=f"sh{index:04d}",
            parent=reference("Sequence", sequences[index % 10]["entity_key"][0]),
        )
        for index in range(SHOTS)
    ]
    call([project, *sequences, *shots])
    tasks = [
        create_operation(
            "Task",
            name=f"task{index:05d}",
            parent=reference("Shot", shots[index % SHOTS]["entity_key"][0]),
        )
        for index in range(TASKS)
    ]
    for offset in range(0, len(tasks), 500):
        call(tasks[offset : offset + 500])
    return project_id, shots[0]["entity_key"][0]


def run(python: str, workload: str, environment: Dict[str, str], arguments: list) -> dict:
    completed = subprocess.run(
        [python, "-I", "-c", WORKLOAD, workload, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{python} {workload} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--original", help="python of a venv with ftrack-python-api 3.1")
    parser.add_argument("--repeats", type=int, default=5, help="runs per workload (best)")
    arguments = parser.parse_args()
    upstream = original_python(arguments.original)

    with tempfile.TemporaryDirectory() as directory:
        server = LocalServer(str(Path(directory) / "site.sqlite"))
        with BackgroundServer(server) as background:
            project_id, shot_id = populate(
                background.url, server.admin_username, server.admin_api_key
            )
            environment = dict(os.environ)
            environment.update(
                {
                    "FTRACK_SERVER": background.url,
                    "FTRACK_API_USER": server.admin_username,
                    "FTRACK_API_KEY": server.admin_api_key,
                    "FTRACK_EVENT_PLUGIN_PATH": "",
                    "NO_PROXY": "127.0.0.1,localhost",
                }
            )
            query = QUERY.format(project=project_id)
            # One untimed query first: the server settles after the bulk load (its
            # write-ahead log is checkpointed in the background) and its page cache
            # is warm for both clients alike.
            run(sys.executable, "query", environment, [project_id, shot_id, query])
            print(f"local server {background.url}: {TASKS} Tasks under {SHOTS} Shots")
            print(f"original: {upstream}\n")
            for workload, measure, label, unit, scale in (
                ("query", "seconds", "query+decode+merge 10k Tasks x 5 paths", "s", 1),
                ("memory", "held_per_entity", "memory held per entity after 10k", "B", 1),
                ("memory", "peak_bytes", "peak memory during 10k query", "MB", 1e-6),
                ("memory", "transient_bytes", "peak above what is kept (transient)", "MB", 1e-6),
                ("commit", "seconds", "commit of 1,000 creates", "s", 1),
                ("startup", "seconds", "session start-up, warm schema cache", "s", 1),
            ):
                # The two clients take turns, so drift in the machine or the server
                # (its background checkpoints, say) falls on both alike.
                values: Dict[str, list] = {"ours": [], "original": []}
                repeats = 1 if workload == "memory" else arguments.repeats
                for _ in range(repeats):
                    for name, python in (("ours", sys.executable), ("original", upstream)):
                        values[name].append(
                            run(python, workload, environment, [project_id, shot_id, query])[
                                measure
                            ]
                        )
                figures = {name: min(found) for name, found in values.items()}
                ratio = figures["ours"] / figures["original"]
                print(
                    f"{label:<42} ours {figures['ours'] * scale:10.3f} {unit:<2} "
                    f"original {figures['original'] * scale:10.3f} {unit:<2} ratio {ratio:.3f}x"
                )


if __name__ == "__main__":
    main()
