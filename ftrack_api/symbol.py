"""Named sentinels and well-known constants shared across the client.

A :class:`Symbol` is a singleton marker such as :data:`NOT_SET`. Code compares
symbols by identity (``value is NOT_SET``), so copying or pickling a module level
symbol gives back the very same object.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

_logger = logging.getLogger(__name__)


class Symbol:
    """A named marker with a fixed truth value."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: Any = True) -> None:
        self.name = name
        self.value = value

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"Symbol({self.name})"

    def __bool__(self) -> bool:
        return bool(self.value)

    def __copy__(self) -> Symbol:
        return self

    def __deepcopy__(self, memo: dict) -> Symbol:
        return self

    def __reduce__(self) -> str | tuple:
        # A module level symbol pickles as a reference to its global name, so
        # unpickling yields the singleton instead of a look-alike.
        for attribute, value in vars(sys.modules[__name__]).items():
            if value is self:
                return attribute
        return (Symbol, (self.name, self.value))


#: The attribute has no value (yet): neither loaded from the server nor set.
NOT_SET = Symbol("NOT_SET", False)

#: The entity was created locally and not committed yet.
CREATED = Symbol("CREATED")

#: The entity has local changes waiting to be committed.
MODIFIED = Symbol("MODIFIED")

#: The entity was deleted locally and the deletion is not committed yet.
DELETED = Symbol("DELETED")

#: Job type of an LDAP user synchronisation.
JOB_SYNC_USERS_LDAP = Symbol("SYNC_USERS_LDAP")

#: Location holding data that is managed outside ftrack: the origin of new components.
ORIGIN_LOCATION_ID = "ce9b348f-8809-11e3-821c-20c9d081909b"

#: Location for data whose storage ftrack does not manage.
UNMANAGED_LOCATION_ID = "cb268ecc-8809-11e3-a7e2-20c9d081909b"

#: Location used for review media.
REVIEW_LOCATION_ID = "cd41be70-8809-11e3-b98a-20c9d081909b"

#: Location for data held by ftrack connect.
CONNECT_LOCATION_ID = "07b82a97-8cf9-11e3-9383-20c9d081909b"

#: Location for data stored on the ftrack server itself.
SERVER_LOCATION_ID = "3a372bde-05bc-11e4-8908-20c9d081909b"

#: Event topic published once a component has been added to a location.
COMPONENT_ADDED_TO_LOCATION_TOPIC = "ftrack.location.component-added"

#: Event topic published once a component has been removed from a location.
COMPONENT_REMOVED_FROM_LOCATION_TOPIC = "ftrack.location.component-removed"

_DEFAULT_CHUNK_SIZE = 1024 * 1024


def _chunk_size_from_environment() -> int:
    """Return the transfer chunk size, honouring ``FTRACK_API_FILE_CHUNK_SIZE``.

    A missing, empty, non-numeric or non-positive value falls back to 1 MiB with
    a warning rather than breaking ``import ftrack_api``.
    """
    raw = os.environ.get("FTRACK_API_FILE_CHUNK_SIZE", "").strip()
    if not raw:
        return _DEFAULT_CHUNK_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size <= 0:
        _logger.warning(
            "Ignoring FTRACK_API_FILE_CHUNK_SIZE=%r: expected a positive number of bytes; "
            "using %d.",
            raw,
            _DEFAULT_CHUNK_SIZE,
        )
        return _DEFAULT_CHUNK_SIZE
    return size


#: Bytes read or written at a time when transferring component data.
CHUNK_SIZE = _chunk_size_from_environment()
