"""Wire date-times into Arrow values (``ftrack_api._codec``)."""

from __future__ import annotations

import datetime

import arrow

from ftrack_api._codec import decode_special, parse_datetime


def test_naive_wire_date_times_are_utc():
    parsed = parse_datetime("2026-11-28T16:09:38")
    assert parsed == arrow.get(
        datetime.datetime(2026, 11, 28, 16, 9, 38, tzinfo=datetime.timezone.utc)
    )
    assert parse_datetime("2026-11-28T16:09:38Z") == parsed


def test_an_offset_is_kept():
    parsed = parse_datetime("2026-11-28T17:09:38+01:00")
    assert parsed.utcoffset() == datetime.timedelta(hours=1)
    assert parsed.to("utc") == parse_datetime("2026-11-28T16:09:38")


def test_a_repeated_text_gives_the_same_value_and_a_new_text_a_new_one():
    first = parse_datetime("2026-11-28T16:09:38")
    again = parse_datetime("2026-11-28T16:09:38")
    other = parse_datetime("2026-11-28T16:09:39")
    assert again == first
    assert other == first.shift(seconds=1)
    assert parse_datetime("2026-11-28T16:09:38") == first


def test_special_objects_decode_by_type():
    assert decode_special({"__type__": "datetime", "value": "2026-01-02T03:04:05"}).year == 2026
    assert decode_special({"__type__": "date", "value": "2026-01-02"}).day == 2
    assert decode_special({"other": 1}) == {"other": 1}
