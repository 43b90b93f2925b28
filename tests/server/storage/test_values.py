"""Wire values, query literals and stored values convert as the protocol says."""

import datetime as dt

import pytest

from ftrack_server.storage.values import parse_datetime, to_storage, to_wire


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-05-25", dt.datetime(2018, 5, 25)),
        ("2017-12-1", dt.datetime(2017, 12, 1)),
        ("2024-05-02 10:20:30", dt.datetime(2024, 5, 2, 10, 20, 30)),
        ("2024-05-02T10:20:30", dt.datetime(2024, 5, 2, 10, 20, 30)),
        ("2024-05-02T10:20:30.999999", dt.datetime(2024, 5, 2, 10, 20, 30)),
        ("2024-05-02T00:00:00+02:00", dt.datetime(2024, 5, 1, 22, 0, 0)),
        ("2024-05-02T08:20:30.000Z", dt.datetime(2024, 5, 2, 8, 20, 30)),
        ("2024-05-02T08:20:30-0530", dt.datetime(2024, 5, 2, 13, 50, 30)),
    ],
)
def test_date_time_spellings_become_naive_utc_seconds(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-05-02T25:00:00", ""])
def test_bad_date_times_are_refused(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


def test_wire_datetime_round_trip():
    stored = to_storage(
        {"__type__": "datetime", "value": "2024-03-01T14:05:09.5+01:00"}, "datetime"
    )
    assert stored == dt.datetime(2024, 3, 1, 13, 5, 9)
    assert to_wire(stored, "datetime") == {"__type__": "datetime", "value": "2024-03-01T13:05:09"}


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        ("3", "integer", 3),
        (3.0, "integer", 3),
        ("2.5", "number", 2.5),
        ("true", "boolean", True),
        (0, "boolean", False),
        (True, "string", "True"),
        (12, "string", "12"),
        ({"a": 1}, "json", '{"a": 1}'),
        (["x", "y"], "variable", '["x", "y"]'),
    ],
)
def test_values_are_coerced_to_the_column_type(value, data_type, expected):
    assert to_storage(value, data_type) == expected


@pytest.mark.parametrize(
    ("value", "data_type"),
    [("abc", "integer"), (True, "integer"), ("maybe", "boolean"), ({}, "string"), (1, "object")],
)
def test_values_that_do_not_fit_are_refused(value, data_type):
    with pytest.raises(ValueError):
        to_storage(value, data_type)


def test_variable_values_round_trip_any_json():
    for value in (1005, "text", True, ["a", "b"], None, 2.5):
        assert to_wire(to_storage(value, "variable"), "variable") == value
