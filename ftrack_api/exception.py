"""The exceptions raised by the client.

Every exception derives from :class:`Error`. An error carries a ``message``
template and a ``details`` mapping; ``str(error)`` fills the template with the
details (``str.format`` style), so a class can declare a ``default_message`` such as
``'Resource not found: {resource_identifier}'`` and callers only pass the details.

Two choices differ from a naive ``message.format(**details)``:

* a message whose braces are literal content (a server error quoting JSON, say)
  is shown as is instead of making ``str(error)`` itself raise;
* string details are inserted as text (``Operation read failed``), never as a
  ``b'...'`` bytes literal.

This module defines :class:`AttributeError`, which shadows the builtin of the same
name inside this module: code here that means the builtin uses
``builtins.AttributeError``.
"""

from __future__ import annotations

import builtins
import traceback
from typing import Any, Iterable, Mapping, Optional

# What a template can raise while being filled in: missing keys or indexes, a bad
# format spec, a missing attribute in ``{x.y}``, a non-string message.
_FORMAT_ERRORS = (KeyError, IndexError, ValueError, TypeError, builtins.AttributeError)


def _rebuild(cls: type, args: tuple, state: dict) -> Error:
    """Recreate a pickled error without calling its ``__init__``."""
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class Error(Exception):
    """Base of every ftrack API error."""

    #: Message template used when none is given.
    default_message = "Unspecified error occurred."

    def __init__(self, message: Optional[str] = None, details: Optional[dict] = None) -> None:
        if message is None:
            message = self.default_message
        self.message = message
        self.details = {} if details is None else details
        #: The traceback being handled when the error was created, as text.
        self.traceback = traceback.format_exc()

    def __str__(self) -> str:
        message = self.message
        try:
            return message.format(**self.details)
        except _FORMAT_ERRORS:
            return str(message)

    def __reduce__(self) -> tuple:
        # The subclasses take required arguments that are not always in ``args``
        # (keyword construction), so restore from the instance state instead.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


def _merged(details: Optional[Mapping[str, Any]], **values: Any) -> dict:
    """Return a new details dict: *details* overridden by *values*."""
    merged = dict(details) if details else {}
    merged.update(values)
    return merged


class AuthenticationError(Error):
    """Raised when authentication fails."""

    default_message = "Authentication error."


class ServerError(Error):
    """Raised when the server reports an error."""

    default_message = "Server reported error processing request."


class ServerCompatibilityError(ServerError):
    """Raised when the server cannot serve what the client asks for."""

    default_message = "Server incompatible."


class NotFoundError(Error):
    """Raised when something is not found."""

    default_message = "Not found."


class NotUniqueError(Error):
    """Raised when a value that must be unique is not."""

    default_message = "Non-unique value detected."


class IncorrectResultError(Error):
    """Raised when a result is not what was expected."""

    default_message = "Incorrect result detected."


class NoResultFoundError(IncorrectResultError):
    """Raised when a result was expected but none was found."""

    default_message = "Expected result, but no result was found."


class MultipleResultsFoundError(IncorrectResultError):
    """Raised when a single result was expected but several were found."""

    default_message = "Expected single result, but received multiple results."


class EntityTypeError(Error):
    """Raised for an invalid entity type."""

    default_message = "Entity type error."


class UnrecognisedEntityTypeError(EntityTypeError):
    """Raised when an entity type is not known to the session."""

    default_message = 'Entity type "{entity_type}" not recognised.'

    def __init__(self, entity_type: str, **kw: Any) -> None:
        kw["details"] = _merged(kw.get("details"), entity_type=entity_type)
        super().__init__(**kw)


class OperationError(Error):
    """Raised when an operation fails."""

    default_message = "Operation error."


class InvalidStateError(Error):
    """Raised when something is in an invalid state."""

    default_message = "Invalid state."


class InvalidStateTransitionError(InvalidStateError):
    """Raised when an entity cannot move from one state to another."""

    default_message = (
        "Invalid transition from {current_state!r} to {target_state!r} state for entity {entity!r}"
    )

    def __init__(self, current_state: Any, target_state: Any, entity: Any, **kw: Any) -> None:
        kw["details"] = _merged(
            kw.get("details"),
            current_state=current_state,
            target_state=target_state,
            entity=entity,
        )
        super().__init__(**kw)


class AttributeError(Error):
    """Raised for an error related to an entity attribute (not the builtin)."""

    default_message = "Attribute error."


class ImmutableAttributeError(AttributeError):
    """Raised when setting the value of an immutable attribute."""

    default_message = "Cannot modify value of immutable {attribute.name!r} attribute."

    def __init__(self, attribute: Any, **kw: Any) -> None:
        kw["details"] = _merged(kw.get("details"), attribute=attribute)
        super().__init__(**kw)


class CollectionError(Error):
    """Raised for an error related to a collection."""

    default_message = "Collection error."

    def __init__(self, collection: Any, **kw: Any) -> None:
        kw["details"] = _merged(kw.get("details"), collection=collection)
        super().__init__(**kw)


class ImmutableCollectionError(CollectionError):
    """Raised when modifying an immutable collection."""

    default_message = "Cannot modify value of immutable collection {collection!r}."


