"""A subscriber: a callback with the subscription that selects its events."""

from __future__ import annotations

from typing import Any, Callable, Mapping

import ftrack_api.event.subscription


class Subscriber:
    """Call *callback* for events matching the *subscription* expression.

    *metadata* describes the subscriber to other hubs (it always carries an
    ``id``) and is what targeted events are matched against. Subscribers with
    a higher *priority* value are called later (lower values come first).
    """

    def __init__(
        self,
        subscription: str,
        callback: Callable[..., Any],
        metadata: Mapping,
        priority: int,
    ) -> None:
        super().__init__()
        self.subscription = ftrack_api.event.subscription.Subscription(subscription)
        self.callback = callback
        self.metadata = metadata
        self.priority = priority

    def __str__(self) -> str:
        return (
            f'<{type(self).__name__} metadata={self.metadata} subscription="{self.subscription}">'
        )

    def interested_in(self, event: Mapping) -> bool:
        """Return whether *event* matches this subscriber's subscription."""
        return self.subscription.includes(event)
