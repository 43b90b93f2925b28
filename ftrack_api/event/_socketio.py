"""The socket.io 0.9 framing the event hub speaks: handshake replies and packets.

A socket.io 0.9 session starts with an HTTP handshake (``GET /socket.io/1/``)
answered by ``sid:heartbeat:close:transports``, then exchanges websocket text
frames of the form ``type:id:endpoint:data``. This module only turns those texts
into values and back; it does no input or output.
"""

from __future__ import annotations

from typing import List, NamedTuple, Tuple

import ftrack_api.exception

#: Path of the handshake, relative to the server origin.
HANDSHAKE_PATH = "/socket.io/1/"

#: Path of a session's websocket, relative to the server origin.
WEBSOCKET_PATH = "/socket.io/1/websocket/{session_id}"

#: Packet type code for each packet name.
PACKET_CODES = {
    "disconnect": "0",
    "connect": "1",
    "heartbeat": "2",
    "message": "3",
    "json": "4",
    "event": "5",
    "acknowledge": "6",
    "error": "7",
}

#: Packet name for each packet type code.
PACKET_NAMES = {code: name for name, code in PACKET_CODES.items()}

#: Marks a packet identifier whose sender wants the data acknowledged.
ACK_REQUESTED = "+"


class Packet(NamedTuple):
    """One socket.io packet: its type *code*, *identifier*, *endpoint* and *data*."""

    code: str
    identifier: str
    endpoint: str
    data: str

    @property
    def name(self) -> str:
        """The name of the packet type (``'event'``, ``'heartbeat'``...)."""
        return PACKET_NAMES[self.code]


class Handshake(NamedTuple):
    """The parts of a handshake reply."""

    session_id: str
    heartbeat_timeout: str
    close_timeout: str
    transports: List[str]


def parse_handshake(text: str) -> Handshake:
    """Return the :class:`Handshake` in the body of a handshake reply.

    Raise :exc:`~ftrack_api.exception.EventHubConnectionError` when the body does
    not have the four colon separated fields.
    """
    fields = text.strip().split(":")
    if len(fields) < 4 or not fields[0]:
        raise ftrack_api.exception.EventHubConnectionError(
            f"Invalid handshake response from server: {text!r}."
        )
    session_id, heartbeat_timeout, close_timeout, transports = fields[:4]
    return Handshake(session_id, heartbeat_timeout, close_timeout, transports.split(","))


def encode_packet(code: str, identifier: str = "", endpoint: str = "", data: str = "") -> str:
    """Return the frame text of a packet."""
    return f"{code}:{identifier}:{endpoint}:{data}"


def decode_packet(frame: str) -> Packet:
    """Return the :class:`Packet` in websocket *frame* text.

    Only the first three colons separate fields, so the data may hold colons.
    Raise :exc:`~ftrack_api.exception.EventHubPacketError` for a frame whose
    type is not a socket.io 0.9 packet type.
    """
    fields = frame.split(":", 3)
    code = fields[0]
    if code not in PACKET_NAMES or len(fields) < 2:
        raise ftrack_api.exception.EventHubPacketError(f"Invalid packet: {frame!r}.")
    fields.extend([""] * (4 - len(fields)))
    return Packet(*fields)


def split_acknowledgement(data: str) -> Tuple[str, str]:
    """Return the acknowledged packet identifier and the JSON arguments of an ack.

    The data of an acknowledge packet reads ``<identifier>+<JSON array>``; the
    arguments are empty text when the server sent none.
    """
    identifier, _, arguments = data.partition(ACK_REQUESTED)
    return identifier, arguments
