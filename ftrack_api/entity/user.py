"""Users: timers, API keys and invitations."""

from __future__ import annotations

from typing import Any, Optional

import arrow

import ftrack_api.entity.base
import ftrack_api.exception


class User(ftrack_api.entity.base.Entity):
    """A user of the site."""

    def start_timer(
        self,
        context: Optional[Any] = None,
        comment: str = "",
        name: Optional[str] = None,
        force: bool = False,
    ) -> Any:
        """Start a timer for this user on ``context``; commits.

        Raises NotUniqueError when a timer is already running, unless ``force`` stops
        it first (logging its time).
        """
        if force:
            try:
                self.stop_timer()
            except ftrack_api.exception.NoResultFoundError:
                pass
        if name is None and context is not None:
            name = context["name"]
        timer = self.session.create(
            "Timer",
            {
                "user": self,
                "context": context,
                "name": name,
                "comment": comment,
                "start": arrow.utcnow(),
            },
        )
        try:
            self.session.commit()
        except ftrack_api.exception.ServerError as error:
            if "DuplicateEntryError" in str(error):
                self.session.rollback()
                raise ftrack_api.exception.NotUniqueError(
                    "Cannot start timer as one is already running for this user."
                )
            raise
        return timer

    def stop_timer(self) -> Any:
        """Stop this user's running timer, log its time as a Timelog and return that.

        Raises NoResultFoundError when no timer is running.
        """
        session = self.session
        timer = session.query(f'Timer where user_id = "{self["id"]}"').one()
        now = arrow.utcnow()
        start = timer["start"]
        if not isinstance(start, arrow.Arrow):
            start = arrow.get(start)
        timelog = session.create(
            "Timelog",
            {
                "user_id": timer["user_id"],
                "context_id": timer["context_id"],
                "comment": timer["comment"],
                "start": start,
                "duration": (now - start).total_seconds(),
                "name": timer["name"],
            },
        )
        session.delete(timer)
        session.commit()
        return timelog

    def send_invite(self) -> None:
        """Send this user an invitation e-mail."""
        self.session.send_user_invite(self)

    def reset_api_key(self) -> str:
        """Replace this user's API key with a new one; return it."""
        return self.session.reset_remote("api_key", entity=self)["api_key"]
