"""Socket.IO 0.9 packet framing: text frames ``type:id:endpoint:data`` (protocol.md 7.4).

Only the subset the ftrack clients speak is produced: connect, disconnect, heartbeat,
event and ack packets. A noop (type 8) is never sent, because the Python client's
receive thread dies on any type outside 0-7.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict

DISCONNECT = 0
CONNECT = 1
HEARTBEAT = 2
MESSAGE = 3
JSON = 4
EVENT = 5
ACK = 6
ERROR = 7

#: The only event name the ftrack hubs use.
EVENT_NAME = "ftrack.event"

_MESSAGE_ID = re.compile(r"(?:(\d+)(\+?))?\Z")


class PacketError(ValueError):
    """A frame or event payload that does not follow the protocol."""


@dataclass(frozen=True)
class Packet:
    """One decoded frame.

    ``id`` is the message id (digits, empty when absent); ``wants_ack`` is true when
    the id carries the ``+`` suffix, asking for an ack with data.
    """

    type: int
    id: str = ""
    wants_ack: bool = False
    endpoint: str = ""
    data: str = ""


def decode(frame: str) -> Packet:
    """Split a text frame into a :class:`Packet`; raise :class:`PacketError` if malformed.

    Only the first three colons separate fields, so JSON data may hold colons.
    """
    parts = frame.split(":", 3)
    if len(parts) < 3:
        raise PacketError(f"Not a socket.io packet: {frame[:80]!r}.")
    type_text, id_text, endpoint = parts[:3]
    if not type_text.isdigit():
        raise PacketError(f"Packet type must be a number, got {type_text[:20]!r}.")
    message_id = _MESSAGE_ID.match(id_text)
    if message_id is None:
        raise PacketError(f"Malformed packet id {id_text[:20]!r}.")
    return Packet(
        type=int(type_text),
        id=message_id.group(1) or "",
        wants_ack=bool(message_id.group(2)),
        endpoint=endpoint,
        data=parts[3] if len(parts) == 4 else "",
    )


def encode(packet: Packet) -> str:
    """Return the text frame of ``packet`` (the inverse of :func:`decode`)."""
    message_id = packet.id + ("+" if packet.wants_ack else "")
    frame = f"{packet.type}:{message_id}:{packet.endpoint}"
    return f"{frame}:{packet.data}" if packet.data else frame


CONNECT_FRAME = encode(Packet(CONNECT))
DISCONNECT_FRAME = encode(Packet(DISCONNECT))
HEARTBEAT_FRAME = encode(Packet(HEARTBEAT))


def event_frame(event: Dict[str, Any]) -> str:
    """The ``5:::`` frame delivering ``event``: no id, one element in ``args``."""
    payload = json.dumps({"name": EVENT_NAME, "args": [event]}, ensure_ascii=False, default=str)
    return encode(Packet(EVENT, data=payload))


def ack_frame(message_id: str, result: Dict[str, Any]) -> str:
    """The ``6:::<id>+[result]`` frame answering an event packet that asked for an ack."""
    payload = json.dumps([result], ensure_ascii=False, default=str)
    return encode(Packet(ACK, data=f"{message_id}+{payload}"))


def event_payload(packet: Packet) -> Any:
    """Return the event carried by an event packet (whatever JSON value it is).

    The packet data must be ``{"name": "ftrack.event", "args": [event]}``.
    """
    try:
        message = json.loads(packet.data)
    except ValueError:
        raise PacketError("Event packet data is not valid JSON.")
    if not isinstance(message, dict):
        raise PacketError("Event packet data must be a JSON object.")
    if message.get("name") != EVENT_NAME:
        raise PacketError(f"Unknown event name {str(message.get('name'))[:80]!r}.")
    args = message.get("args")
    if not isinstance(args, list) or len(args) != 1:
        raise PacketError("An event packet must carry exactly one argument.")
    return args[0]
