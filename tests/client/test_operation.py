"""Tests for ftrack_api.operation."""

from __future__ import annotations

import threading
from collections import OrderedDict

import arrow
import pytest

from ftrack_api.operation import (
    CreateEntityOperation,
    DeleteEntityOperation,
    Operation,
    Operations,
    UpdateEntityOperation,
)
from ftrack_api.symbol import NOT_SET

KEY = OrderedDict([("id", "1")])


class CopyAware:
    """Records copies made of it."""

    def __init__(self):
        self.copies = 0

    def __copy__(self):
        self.copies += 1
        return self


def test_create_operation_keeps_type_key_and_a_snapshot_of_the_data():
    tags = ["a"]
    inner = {"deep": True}
    data = OrderedDict([("name", "shot"), ("tags", tags), ("meta", {"inner": inner})])
    operation = CreateEntityOperation("Shot", KEY, data)

    assert operation.entity_type == "Shot"
    assert operation.entity_key is KEY
    assert type(operation.entity_data) is dict
    assert operation.entity_data == {"name": "shot", "tags": ["a"], "meta": {"inner": inner}}

    tags.append("b")
    data["name"] = "changed"
    assert operation.entity_data["tags"] == ["a"]
    assert operation.entity_data["name"] == "shot"
    # The snapshot is shallow, as in the original client.
    assert operation.entity_data["meta"]["inner"] is inner


def test_operations_keep_immutable_values_and_symbols_as_is():
    moment = arrow.get("2024-01-02T03:04:05+00:00")
    text = "é"
    operation = CreateEntityOperation("Shot", KEY, {"a": NOT_SET, "b": moment, "c": text})
    assert operation.entity_data["a"] is NOT_SET
    assert operation.entity_data["b"] is moment
    assert operation.entity_data["c"] is text


def test_values_decide_how_they_are_copied():
    value = CopyAware()
    CreateEntityOperation("Shot", KEY, {"value": value})
    UpdateEntityOperation("Shot", KEY, "value", value, value)
    assert value.copies == 3


def test_update_operation_snapshots_old_and_new_values():
    old, new = ["x"], ["y"]
    operation = UpdateEntityOperation("Shot", KEY, "tags", old, new)
    old.append("changed")
    new.append("changed")
    assert (operation.entity_type, operation.entity_key) == ("Shot", KEY)
    assert operation.attribute_name == "tags"
    assert operation.old_value == ["x"]
    assert operation.new_value == ["y"]
    assert UpdateEntityOperation("Shot", KEY, "name", NOT_SET, "n").old_value is NOT_SET


def test_delete_operation():
    operation = DeleteEntityOperation("Shot", KEY)
    assert operation.entity_type == "Shot"
    assert operation.entity_key is KEY


@pytest.mark.parametrize(
    "operation",
    [
        Operation(),
        CreateEntityOperation("Shot", KEY, {}),
        UpdateEntityOperation("Shot", KEY, "name", "a", "b"),
        DeleteEntityOperation("Shot", KEY),
    ],
    ids=lambda operation: type(operation).__name__,
)
def test_operations_carry_no_per_instance_dict(operation):
    assert isinstance(operation, Operation)
    assert not hasattr(operation, "__dict__")


def test_operations_stack_push_pop_len_iter_clear():
    operations = Operations()
    assert len(operations) == 0
    assert list(operations) == []

    first = CreateEntityOperation("Shot", KEY, {})
    second = UpdateEntityOperation("Shot", KEY, "name", "a", "b")
    third = DeleteEntityOperation("Shot", KEY)
    for operation in (first, second, third):
        operations.push(operation)

    assert len(operations) == 3
    assert list(operations) == [first, second, third]
    assert operations.pop() is third
    assert list(operations) == [first, second]

    operations.clear()
    assert len(operations) == 0
    with pytest.raises(IndexError):
        operations.pop()


def test_iteration_walks_a_snapshot():
    operations = Operations()
    operations.push(DeleteEntityOperation("Shot", KEY))
    visited = 0
    for _ in operations:
        visited += 1
        operations.push(DeleteEntityOperation("Shot", KEY))
    assert visited == 1
    assert len(operations) == 2


def test_push_from_several_threads_loses_nothing():
    operations = Operations()
    threads_count, per_thread = 8, 2000
    barrier = threading.Barrier(threads_count)

    def worker(index):
        barrier.wait()
        for number in range(per_thread):
            operations.push(UpdateEntityOperation("Shot", KEY, "n", index, number))

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(operations) == threads_count * per_thread
    for index in range(threads_count):
        numbers = [op.new_value for op in operations if op.old_value == index]
        assert numbers == list(range(per_thread))
