"""The context tree's closure table follows creates, moves and deletes."""

from __future__ import annotations

import pytest

from ftrack_server.errors import ValidationError


@pytest.fixture
def paths(rows):
    """``paths()``: every closure row as (ancestor, descendant, depth), sorted."""

    def read():
        return sorted(
            (row["ancestor_id"], row["descendant_id"], row["depth"])
            for row in rows("context_closure")
        )

    return read


def ancestors(rows, node_id):
    """Ancestors as the query side reads them: root first."""
    found = rows("context_closure", descendant_id=node_id)
    return [row["ancestor_id"] for row in sorted(found, key=lambda row: -row["depth"])]


def test_creates_add_one_row_per_ancestor_and_none_for_the_context_itself(paths, project):
    assert paths() == [
        ("p-1", "sh-1", 2),
        ("p-1", "sq-1", 1),
        ("sq-1", "sh-1", 1),
    ]


def test_ancestors_read_root_first(rows, project):
    assert ancestors(rows, "sh-1") == ["p-1", "sq-1"]
    assert ancestors(rows, "p-1") == []


def test_moving_a_context_moves_its_subtree(batch, rows, paths, project):
    def build(w):
        w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"})
        w.create("Task", ["t-1"], {"name": "comp", "parent_id": "sh-1"})

    batch(build)
    batch(
        lambda w: w.update(
            "Shot", ["sh-1"], {"parent": {"__entity_type__": "Sequence", "id": "sq-2"}}
        )
    )
    assert ancestors(rows, "sh-1") == ["p-1", "sq-2"]
    assert ancestors(rows, "t-1") == ["p-1", "sq-2", "sh-1"]
    descendants_of_old = [row for row in paths() if row[0] == "sq-1" and row[2] >= 1]
    assert descendants_of_old == []
    assert rows("context", id="sh-1")[0]["parent_id"] == "sq-2"


def test_moving_to_another_project_updates_project_ids(batch, rows, site, project):
    def build(w):
        w.create("Project", ["p-2"], {"name": "beta", "project_schema_id": site.project_schema_id})
        w.create("Task", ["t-1"], {"name": "comp", "parent_id": "sh-1"})
        w.update("Sequence", ["sq-1"], {"parent_id": "p-2"})

    batch(build)
    assert {row["id"]: row["project_id"] for row in rows("context")} == {
        "p-1": "p-1",
        "p-2": "p-2",
        "sq-1": "p-2",
        "sh-1": "p-2",
        "t-1": "p-2",
    }
    assert ancestors(rows, "t-1") == ["p-2", "sq-1", "sh-1"]


def test_moving_under_a_descendant_is_refused(batch, paths, project):
    before = paths()
    with pytest.raises(ValidationError, match="own ancestor"):
        batch(lambda w: w.update("Sequence", ["sq-1"], {"parent_id": "sh-1"}))
    with pytest.raises(ValidationError, match="own ancestor"):
        batch(lambda w: w.update("Sequence", ["sq-1"], {"parent_id": "sq-1"}))
    assert paths() == before


def test_a_project_cannot_be_moved(batch, project, site):
    batch(lambda w: w.create("Project", ["p-2"], {"name": "b", "project_schema_id": "ps-vfx"}))
    with pytest.raises(ValidationError, match="Project cannot have a parent"):
        batch(lambda w: w.update("Project", ["p-2"], {"parent_id": "p-1"}))


def test_children_collection_moves_the_listed_contexts(batch, rows, project):
    batch(lambda w: w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"}))
    batch(
        lambda w: w.update(
            "Sequence", ["sq-2"], {"children": [{"__entity_type__": "Shot", "id": "sh-1"}]}
        )
    )
    assert ancestors(rows, "sh-1") == ["p-1", "sq-2"]


def test_move_is_reported_as_a_move(batch, context, project):
    batch(lambda w: w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"}))
    context.changes.clear()
    batch(lambda w: w.update("Shot", ["sh-1"], {"parent_id": "sq-2"}))
    (entry,) = context.changes
    assert entry["action"] == "move"
    assert entry["changes"]["parent_id"] == {"old": "sq-1", "new": "sq-2"}
    assert [parent["entityId"] for parent in entry["parents"]] == ["sh-1", "sq-2", "p-1"]


def test_siblings_created_together_share_their_ancestors(batch, rows, project):
    def build(w):
        for key in ("t-1", "t-2", "t-3"):
            w.create("Task", [key], {"name": key, "parent_id": "sh-1"})
        w.create("Task", ["t-4"], {"name": "t-4", "parent_id": "t-1"})

    batch(build)
    for key in ("t-1", "t-2", "t-3"):
        assert ancestors(rows, key) == ["p-1", "sq-1", "sh-1"]
    assert ancestors(rows, "t-4") == ["p-1", "sq-1", "sh-1", "t-1"]
    depths = {
        row["ancestor_id"]: row["depth"] for row in rows("context_closure", descendant_id="t-4")
    }
    assert depths == {"t-1": 1, "sh-1": 2, "sq-1": 3, "p-1": 4}


def test_children_created_after_a_move_in_the_same_batch_follow_it(batch, rows, project):
    def build(w):
        w.create("Sequence", ["sq-2"], {"name": "sq020", "parent_id": "p-1"})
        w.create("Task", ["t-1"], {"name": "before", "parent_id": "sh-1"})
        w.update("Shot", ["sh-1"], {"parent_id": "sq-2"})
        w.create("Task", ["t-2"], {"name": "after", "parent_id": "sh-1"})

    batch(build)
    assert ancestors(rows, "t-1") == ["p-1", "sq-2", "sh-1"]
    assert ancestors(rows, "t-2") == ["p-1", "sq-2", "sh-1"]


def test_deleting_a_context_removes_its_rows(batch, paths, project):
    batch(lambda w: w.delete("Sequence", ["sq-1"]))
    assert paths() == []


def test_a_site_made_with_self_rows_drops_them_on_start(tmp_path):
    import sqlalchemy as sa

    from ftrack_server.server import LocalServer

    path = str(tmp_path / "older.sqlite")
    server = LocalServer(path)
    closure_table = server.database.table("context_closure")
    contexts = server.database.table("context")
    with server.database.transaction() as connection:
        schema = connection.execute(
            sa.select(server.database.table("project_schema").c.id)
        ).scalar()
        connection.execute(
            contexts.insert(),
            {
                "id": "p-1",
                "name": "p",
                "full_name": "p",
                "context_type": "show",
                "project_schema_id": schema,
            },
        )
        # What earlier versions stored for every context.
        connection.execute(
            closure_table.insert(), {"ancestor_id": "p-1", "descendant_id": "p-1", "depth": 0}
        )
    server.database.dispose()
    reopened = LocalServer(path)
    try:
        with reopened.database.transaction(write=False) as connection:
            assert (
                connection.execute(sa.select(sa.func.count()).select_from(closure_table)).scalar()
                == 0
            )
    finally:
        reopened.database.dispose()
