"""An accessor for a directory tree on a local or mounted filesystem.

Resource identifiers are paths relative to the accessor's *prefix* directory (absolute paths
inside the prefix are accepted too); anything that resolves outside the prefix is refused.
Filesystem errors are reported as the accessor exceptions of :mod:`ftrack_api.exception`.
"""

from __future__ import annotations

import contextlib
import errno
import os
from typing import Any, Iterator, List

from ftrack_api import _python_ntpath as ntpath
from ftrack_api.accessor.base import Accessor
from ftrack_api.data import File
from ftrack_api.exception import (
    AccessorContainerNotEmptyError,
    AccessorFilesystemPathError,
    AccessorOperationFailedError,
    AccessorParentResourceNotFoundError,
    AccessorPermissionDeniedError,
    AccessorResourceInvalidError,
    AccessorResourceNotFoundError,
    AccessorUnsupportedOperationError,
)

# OSError numbers with a more precise accessor exception than AccessorOperationFailedError.
_ERRORS_BY_ERRNO = {
    errno.ENOENT: AccessorResourceNotFoundError,
    errno.EPERM: AccessorPermissionDeniedError,
    errno.ENOTEMPTY: AccessorContainerNotEmptyError,
    errno.ENOTDIR: AccessorResourceInvalidError,
    errno.EISDIR: AccessorResourceInvalidError,
    errno.EINVAL: AccessorResourceInvalidError,
}


@contextlib.contextmanager
def error_handler(**kw: Any) -> Iterator[None]:
    """Translate an :exc:`OSError` raised in the block into an accessor exception.

    *kw* (usually ``operation`` and ``resource_identifier``) is passed to the exception. The
    OS error number picks the type: ENOENT -> resource not found, EPERM -> permission denied,
    ENOTEMPTY -> container not empty, ENOTDIR / EISDIR / EINVAL -> resource invalid, anything
    else -> :exc:`~ftrack_api.exception.AccessorOperationFailedError`. Other exceptions pass
    through unchanged.
    """
    try:
        yield
    except OSError as error:
        exception_type = _ERRORS_BY_ERRNO.get(error.errno, AccessorOperationFailedError)
        raise exception_type(error=error, **kw) from error


class DiskAccessor(Accessor):
    """Read and write data in the directory tree under *prefix*.

    The prefix has environment variables and ``~`` expanded and is made absolute. An empty
    prefix means identifiers are used as plain paths (relative ones from the working
    directory), without any containment check.
    """

    def __init__(self, prefix: str, **kw: Any) -> None:
        self.prefix = _expand_prefix(prefix)
        super().__init__(**kw)

    def get_filesystem_path(self, resource_identifier: str) -> str:
        """Return the normalised filesystem path of *resource_identifier*.

        Raise :exc:`~ftrack_api.exception.AccessorFilesystemPathError` when the path falls
        outside the prefix.
        """
        if not self.prefix:
            if not resource_identifier:
                return resource_identifier
            return os.path.normpath(resource_identifier)

        path = os.path.normpath(resource_identifier)
        if not os.path.isabs(path):
            path = os.path.normpath(os.path.join(self.prefix, path))
        if not _is_within(path, self.prefix):
            raise AccessorFilesystemPathError(
                resource_identifier,
                message=(
                    "Could not determine access path for resource_identifier outside of "
                    "configured prefix: {resource_identifier}."
                ),
            )
        return path

    def list(self, resource_identifier: str) -> List[str]:
        """Return the identifiers of the entries in the directory *resource_identifier*.

        Entries are sorted by name and joined to *resource_identifier* as given.
        """
        path = self.get_filesystem_path(resource_identifier)
        with error_handler(operation="list", resource_identifier=resource_identifier):
            names = os.listdir(path)
        return [os.path.join(resource_identifier, name) for name in sorted(names)]

    def exists(self, resource_identifier: str) -> bool:
        """Return whether *resource_identifier* exists on disk."""
        return os.path.exists(self.get_filesystem_path(resource_identifier))

    def is_file(self, resource_identifier: str) -> bool:
        """Return whether *resource_identifier* is a file."""
        return os.path.isfile(self.get_filesystem_path(resource_identifier))

    def is_container(self, resource_identifier: str) -> bool:
        """Return whether *resource_identifier* is a directory."""
        return os.path.isdir(self.get_filesystem_path(resource_identifier))

    def is_sequence(self, resource_identifier: str) -> bool:
        """Unsupported: a directory tree has no notion of sequences."""
        raise AccessorUnsupportedOperationError(operation="is_sequence")

    def open(self, resource_identifier: str, mode: str = "rb") -> File:
        """Open the file *resource_identifier* in *mode*; parent directories must exist."""
        path = self.get_filesystem_path(resource_identifier)
        with error_handler(operation="open", resource_identifier=resource_identifier):
            return File(path, mode)

    def remove(self, resource_identifier: str) -> None:
        """Remove the file or empty directory *resource_identifier*."""
        path = self.get_filesystem_path(resource_identifier)
        if self.is_file(resource_identifier):
            with error_handler(operation="remove", resource_identifier=resource_identifier):
                os.remove(path)
        elif self.is_container(resource_identifier):
            with error_handler(operation="remove", resource_identifier=resource_identifier):
                os.rmdir(path)
        else:
            raise AccessorResourceNotFoundError(resource_identifier=resource_identifier)

    def make_container(self, resource_identifier: str, recursive: bool = True) -> None:
        """Create the directory *resource_identifier* (and its parents when *recursive*).

        Nothing happens when the path already exists.
        """
        path = self.get_filesystem_path(resource_identifier)
        with error_handler(operation="makeContainer", resource_identifier=resource_identifier):
            try:
                if recursive:
                    os.makedirs(path)
                else:
                    os.mkdir(path)
            except OSError as error:
                if error.errno == errno.EEXIST:
                    return
                if error.errno == errno.ENOENT:
                    raise AccessorParentResourceNotFoundError(
                        resource_identifier=resource_identifier
                    )
                raise

    def get_container(self, resource_identifier: str) -> str:
        """Return the identifier of the directory holding *resource_identifier*.

        The result is relative to the prefix (``''`` for the prefix itself). Raise
        :exc:`~ftrack_api.exception.AccessorParentResourceNotFoundError` for the prefix, whose
        parent is outside the accessor.
        """
        path = self.get_filesystem_path(resource_identifier)
        container = os.path.dirname(path)
        if not self.prefix:
            return container

        if not _is_within(container, self.prefix):
            raise AccessorParentResourceNotFoundError(
                resource_identifier=resource_identifier,
                message=(
                    "Could not determine container for {resource_identifier} as container "
                    "falls outside of configured prefix."
                ),
            )
        relative = container[len(self.prefix) :]
        if ntpath.isabs(relative):
            relative = relative[1:]
        return relative


def _expand_prefix(prefix: str) -> str:
    """Return *prefix* with variables and ``~`` expanded, made absolute (``''`` stays empty)."""
    if not prefix:
        return ""
    return os.path.abspath(os.path.expanduser(os.path.expandvars(prefix)))


def _is_within(path: str, directory: str) -> bool:
    """Return whether the normalised *path* is *directory* or lies below it."""
    path = os.path.normcase(path)
    directory = os.path.normcase(directory)
    if path == directory:
        return True
    if not directory.endswith(os.sep):
        directory += os.sep
    return path.startswith(directory)