class DuplicateItemInCollectionError(CollectionError):
    """Raised when adding an item a collection already holds."""

    default_message = "Item {item!r} already exists in collection {collection!r}."

    def __init__(self, item: Any, collection: Any, **kw: Any) -> None:
        kw["details"] = _merged(kw.get("details"), item=item)
        super().__init__(collection, **kw)


class ParseError(Error):
    """Raised when parsing fails."""

    default_message = "Failed to parse."


class EventHubError(Error):
    """Raised for an event hub error."""

    default_message = "Event hub error occurred."


class EventHubConnectionError(EventHubError):
    """Raised when the event hub is not connected."""

    default_message = "Event hub is not connected."


class EventHubPacketError(EventHubError):
    """Raised when an event hub packet is invalid."""

    default_message = "Invalid packet."


class PermissionDeniedError(Error):
    """Raised when permission is denied."""

    default_message = "Permission denied."


class LocationError(Error):
    """Raised for a location error."""

    default_message = "Unspecified location error"


def _formatted_components(components: Iterable[Any]) -> str:
    return ", ".join(str(component) for component in components)


class ComponentNotInAnyLocationError(LocationError):
    """Raised when a component is available in no location."""

    default_message = "Component not available in any location."


def _components_details(
    details: Optional[Mapping[str, Any]], components: Iterable[Any], location: Any
) -> dict:
    if iter(components) is components:  # a one-shot iterator: keep its items
        components = list(components)
    return _merged(
        details,
        components=components,
        formatted_components=_formatted_components(components),
        location=location,
    )


class ComponentNotInLocationError(LocationError):
    """Raised when components are not available in a location."""

    default_message = "Component(s) {formatted_components} not found in location {location}."

    def __init__(self, components: Iterable[Any], location: Any, **kw: Any) -> None:
        kw["details"] = _components_details(kw.get("details"), components, location)
        super().__init__(**kw)


class ComponentInLocationError(LocationError):
    """Raised when components already exist in a location."""

    default_message = "Component(s) {formatted_components} already exist in location {location}."

    def __init__(self, components: Iterable[Any], location: Any, **kw: Any) -> None:
        kw["details"] = _components_details(kw.get("details"), components, location)
        super().__init__(**kw)


class AccessorError(Error):
    """Raised for an accessor error."""

    default_message = "Unspecified accessor error"


class AccessorOperationFailedError(AccessorError):
    """Raised when an accessor operation fails."""

    default_message = "Operation {operation} failed: {error}"

    def __init__(
        self, operation: str = "", resource_identifier: Any = None, error: Any = None, **kw: Any
    ) -> None:
        kw["details"] = _merged(
            kw.get("details"),
            operation=operation,
            resource_identifier=resource_identifier,
            error=error,
        )
        super().__init__(**kw)


class AccessorUnsupportedOperationError(AccessorOperationFailedError):
    """Raised when an accessor does not support an operation."""

    default_message = "Operation {operation} unsupported."


class AccessorPermissionDeniedError(AccessorOperationFailedError):
    """Raised when an accessor is denied permission for an operation."""

    default_message = "Cannot {operation} {resource_identifier}. Permission denied."


class AccessorResourceIdentifierError(AccessorError):
    """Raised when a resource identifier is invalid."""

    default_message = "Resource identifier is invalid: {resource_identifier}."

    def __init__(self, resource_identifier: Any, **kw: Any) -> None:
        kw["details"] = _merged(kw.get("details"), resource_identifier=resource_identifier)
        super().__init__(**kw)


class AccessorFilesystemPathError(AccessorResourceIdentifierError):
    """Raised when no filesystem path can be derived from a resource identifier."""

    default_message = (
        "Could not determine filesystem path from resource identifier: {resource_identifier}."
    )


class AccessorResourceError(AccessorError):
    """Raised for an error about a specific resource."""

    default_message = "Unspecified resource error: {resource_identifier}"

    def __init__(
        self, operation: str = "", resource_identifier: Any = None, error: Any = None, **kw: Any
    ) -> None:
        # ``error`` is accepted for symmetry with AccessorOperationFailedError but,
        # as in the original client, it is not part of the details.
        kw["details"] = _merged(
            kw.get("details"), operation=operation, resource_identifier=resource_identifier
        )
        super().__init__(**kw)


class AccessorResourceNotFoundError(AccessorResourceError):
    """Raised when a resource does not exist."""

    default_message = "Resource not found: {resource_identifier}"


class AccessorParentResourceNotFoundError(AccessorResourceError):
    """Raised when the parent of a resource does not exist."""

    default_message = "Parent resource is missing: {resource_identifier}"


class AccessorResourceInvalidError(AccessorResourceError):
    """Raised when a resource is invalid."""

    default_message = "Resource invalid: {resource_identifier}"


class AccessorContainerNotEmptyError(AccessorResourceError):
    """Raised when a container that must be empty is not."""

    default_message = "Container is not empty: {resource_identifier}"


class StructureError(Error):
    """Raised for a structure error."""

    default_message = "Unspecified structure error"


class ConnectionClosedError(Error):
    """Raised when using a closed connection."""

    default_message = "Connection closed."
