"""Paged queries reuse their ordered keys until the data changes."""

from __future__ import annotations

import sqlalchemy as sa

from ftrack_server.query.pages import PageKeyCache

from ...server.api.wire import Api, create, ref


def test_cache_entries_expire_with_generation_and_time(monkeypatch):
    cache = PageKeyCache(size=2, ttl=5.0)
    generation = cache.generation
    cache.put("a", [1, 2], generation)
    assert cache.get("a") == [1, 2]
    cache.invalidate()
    assert cache.get("a") is None
    cache.put("b", [3], generation)  # read before the change: not stored
    assert cache.get("b") is None
    cache.put("b", [3], cache.generation)
    cache.put("c", [4], cache.generation)
    cache.put("d", [5], cache.generation)  # size 2: "b" goes
    assert cache.get("b") is None and cache.get("d") == [5]
    clock = [100.0]
    monkeypatch.setattr("ftrack_server.query.pages.time.monotonic", lambda: clock[0])
    cache.put("e", [6], cache.generation)
    clock[0] += 6
    assert cache.get("e") is None


def _select_statements(server):
    statements = []
    sa.event.listen(
        server.database.engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    return statements


def test_pages_after_the_first_skip_the_sort_and_see_writes(ftrack_server_factory):
    info = ftrack_server_factory()
    api = Api(info.url, info.api_user, info.api_key)
    project = create(
        "Project",
        name="paging",
        full_name="Paging",
        project_schema=ref("ProjectSchema", "69cb7f92-4dbf-11e1-9902-f23c91df25eb"),
    )
    project_id = project["entity_key"][0]
    shots = [
        create("Shot", name=f"sh{index:02d}", parent=ref("Project", project_id))
        for index in range(7)
    ]
    api.ok([project, *shots])
    expression = f'select name from Shot where project_id is "{project_id}" order by name'
    statements = _select_statements(info.server)

    def page(offset):
        result = api.ok(
            [{"action": "query", "expression": f"{expression} offset {offset} limit 3"}]
        )[0]
        return [shot["name"] for shot in result["data"]], result["metadata"]["next"]["offset"]

    assert page(0) == (["sh00", "sh01", "sh02"], 3)
    sorted_scans = len([text for text in statements if "LIMIT" not in text and "ORDER BY" in text])
    assert page(3) == (["sh03", "sh04", "sh05"], 6)
    assert page(6) == (["sh06"], None)
    later_scans = len([text for text in statements if "LIMIT" not in text and "ORDER BY" in text])
    # Later pages load their rows by key (one ORDER BY over the page, no new key scan).
    assert later_scans - sorted_scans == 2

    # A write invalidates the keys: the next page sees the new shot.
    api.ok([create("Shot", name="sh03b", parent=ref("Project", project_id))])
    assert page(3) == (["sh03", "sh03b", "sh04"], 6)
