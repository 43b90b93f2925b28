"""The event: a mapping of the fields that travel between event hubs."""

from __future__ import annotations

import collections.abc
import uuid
from typing import Any, Iterator, Optional


class Event(collections.abc.MutableMapping):
    """An event published to, or received from, an event hub.

    An event is a mapping with the keys ``topic``, ``id``, ``data``, ``sent``,
    ``source``, ``target`` and ``in_reply_to_event``. A missing *id* gets a
    fresh random one; missing *data* and *source* become empty dictionaries.
    An empty *target* means the event is for every subscriber.

    Subscribers can call :meth:`stop` to keep the event from reaching the
    subscribers after them.
    """

    def __init__(
        self,
        topic: str,
        id: Optional[str] = None,
        data: Any = None,
        sent: Any = None,
        source: Optional[dict] = None,
        target: str = "",
        in_reply_to_event: Optional[str] = None,
    ) -> None:
        super().__init__()
        self._data = {
            "id": id or uuid.uuid4().hex,
            "data": data or {},
            "topic": topic,
            "sent": sent,
            "source": source or {},
            "target": target,
            "in_reply_to_event": in_reply_to_event,
        }
        self._stopped = False

    def stop(self) -> None:
        """Stop the event from reaching any further subscribers."""
        self._stopped = True

    def is_stopped(self) -> bool:
        """Return whether :meth:`stop` was called."""
        return self._stopped

    def __str__(self) -> str:
        return f"<{type(self).__name__} {self._data}>"

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)
