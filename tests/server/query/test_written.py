"""Encoding rows in hand gives exactly what reading them back gives, or declines."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from ftrack_server.query.written import encode_written
from ftrack_server.storage.write_plan import plans_for


@pytest.fixture
def stored(database, model):
    """The stored row (column -> value) of an entity, as the writer would hold it."""

    def read(type_name, entity_id):
        table = plans_for(model).plan(type_name).table
        with database.transaction(write=False) as connection:
            row = connection.execute(sa.select(table).where(table.c.id == entity_id)).one()
        return dict(row._mapping)

    return read


@pytest.fixture
def encode(database, model, context):
    def run(type_name, rows, projections, keep_nulls=None):
        with database.transaction(write=False) as connection:
            return encode_written(
                connection, model, type_name, rows, projections, context, keep_nulls
            )

    return run


def _stored_names(model, type_name):
    return list(plans_for(model).plan(type_name).stored_names)


@pytest.mark.parametrize(
    ("type_name", "key", "references"),
    [
        ("Task", "task:sh010/animation", ["parent", "status", "type", "priority"]),
        ("Shot", "shot:sh010", ["parent", "project"]),
        ("Project", "project:dragons", []),
    ],
)
def test_matches_reading_back_key_order_included(
    model, stored, encode, load, ids, type_name, key, references
):
    projections = _stored_names(model, type_name) + references
    row = stored(type_name, ids[key])
    (read_back,) = load(type_name, [(ids[key],)], projections)
    (encoded,) = encode(type_name, [row], projections)
    assert json.dumps(encoded) == json.dumps(read_back)
    for name in references:
        assert encoded[name] is not None


def test_rows_sharing_a_reference_share_its_entity(model, stored, encode, ids):
    projections = [*_stored_names(model, "Task"), "parent"]
    rows = [
        stored("Task", ids["task:sh010/animation"]),
        stored("Task", ids["task:sh010/compositing"]),
    ]
    first, second = encode("Task", rows, projections)
    assert first["parent"] is second["parent"]
    assert first["parent"]["__entity_type__"] == "Shot"


@pytest.mark.parametrize(
    ("column", "value"),
    [("bid", 2), ("bid", float("nan")), ("bid", -0.0), ("name", 7), ("sort", "1")],
)
def test_declines_a_value_the_database_would_convert(model, stored, encode, ids, column, value):
    row = {**stored("Task", ids["task:sh010/animation"]), column: value}
    assert encode("Task", [row], _stored_names(model, "Task")) is None


@pytest.mark.parametrize("projection", ["children", "link", "time_logged", "thumbnail_url"])
def test_declines_what_is_not_in_the_row(model, stored, encode, ids, projection):
    row = stored("Task", ids["task:sh010/animation"])
    assert encode("Task", [row], [*_stored_names(model, "Task"), projection]) is None


def test_a_missing_reference_is_null(model, stored, encode, ids):
    row = {**stored("Task", ids["task:sh010/animation"]), "status_id": "no-such-status"}
    (encoded,) = encode("Task", [row], ["status"])
    assert encoded["status"] is None


def test_leaves_out_nulls_not_kept(model, stored, encode, ids):
    row = {**stored("Task", ids["task:sh010/animation"]), "description": None, "status_id": None}
    projections = [*_stored_names(model, "Task"), "status"]
    kept, everything = encode("Task", [row, row], projections, [frozenset({"description"}), None])
    assert kept["description"] is None and "status_id" not in kept and "status" not in kept
    assert everything["status_id"] is None and everything["status"] is None
    assert [name for name in everything if name in kept] == list(kept)


def test_declines_a_row_not_of_the_type(model, stored, encode, ids):
    row = stored("Task", ids["task:sh010/animation"])
    assert encode("Shot", [row], _stored_names(model, "Shot")) is None


def test_rows_sharing_a_creation_time_share_its_wire_form(model, stored, encode, load, ids):
    """One object converted once; equal or other values are each converted."""
    created = dt.datetime(2024, 5, 6, 7, 8, 9)
    base = stored("Task", ids["task:sh010/animation"])
    rows = [
        {**base, "created_at": created},
        {**base, "created_at": created},
        {**base, "created_at": dt.datetime(2024, 5, 6, 7, 8, 9)},  # equal, not the same
        {**base, "created_at": dt.datetime(2025, 1, 2, 3, 4, 5)},
        {**base, "created_at": created},
    ]
    projections = _stored_names(model, "Task")
    encoded = encode("Task", rows, projections)
    assert encoded[0]["created_at"] is encoded[1]["created_at"]
    assert [entity["created_at"]["value"] for entity in encoded] == [
        "2024-05-06T07:08:09",
        "2024-05-06T07:08:09",
        "2024-05-06T07:08:09",
        "2025-01-02T03:04:05",
        "2024-05-06T07:08:09",
    ]
    (read_back,) = load("Task", [(ids["task:sh010/animation"],)], projections)
    expected = {
        **read_back,
        "created_at": {"__type__": "datetime", "value": "2024-05-06T07:08:09"},
    }
    assert json.dumps(encoded[0]) == json.dumps(expected)


def test_declines_an_aware_date_time(model, stored, encode, ids):
    aware = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    row = {**stored("Task", ids["task:sh010/animation"]), "created_at": aware}
    assert encode("Task", [row], _stored_names(model, "Task")) is None


def test_a_reference_left_null_is_left_out_unless_kept(model, stored, encode, ids):
    row = {**stored("Task", ids["task:sh010/animation"]), "status_id": None}
    kept, dropped = encode("Task", [row, row], ["status", "parent"], [{"status"}, set()])
    assert kept["status"] is None and "status" not in dropped
    assert kept["parent"]["__entity_type__"] == dropped["parent"]["__entity_type__"] == "Shot"
