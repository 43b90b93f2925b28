"""A structure that mirrors the project hierarchy in readable paths.

A component of version 3 of asset "Geometry" under shot "sh010" of sequence "sq01" in project
"My Project" lands at ``my_project/sq01/sh010/geometry/v003/main.abc``. Every part is
sanitised for filesystems (see :meth:`StandardStructure.sanitise_for_filesystem`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, List, Mapping, Optional

from ftrack_api.exception import StructureError
from ftrack_api.structure.base import Structure, _file_type
from ftrack_api.symbol import NOT_SET

# Characters kept as they are by sanitise_for_filesystem; everything else is substituted.
_ILLEGAL_CHARACTERS = re.compile(r"[^\w.-]")


class StandardStructure(Structure):
    """Name component data after the project, its contexts, the asset and the version.

    * file component: ``{project}/{contexts...}/{asset}/v{version:03d}/{name}{file_type}``;
    * sequence component: ``.../v003/{name}.%04d{file_type}``;
    * container component: ``.../v003/{name}`` (a directory);
    * member of a sequence: ``.../v003/{sequence name}.{member name}{file_type}``;
    * member of another container: the container's identifier and ``{name}{file_type}``.

    Versions whose asset sits directly on the project get *project_versions_prefix* (when
    set) in place of the context directories. Illegal characters are replaced with
    *illegal_character_substitute*; None disables sanitising. The ``prefix`` attribute is
    not used.
    """

    def __init__(
        self,
        project_versions_prefix: Optional[str] = None,
        illegal_character_substitute: Optional[str] = "_",
    ) -> None:
        super().__init__()
        self.project_versions_prefix = project_versions_prefix
        self.illegal_character_substitute = illegal_character_substitute

    def get_resource_identifier(
        self, entity: Any, context: Optional[Mapping[str, Any]] = None
    ) -> str:
        """Return the resource identifier for the component *entity*.

        Raise :exc:`~ftrack_api.exception.StructureError` when the component (or, for a
        member of a sequence, the sequence) is not on a committed version, and
        :exc:`NotImplementedError` for anything but file, sequence and container components.
        """
        entity_type = entity.entity_type
        if entity_type == "FileComponent":
            container = entity["container"]
            if container is None or container is NOT_SET:
                parts = self._get_parts(entity)
                parts.append(self.sanitise_for_filesystem(entity["name"] + _file_type(entity)))
            elif container.entity_type == "SequenceComponent":
                parts = self._get_parts(container)
                file_name = "{}.{}{}".format(container["name"], entity["name"], _file_type(entity))
                parts.append(self.sanitise_for_filesystem(file_name))
            else:
                container_path = self.get_resource_identifier(container)
                file_name = self.sanitise_for_filesystem(entity["name"] + _file_type(entity))
                parts = [container_path, file_name]

        elif entity_type == "SequenceComponent":
            parts = self._get_parts(entity)
            parts.append(
                "{}.{}{}".format(
                    self.sanitise_for_filesystem(entity["name"]),
                    self._get_sequence_expression(entity),
                    self.sanitise_for_filesystem(_file_type(entity)),
                )
            )

        elif entity_type == "ContainerComponent":
            parts = self._get_parts(entity)
            parts.append(self.sanitise_for_filesystem(entity["name"]))

        else:
            raise NotImplementedError(
                f"Cannot generate resource identifier for unsupported entity {entity!r}"
            )

        return self.path_separator.join(parts)

    def sanitise_for_filesystem(self, value: Any) -> Any:
        """Return *value* made safe and predictable as a file or directory name.

        The value is converted to text, accents are removed (``é`` -> ``e``) and other
        non-ASCII characters dropped, every character but letters, digits, ``_``, ``.`` and
        ``-`` is replaced with the substitute, and the result is lower-cased. Returns *value*
        unchanged when the substitute is None.
        """
        substitute = self.illegal_character_substitute
        if substitute is None:
            return value

        text = unicodedata.normalize("NFKD", str(value))
        text = text.encode("ascii", "ignore").decode("ascii")
        text = _ILLEGAL_CHARACTERS.sub(lambda _match: substitute, text)
        return text.lower()

    def _get_parts(self, entity: Any) -> List[str]:
        """Return the sanitised directory names for the version of component *entity*."""
        session = entity.session
        version = entity["version"]
        if version is NOT_SET:
            version_id = entity["version_id"]
            if version_id and version_id is not NOT_SET:
                version = session.get("AssetVersion", version_id)

        if version is None or version is NOT_SET or version in session.created:
            raise _not_on_committed_version(entity)

        link = version["link"]
        if not link or link is NOT_SET:
            raise _not_on_committed_version(entity)

        # The link runs from the project to the version itself; between them are the contexts.
        project = session.get("Project", link[0]["id"])
        context_names = [item["name"] for item in link[1:-1]]

        parts = [project["name"]]
        if context_names:
            parts.extend(context_names)
        elif self.project_versions_prefix:
            parts.append(self.project_versions_prefix)
        parts.append(version["asset"]["name"])
        parts.append(self._format_version(version["version"]))
        return [self.sanitise_for_filesystem(part) for part in parts]

    def _format_version(self, number: int) -> str:
        """Return the directory name of version *number*, e.g. ``v003``."""
        return f"v{number:03d}"


def _not_on_committed_version(component: Any) -> StructureError:
    """Return the error for a *component* whose version cannot be placed in the hierarchy."""
    return StructureError(
        f"Component {component!r} must be attached to a committed version and a committed "
        "asset with a parent context."
    )
