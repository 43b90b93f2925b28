"""A subscription: the expression deciding which events a subscriber wants."""

from __future__ import annotations

from typing import Mapping

import ftrack_api.event.expression


class Subscription:
    """The parsed form of a subscription expression such as ``topic=ftrack.update``.

    All subscriptions share one :attr:`parser`, and so its cache of parsed
    expressions.
    """

    parser = ftrack_api.event.expression.Parser()

    def __init__(self, subscription: str) -> None:
        super().__init__()
        self._subscription = subscription
        self._expression = self.parser.parse(subscription)

    def __str__(self) -> str:
        return self._subscription

    def includes(self, event: Mapping) -> bool:
        """Return whether *event* satisfies the subscription."""
        return self._expression.match(event)
