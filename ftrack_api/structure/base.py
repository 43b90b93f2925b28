"""The structure interface: how a location names the data of a component.

A structure turns a component entity into a *resource identifier*, the string the location's
accessor stores the data under. Structures only read the entity (its ``entity_type``, its
attributes by key and its ``session``); they never touch storage.
"""

from __future__ import annotations

import abc
from typing import Any, Mapping, Optional

from ftrack_api.symbol import NOT_SET


class Structure(metaclass=abc.ABCMeta):
    """Base class for structures; *prefix* is prepended by those that support it."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.path_separator = "/"
        super().__init__()

    @abc.abstractmethod
    def get_resource_identifier(
        self, entity: Any, context: Optional[Mapping[str, Any]] = None
    ) -> str:
        """Return the resource identifier for *entity*.

        *context* carries extra information from the location, such as the
        ``source_resource_identifier`` of the data being added.
        """

    def _get_sequence_expression(self, sequence: Any) -> str:
        """Return the printf-style frame expression of *sequence*, e.g. ``%04d``.

        The width comes from the sequence's ``padding``; no padding gives ``%d``.
        """
        padding = sequence["padding"]
        if padding is NOT_SET or not padding:
            return "%d"
        return f"%0{padding}d"


def _file_type(component: Any) -> str:
    """Return the component's file type (``''`` when it has none) for building names."""
    file_type = component["file_type"]
    if file_type is None or file_type is NOT_SET:
        return ""
    return file_type
