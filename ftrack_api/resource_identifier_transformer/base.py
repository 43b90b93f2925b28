"""Resource identifier transformers: rewrite identifiers between storage and the server.

A location stores the *encoded* form of a resource identifier on the server and hands the
*decoded* form to its accessor. Subclasses can, for example, map paths between platforms.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional


class ResourceIdentifierTransformer:
    """The identity transformer: both directions return the identifier unchanged."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def encode(self, resource_identifier: Any, context: Optional[Mapping[str, Any]] = None) -> Any:
        """Return the form of *resource_identifier* to store on the server."""
        return resource_identifier

    def decode(self, resource_identifier: Any, context: Optional[Mapping[str, Any]] = None) -> Any:
        """Return the form of a stored *resource_identifier* to give to the accessor."""
        return resource_identifier
