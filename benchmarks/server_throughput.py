"""Local server throughput: creates per second and query rows per second.

Starts a local server (in-memory SQLite unless ``--db`` names a file or URL), then:

* create throughput: Tasks created over HTTP in batches of 100 (one request per
  batch, one transaction each), in entities per second;
* create batch: one request of 1,000 Task creates under one Shot (what a client
  commit of a thousand new Tasks sends), from request to response, after the 10k
  Tasks exist (pass ``--db`` a file path for the file-database figure);
* query throughput: ``select name, parent.name, status.name from Task`` over 1k and
  10k Tasks (three projected paths), fetched over HTTP and decoded with
  ``json.loads``, in rows per second; also the engine alone (no HTTP).

Run: ``.venv/bin/python benchmarks/server_throughput.py [--tasks 10000] [--db PATH]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any, Dict, List

import requests
from _common import create_operation, reference

from ftrack_server.context import RequestContext
from ftrack_server.query.loader import execute_query
from ftrack_server.runner import BackgroundServer
from ftrack_server.server import LocalServer

VFX_SCHEME = "69cb7f92-4dbf-11e1-9902-f23c91df25eb"
BATCH = 100


class Client:
    def __init__(self, url: str, user: str, key: str) -> None:
        self.url = url + "/api"
        self.http = requests.Session()
        self.http.headers.update({"ftrack-user": user, "ftrack-api-key": key})

    def call(self, operations: List[Dict[str, Any]]) -> Any:
        response = self.http.post(self.url, data=json.dumps(operations), timeout=600)
        body = json.loads(response.content)
        if isinstance(body, dict):
            raise RuntimeError(f"{body['exception']}: {body['content']}")
        return body


def populate(client: Client, project_name: str, tasks: int) -> tuple:
    """Create a project with ``tasks`` Tasks under 10 shots; return (project id, seconds)."""
    project = create_operation(
        "Project",
        name=project_name,
        full_name=project_name,
        project_schema=reference("ProjectSchema", VFX_SCHEME),
    )
    shots = [
        create_operation(
            "Shot", name=f"sh{index:03d}", parent=reference("Project", project["entity_key"][0])
        )
        for index in range(10)
    ]
    client.call([project, *shots])
    operations = [
        create_operation(
            "Task",
            name=f"task{index:05d}",
            parent=reference("Shot", shots[index % len(shots)]["entity_key"][0]),
        )
        for index in range(tasks)
    ]
    started = time.perf_counter()
    for offset in range(0, len(operations), BATCH):
        client.call(operations[offset : offset + BATCH])
    return project["entity_key"][0], time.perf_counter() - started


def create_batch(client: Client, project_id: str, repeats: int) -> tuple:
    """Time requests of 1,000 Task creates under a new Shot; return (best, median) s."""
    shot = create_operation("Shot", name="batch", parent=reference("Project", project_id))
    client.call([shot])
    shot_ref = reference("Shot", shot["entity_key"][0])

    timings = []
    for _ in range(repeats):
        operations = [
            create_operation("Task", name=f"new{index:04d}", parent=shot_ref)
            for index in range(1000)
        ]
        body = json.dumps(operations)
        started = time.perf_counter()
        response = client.http.post(client.url, data=body, timeout=600)
        timings.append(time.perf_counter() - started)
        assert isinstance(json.loads(response.content), list), response.content[:200]
    return min(timings), statistics.median(timings)


def best_of(repeats: int, function) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return min(timings), statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="database file or URL (default: memory)")
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()

    with BackgroundServer(LocalServer(arguments.db)) as background:
        server = background.server
        client = Client(background.url, server.admin_username, server.admin_api_key or "")
        print(f"local server {background.url} ({arguments.db or 'in-memory SQLite'})")
        context = RequestContext(user_id="bench", username=server.admin_username)
        for count in (1_000, 10_000):
            project_id, seconds = populate(client, f"bench_{count}", count)
            print(
                f"create: {count} Tasks in batches of {BATCH}: {seconds:.2f} s, "
                f"{count / seconds:,.0f} entities/s"
            )
            expression = (
                "select name, parent.name, status.name from Task "
                f'where project_id is "{project_id}"'
            )
            rows = client.call([{"action": "query", "expression": expression}])[0]["data"]
            assert len(rows) == count, len(rows)
            best, median = best_of(
                arguments.repeats,
                lambda expression=expression: client.call(
                    [{"action": "query", "expression": expression}]
                ),
            )
            print(
                f"query over HTTP: {count} Tasks x 3 paths: best {best * 1000:.0f} ms "
                f"({count / best:,.0f} rows/s), median {median * 1000:.0f} ms"
            )

            def engine(expression=expression):
                with server.database.transaction(write=False) as connection:
                    execute_query(connection, server.model, expression, context)

            best, median = best_of(arguments.repeats, engine)
            print(
                f"query engine only: {count} Tasks x 3 paths: best {best * 1000:.0f} ms "
                f"({count / best:,.0f} rows/s), median {median * 1000:.0f} ms"
            )
        best, median = create_batch(client, project_id, arguments.repeats)
        print(
            f"create batch: 1000 Tasks in one request: best {best * 1000:.0f} ms, "
            f"median {median * 1000:.0f} ms"
        )


if __name__ == "__main__":
    main()
