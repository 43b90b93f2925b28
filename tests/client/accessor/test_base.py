"""Tests for ftrack_api.accessor.base: the accessor interface and its defaults."""

from __future__ import annotations

import pytest

import ftrack_api.accessor.base
import ftrack_api.exception


class RecordingAccessor(ftrack_api.accessor.base.Accessor):
    """Implements only the abstract operations; records what remove was asked to do."""

    def __init__(self) -> None:
        super().__init__()
        self.removed: list = []

    def list(self, resource_identifier):
        return []

    def exists(self, resource_identifier):
        return False

    def is_file(self, resource_identifier):
        return False

    def is_container(self, resource_identifier):
        return False

    def is_sequence(self, resource_identifier):
        return False

    def open(self, resource_identifier, mode="rb"):
        raise NotImplementedError

    def remove(self, resource_identifier):
        self.removed.append(resource_identifier)

    def make_container(self, resource_identifier, recursive=True):
        pass

    def get_container(self, resource_identifier):
        return ""


def test_accessor_is_abstract():
    with pytest.raises(TypeError):
        ftrack_api.accessor.base.Accessor()


def test_accessor_requires_every_operation():
    class Partial(ftrack_api.accessor.base.Accessor):
        def list(self, resource_identifier):
            return []

    with pytest.raises(TypeError):
        Partial()


@pytest.mark.parametrize("method", ["get_filesystem_path", "get_url"])
def test_optional_operations_are_unsupported_by_default(method):
    accessor = RecordingAccessor()
    with pytest.raises(ftrack_api.exception.AccessorUnsupportedOperationError) as info:
        getattr(accessor, method)("some/resource")

    assert str(info.value) == f"Operation {method} unsupported."
    assert info.value.details["operation"] == method
    assert info.value.details["resource_identifier"] == "some/resource"


def test_remove_container_removes_through_remove():
    accessor = RecordingAccessor()
    accessor.remove_container("some/container")
    assert accessor.removed == ["some/container"]
