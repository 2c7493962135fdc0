"""The game protocol: every message round-trips, and every kind of bad frame raises the right ProtocolError."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server import protocol as p
from server.game.model import EventKind, GameEvent, Phase, PickupKind

PLAYERS = (
    p.PlayerInfo(0, "player-a", "Ada", 0, "gold", "sparks", "premium"),
    p.PlayerInfo(7, "player-b", "Bjørn ✈", 1, "default", "none", "free"),
)

SERVER_MESSAGES = [
    p.Welcome(your_id=7, game_session_id="arn:aws:gamelift:us-west-2::gamesession/fleet-1/gsess-1", tick=42,
              tick_rate=30, snapshot_rate=20, arena_width=1600, arena_height=1000, max_players=16,
              phase=Phase.PLAYING, round=2, rounds=3, round_seconds=180, results_seconds=10,
              teams=("red", "blue"), players=PLAYERS),
    p.Welcome(your_id=0, game_session_id="", tick=0, tick_rate=30, snapshot_rate=20, arena_width=1, arena_height=1,
              max_players=2, phase=Phase.WAITING, round=0, rounds=1, round_seconds=1, results_seconds=0),
    p.PlayerJoined(PLAYERS[1]),
    p.PlayerLeft(3, p.LeaveReason.DISCONNECTED),
    p.RoundStart(round=1, rounds=3, seconds=180, tick=99),
    p.RoundEnd(round=3, rounds=3, final=True, next_round_in=0,
               players=(p.PlayerScore(1, 0, 12, 3), p.PlayerScore(0, 1, 4, 9)), team_scores=(12, 4),
               winner_team=0, winner_player=-1),
    p.RoundEnd(round=1, rounds=2, final=False, next_round_in=10),
    p.Pong(client_time_ms=2**32 - 1, server_tick=12345),
    p.ServerClosing(p.CloseCode.SERVER_SHUTTING_DOWN, 30, "The server is shutting down"),
]

CLIENT_MESSAGES = [
    p.Join("psess-6f0c1f7e-0000-4000-8000-000000000001"),
    p.Input(seq=1, ack_tick=0, move_x=127, move_y=-127, aim=65535, buttons=p.BUTTON_FIRE),
    p.Input(seq=2**32 - 1, ack_tick=2**32 - 1),
    p.Ping(123456),
]


@pytest.mark.parametrize("message", CLIENT_MESSAGES, ids=lambda m: type(m).__name__)
def test_client_messages_round_trip(message: p.ClientMessage) -> None:
    frame = p.encode_client(message)
    assert p.decode_client(frame) == message
    assert len(frame) <= p.MAX_CLIENT_MESSAGE_BYTES


@pytest.mark.parametrize("message", SERVER_MESSAGES, ids=lambda m: type(m).__name__)
def test_server_messages_round_trip(message: p.ServerMessage) -> None:
    assert p.decode_server(p.encode_server(message)) == message


def test_frames_are_compact() -> None:
    assert len(p.encode_client(p.Input(5, 7, 1, 2, 3, 1))) == 14
    assert len(p.encode_client(p.Ping(1))) == 5


def test_input_fire_button() -> None:
    assert p.Input(1, buttons=p.BUTTON_FIRE).fire
    assert not p.Input(1).fire


# --- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("message", CLIENT_MESSAGES, ids=lambda m: type(m).__name__)
def test_truncated_client_frames_are_refused(message: p.ClientMessage) -> None:
    frame = p.encode_client(message)
    for cut in range(len(frame)):
        with pytest.raises(p.TruncatedMessage) as raised:
            p.decode_client(frame[:cut])
        assert raised.value.close_code is p.CloseCode.PROTOCOL_ERROR


@pytest.mark.parametrize("message", SERVER_MESSAGES, ids=lambda m: type(m).__name__)
def test_truncated_server_frames_are_refused(message: p.ServerMessage) -> None:
    frame = p.encode_server(message)
    for cut in range(len(frame)):
        with pytest.raises(p.ProtocolError):
            p.decode_server(frame[:cut])


@pytest.mark.parametrize("message", CLIENT_MESSAGES, ids=lambda m: type(m).__name__)
def test_trailing_bytes_are_refused(message: p.ClientMessage) -> None:
    with pytest.raises(p.MalformedMessage, match="trailing"):
        p.decode_client(p.encode_client(message) + b"\x00")


def test_oversized_client_frame_is_refused_with_its_own_close_code() -> None:
    frame = bytes([p.MsgType.PING]) + b"\x00" * p.MAX_CLIENT_MESSAGE_BYTES
    with pytest.raises(p.MessageTooLarge) as raised:
        p.decode_client(frame)
    assert raised.value.close_code is p.CloseCode.MESSAGE_TOO_LARGE


def test_join_of_another_version_is_refused() -> None:
    frame = p.encode_client(p.Join("psess-1", version=p.PROTOCOL_VERSION + 1))
    with pytest.raises(p.UnsupportedVersion) as raised:
        p.decode_client(frame)
    assert raised.value.close_code is p.CloseCode.UNSUPPORTED_VERSION


def test_welcome_of_another_version_is_refused() -> None:
    frame = bytearray(p.encode_server(SERVER_MESSAGES[0]))
    struct.pack_into("<H", frame, 1, p.PROTOCOL_VERSION + 1)
    with pytest.raises(p.UnsupportedVersion):
        p.decode_server(bytes(frame))


@pytest.mark.parametrize("kind", [0x00, 0x04, 0x7F, 0xFF])
def test_unknown_type_is_refused(kind: int) -> None:
    with pytest.raises(p.UnknownMessageType):
        p.decode_client(bytes([kind, 0, 0, 0, 0]))
    with pytest.raises(p.UnknownMessageType):
        p.decode_server(bytes([kind, 0, 0, 0, 0]))


def test_server_message_from_a_client_is_refused() -> None:
    with pytest.raises(p.MalformedMessage, match="server message"):
        p.decode_client(p.encode_server(p.Pong(1, 2)))
    with pytest.raises(p.MalformedMessage, match="client message"):
        p.decode_server(p.encode_client(p.Ping(1)))


def test_text_frames_and_empty_frames_are_refused() -> None:
    with pytest.raises(p.MalformedMessage, match="text"):
        p.decode_client('{"type": "join"}')  # type: ignore[arg-type]
    with pytest.raises(p.TruncatedMessage):
        p.decode_client(b"")


def test_bad_values_are_refused() -> None:
    with pytest.raises(p.MalformedMessage, match="UTF-8"):
        p.decode_client(bytes([p.MsgType.JOIN, 1, 0, 2, 0xC3, 0x28]))
    with pytest.raises(p.MalformedMessage, match="empty"):
        p.decode_client(p.encode_client(p.Join("")))
    with pytest.raises(p.MalformedMessage, match="-127"):
        p.decode_client(struct.pack("<BIIbbHB", p.MsgType.INPUT, 1, 0, -128, 0, 0, 0))
    left = p.encode_server(p.PlayerLeft(1))
    with pytest.raises(p.MalformedMessage, match="LeaveReason"):
        p.decode_server(left[:-1] + b"\x09")


def test_encode_errors_name_the_problem() -> None:
    with pytest.raises(p.EncodeError, match="longer than 255"):
        p.encode_client(p.Join("x" * 256))
    with pytest.raises(p.EncodeError, match="Input"):
        p.encode_client(p.Input(seq=-1))
    with pytest.raises(p.EncodeError, match="not a client message"):
        p.encode_client(p.Pong(1, 1))  # type: ignore[arg-type]
    with pytest.raises(p.EncodeError, match="not a server message"):
        p.encode_server(p.Ping(1))  # type: ignore[arg-type]


def test_close_reasons_fit_a_close_frame() -> None:
    for code in p.CloseCode:
        assert code in p.CLOSE_REASONS
        assert len(p.close_reason(code, "é" * 200).encode()) <= 123
    assert p.close_reason(p.CloseCode.PLAYER_SESSION_IN_USE, "psess-1") == "player session already used: psess-1"


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_any_client_bytes_decode_or_raise_a_protocol_error(data: bytes) -> None:
    try:
        p.decode_client(data)
    except p.ProtocolError:
        pass


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([p.MsgType.SNAPSHOT, p.MsgType.WELCOME, p.MsgType.ROUND_END]), st.binary(max_size=300))
def test_any_server_bytes_decode_or_raise_a_protocol_error(kind: int, data: bytes) -> None:
    try:
        p.decode_server(bytes([kind]) + data)
    except p.ProtocolError:
        pass


def test_event_and_enum_values_are_stable() -> None:
    """The wire numbers are the contract with clients already out there."""
    assert [int(m) for m in p.MsgType] == [1, 2, 3, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]
    assert (int(EventKind.TAGGED), int(PickupKind.SHIELD), int(Phase.OVER)) == (1, 1, 3)
    assert GameEvent(EventKind.TAGGED, 1, 2) == (1, 1, 2)
