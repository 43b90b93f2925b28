"""Component data of the ``ftrack.server`` location: uploads, downloads, thumbnails.

* :mod:`.store` keeps the bytes on disk, keyed by component id, written atomically.
* :mod:`.tokens` signs the expiring tokens that authorise upload and read URLs.
* :mod:`.urls` builds those URLs; :mod:`.handlers` serves them.
* :mod:`.actions` adds the API actions (``get_upload_metadata``,
  ``complete_multipart_upload``, ``get_widget_url``, ``encode_media``), registered
  when :func:`routes` builds the routes; :mod:`.encoding` runs ``encode_media`` jobs.
"""

from __future__ import annotations

from typing import Any, List

from ftrack_server.files.store import FileStore
from ftrack_server.files.urls import component_url, thumbnail_url

__all__ = ["FileStore", "component_url", "routes", "thumbnail_url"]


def routes(server: Any) -> List[Any]:
    """The component upload, download, removal, thumbnail and widget routes.

    Building them also registers the file transfer's API actions.
    """
    from ftrack_server.files import actions  # noqa: F401  (registers the actions)
    from ftrack_server.files.handlers import routes as file_routes

    return file_routes(server)
