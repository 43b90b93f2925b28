"""Tests for ftrack_api.symbol."""

from __future__ import annotations

import copy
import os
import pickle
import subprocess
import sys

import pytest

import ftrack_api.symbol as symbol
from ftrack_api.symbol import NOT_SET, Symbol

MODULE_SYMBOLS = ["NOT_SET", "CREATED", "MODIFIED", "DELETED", "JOB_SYNC_USERS_LDAP"]


@pytest.mark.parametrize(
    ("attribute", "expected_repr", "expected_truth"),
    [
        ("NOT_SET", "Symbol(NOT_SET)", False),
        ("CREATED", "Symbol(CREATED)", True),
        ("MODIFIED", "Symbol(MODIFIED)", True),
        ("DELETED", "Symbol(DELETED)", True),
        ("JOB_SYNC_USERS_LDAP", "Symbol(SYNC_USERS_LDAP)", True),
    ],
)
def test_module_symbols_render_and_truth(attribute, expected_repr, expected_truth):
    value = getattr(symbol, attribute)
    assert repr(value) == expected_repr
    assert str(value) == value.name
    assert bool(value) is expected_truth


def test_symbol_takes_name_and_truth_value():
    marker = Symbol("MARKER", value=0)
    assert marker.name == "MARKER"
    assert marker.value == 0
    assert not marker
    assert str(marker) == "MARKER"
    assert repr(marker) == "Symbol(MARKER)"
    assert Symbol("OTHER")


def test_symbols_compare_by_identity():
    assert Symbol("SAME") != Symbol("SAME")
    assert NOT_SET == NOT_SET


@pytest.mark.parametrize("attribute", MODULE_SYMBOLS)
def test_module_symbols_survive_copy_deepcopy_and_pickle(attribute):
    value = getattr(symbol, attribute)
    assert copy.copy(value) is value
    assert copy.deepcopy(value) is value
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(value, protocol=protocol)) is value


def test_symbols_inside_containers_stay_singletons():
    data = {"name": NOT_SET, "nested": [NOT_SET, {"x": symbol.CREATED}]}
    for clone in (copy.deepcopy(data), pickle.loads(pickle.dumps(data))):
        assert clone["name"] is NOT_SET
        assert clone["nested"][0] is NOT_SET
        assert clone["nested"][1]["x"] is symbol.CREATED


def test_ad_hoc_symbol_pickles_to_an_equivalent_symbol():
    marker = Symbol("AD_HOC", value=0)
    clone = pickle.loads(pickle.dumps(marker))
    assert (clone.name, clone.value) == ("AD_HOC", 0)
    assert copy.deepcopy(marker) is marker


def test_well_known_location_ids():
    assert symbol.ORIGIN_LOCATION_ID == "ce9b348f-8809-11e3-821c-20c9d081909b"
    assert symbol.UNMANAGED_LOCATION_ID == "cb268ecc-8809-11e3-a7e2-20c9d081909b"
    assert symbol.REVIEW_LOCATION_ID == "cd41be70-8809-11e3-b98a-20c9d081909b"
    assert symbol.CONNECT_LOCATION_ID == "07b82a97-8cf9-11e3-9383-20c9d081909b"
    assert symbol.SERVER_LOCATION_ID == "3a372bde-05bc-11e4-8908-20c9d081909b"
    assert symbol.COMPONENT_ADDED_TO_LOCATION_TOPIC == "ftrack.location.component-added"
    assert symbol.COMPONENT_REMOVED_FROM_LOCATION_TOPIC == "ftrack.location.component-removed"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1048576),
        ("", 1048576),
        ("  ", 1048576),
        ("4096", 4096),
        (" 8192 ", 8192),
        ("0", 1048576),
        ("-5", 1048576),
        ("lots", 1048576),
    ],
)
def test_chunk_size_from_environment(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("FTRACK_API_FILE_CHUNK_SIZE", raising=False)
    else:
        monkeypatch.setenv("FTRACK_API_FILE_CHUNK_SIZE", raw)
    assert symbol._chunk_size_from_environment() == expected


def test_invalid_chunk_size_is_reported(monkeypatch, caplog):
    monkeypatch.setenv("FTRACK_API_FILE_CHUNK_SIZE", "lots")
    with caplog.at_level("WARNING", logger="ftrack_api.symbol"):
        symbol._chunk_size_from_environment()
    assert "FTRACK_API_FILE_CHUNK_SIZE" in caplog.text


def _chunk_size_in_fresh_interpreter(value):
    environment = dict(os.environ)
    environment.pop("FTRACK_API_FILE_CHUNK_SIZE", None)
    if value is not None:
        environment["FTRACK_API_FILE_CHUNK_SIZE"] = value
    completed = subprocess.run(
        [sys.executable, "-c", "import ftrack_api.symbol as s; print(s.CHUNK_SIZE)"],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(completed.stdout)


def test_chunk_size_constant_reads_environment_at_import():
    assert _chunk_size_in_fresh_interpreter(None) == 1024 * 1024
    assert _chunk_size_in_fresh_interpreter("65536") == 65536
