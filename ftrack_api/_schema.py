"""Server information, the compatibility check and the schema cache file.

Schemas are cached in ``ftrack_api_schema_cache.json`` and reused while their md5
(of ``json.dumps(schemas, sort_keys=True)``) equals the server's ``schema_hash``,
so a warm session start needs one request (protocol.md 6.5).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from typing import Any, Dict, List, Optional, Union

import platformdirs

import ftrack_api.exception

logger = logging.getLogger(__name__)

CACHE_FILE_NAME = "ftrack_api_schema_cache.json"
MINIMUM_SERVER_VERSION = (3, 3, 11)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def schema_hash(schemas: List[Dict[str, Any]]) -> str:
    return hashlib.md5(json.dumps(schemas, sort_keys=True).encode("utf-8")).hexdigest()


def check_compatibility(server_information: Dict[str, Any]) -> None:
    """Raise ServerCompatibilityError for a server older than the client supports."""
    version = server_information.get("version")
    if version is None:
        raise ftrack_api.exception.ServerCompatibilityError(
            "Server information did not report a version. Expected at least "
            + ".".join(map(str, MINIMUM_SERVER_VERSION))
        )
    if version == "dev":
        return
    match = _VERSION.match(str(version))
    if match is None:
        return
    if tuple(int(part) for part in match.groups()) < MINIMUM_SERVER_VERSION:
        raise ftrack_api.exception.ServerCompatibilityError(
            f"Server version {version!r} incompatible with this version of the API which "
            f"requires a server version >= {'.'.join(map(str, MINIMUM_SERVER_VERSION))}"
        )


def cache_directory(schema_cache_path: Union[str, bool, None]) -> Optional[str]:
    """Where the schema cache lives, or None when caching is off (``False``)."""
    if schema_cache_path is False:
        return None
    if schema_cache_path is None:
        schema_cache_path = os.environ.get("FTRACK_API_SCHEMA_CACHE_PATH") or (
            platformdirs.user_cache_dir("ftrack_api", appauthor=False)
        )
    return str(schema_cache_path)


def read_cache(path: str, expected_hash: Optional[str]) -> Optional[List[Dict[str, Any]]]:
    """The cached schemas when present, readable and matching ``expected_hash``.

    The file is written exactly as the hash is defined (sorted keys, default
    separators), so its bytes can be hashed directly; a file in another layout
    (written by another client) is parsed and hashed the slow way.
    """
    if not expected_hash:
        return None
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        return None
    try:
        schemas = json.loads(content)
    except ValueError:
        return None
    if not isinstance(schemas, list):
        return None
    if hashlib.md5(content).hexdigest() != expected_hash and schema_hash(schemas) != expected_hash:
        return None
    return schemas


def write_cache(path: str, schemas: List[Dict[str, Any]]) -> None:
    """Write the cache atomically; a failure only costs the next start a download."""
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".schema-", suffix=".json")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                # Exactly the text schema_hash() hashes, so reading can hash the bytes.
                handle.write(json.dumps(schemas, sort_keys=True).encode("utf-8"))
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        logger.warning("Could not write schema cache %s: %s", path, error)
