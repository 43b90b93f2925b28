"""Tests for ftrack_api.accessor.disk: data in a directory tree under a prefix."""

from __future__ import annotations

import errno
import os

import pytest

import ftrack_api.accessor.disk
import ftrack_api.data
import ftrack_api.exception
from ftrack_api.accessor.disk import DiskAccessor, error_handler


@pytest.fixture
def accessor(tmp_path):
    return DiskAccessor(str(tmp_path))


def make_file(root, relative, content=b"data"):
    path = root.joinpath(*relative.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# Prefix ------------------------------------------------------------------------------------


def test_prefix_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert DiskAccessor("data/store").prefix == os.path.join(str(tmp_path), "data", "store")


def test_prefix_expands_user_and_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("FTRACK_TEST_STORE", "store")
    accessor = DiskAccessor("~/$FTRACK_TEST_STORE/")
    assert accessor.prefix == os.path.join(str(tmp_path), "store")


def test_empty_prefix_stays_empty():
    assert DiskAccessor("").prefix == ""


def test_unknown_keyword_is_rejected(tmp_path):
    with pytest.raises(TypeError):
        DiskAccessor(str(tmp_path), unknown=True)


# get_filesystem_path ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_identifier", "relative"),
    [
        ("a", "a"),
        ("a/b", "a/b"),
        ("a//b/", "a/b"),
        ("a/./b", "a/b"),
        ("a/../b", "b"),
        ("", ""),
        (".", ""),
    ],
)
def test_filesystem_path_is_normalised_below_prefix(accessor, resource_identifier, relative):
    expected = os.path.normpath(os.path.join(accessor.prefix, relative))
    assert accessor.get_filesystem_path(resource_identifier) == expected


def test_absolute_identifier_inside_prefix_is_accepted(accessor):
    absolute = os.path.join(accessor.prefix, "a", "b")
    assert accessor.get_filesystem_path(absolute) == absolute
    assert accessor.get_filesystem_path(accessor.prefix) == accessor.prefix


@pytest.mark.parametrize("resource_identifier", ["..", "../../etc", "a/../../b", "/elsewhere"])
def test_identifier_outside_prefix_is_refused(accessor, resource_identifier):
    with pytest.raises(ftrack_api.exception.AccessorFilesystemPathError) as info:
        accessor.get_filesystem_path(resource_identifier)

    assert str(info.value) == (
        "Could not determine access path for resource_identifier outside of configured "
        f"prefix: {resource_identifier}."
    )
    assert info.value.details["resource_identifier"] == resource_identifier


def test_sibling_directory_sharing_the_prefix_name_is_outside(tmp_path):
    accessor = DiskAccessor(str(tmp_path / "store"))
    with pytest.raises(ftrack_api.exception.AccessorFilesystemPathError):
        accessor.get_filesystem_path(str(tmp_path / "store-other" / "a"))
    with pytest.raises(ftrack_api.exception.AccessorFilesystemPathError):
        accessor.get_filesystem_path("../store-other")


@pytest.mark.parametrize(
    ("resource_identifier", "expected"),
    [("a", "a"), ("a/./b/", "a/b"), ("/abs/x", "/abs/x"), ("..", "..")],
)
def test_empty_prefix_uses_identifiers_as_paths(resource_identifier, expected):
    accessor = DiskAccessor("")
    assert accessor.get_filesystem_path(resource_identifier) == os.path.normpath(expected)


def test_empty_prefix_keeps_empty_identifier():
    assert DiskAccessor("").get_filesystem_path("") == ""


def test_every_operation_refuses_identifiers_outside_prefix(accessor):
    operations = [
        lambda: accessor.list(".."),
        lambda: accessor.exists(".."),
        lambda: accessor.is_file("../x"),
        lambda: accessor.is_container(".."),
        lambda: accessor.open("../x", "wb"),
        lambda: accessor.remove("../x"),
        lambda: accessor.make_container("../x"),
        lambda: accessor.get_container("../x"),
    ]
    for operation in operations:
        with pytest.raises(ftrack_api.exception.AccessorFilesystemPathError):
            operation()


# open --------------------------------------------------------------------------------------


def test_open_writes_and_reads_a_file(accessor, tmp_path):
    data = accessor.open("a.txt", "wb")
    assert isinstance(data, ftrack_api.data.File)
    data.write(b"content")
    data.close()
    assert (tmp_path / "a.txt").read_bytes() == b"content"

    data = accessor.open("a.txt")
    assert data.read() == b"content"
    data.close()


def test_open_missing_file_raises_not_found(accessor):
    with pytest.raises(ftrack_api.exception.AccessorResourceNotFoundError) as info:
        accessor.open("missing.txt")
    assert str(info.value) == "Resource not found: missing.txt"
    assert info.value.details == {"operation": "open", "resource_identifier": "missing.txt"}


