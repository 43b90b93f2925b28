"""Typed errors raised anywhere in the server, mapped to the protocol's error object.

Every failure a client can cause is one of these. The API layer turns them into
``{"exception": <name>, "content": <message>, "error_code": <code>}`` in one place,
so actions never build error responses themselves.
"""

from __future__ import annotations

from typing import Optional


class ApiError(Exception):
    """Base of every error reported to a client.

    ``exception`` is the class name clients see; ``status`` the HTTP status used in
    strict mode. Messages never contain braces: the Python client formats error
    messages with ``str.format``.
    """

    exception = "ServerError"
    status = 500

    def __init__(self, content: str, *, error_code: Optional[str] = None) -> None:
        content = content.replace("{", "(").replace("}", ")")
        super().__init__(content)
        self.content = content
        self.error_code = error_code

    def as_payload(self) -> dict:
        """Return the protocol's error object for this error."""
        return {
            "exception": self.exception,
            "content": self.content,
            "error_code": self.error_code,
        }


class ParseError(ApiError):
    """A query expression that does not parse or names unknown things."""

    exception = "ParseError"
    status = 400


class ValidationError(ApiError):
    """A request or operation whose content is invalid."""

    exception = "ValidationError"
    status = 400


class InvalidCredentialsError(ApiError):
    """Unknown user or wrong API key."""

    exception = "InvalidCredentialsError"
    status = 401


class PermissionDeniedError(ApiError):
    """The user may not perform this operation."""

    exception = "PermissionError"
    status = 403


class NotFoundError(ApiError):
    """An entity named by an operation does not exist."""

    exception = "NotFoundError"
    status = 404


class DuplicateEntryError(ApiError):
    """A create or update would break a uniqueness rule."""

    exception = "DuplicateEntryError"
    status = 409


class InvalidActionError(ApiError):
    """An operation names an action the server does not know.

    The content form ``Invalid action u'<name>'`` is what clients look for.
    """

    exception = "ServerError"
    status = 400

    def __init__(self, action: object) -> None:
        super().__init__(f"Invalid action u'{action}'")
