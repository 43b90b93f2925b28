"""Notes, their replies, and creating notes on entities that have them."""

from __future__ import annotations

from typing import Any, Iterable, Optional

import ftrack_api.entity.base


class Note(ftrack_api.entity.base.Entity):
    """A note, which may be answered."""

    def create_reply(self, content: str, author: Any) -> Any:
        """Create a reply to this note by ``author``."""
        reply = self.session.create("Note", {"author": author, "content": content})
        self["replies"].append(reply)
        return reply


class CreateNoteMixin:
    """For entity types with notes: :meth:`create_note`."""

    def create_note(
        self,
        content: str,
        author: Any,
        recipients: Optional[Iterable[Any]] = None,
        category: Optional[Any] = None,
        labels: Optional[Iterable[Any]] = None,
    ) -> Any:
        """Create a note on this entity, optionally addressed to ``recipients``.

        ``recipients`` are users or groups; ``labels`` note labels (or a single
        ``category``, the older spelling of one label).
        """
        session = self.session
        data = {"content": content, "author": author}
        if category is not None:
            data["category"] = category
        note = session.create("Note", data)
        self["notes"].append(note)
        for resource in recipients or ():
            session.create("Recipient", {"note_id": note["id"], "resource_id": resource["id"]})
        for label in labels or ():
            session.create("NoteLabelLink", {"label_id": label["id"], "note_id": note["id"]})
        return note
