"""Logging helpers: lazily formatted messages and deprecation warnings."""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

_Function = TypeVar("_Function", bound=Callable[..., Any])


class LazyLogMessage:
    """A log message formatted with ``str.format`` only when it is rendered.

    Pass it to a logger instead of a pre-formatted string so that the cost of
    formatting is only paid when a handler actually emits the record::

        logger.debug(LazyLogMessage('Fetched {0} entities in {duration:.2f}s', count,
                                    duration=elapsed))
    """

    def __init__(self, message: str, *args: Any, **kwargs: Any) -> None:
        self.message = message
        self.args = args
        self.kwargs = kwargs

    def __str__(self) -> str:
        return self.message.format(*self.args, **self.kwargs)


def deprecation_warning(message: str) -> Callable[[_Function], _Function]:
    """Return a decorator marking a function as deprecated.

    Each call of the decorated function issues a :class:`PendingDeprecationWarning`
    with *message* (the category the original client uses, hidden by Python's
    default filters). The warning is attributed to the caller of the deprecated
    function, so ``-W`` filters and tracebacks point at the code to update.
    """

    def decorator(function: _Function) -> _Function:
        @functools.wraps(function)
        def deprecated(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, PendingDeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        return deprecated  # type: ignore[return-value]

    return decorator
