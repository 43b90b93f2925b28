"""The accessor interface: how a location reads and writes data in its storage.

A location names every piece of data it holds with a *resource identifier* (a string chosen by
its structure). An accessor turns those identifiers into storage operations: open, list,
create containers, remove. Containers are the storage's directories or their equivalent.
"""

from __future__ import annotations

import abc
from typing import Any, List

from ftrack_api.data import Data
from ftrack_api.exception import AccessorUnsupportedOperationError


class Accessor(metaclass=abc.ABCMeta):
    """Base class for accessors; subclasses implement the abstract operations."""

    def __init__(self) -> None:
        super().__init__()

    @abc.abstractmethod
    def list(self, resource_identifier: Any) -> List[Any]:
        """Return the identifiers of the resources inside the container *resource_identifier*.

        Raise :exc:`~ftrack_api.exception.AccessorResourceNotFoundError` when it does not exist
        and :exc:`~ftrack_api.exception.AccessorResourceInvalidError` when it is not a
        container.
        """

    @abc.abstractmethod
    def exists(self, resource_identifier: Any) -> bool:
        """Return whether *resource_identifier* exists in the storage."""

    @abc.abstractmethod
    def is_file(self, resource_identifier: Any) -> bool:
        """Return whether *resource_identifier* is a file."""

    @abc.abstractmethod
    def is_container(self, resource_identifier: Any) -> bool:
        """Return whether *resource_identifier* is a container."""

    @abc.abstractmethod
    def is_sequence(self, resource_identifier: Any) -> bool:
        """Return whether *resource_identifier* is a file sequence."""

    @abc.abstractmethod
    def open(self, resource_identifier: Any, mode: str = "rb") -> Data:
        """Return a :class:`~ftrack_api.data.Data` for *resource_identifier* opened in *mode*."""

    @abc.abstractmethod
    def remove(self, resource_identifier: Any) -> None:
        """Remove *resource_identifier*; a container must be empty."""

    @abc.abstractmethod
    def make_container(self, resource_identifier: Any, recursive: bool = True) -> None:
        """Create the container *resource_identifier*.

        With *recursive*, missing parents are created too; otherwise a missing parent raises
        :exc:`~ftrack_api.exception.AccessorParentResourceNotFoundError`. An existing container
        is left as it is.
        """

    @abc.abstractmethod
    def get_container(self, resource_identifier: Any) -> Any:
        """Return the identifier of the container holding *resource_identifier*.

        Raise :exc:`~ftrack_api.exception.AccessorParentResourceNotFoundError` when there is
        none the accessor can address.
        """

    def remove_container(self, resource_identifier: Any) -> None:
        """Remove the (empty) container *resource_identifier*; same as :meth:`remove` here."""
        return self.remove(resource_identifier)

    def get_filesystem_path(self, resource_identifier: Any) -> str:
        """Return the local filesystem path of *resource_identifier*, where there is one.

        Raise :exc:`~ftrack_api.exception.AccessorUnsupportedOperationError` for storages that
        are not on a filesystem (the default).
        """
        raise AccessorUnsupportedOperationError(
            operation="get_filesystem_path", resource_identifier=resource_identifier
        )

    def get_url(self, resource_identifier: Any) -> str:
        """Return a URL for *resource_identifier*, where the storage can give one.

        Raise :exc:`~ftrack_api.exception.AccessorUnsupportedOperationError` when it cannot
        (the default).
        """
        raise AccessorUnsupportedOperationError(
            operation="get_url", resource_identifier=resource_identifier
        )