def test_open_for_writing_does_not_create_parents(accessor, tmp_path):
    with pytest.raises(ftrack_api.exception.AccessorResourceNotFoundError):
        accessor.open("missing/a.txt", "wb")
    assert not (tmp_path / "missing").exists()


def test_open_directory_raises_invalid(accessor, tmp_path):
    (tmp_path / "dir").mkdir()
    for mode in ("rb", "wb"):
        with pytest.raises(ftrack_api.exception.AccessorResourceInvalidError) as info:
            accessor.open("dir", mode)
        assert str(info.value) == "Resource invalid: dir"
        assert info.value.details["operation"] == "open"


# list / exists / is_* ----------------------------------------------------------------------


def test_list_returns_sorted_identifiers_joined_to_the_container(accessor, tmp_path):
    make_file(tmp_path, "dir/b.txt")
    make_file(tmp_path, "dir/a.txt")
    (tmp_path / "dir" / "sub").mkdir()

    assert accessor.list("dir") == ["dir/a.txt", "dir/b.txt", "dir/sub"]
    assert accessor.list("") == ["dir"]
    assert accessor.list("dir/") == ["dir/a.txt", "dir/b.txt", "dir/sub"]


def test_list_missing_container_raises_not_found(accessor):
    with pytest.raises(ftrack_api.exception.AccessorResourceNotFoundError) as info:
        accessor.list("missing")
    assert info.value.details == {"operation": "list", "resource_identifier": "missing"}


def test_list_file_raises_invalid(accessor, tmp_path):
    make_file(tmp_path, "a.txt")
    with pytest.raises(ftrack_api.exception.AccessorResourceInvalidError) as info:
        accessor.list("a.txt")
    assert str(info.value) == "Resource invalid: a.txt"


def test_exists_and_kind_checks(accessor, tmp_path):
    make_file(tmp_path, "dir/a.txt")

    assert accessor.exists("dir/a.txt") is True
    assert accessor.exists("dir") is True
    assert accessor.exists("") is True
    assert accessor.exists("missing") is False

    assert accessor.is_file("dir/a.txt") is True
    assert accessor.is_file("dir") is False
    assert accessor.is_file("missing") is False

    assert accessor.is_container("dir") is True
    assert accessor.is_container("dir/a.txt") is False
    assert accessor.is_container("missing") is False


def test_is_sequence_is_unsupported(accessor):
    with pytest.raises(ftrack_api.exception.AccessorUnsupportedOperationError) as info:
        accessor.is_sequence("frames.%04d.exr")
    assert str(info.value) == "Operation is_sequence unsupported."


# make_container ----------------------------------------------------------------------------


def test_make_container_creates_parents_by_default(accessor, tmp_path):
    accessor.make_container("a/b/c")
    assert (tmp_path / "a" / "b" / "c").is_dir()


def test_make_container_existing_is_left_alone(accessor, tmp_path):
    make_file(tmp_path, "a/keep.txt")
    accessor.make_container("a")
    accessor.make_container("a", recursive=False)
    assert (tmp_path / "a" / "keep.txt").read_bytes() == b"data"


def test_make_container_without_recursion(accessor, tmp_path):
    (tmp_path / "a").mkdir()
    accessor.make_container("a/b", recursive=False)
    assert (tmp_path / "a" / "b").is_dir()


def test_make_container_without_recursion_needs_parent(accessor, tmp_path):
    with pytest.raises(ftrack_api.exception.AccessorParentResourceNotFoundError) as info:
        accessor.make_container("x/y", recursive=False)
    assert str(info.value) == "Parent resource is missing: x/y"
    assert not (tmp_path / "x").exists()


def test_make_container_below_a_file_raises_invalid(accessor, tmp_path):
    make_file(tmp_path, "a/file")
    for recursive in (True, False):
        with pytest.raises(ftrack_api.exception.AccessorResourceInvalidError) as info:
            accessor.make_container("a/file/sub", recursive=recursive)
        assert info.value.details == {
            "operation": "makeContainer",
            "resource_identifier": "a/file/sub",
        }


# remove ------------------------------------------------------------------------------------


def test_remove_file_and_empty_container(accessor, tmp_path):
    make_file(tmp_path, "dir/a.txt")
    accessor.remove("dir/a.txt")
    assert not (tmp_path / "dir" / "a.txt").exists()

    accessor.remove("dir")
    assert not (tmp_path / "dir").exists()


def test_remove_container_that_is_not_empty_raises(accessor, tmp_path):
    make_file(tmp_path, "dir/a.txt")
    with pytest.raises(ftrack_api.exception.AccessorContainerNotEmptyError) as info:
        accessor.remove("dir")
    assert str(info.value) == "Container is not empty: dir"
    assert info.value.details["operation"] == "remove"
    assert (tmp_path / "dir" / "a.txt").exists()


def test_remove_missing_raises_not_found(accessor):
    with pytest.raises(ftrack_api.exception.AccessorResourceNotFoundError) as info:
        accessor.remove("missing")
    assert str(info.value) == "Resource not found: missing"


