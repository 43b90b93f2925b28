"""The session: one authenticated connection to an ftrack server and its entities.

A :class:`Session` fetches the server's schemas (or reads them from a cache file),
builds entity classes from them, keeps one live object per entity (the identity
map) and records local changes as operations until :meth:`Session.commit` sends them
in one batch. Sessions may be shared between threads.

The work is split across small modules: :mod:`ftrack_api._schema` (server
information, compatibility, schema cache), :mod:`ftrack_api._codec` (JSON to
entities and back), :mod:`ftrack_api._commit` (operations to a batch).
"""

from __future__ import annotations

import collections.abc
import contextlib
import getpass
import json
import logging
import os
import sys
import threading
import uuid
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

import requests
import requests.auth

import ftrack_api._codec as codec
import ftrack_api._commit
import ftrack_api._locations
import ftrack_api._schema
import ftrack_api.attribute
import ftrack_api.cache
import ftrack_api.collection
import ftrack_api.entity.base
import ftrack_api.entity.factory
import ftrack_api.event.base
import ftrack_api.event.hub
import ftrack_api.exception
import ftrack_api.inspection
import ftrack_api.operation
import ftrack_api.plugin
import ftrack_api.query
import ftrack_api.symbol
from ftrack_api._storage import IdentityMap, IdentityMapCache, RemoteValues
from ftrack_api.logging import LazyLogMessage as L
from ftrack_api.symbol import NOT_SET

__all__ = [
    "AutoPopulatingContext",
    "L",
    "OperationPayload",
    "OperationRecordingContext",
    "Session",
    "SessionAuthentication",
]


class SessionAuthentication(requests.auth.AuthBase):
    """Add the API key and user headers to every request."""

    def __init__(self, api_key: str, api_user: str) -> None:
        super().__init__()
        self.api_key = api_key
        self.api_user = api_user

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update({"ftrack-api-key": self.api_key, "ftrack-user": self.api_user})
        return request


