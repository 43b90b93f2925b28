"""Shared write plans: payload layouts and statements, worked out once and reused."""

from __future__ import annotations

import pytest

from ftrack_server.model import load_model
from ftrack_server.storage.write_plan import LAYOUTS_PER_TYPE, plans_for

MODEL = load_model()


@pytest.fixture
def task_plan():
    return plans_for(MODEL).plan("Task")


def test_a_layout_sorts_the_names_sent(task_plan):
    layout = task_plan.layout(("__entity_type__", "id", "name", "parent", "bid", "parent_id"))
    assert [name for name, _column, _type in layout.scalars] == ["id", "name", "bid", "parent_id"]
    assert [name for name, _reference in layout.references] == ["parent"]
    assert layout.refused is None and layout.collections == ()
    assert layout.given == ("id", "name", "parent", "bid", "parent_id")
    assert layout.links == ("parent",)
    # The columns in the order reading sets them: a reference's column where it was
    # first set (by the scalar sent along) or after the scalars.
    assert layout.columns == ("id", "name", "bid", "parent_id")
    defaulted = [column for column, _value in layout.defaults]
    assert "bid" not in defaulted and "id" not in defaulted and "sort" in defaulted


def test_a_layout_stops_at_the_first_name_refused(task_plan):
    layout = task_plan.layout(("name", "colour", "bid"))
    assert [name for name, _column, _type in layout.scalars] == ["name"]
    assert layout.refused == "Unknown attribute colour for Task."
    assert task_plan.layout(("thumbnail_url",)).refused == (
        "Attribute thumbnail_url of Task is computed and cannot be set."
    )


def test_a_layout_keeps_collections_for_later():
    layout = plans_for(MODEL).plan("Shot").layout(("name", "scopes"))
    assert [name for name, _attribute in layout.collections] == ["scopes"]
    assert layout.links == ("scopes",) and layout.columns == ("name",)


def test_layouts_are_built_once_per_sequence_of_names(task_plan):
    names = ("name", "parent_id")
    assert task_plan.layout(names) is task_plan.layout(tuple(names))
    assert task_plan.layout(("parent_id", "name")) is not task_plan.layout(names)


def test_layouts_kept_are_bounded(task_plan):
    for index in range(LAYOUTS_PER_TYPE + 5):
        task_plan.layout(("name", f"unknown-{index}"))
    assert len(task_plan._layouts) <= LAYOUTS_PER_TYPE
    assert task_plan.layout(("name",)).scalars[0][0] == "name"


def test_a_statement_is_built_once_per_model():
    plans = plans_for(MODEL)
    built = plans.statement("test statement", lambda: object())
    assert plans.statement("test statement", lambda: pytest.fail("built again")) is built


def test_lookups_reuse_their_statements_across_batches(batch, project):
    def create(key):
        return lambda w: w.create("Task", [key], {"name": key, "parent_id": "sh-1"})

    batch(create("t-1"))
    plans = plans_for(MODEL)
    parent_lookup = plans.statement("context project", lambda: pytest.fail("not built"))
    batch(create("t-2"))
    assert plans.statement("context project", lambda: pytest.fail("built again")) is (
        parent_lookup
    )
