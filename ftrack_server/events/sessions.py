"""Session ids issued by the handshake: single use, and expiring when left unused.

The websocket carries no credentials of its own (protocol.md 7.3): the sid stands for
the user the handshake authenticated, so it must be hard to guess and good only once.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable, Dict, Optional, Tuple

User = Dict[str, Any]


class SessionStore:
    """Hands out sids for authenticated users and redeems each one at most once."""

    def __init__(self, lifetime: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._pending: Dict[str, Tuple[User, float]] = {}
        self._lock = threading.Lock()

    def issue(self, user: User) -> str:
        """Return a new sid standing for ``user`` until claimed or expired."""
        sid = secrets.token_hex(16)
        now = self._clock()
        with self._lock:
            self._forget_expired(now)
            self._pending[sid] = (user, now + self.lifetime)
        return sid

    def claim(self, sid: str) -> Optional[User]:
        """Return the user of ``sid`` and retire it; None if unknown, used or expired."""
        with self._lock:
            entry = self._pending.pop(sid, None)
        if entry is None:
            return None
        user, expires = entry
        return user if self._clock() < expires else None

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)

    def _forget_expired(self, now: float) -> None:
        expired = [sid for sid, (_user, expires) in self._pending.items() if expires <= now]
        for sid in expired:
            del self._pending[sid]