def test_remove_container_method_removes_empty_directory(accessor, tmp_path):
    (tmp_path / "dir").mkdir()
    accessor.remove_container("dir")
    assert not (tmp_path / "dir").exists()


# get_container -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_identifier", "container"),
    [
        ("a/b/c.txt", "a/b"),
        ("a/b/", "a"),
        ("a", ""),
        ("./a/f", "a"),
        ("a/../b/f", "b"),
        ("missing/file", "missing"),
    ],
)
def test_get_container_is_relative_to_prefix(accessor, resource_identifier, container):
    assert accessor.get_container(resource_identifier) == container


def test_get_container_of_absolute_identifier(accessor):
    absolute = os.path.join(accessor.prefix, "a", "f")
    assert accessor.get_container(absolute) == "a"


@pytest.mark.parametrize("resource_identifier", ["", "."])
def test_get_container_of_prefix_raises(accessor, resource_identifier):
    with pytest.raises(ftrack_api.exception.AccessorParentResourceNotFoundError) as info:
        accessor.get_container(resource_identifier)
    assert str(info.value) == (
        f"Could not determine container for {resource_identifier} as container falls "
        "outside of configured prefix."
    )


def test_get_container_without_prefix_is_the_directory_name():
    accessor = DiskAccessor("")
    assert accessor.get_container("a/b") == "a"
    assert accessor.get_container("a") == ""
    assert accessor.get_container("/x/y") == "/x"
    assert accessor.get_container("") == ""


# error_handler -----------------------------------------------------------------------------


def raise_through_handler(error, **kw):
    """Raise *error* inside ``error_handler(**kw)``."""
    with error_handler(**kw):
        raise error


@pytest.mark.parametrize(
    ("number", "exception_type"),
    [
        (errno.ENOENT, ftrack_api.exception.AccessorResourceNotFoundError),
        (errno.EPERM, ftrack_api.exception.AccessorPermissionDeniedError),
        (errno.ENOTEMPTY, ftrack_api.exception.AccessorContainerNotEmptyError),
        (errno.ENOTDIR, ftrack_api.exception.AccessorResourceInvalidError),
        (errno.EISDIR, ftrack_api.exception.AccessorResourceInvalidError),
        (errno.EINVAL, ftrack_api.exception.AccessorResourceInvalidError),
        (errno.EACCES, ftrack_api.exception.AccessorOperationFailedError),
        (errno.EEXIST, ftrack_api.exception.AccessorOperationFailedError),
        (errno.EIO, ftrack_api.exception.AccessorOperationFailedError),
    ],
)
def test_error_handler_maps_os_errors(number, exception_type):
    error = OSError(number, os.strerror(number))
    with pytest.raises(exception_type) as info:
        raise_through_handler(error, operation="op", resource_identifier="rid")

    assert type(info.value) is exception_type
    assert info.value.details["operation"] == "op"
    assert info.value.details["resource_identifier"] == "rid"
    assert info.value.__cause__ is error


def test_error_handler_messages():
    with pytest.raises(ftrack_api.exception.AccessorPermissionDeniedError) as info:
        raise_through_handler(
            PermissionError(errno.EPERM, "Operation not permitted"),
            operation="open",
            resource_identifier="a.txt",
        )
    assert str(info.value) == "Cannot open a.txt. Permission denied."

    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as info:
        raise_through_handler(
            OSError(errno.EIO, "Input/output error"), operation="open", resource_identifier="a.txt"
        )
    assert str(info.value) == "Operation open failed: [Errno 5] Input/output error"
    assert info.value.details["error"].errno == errno.EIO


def test_error_handler_without_errno_is_operation_failed():
    with pytest.raises(ftrack_api.exception.AccessorOperationFailedError) as info:
        raise_through_handler(OSError("plain"), operation="op")
    assert str(info.value) == "Operation op failed: plain"


def test_error_handler_lets_other_exceptions_through():
    with pytest.raises(ValueError, match="not an OS error"):
        raise_through_handler(ValueError("not an OS error"), operation="op")


def test_error_handler_is_silent_without_error():
    with error_handler(operation="op") as value:
        result = 1 + 1
    assert value is None
    assert result == 2


# Module interface --------------------------------------------------------------------------


def test_module_exposes_accessor_exceptions_and_ntpath():
    import ftrack_api._python_ntpath

    assert ftrack_api.accessor.disk.ntpath is ftrack_api._python_ntpath
    for name in (
        "AccessorContainerNotEmptyError",
        "AccessorFilesystemPathError",
        "AccessorOperationFailedError",
        "AccessorParentResourceNotFoundError",
        "AccessorPermissionDeniedError",
        "AccessorResourceInvalidError",
        "AccessorResourceNotFoundError",
        "AccessorUnsupportedOperationError",
    ):
        assert getattr(ftrack_api.accessor.disk, name) is getattr(ftrack_api.exception, name)
