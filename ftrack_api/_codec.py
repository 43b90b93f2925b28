"""JSON to entities and back: the wire encoding of protocol.md section 3.

Encoding turns entities into ``{"__entity_type__": ..., <attributes>}`` objects (which
attributes depends on the strategy), collections into lists and dates into
``{"__type__": "datetime", "value": ...}``. Decoding does the reverse with a JSON
object hook; the session's hook merges entities straight into its identity map, so a
query result is decoded and merged in one pass without intermediate objects.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Callable, Dict, Optional

import arrow

import ftrack_api.collection
from ftrack_api.symbol import NOT_SET

ENTITY_TYPE_KEY = "__entity_type__"
PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))
STRATEGIES = ("all", "set_only", "modified_only", "persisted_only")
_UTC = _dt.timezone.utc


#: The last date-time parsed, as (text, Arrow): a batch's answer repeats one creation
#: time for every entity it created. Arrows are never changed in place, so sharing
#: one is safe; the pair is replaced whole, so threads never see a torn entry.
_last_datetime: Any = (None, None)


def parse_datetime(value: str) -> arrow.Arrow:
    """Parse a wire date-time (naive means UTC) into an Arrow, cheaply."""
    global _last_datetime
    last_text, last_parsed = _last_datetime
    if value == last_text:
        return last_parsed
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return arrow.get(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    result = arrow.Arrow.fromdatetime(parsed)
    _last_datetime = (value, result)
    return result


def parse_date(value: str) -> arrow.Arrow:
    try:
        parsed = _dt.date.fromisoformat(value)
    except ValueError:
        return arrow.get(value)
    return arrow.Arrow(parsed.year, parsed.month, parsed.day, tzinfo=_UTC)


def decode_special(data: Dict[str, Any]) -> Any:
    """Decode a ``__type__`` object (date-times); return the dict itself otherwise."""
    kind = data.get("__type__")
    if kind == "datetime":
        return parse_datetime(data["value"])
    if kind == "date":
        return parse_date(data["value"])
    return data


def make_object_hook(entity_hook: Callable[[Dict[str, Any]], Any]) -> Callable[[dict], Any]:
    """An object hook decoding dates and handing entity objects to ``entity_hook``."""

    def hook(data: Dict[str, Any]) -> Any:
        if ENTITY_TYPE_KEY in data:
            return entity_hook(data)
        if "__type__" in data:
            return decode_special(data)
        return data

    return hook


def encode_datetime(value: Any) -> Dict[str, str]:
    """Wire form of an Arrow, datetime or date (tagged ``datetime`` as the original does)."""
    if isinstance(value, arrow.Arrow):
        value = value.datetime
    return {"__type__": "datetime", "value": value.isoformat()}


class Encoder:
    """Encode values (entities, collections, dates, plain JSON) for the server."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def dumps(self, data: Any, entity_attribute_strategy: str = "set_only") -> str:
        if entity_attribute_strategy not in STRATEGIES:
            raise ValueError(
                f'Unsupported entity_attribute_strategy "{entity_attribute_strategy}". '
                f"Must be one of {STRATEGIES}."
            )
        return json.dumps(
            self.to_json(data, entity_attribute_strategy, top_level=True),
            sort_keys=True,
        )

    def to_json(self, value: Any, strategy: str, top_level: bool = False) -> Any:
        """Convert ``value`` into plain JSON-able data."""
        if value.__class__ in PLAIN_TYPES:
            return value
        if getattr(value, "_ftrack_entity", False):
            if top_level:
                return self.entity(value, strategy)
            return self.session.entity_reference(value)
        if isinstance(value, dict):
            return {
                key: self.to_json(item, strategy, top_level=top_level)
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.to_json(item, strategy, top_level=top_level) for item in value]
        if isinstance(value, (arrow.Arrow, _dt.datetime, _dt.date)):
            return encode_datetime(value)
        collection = _collection_items(value)
        if collection is not None:
            return [self.to_json(item, strategy) for item in collection]
        if hasattr(value, "items") and callable(value.items):
            return {key: self.to_json(item, strategy) for key, item in value.items()}
        return value

    def entity(self, entity: Any, strategy: str) -> Dict[str, Any]:
        """An entity with the attributes ``strategy`` selects; related entities as references."""
        data: Dict[str, Any] = {ENTITY_TYPE_KEY: entity.entity_type}
        for attribute in entity.attributes:
            name = attribute.name
            local = entity._local.get(name, NOT_SET)
            remote = entity._remote.get(name, NOT_SET)
            if strategy == "set_only":
                value = local if local is not NOT_SET else remote
            elif strategy == "modified_only":
                value = local if attribute.is_modified(entity) else NOT_SET
            elif strategy == "persisted_only":
                value = NOT_SET if attribute.computed else remote
            else:  # "all"
                value = attribute.get_value(entity)
            if value is NOT_SET:
                continue
            data[name] = self.to_json(value, strategy)
        if strategy == "modified_only":
            for name in entity.primary_key_attributes:
                data.setdefault(name, self.to_json(entity._quiet_value(name), strategy))
        return data


def _collection_items(value: Any) -> Optional[list]:
    """The entities of a collection or mapped collection proxy, else None."""
    if isinstance(value, ftrack_api.collection.Collection):
        return list(value._data)
    if isinstance(value, ftrack_api.collection.MappedCollectionProxy):
        return list(value.collection._data)
    return None
