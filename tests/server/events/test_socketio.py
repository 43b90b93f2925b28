"""Socket.IO 0.9 framing: decoding what clients send, encoding what they accept."""

import json

import pytest

from ftrack_server.events import socketio
from ftrack_server.events.socketio import Packet, PacketError


@pytest.mark.parametrize(
    ("frame", "packet"),
    [
        ("2::", Packet(socketio.HEARTBEAT)),
        ("2:::", Packet(socketio.HEARTBEAT)),
        ("0::", Packet(socketio.DISCONNECT)),
        ("1::", Packet(socketio.CONNECT)),
        ('5:7+::{"a": 1}', Packet(socketio.EVENT, "7", True, "", '{"a": 1}')),
        ('5:12::{"a": 1}', Packet(socketio.EVENT, "12", False, "", '{"a": 1}')),
        ('5:::{"a": 1}', Packet(socketio.EVENT, "", False, "", '{"a": 1}')),
        ("3::/chat:hello", Packet(socketio.MESSAGE, "", False, "/chat", "hello")),
        ("8::", Packet(8)),
    ],
)
def test_decode(frame, packet):
    assert socketio.decode(frame) == packet


def test_only_the_first_three_colons_separate_fields():
    packet = socketio.decode('5:1+::{"topic": "a:b", "t": "12:00:00"}')
    assert json.loads(packet.data) == {"topic": "a:b", "t": "12:00:00"}


@pytest.mark.parametrize("frame", ["", "5", "5:", "x::", "5:a::{}", "5:+::{}", "-1::", "5:1++::"])
def test_malformed_frames_are_refused(frame):
    with pytest.raises(PacketError):
        socketio.decode(frame)


@pytest.mark.parametrize("frame", ["1::", "2::", "0::", '5:::{"a":1}', "5:3+::{}", "6:::4+[{}]"])
def test_encode_inverts_decode(frame):
    assert socketio.encode(socketio.decode(frame)) == frame


def test_server_control_frames():
    assert socketio.CONNECT_FRAME == "1::"
    assert socketio.HEARTBEAT_FRAME == "2::"
    assert socketio.DISCONNECT_FRAME == "0::"


def test_event_frame_has_no_id_and_exactly_one_argument():
    frame = socketio.event_frame({"topic": "t", "data": {"name": "Jürgen: 10:00"}})
    assert frame.startswith("5:::{")
    assert "Jürgen" in frame, "JSON goes out as raw UTF-8, like Py sends it"
    message = json.loads(frame[len("5:::") :])
    assert message == {
        "name": "ftrack.event",
        "args": [{"topic": "t", "data": {"name": "Jürgen: 10:00"}}],
    }


def test_ack_frame_is_id_plus_a_one_element_array():
    assert socketio.ack_frame("7", {"success": True}) == '6:::7+[{"success": true}]'
    frame = socketio.ack_frame("12", {"success": False, "message": "no"})
    assert frame == '6:::12+[{"success": false, "message": "no"}]'


def test_event_payload():
    packet = socketio.decode('5:1+::{"name": "ftrack.event", "args": [{"topic": "x"}]}')
    assert socketio.event_payload(packet) == {"topic": "x"}


@pytest.mark.parametrize(
    "data",
    [
        "not json",
        "[1]",
        '{"name": "other", "args": [{}]}',
        '{"name": "ftrack.event"}',
        '{"name": "ftrack.event", "args": []}',
        '{"name": "ftrack.event", "args": [{}, {}]}',
        '{"name": "ftrack.event", "args": {"topic": "x"}}',
    ],
)
def test_event_payload_refuses_other_shapes(data):
    with pytest.raises(PacketError):
        socketio.event_payload(Packet(socketio.EVENT, data=data))
