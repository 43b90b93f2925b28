"""Compact entity storage: shared shapes, remote values and the identity map."""

from __future__ import annotations

import pytest

from ftrack_api._storage import IdentityMap, IdentityMapCache, RemoteValues, shape_of
from ftrack_api.symbol import NOT_SET


def test_a_shape_is_shared_per_names_in_order():
    assert shape_of(("id", "name")) is shape_of(("id", "name"))
    assert shape_of(("id", "name")) is not shape_of(("name", "id"))
    assert dict(shape_of(("id", "name"))) == {"id": 0, "name": 1}


def test_extending_a_shape_gives_the_shared_shape_of_the_longer_names():
    extended = shape_of(("id",)).extended("name")
    assert extended is shape_of(("id", "name"))
    assert shape_of(("id",)).extended("name") is extended


def test_remote_values_read_like_a_mapping():
    values = RemoteValues.from_mapping({"id": "1", "name": "shot"})
    assert values.get("name") == "shot"
    assert values.get("missing") is NOT_SET
    assert values.get("missing", None) is None
    assert values.has("id") and not values.has("missing")
    assert values.items() == [("id", "1"), ("name", "shot")]
    assert values.as_dict() == {"id": "1", "name": "shot"}


def test_setting_a_new_name_moves_to_the_shared_longer_shape():
    first = RemoteValues.from_mapping({"id": "1"})
    second = RemoteValues.from_mapping({"id": "2"})
    first.set("name", "a")
    second.set("name", "b")
    assert first.shape is second.shape
    assert (first.get("name"), second.get("name")) == ("a", "b")


def test_discarded_values_read_as_not_set_and_are_not_listed():
    values = RemoteValues.from_mapping({"id": "1", "name": "shot"})
    values.discard("name")
    values.discard("never-set")
    assert values.get("name") is NOT_SET
    assert not values.has("name")
    assert values.names() == ["id"]
    values.set("name", "again")
    assert values.as_dict() == {"id": "1", "name": "again"}


def test_setting_not_set_on_an_unknown_name_adds_nothing():
    values = RemoteValues.from_mapping({"id": "1"})
    values.set("name", NOT_SET)
    assert values.shape is shape_of(("id",))


def test_clear_and_copy():
    values = RemoteValues.from_mapping({"id": "1", "name": "shot"})
    copy = values.copy()
    values.set("name", "n")
    values.set("status", "y")
    assert values.as_dict() == {"id": "1", "name": "n", "status": "y"}
    assert copy.as_dict() == {"id": "1", "name": "shot"}
    values.clear()
    assert values.as_dict() == {}
    assert values.get("id") is NOT_SET


def test_identity_map_keys_entities_by_type_and_primary_key():
    identities = IdentityMap()
    task, value = object(), object()
    identities[("Task", ("t1",))] = task
    identities[("CustomAttributeValue", ("c1", "e1"))] = value
    assert identities[("Task", ("t1",))] is task
    assert identities.get(("CustomAttributeValue", ("c1", "e1"))) is value
    assert identities.get(("Task", ("other",))) is None
    assert identities.get(("Shot", ("t1",)), "default") == "default"
    assert identities.table("Task") == {"t1": task}
    assert sorted(identities) == [("CustomAttributeValue", ("c1", "e1")), ("Task", ("t1",))]
    assert len(identities) == 2


def test_identity_map_deletion_and_missing_keys():
    identities = IdentityMap()
    identities[("Task", ("t1",))] = "task"
    with pytest.raises(KeyError):
        identities[("Task", ("t2",))]
    with pytest.raises(KeyError):
        del identities[("Shot", ("t1",))]
    assert identities.pop(("Task", ("t1",))) == "task"
    assert identities.pop(("Task", ("t1",)), None) is None
    assert len(identities) == 0
    identities[("Task", ("t1",))] = "task"
    identities.clear()
    assert list(identities) == []


def test_identity_map_finds_a_key_under_any_type():
    identities = IdentityMap()
    identities[("Task", ("same",))] = "task"
    identities[("Shot", ("other",))] = "shot"
    assert list(identities.with_key(("same",))) == ["task"]


def test_the_memory_cache_layer_is_the_identity_map():
    cache = IdentityMapCache()
    cache.set(("Task", ("t1",)), "task")
    assert cache.get(("Task", ("t1",))) == "task"
    assert cache.keys() == [("Task", ("t1",))]
    cache.remove(("Task", ("t1",)))
    with pytest.raises(KeyError):
        cache.get(("Task", ("t1",)))