class OperationPayload(collections.abc.MutableMapping):
    """One operation of a batch sent to the server (a mapping, printed as one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._data: Dict[str, Any] = dict(*args, **kwargs)

    def __str__(self) -> str:
        return str(self._data)

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


class AutoPopulatingContext:
    """Set a session's auto-populate flag for a block (in the current thread)."""

    def __init__(self, session: Session, auto_populate: bool) -> None:
        super().__init__()
        self._session = session
        self._auto_populate = auto_populate
        self._current_auto_populate: Optional[bool] = None

    def __enter__(self) -> None:
        self._current_auto_populate = self._session._overrides("auto_populate")
        self._session._set_override("auto_populate", self._auto_populate)

    def __exit__(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        self._session._set_override("auto_populate", self._current_auto_populate)


class OperationRecordingContext:
    """Turn a session's operation recording on or off for a block (in the current thread)."""

    def __init__(self, session: Session, record_operations: bool) -> None:
        super().__init__()
        self._session = session
        self._record_operations = record_operations
        self._current_record_operations: Optional[bool] = None

    def __enter__(self) -> None:
        self._current_record_operations = self._session._overrides("record_operations")
        self._session._set_override("record_operations", self._record_operations)

    def __exit__(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        self._session._set_override("record_operations", self._current_record_operations)


_QUERY_PROJECTION_SEPARATOR = ", "


class Session:
    """An isolated, authenticated connection to an ftrack server."""

    def __init__(
        self,
        server_url: Optional[str] = None,
        api_key: Optional[str] = None,
        api_user: Optional[str] = None,
        auto_populate: bool = True,
        plugin_paths: Optional[Sequence[str]] = None,
        cache: Any = None,
        cache_key_maker: Optional[ftrack_api.cache.KeyMaker] = None,
        auto_connect_event_hub: bool = False,
        schema_cache_path: Union[str, bool, None] = None,
        plugin_arguments: Optional[Dict[str, Any]] = None,
        timeout: float = 60,
        cookies: Optional[Dict[str, str]] = None,
        headers: Optional[Dict[str, str]] = None,
        strict_api: bool = False,
    ) -> None:
        super().__init__()
        self.logger = logging.getLogger(__name__ + "." + self.__class__.__name__)
        self._closed = False
        self._session_id = uuid.uuid4().hex
        self._thread_lock = threading.RLock()
        self._thread_state = threading.local()

        if server_url is None:
            server_url = os.environ.get("FTRACK_SERVER")
        if not server_url:
            raise TypeError(
                'Required "server_url" not specified. Pass as argument or set in '
                "environment variable FTRACK_SERVER."
            )
        self._server_url = server_url.rstrip("/")

        if api_key is None:
            api_key = os.environ.get("FTRACK_API_KEY", os.environ.get("FTRACK_APIKEY"))
        if not api_key:
            raise TypeError(
                'Required "api_key" not specified. Pass as argument or set in '
                "environment variable FTRACK_API_KEY."
            )
        self._api_key = api_key

        if api_user is None:
            api_user = os.environ.get("FTRACK_API_USER")
            if not api_user:
                try:
                    api_user = getpass.getuser()
                except Exception:
                    api_user = None
        if not api_user:
            raise TypeError(
                'Required "api_user" not specified. Pass as argument, set in '
                "environment variable FTRACK_API_USER or one of the standard "
                "environment variables used by Python's getpass module."
            )
        self._api_user = api_user

        self._auto_populate = auto_populate
        self._record_operations = True
        self.request_timeout = timeout
        self.recorded_operations = ftrack_api.operation.Operations()

        self.cache_key_maker = cache_key_maker or ftrack_api.cache.StringKeyMaker()
        self._local_cache = IdentityMapCache()
        self._identity_map: IdentityMap = self._local_cache._cache
        caches: List[ftrack_api.cache.Cache] = [self._local_cache]
        if cache is not None:
            if callable(cache) and not isinstance(cache, ftrack_api.cache.Cache):
                cache = cache(self)
            if cache is not None:
                caches.append(cache)
        self._user_caches = caches[1:]
        self._merged_in_call: Optional[Dict[Any, Any]] = None
        self.cache = ftrack_api.cache.LayeredCache(caches)

        self._managed_request = requests.Session()
        self._managed_request.auth = SessionAuthentication(self._api_key, self._api_user)
        self._managed_request.headers.update(
            {
                "content-type": "application/json",
                "accept": "application/json",
                "ftrack-strict-api": "true" if strict_api else "false",
            }
        )
        if headers:
            self._managed_request.headers.update(headers)
        if cookies:
            self._managed_request.cookies.update(cookies)
        self._request_url = self._server_url + "/api"

        self._event_hub = ftrack_api.event.hub.EventHub(
            self._server_url, self._api_user, self._api_key, headers=headers, cookies=cookies
        )
        self._auto_connect_event_hub_thread: Optional[threading.Thread] = None
        if auto_connect_event_hub:
            # Initialised now so that publishing right after start-up queues events
            # instead of failing while the connection is still being made.
            self._event_hub.init_connection()
            self._auto_connect_event_hub_thread = threading.Thread(
                target=self._event_hub.connect, name="ftrack-event-hub-connect", daemon=True
            )
            self._auto_connect_event_hub_thread.start()

        if plugin_paths is None:
            plugin_paths = [
                path
                for path in os.environ.get("FTRACK_EVENT_PLUGIN_PATH", "").split(os.pathsep)
                if path
            ]
        self._plugin_paths = list(plugin_paths)
        self._discover_plugins(plugin_arguments=plugin_arguments)

        self._server_information = self._fetch_server_information()
        self.check_server_compatibility()
        self.schemas = self._load_schemas(schema_cache_path)
        self.types = self._build_entity_type_classes(self.schemas)
        self._configuration_cache: Optional[List[Any]] = None
        self._configure_locations()
        self.event_hub.publish(
            ftrack_api.event.base.Event(topic="ftrack.api.session.ready", data={"session": self}),
            synchronous=True,
        )

    # -- context management and properties ----------------------------------------------

    def __enter__(self) -> Session:
        return self

    def __exit__(self, exception_type: Any, exception_value: Any, traceback: Any) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def server_information(self) -> Dict[str, Any]:
        return self._server_information

    @property
    def server_url(self) -> str:
        return self._server_url

    @property
    def api_user(self) -> str:
        return self._api_user

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def event_hub(self) -> ftrack_api.event.hub.EventHub:
        return self._event_hub

    def _overrides(self, name: str) -> Optional[bool]:
        return getattr(self._thread_state, name, None)

    def _set_override(self, name: str, value: Optional[bool]) -> None:
        setattr(self._thread_state, name, value)

    @property
    def auto_populate(self) -> bool:
        override = getattr(self._thread_state, "auto_populate", None)
        return self._auto_populate if override is None else override

    @auto_populate.setter
    def auto_populate(self, value: bool) -> None:
        self._auto_populate = value

    @property
    def record_operations(self) -> bool:
        override = getattr(self._thread_state, "record_operations", None)
        return self._record_operations if override is None else override

    @record_operations.setter
    def record_operations(self, value: bool) -> None:
        self._record_operations = value

    def auto_populating(self, auto_populate: bool) -> AutoPopulatingContext:
        """Context manager: auto-populate (or not) inside the block."""
        return AutoPopulatingContext(self, auto_populate)

    def operation_recording(self, record_operations: bool) -> OperationRecordingContext:
        """Context manager: record operations (or not) inside the block."""
        return OperationRecordingContext(self, record_operations)

    @property
    def created(self) -> List[Any]:
        """Entities created in this session and not committed yet."""
        return self._entities_in_state(ftrack_api.symbol.CREATED)

    @property
    def modified(self) -> List[Any]:
        """Persisted entities with uncommitted changes."""
        return self._entities_in_state(ftrack_api.symbol.MODIFIED)

    @property
    def deleted(self) -> List[Any]:
        """Entities deleted in this session and not committed yet."""
        return self._entities_in_state(ftrack_api.symbol.DELETED)

    def _entities_in_state(self, state: Any) -> List[Any]:
        seen = set()
        entities = []
        for operation in self.recorded_operations:
            key = (operation.entity_type, tuple(operation.entity_key.values()))
            if key in seen:
                continue
            entity = self._identity_map.get((key[0], tuple(str(part) for part in key[1])))
            if entity is None:
                continue
            if ftrack_api.inspection.state(entity) is state:
                seen.add(key)
                entities.append(entity)
        return entities

    # -- start-up -----------------------------------------------------------------------

    def _discover_plugins(self, plugin_arguments: Optional[Dict[str, Any]] = None) -> None:
        ftrack_api.plugin.discover(self._plugin_paths, [self], plugin_arguments or {})

    def _fetch_server_information(self) -> Dict[str, Any]:
        result = self.call([{"action": "query_server_information"}])
        return result[0]

    def check_server_compatibility(self) -> None:
        """Raise ServerCompatibilityError when the server is too old for this client."""
        ftrack_api._schema.check_compatibility(self._server_information)

    def _load_schemas(self, schema_cache_path: Union[str, bool, None]) -> List[Dict[str, Any]]:
        directory = ftrack_api._schema.cache_directory(schema_cache_path)
        expected = self._server_information.get("schema_hash")
        if directory is not None:
            path = os.path.join(directory, ftrack_api._schema.CACHE_FILE_NAME)
            schemas = self._read_schemas_from_cache(path, expected)
            if schemas is not None:
                return schemas
        schemas = self.call([{"action": "query_schemas"}])[0]
        if directory is not None:
            self._write_schemas_to_cache(schemas, path)
        return schemas

    def _read_schemas_from_cache(
        self, schema_cache_path: str, expected_hash: Optional[str] = None
    ) -> Optional[List[Dict[str, Any]]]:
        return ftrack_api._schema.read_cache(schema_cache_path, expected_hash)

    def _write_schemas_to_cache(
        self, schemas: List[Dict[str, Any]], schema_cache_path: str
    ) -> None:
        ftrack_api._schema.write_cache(schema_cache_path, schemas)

    def _build_entity_type_classes(self, schemas: List[Dict[str, Any]]) -> Dict[str, type]:
        """One class per schema: from a construct-entity-type subscriber, else the factory.

        Classes the standard factory builds hold no session state, so sessions of one
        process that see the same schemas (same ``schema_hash``) share them.
        """
        shared = _shared_classes(self._server_information.get("schema_hash"))
        factory = ftrack_api.entity.factory.StandardFactory()
        types: Dict[str, type] = {}
        # With no subscriber at all (no plugins), there is nobody to ask.
        ask_plugins = bool(self.event_hub._subscribers)
        for schema in schemas:
            entity_class = None
            if ask_plugins:
                event = ftrack_api.event.base.Event(
                    topic="ftrack.api.session.construct-entity-type",
                    data={"schema": schema, "schemas": schemas},
                )
                results = self.event_hub.publish(event, synchronous=True)
                entity_class = next((result for result in results or () if result), None)
            if entity_class is None:
                entity_class = shared.get(schema["id"])
                if entity_class is None:
                    entity_class = shared[schema["id"]] = factory.create(schema)
            types[schema["id"]] = entity_class
        return types

    def _configure_locations(self) -> None:
        """Set up the built-in locations and the storage scenario's, then let plugins
        configure theirs (``ftrack.api.session.configure-location``)."""
        ftrack_api._locations.configure_locations(self)

    # -- components and locations (see ftrack_api._locations) ----------------------------

    def create_component(
        self, path: str, data: Optional[Dict[str, Any]] = None, location: Any = "auto"
    ) -> Any:
        """Create a component from a file, a directory or a clique sequence such as
        ``/renders/beauty.%04d.exr [1-100]``, and add its data to ``location``
        (``"auto"``: the preferred accessible location; None: nowhere)."""
        return ftrack_api._locations.create_component(self, path, data=data, location=location)

    def _create_component(
        self, entity_type: str, path: str, data: Dict[str, Any], location: Any
    ) -> Any:
        return ftrack_api._locations.create_component_entity(
            self, entity_type, path, data, location
        )

    def _get_filesystem_size(self, path: str) -> int:
        return ftrack_api._locations.filesystem_size(path)

    def get_component_availability(
        self, component: Any, locations: Optional[Sequence[Any]] = None
    ) -> Dict[str, float]:
        """Percentage (0-100) of ``component``'s data in each location, by location id."""
        return self.get_component_availabilities([component], locations=locations)[0]

    def get_component_availabilities(
        self, components: Iterable[Any], locations: Optional[Sequence[Any]] = None
    ) -> List[Dict[str, float]]:
        """:meth:`get_component_availability` for each of ``components``."""
        return ftrack_api._locations.component_availabilities(self, components, locations)

    def _get_locations(self, filter_inaccessible: bool = True) -> List[Any]:
        return ftrack_api._locations.get_locations(self, filter_inaccessible)

    def pick_location(self, component: Optional[Any] = None) -> Optional[Any]:
        """The preferred accessible location (holding ``component``, when given)."""
        return ftrack_api._locations.pick_location(self, component)

    def pick_locations(self, components: Iterable[Any]) -> List[Optional[Any]]:
        """:meth:`pick_location` for each of ``components``."""
        return ftrack_api._locations.pick_locations(self, components)

    # -- identity map and merging ---------------------------------------------------------

    def _forget(self, entity: Any) -> None:
        self._identity_map.pop(entity._identity(), None)
        for cache in self._user_caches:
            with contextlib.suppress(KeyError):
                cache.remove(self.cache_key_maker.key(ftrack_api.inspection.identity(entity)))

    def _merge_payload(self, data: Dict[str, Any]) -> Any:
        """Object hook: merge one decoded entity dict into the identity map.

        The hot path of every query: a 10k-row result with nested projections runs
        it about 50k times, so it avoids generators and repeated lookups.
        """
        entity_type = data.pop(codec.ENTITY_TYPE_KEY)
        entity_class = self.types.get(entity_type)
        if entity_class is None:
            raise ftrack_api.exception.UnrecognisedEntityTypeError(entity_type)
        try:
            primary_key = entity_class.primary_key_attributes
            if len(primary_key) == 1:
                key: Any = data[primary_key[0]]
                if key.__class__ is not str:
                    key = str(key)
            else:
                key = tuple([str(data[name]) for name in primary_key])
        except KeyError:
            # Not a full reference: keep it as a detached entity.
            return entity_class(self, data, reconstructing=True)
        tables = self._identity_map.tables
        table = tables.get(entity_type)
        if table is None:
            table = self._identity_map.table(entity_type)
        entity = table.get(key)
        if entity is None and self._user_caches:
            entity = self._from_user_caches(
                entity_class, (entity_type, key if key.__class__ is tuple else (key,))
            )
        intern = sys.intern
        if entity is None:
            names = tuple(data)
            plan = entity_class._shape_plans.get(names)
            if plan is None:
                plan = entity_class._shape_plan(names)
            shape, kept, repeated = plan
            values = _new_list(RemoteValues)
            if kept is None:
                values.extend(data.values())
            else:
                decoded = list(data.values())
                values.extend([decoded[position] for position in kept])
            values.shape = shape
            for position in repeated:
                value = values[position]
                if value.__class__ is str:
                    values[position] = intern(value)
            entity = entity_class.__new__(entity_class)
            entity.session = self
            entity._remote = values
            table[key] = entity
        else:
            values = entity._remote
            shape = values.shape
            if len(data) > len(shape):
                _merge_new_names(entity_class, values, data)
            else:
                # Usually names it holds already (the status in every row of a query).
                attributes = entity_class._attribute_index
                repeated = entity_class._repeated_values
                for name, value in data.items():
                    if name in repeated and value.__class__ is str:
                        value = intern(value)
                    position = shape.get(name)
                    if position is not None:
                        values[position] = value
                    elif name in attributes:
                        values.append(value)
                        shape = values.shape = shape.extended(name)
        merged = self._merged_in_call
        if merged is not None:
            merged[entity_type, key] = entity
        return entity

    def _from_user_caches(self, entity_class: type, identity: Tuple[str, Tuple[str, ...]]) -> Any:
        if not self._user_caches:
            return None
        key = self.cache_key_maker.key((identity[0], list(identity[1])))
        for cache in self._user_caches:
            try:
                cached = cache.get(key)
            except KeyError:
                continue
            if isinstance(cached, str):
                with self.operation_recording(False):
                    cached = self.decode(cached)
            if getattr(cached, "_ftrack_entity", False):
                entity = entity_class.__new__(entity_class)
                entity.session = self
                entity._remote = cached._remote.copy()
                self._identity_map[identity] = entity
                return entity
        return None

    def _write_user_caches(self, entity: Any) -> None:
        key = self.cache_key_maker.key(ftrack_api.inspection.identity(entity))
        for cache in self._user_caches:
            try:
                cache.set(key, entity)
            except Exception as error:  # a cache must never break a query
                self.logger.debug(L("Could not cache {0}: {1}", key, error))

    def merge(self, value: Any, merged: Optional[Dict[int, Any]] = None) -> Any:
        """Merge ``value`` (an entity, or a structure holding entities) into this session.

        Returns the session's own objects for any entities found.
        """
        if merged is None:
            merged = {}
        with self._thread_lock:
            return self._merge(value, merged)

    def _merge(self, value: Any, merged: Dict[int, Any]) -> Any:
        if getattr(value, "_ftrack_entity", False):
            return self._merge_entity(value, merged=merged)
        if isinstance(value, ftrack_api.collection.Collection):
            return [self._merge(item, merged) for item in value]
        if isinstance(value, ftrack_api.collection.MappedCollectionProxy):
            return [self._merge(item, merged) for item in value.collection]
        if isinstance(value, dict) and type(value) is dict:
            return {key: self._merge(item, merged) for key, item in value.items()}
        if isinstance(value, list):
            return [self._merge(item, merged) for item in value]
        return value

    def _merge_recursive(self, entity: Any, merged: Optional[Dict[int, Any]] = None) -> Any:
        return self._merge_entity(entity, merged=merged)

    def _merge_entity(self, entity: Any, merged: Optional[Dict[int, Any]] = None) -> Any:
        if merged is None:
            merged = {}
        existing = merged.get(id(entity))
        if existing is not None:
            return existing
        identity = entity._identity()
        attached = self._identity_map.get(identity)
        if attached is entity:
            merged[id(entity)] = entity
            return entity
        if attached is None:
            entity_class = self.types.get(entity.entity_type, type(entity))
            attached = entity_class.__new__(entity_class)
            attached.session = self
            attached._remote = RemoteValues()
            self._identity_map[identity] = attached
        merged[id(entity)] = attached
        with self.operation_recording(False):
            attached.merge(entity, merged=merged)
        return attached

    def encode(self, data: Any, entity_attribute_strategy: str = "set_only") -> str:
        """JSON text of ``data`` with entities encoded by ``entity_attribute_strategy``.

        Strategies: ``all`` (every attribute, fetching unset ones), ``set_only``
        (local or remote values that are set), ``modified_only`` (local changes and
        the primary key), ``persisted_only`` (remote values, no computed attributes).
        """
        with self.auto_populating(entity_attribute_strategy == "all"):
            return codec.Encoder(self).dumps(data, entity_attribute_strategy)

    def _encode(self, item: Any, entity_attribute_strategy: str = "set_only") -> Any:
        return codec.Encoder(self).to_json(item, entity_attribute_strategy, top_level=True)

    def entity_reference(self, entity: Any) -> Dict[str, Any]:
        """``{"__entity_type__": type, <primary key attributes>}`` of ``entity``."""
        reference = {codec.ENTITY_TYPE_KEY: entity.entity_type}
        for name in entity.primary_key_attributes:
            value = entity._quiet_value(name)
            if value is NOT_SET:
                break
            reference[name] = str(value)
        else:
            return reference  # the usual case, without entering a context per reference
        with self.auto_populating(False):
            reference.update(ftrack_api.inspection.primary_key(entity))  # names what is missing
        return reference

    def decode(self, string: str) -> Any:
        """Decode JSON text; entities come back as detached objects of this session."""
        return json.loads(string, object_hook=codec.make_object_hook(self._decode_entity))

    def _decode(self, item: Dict[str, Any]) -> Any:
        if codec.ENTITY_TYPE_KEY in item:
            return self._decode_entity(item)
        return codec.decode_special(item)

    def _decode_entity(self, data: Dict[str, Any]) -> Any:
        entity_type = data.pop(codec.ENTITY_TYPE_KEY)
        entity_class = self.types.get(entity_type)
        if entity_class is None:
            raise ftrack_api.exception.UnrecognisedEntityTypeError(entity_type)
        return entity_class(self, data, reconstructing=True)

    # -- requests -----------------------------------------------------------------------

    def call(self, data: Sequence[Dict[str, Any]]) -> List[Any]:
        """Send operations to the server; return their results (entities merged)."""
        if self._closed:
            raise ftrack_api.exception.ConnectionClosedError()
        return self._send(self.encode(list(data), entity_attribute_strategy="modified_only"))

    def _send(self, encoded: str) -> List[Any]:
        """Post an encoded batch; decode and merge the results (see :meth:`call`)."""
        if self._closed:
            raise ftrack_api.exception.ConnectionClosedError()
        self.logger.debug(L("Calling server {0} with {1}", self._request_url, encoded))
        response = self._request(encoded)
        text = _response_text(response)
        with self._thread_lock:
            # With user caches, each merged entity is written to them once per call.
            self._merged_in_call = {} if self._user_caches else None
            try:
                result = json.loads(text, object_hook=codec.make_object_hook(self._merge_payload))
            except ValueError as error:
                if not response.ok:
                    raise
                raise ftrack_api.exception.ServerError(
                    f"Server reported error in unexpected format. Raw error was: {text}"
                ) from error
            finally:
                merged, self._merged_in_call = self._merged_in_call, None
            for entity in (merged or {}).values():
                self._write_user_caches(entity)
        if isinstance(result, dict) and "exception" in result:
            self._raise_server_error(result)
        if not response.ok:
            raise ftrack_api.exception.ServerError(
                f"Server reported error: {response.status_code} {response.reason}"
            )
        return result

    def _request(self, body: str) -> requests.Response:
        """POST ``body``; the response's body is left unread (see _response_text)."""
        return self._managed_request.post(
            self._request_url, data=body, timeout=self.request_timeout, stream=True
        )

    def _raise_server_error(self, result: Dict[str, Any]) -> None:
        message = "Server reported error: {}({})".format(
            result.get("exception"), result.get("content")
        )
        raise ftrack_api.exception.ServerError(message)

    # -- entities -----------------------------------------------------------------------

    def create(
        self, entity_type: str, data: Optional[Dict[str, Any]] = None, reconstructing: bool = False
    ) -> Any:
        """Create a new entity of ``entity_type`` (recorded for the next commit)."""
        return self._create(entity_type, data or {}, reconstructing=reconstructing)

    def _create(self, entity_type: str, data: Dict[str, Any], reconstructing: bool) -> Any:
        entity_class = self.types.get(entity_type)
        if entity_class is None:
            raise ftrack_api.exception.UnrecognisedEntityTypeError(entity_type)
        with self._thread_lock:
            entity = entity_class(self, data, reconstructing=reconstructing)
            identity = entity._identity()
            existing = self._identity_map.get(identity)
            if existing is not None and existing is not entity and reconstructing:
                with self.operation_recording(False):
                    existing.merge(entity)
                return existing
            self._identity_map[identity] = entity
            return entity

    def get(self, entity_type: str, entity_key: Any) -> Optional[Any]:
        """The entity of ``entity_type`` with ``entity_key``: from memory, else the server."""
        entity_class = self.types.get(entity_type)
        if entity_class is None:
            raise ftrack_api.exception.UnrecognisedEntityTypeError(entity_type)
        return self._get(entity_type, entity_key)

    def _get(self, entity_type: str, entity_key: Any) -> Optional[Any]:
        entity_class = self.types[entity_type]
        primary_key = entity_class.primary_key_attributes
        if isinstance(entity_key, str) or not isinstance(entity_key, (list, tuple, dict)):
            entity_key = [entity_key]
        if isinstance(entity_key, dict):
            entity_key = [entity_key[name] for name in primary_key]
        if len(entity_key) != len(primary_key):
            raise ValueError(
                f"Incompatible entity_key {entity_key!r} supplied. Entity type {entity_type} "
                f"expects a primary key composed of {', '.join(primary_key)}."
            )
        identity = (entity_type, tuple(str(part) for part in entity_key))
        entity = self._identity_map.get(identity)
        if entity is None:
            entity = self._from_user_caches(entity_class, identity)
        if entity is not None:
            return entity
        # Another type of the same family may hold it (a Task asked for as Context).
        for candidate in self._identity_map.with_key(identity[1]):
            if isinstance(candidate, entity_class):
                return candidate
        criteria = " and ".join(
            f'{name} is "{value}"' for name, value in zip(primary_key, entity_key)
        )
        results = self.query(f"{entity_type} where ({criteria})").all()
        return results[0] if results else None

    def query(self, expression: str, page_size: int = 500) -> ftrack_api.query.QueryResult:
        """A lazy result for ``expression`` (default projections when it has no select)."""
        self.logger.debug(L("Query {0!r}", expression))
        if not expression.startswith("select"):
            entity_type = expression.split(" ", 1)[0]
            entity_class = self.types.get(entity_type)
            if entity_class is None:
                raise KeyError(entity_type)
            projections = _QUERY_PROJECTION_SEPARATOR.join(entity_class.default_projections)
            expression = f"select {projections} from {expression}"
        return ftrack_api.query.QueryResult(self, expression, page_size=page_size)

    def _query(self, expression: str) -> Tuple[List[Any], Dict[str, Any]]:
        result = self.call([{"action": "query", "expression": expression}])[0]
        return result["data"], result["metadata"]

    def populate(self, entities: Union[Any, Sequence[Any]], projections: str) -> None:
        """Fetch ``projections`` (comma separated) for ``entities`` in one query per type."""
        if getattr(entities, "_ftrack_entity", False):
            entities = [entities]
        if isinstance(projections, (list, tuple)):
            projections = ", ".join(projections)
        by_type: Dict[str, List[Any]] = {}
        for entity in entities:
            if entity._new:
                continue
            by_type.setdefault(entity.entity_type, []).append(entity)
        for entity_type, group in by_type.items():
            primary_key = group[0].primary_key_attributes
            if len(primary_key) == 1:
                values = [str(entity._quiet_value(primary_key[0])) for entity in group]
                if len(values) == 1:
                    criteria = f"{primary_key[0]} is {values[0]}"
                else:
                    criteria = "{} in ({})".format(primary_key[0], ",".join(values))
            else:
                criteria = " or ".join(
                    "({})".format(
                        "and ".join(
                            f'{name} is "{entity._quiet_value(name)}"' for name in primary_key
                        )
                    )
                    for entity in group
                )
            expression = f"select {projections} from {entity_type} where {criteria}"
            with self.auto_populating(False):
                self.query(expression).all()

    def ensure(
        self,
        entity_type: str,
        data: Dict[str, Any],
        identifying_keys: Optional[Iterable[str]] = None,
    ) -> Any:
        """Return the entity matching ``data`` on ``identifying_keys``, creating it if needed.

        A created entity is committed straight away; an existing one gets the other
        values of ``data`` and is committed when any changed.
        """
        if identifying_keys is None:
            identifying_keys = list(data.keys())
        identifying_keys = list(identifying_keys)
        if not identifying_keys:
            raise ValueError(
                f"Could not determine any identifying data to check against when ensuring "
                f"{entity_type} with data {data!r}. Identifying keys: {identifying_keys!r}"
            )
        entity_class = self.types.get(entity_type)
        if entity_class is None:
            raise ftrack_api.exception.UnrecognisedEntityTypeError(entity_type)
        criteria = []
        for name in identifying_keys:
            value = data[name]
            if getattr(value, "_ftrack_entity", False):
                value = ftrack_api.inspection.primary_key(value).get("id", str(value))
            criteria.append(f"{name} is {_ensure_literal(value)}")
        expression = "{} where {}".format(entity_type, " and ".join(criteria))
        primary_key = ", ".join(entity_class.primary_key_attributes)
        results = self.query(f"select {primary_key} from {expression} limit 2").all()
        if len(results) > 1:
            raise ftrack_api.exception.MultipleResultsFoundError()
        if results:
            entity = results[0]
            changed = False
            for name, value in data.items():
                if name in identifying_keys:
                    continue
                if entity[name] != value:
                    entity[name] = value
                    changed = True
            if changed:
                self.commit()
            return entity
        entity = self.create(entity_type, data)
        self.commit()
        return entity

    def delete(self, entity: Any) -> None:
        """Mark ``entity`` for deletion at the next commit."""
        if self.record_operations:
            self.recorded_operations.push(
                ftrack_api.operation.DeleteEntityOperation(
                    entity.entity_type, ftrack_api.inspection.primary_key(entity)
                )
            )

    # -- commit and friends ---------------------------------------------------------------

    def commit(self) -> None:
        """Send every recorded operation to the server in one batch.

        On success, local values become remote values (refreshed by what the server
        answers) and the operations are cleared. On failure nothing changes: the
        operations stay, to be retried or rolled back.
        """
        with self._thread_lock:
            operations = list(self.recorded_operations)
            if not operations:
                return
            encoder = codec.Encoder(self)
            with self.auto_populating(False):
                batch = ftrack_api._commit.build_batch(
                    operations, lambda value: encoder.to_json(value, "set_only")
                )
            touched = self._entities_of(operations)
            sent, deleted = _sent_identities(batch)
            # The payloads are plain JSON already (values encoded while folding). They are
            # written out before anything changes (a value JSON cannot hold fails here)
            # and dropped before the answer is decoded beside them.
            body = json.dumps(batch, separators=(",", ":")) if batch else None
            del batch
            # The snapshot is the entities' own objects: local values are detached
            # rather than emptied, and remote values replaced by a new object (readers
            # in other threads see the old values or the new, never a mix).
            snapshots = []
            for entity in touched.values():
                local = entity._local
                remote = entity._remote
                if local.__class__ is dict and local:
                    snapshots.append((entity, local, remote))
                    entity._remote = _committed_values(remote, local)
                    del entity._local
            try:
                if body is not None:
                    self._send(body)
            except BaseException:
                for entity, local, remote in snapshots:
                    entity._local = local
                    entity._remote = remote
                raise
            self._discard_operations(operations)
            for identity, entity in touched.items():
                if identity in deleted or (entity._new and identity not in sent):
                    self._forget(entity)
                elif entity._new:
                    del entity._new

    def _discard_operations(self, operations: List[Any]) -> None:
        """Remove ``operations`` from the record, keeping any pushed meanwhile."""
        stack = self.recorded_operations._stack
        count = len(operations)
        if len(stack) >= count and all(a is b for a, b in zip(stack, operations)):
            del stack[:count]
        else:
            done = {id(operation) for operation in operations}
            stack[:] = [operation for operation in stack if id(operation) not in done]

    def _entities_of(self, operations: Iterable[Any]) -> Dict[Tuple[str, Tuple[str, ...]], Any]:
        entities: Dict[Tuple[str, Tuple[str, ...]], Any] = {}
        identity_map = self._identity_map
        previous = None
        for operation in operations:
            identity = (operation.entity_type, tuple(map(str, operation.entity_key.values())))
            if identity == previous:  # a create and the updates recorded right after it
                continue
            previous = identity
            entity = identity_map.get(identity)
            if entity is not None:
                entities[identity] = entity
        return entities

    def rollback(self) -> None:
        """Discard uncommitted changes: new entities are forgotten, local values cleared."""
        with self._thread_lock:
            operations = list(self.recorded_operations)
            for entity in self._entities_of(operations).values():
                if entity._new:
                    self._forget(entity)
                    continue
                entity.clear()
            self.recorded_operations.clear()

    def reset(self) -> None:
        """Forget every entity and pending change (the server is untouched)."""
        with self._thread_lock:
            self.recorded_operations.clear()
            self._identity_map.clear()
            self._configuration_cache = None
            for cache in self._user_caches:
                with contextlib.suppress(Exception):
                    cache.clear()
            self._configure_locations()
        self.event_hub.publish(
            ftrack_api.event.base.Event(topic="ftrack.api.session.reset", data={"session": self}),
            synchronous=True,
        )

    def reset_remote(self, reset_type: str, entity: Optional[Any] = None) -> Any:
        """Reset a value on the server (only a user's ``api_key``); return the new data."""
        payload: Dict[str, Any] = {"action": "reset_remote", "reset_type": reset_type}
        if entity is not None:
            payload["entity_type"] = entity.entity_type
            payload["entity_key"] = entity["id"]
        return self.call([payload])[0]["data"]

    def close(self) -> None:
        """Close the connection; later requests raise ConnectionClosedError."""
        if self._closed:
            return
        if len(self.recorded_operations):
            self.logger.warning("Closing session with pending operations not persisted.")
        with contextlib.suppress(Exception):
            if self._event_hub.connected:
                self._event_hub.disconnect()
        self._managed_request.close()
        self._closed = True

    # -- server actions ---------------------------------------------------------------------

    def _call_action(self, payload: Dict[str, Any], feature: str) -> Any:
        """Call an action that older servers lack; ServerCompatibilityError if missing."""
        try:
            return self.call([payload])[0]
        except ftrack_api.exception.ServerError as error:
            if "Invalid action u'{}'".format(payload["action"]) in str(error):
                raise ftrack_api.exception.ServerCompatibilityError(
                    f"Server version does not support {feature}."
                )
            raise

    def get_widget_url(
        self, name: str, entity: Optional[Any] = None, theme: Optional[str] = None
    ) -> str:
        """A URL (valid for a few minutes) showing the widget ``name`` for ``entity``."""
        payload: Dict[str, Any] = {"action": "get_widget_url", "name": name, "theme": theme}
        if entity is not None:
            payload["entity_type"] = entity.entity_type
            payload["entity_key"] = list(ftrack_api.inspection.primary_key(entity).values())
        return self._call_action(payload, "widget URLs")["widget_url"]

    def encode_media(
        self, media: Any, version_id: Optional[str] = None, keep_original: Any = "auto"
    ) -> Any:
        """Encode ``media`` (a path or a FileComponent) for review; return the Job."""
        if isinstance(media, str):
            server = self.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID)
            media = self.create_component(media, location=server)
            if keep_original == "auto":
                keep_original = False
        elif keep_original == "auto":
            keep_original = True
        result = self._call_action(
            {
                "action": "encode_media",
                "component_id": media["id"],
                "version_id": version_id,
                "keep_original": keep_original,
            },
            "encoding media",
        )
        return self.get("Job", result["job_id"])

    def get_upload_metadata(
        self, component_id: str, file_name: str, file_size: int, checksum: Optional[str] = None
    ) -> Dict[str, Any]:
        """Where and how to upload ``file_name`` for ``component_id`` (URL and headers)."""
        return self._call_action(
            {
                "action": "get_upload_metadata",
                "component_id": component_id,
                "file_name": file_name,
                "file_size": file_size,
                "checksum": checksum,
            },
            "upload metadata",
        )

    def send_user_invite(self, user: Any) -> None:
        """E-mail ``user`` an invitation to the site."""
        self.send_user_invites([user])

    def send_user_invites(self, users: Iterable[Any]) -> None:
        """E-mail each of ``users`` an invitation to the site."""
        payloads = [{"action": "send_user_invite", "user_id": user["id"]} for user in users]
        self._call_actions(payloads, "user invites")

    def send_review_session_invite(self, invitee: Any) -> None:
        """E-mail a (committed) review session invitee an invitation."""
        self.send_review_session_invites([invitee])

    def send_review_session_invites(self, invitees: Iterable[Any]) -> None:
        """E-mail each (committed) review session invitee an invitation."""
        payloads = [
            {"action": "send_review_session_invite", "review_session_invitee_id": invitee["id"]}
            for invitee in invitees
        ]
        self._call_actions(payloads, "review session invites")

    def _call_actions(self, payloads: List[Dict[str, Any]], feature: str) -> None:
        if not payloads:
            return
        try:
            self.call(payloads)
        except ftrack_api.exception.ServerError as error:
            if "Invalid action u'{}'".format(payloads[0]["action"]) in str(error):
                raise ftrack_api.exception.ServerCompatibilityError(
                    f"Server version does not support {feature}."
                )
            raise

    # -- helpers used by entity mixins -------------------------------------------------------

    def _custom_attribute_configurations(self) -> List[Any]:
        if self._configuration_cache is None:
            self._configuration_cache = list(
                self.query(
                    "select key, project_id, id, object_type_id, entity_type, is_hierarchical, "
                    "default from CustomAttributeConfiguration"
                )
            )
        return self._configuration_cache

    def _custom_attribute_configuration(self, entity: Any, key: str) -> Optional[Any]:
        """The configuration called ``key`` that applies to ``entity``, if any."""
        kind = _CUSTOM_ATTRIBUTE_KINDS.get(entity.entity_type)
        object_type_id = None
        if kind is None:
            kind = "task"
            object_type_id = entity._quiet_value("object_type_id")
        project_id = None
        if "project_id" in entity.attributes:
            project_id = entity._quiet_value("project_id")
        best = None
        for configuration in self._custom_attribute_configurations():
            if configuration["key"] != key:
                continue
            if configuration["is_hierarchical"] and kind in (
                "task",
                "show",
                "asset",
                "assetversion",
            ):
                pass
            elif configuration["entity_type"] != kind or (
                kind == "task" and configuration["object_type_id"] not in (None, object_type_id)
            ):
                continue
            if configuration["project_id"] not in (None, project_id):
                continue
            if best is None or configuration["project_id"] is not None:
                best = configuration
        return best


#: Classes built by the standard factory, by schema hash (see _build_entity_type_classes).
_SHARED_CLASSES: Dict[str, Dict[str, type]] = {}
_SHARED_CLASSES_LOCK = threading.Lock()


def _shared_classes(schema_hash: Optional[str]) -> Dict[str, type]:
    """The shared class table for ``schema_hash`` (a private one when there is none).

    The schemas were either read from a cache file whose hash matched, or sent by the
    server that reported this hash.
    """
    if not schema_hash:
        return {}
    with _SHARED_CLASSES_LOCK:
        return _SHARED_CLASSES.setdefault(schema_hash, {})


def _merge_new_names(entity_class: Any, values: RemoteValues, data: Dict[str, Any]) -> None:
    """Merge decoded ``data`` bringing new names into an entity's remote ``values``.

    A commit's answer fills in what the server set: one plan per shape and names
    rather than growing the shape name by name.
    """
    shape = values.shape
    names = tuple(data)
    plan = entity_class._merge_plans.get((shape, names))
    if plan is None:
        plan = entity_class._merge_plan(shape, names)
    merged_shape, positions, repeated = plan
    values.extend([NOT_SET] * (len(merged_shape) - len(values)))
    for position, value in zip(positions, data.values()):
        if position is not None:
            values[position] = value
    for position in repeated:
        value = values[position]
        if value.__class__ is str:
            values[position] = sys.intern(value)
    values.shape = merged_shape  # last: readers only see filled positions


#: Makes an empty RemoteValues without running its __init__ (decoding's hot path).
_new_list = list.__new__


def _response_text(response: requests.Response) -> str:
    """The whole body of a streamed ``response`` as text; the connection is released.

    A page of a large query is hundreds of kilobytes. Reading it straight into one
    string, instead of keeping ``response.content`` alive beside the text decoded from
    it, lowers a query's peak memory by the size of a page.
    """
    try:
        body = response.raw.read(decode_content=True)
    finally:
        response.close()
    return body.decode("utf-8")


def _sent_identities(
    batch: List[Dict[str, Any]],
) -> Tuple[Set[Tuple[str, Tuple[str, ...]]], Set[Tuple[str, Tuple[str, ...]]]]:
    """Identities of the entities ``batch`` concerns, and of those it deletes."""
    sent = set()
    deleted = set()
    for payload in batch:
        identity = (payload["entity_type"], tuple(map(str, payload["entity_key"])))
        sent.add(identity)
        if payload["action"] == "delete":
            deleted.add(identity)
    return sent, deleted


def _committed_values(remote: RemoteValues, local: Dict[str, Any]) -> RemoteValues:
    """New remote values: ``remote`` with the ``local`` values sent over it."""
    if not remote:  # a new entity: nothing from the server yet
        return RemoteValues.from_mapping(local)
    return RemoteValues.from_mapping({**remote.as_dict(), **local})


def _ensure_literal(value: Any) -> str:
    """Query literal of an ``ensure`` value, as the original builds it."""
    import datetime as _dt

    import arrow

    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (arrow.Arrow, _dt.datetime)):
        if isinstance(value, arrow.Arrow):
            value = value.to("utc").naive
        elif value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return f'"{value.replace(microsecond=0).isoformat()}"'
    return str(value)


_CUSTOM_ATTRIBUTE_KINDS = {
    "Project": "show",
    "AssetVersion": "assetversion",
    "Asset": "asset",
    "User": "user",
    "TypedContextList": "list",
    "AssetVersionList": "list",
    "List": "list",
    "ListObject": "listobject",
}
