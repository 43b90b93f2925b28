"""Conversions between wire values, query literals and stored values.

Stored date-times are naive UTC at whole seconds (protocol.md 3.6). ``variable``
values (custom attribute values and defaults) are stored as JSON text so that any
JSON value round-trips. Errors raise ``ValueError`` with a message naming the
problem; callers turn them into protocol errors with context.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from typing import Any, Optional

_DATE_TIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$",
    re.IGNORECASE,
)

TRUE_WORDS = {"true", "1"}
FALSE_WORDS = {"false", "0"}


def parse_datetime(text: str) -> _dt.datetime:
    """Parse the date-time spellings clients send; return naive UTC, whole seconds.

    Accepts date only (midnight), ``T`` or space separators, fractional seconds
    (truncated), ``Z`` and ``+HH:MM`` offsets (converted to UTC); single-digit months
    and days are allowed.
    """
    match = _DATE_TIME.match(text)
    if not match:
        raise ValueError(f"not a date-time: {text!r}")
    year, month, day, hour, minute, second, _fraction, zone = match.groups()
    value = _dt.datetime(
        int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
    )
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = _dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        value -= sign * offset
    return value


def utc_now() -> _dt.datetime:
    """The current time as stored: naive UTC, whole seconds."""
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def encode_datetime(value: _dt.datetime) -> dict:
    """A stored date-time in its wire form."""
    return {"__type__": "datetime", "value": value.replace(microsecond=0).isoformat()}


def decode_wire_datetime(value: Any) -> Optional[_dt.datetime]:
    """Read a date-time sent by a client (wire object, or a plain string)."""
    if value is None:
        return None
    if isinstance(value, dict):
        kind = value.get("__type__")
        if kind not in ("datetime", "date"):
            raise ValueError(f"expected a datetime object, got {kind!r}")
        value = value.get("value")
    if isinstance(value, str):
        return parse_datetime(value)
    raise ValueError(f"expected a date-time, got {type(value).__name__}")


def to_storage(value: Any, data_type: str) -> Any:
    """Convert a client-sent attribute value to what the column holds.

    Raises ``ValueError`` when the value does not fit the attribute's type.
    """
    if value is None:
        return None
    if data_type == "string" and type(value) is str:  # most values: nothing to convert
        return value
    if data_type == "datetime":
        return decode_wire_datetime(value)
    if data_type == "variable":
        if isinstance(value, dict) and value.get("__type__") in ("datetime", "date"):
            value = encode_datetime(decode_wire_datetime(value))
        return json.dumps(value, sort_keys=True)
    if data_type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in TRUE_WORDS | FALSE_WORDS:
            return value.lower() in TRUE_WORDS
        raise ValueError(f"expected a boolean, got {value!r}")
    if data_type == "integer":
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ValueError(f"expected an integer, got {value!r}")
    if data_type == "number":
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ValueError(f"expected a number, got {value!r}")
    if data_type == "json":
        if isinstance(value, str):
            return value
        return json.dumps(value)
    if data_type == "object":
        raise ValueError("computed value cannot be set")
    # string
    if isinstance(value, (dict, list)):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def to_wire(value: Any, data_type: str) -> Any:
    """Convert a stored value to what a client receives."""
    if value is None:
        return None
    if data_type == "datetime":
        if isinstance(value, str):
            value = parse_datetime(value)
        return encode_datetime(value)
    if data_type == "variable":
        return json.loads(value) if isinstance(value, str) else value
    if data_type == "boolean":
        return bool(value)
    if data_type == "number" and isinstance(value, float) and value.is_integer():
        return value
    return value
