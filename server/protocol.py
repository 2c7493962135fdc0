"""The client-server game protocol: every message, limit and close reason, in one module. Pure: bytes in, bytes out.

Transport
    One WebSocket per player, binary frames, one message per frame. The server listens on the port it reported to
    GameLift in ProcessReady; the client learns ip/port and its player session id from the backend.

Conversation
    client                                   server
    JOIN(version, player_session_id)  ->     (must be the first frame, within JOIN_TIMEOUT_S; the server calls
                                              AcceptPlayerSession, then DescribePlayerSessions for PlayerData)
                                      <-     WELCOME(your id, rates, arena, teams, everyone present, round state)
                                      <-     PLAYER_JOINED / PLAYER_LEFT as others come and go
    INPUT(seq, ack_tick, move, aim, buttons) ->  one per client tick (TICK_RATE), seq +1 each time
                                      <-     SNAPSHOT at SNAPSHOT_RATE, delta-encoded against ack_tick
    PING(client_time_ms)              ->
                                      <-     PONG(client_time_ms, server tick): the HUD's round-trip time
                                      <-     ROUND_START / ROUND_END(results)
                                      <-     SERVER_CLOSING(code, seconds, text) before the server ends the game
    Either side closes the WebSocket; the server's close code is a :class:`CloseCode` (4000-4999 are this game's,
    with a human-readable reason), e.g. 4011 "player session already used" for a reused player session id.

Encoding (chosen by measurement)
    Hand-written ``struct`` layouts, little-endian; every message starts with a one-byte :class:`MsgType`.
    Measured with ``python -m bench.server_tick --encodings`` (CPython 3.11, 2 shared cores): 16 bots fight for
    10 s, then one snapshot (16 ships, 15 projectiles, 6 pickups) and the deltas between consecutive snapshots are
    encoded both ways; msgpack 1.2.4 packs the same content as nested arrays of plain integers (its most compact
    form) and its decoder builds the same objects.

    ==================================  ===============  ========
    16-player snapshot                  struct (chosen)  msgpack
    ==================================  ===============  ========
    full snapshot, bytes                565              670
    delta vs previous, bytes (median)   184              276
    encode full, us                     31               25
    encode delta, us                    19               21
    decode full, us                     42               25
    ==================================  ===============  ========

    struct is chosen: deltas, which are what players receive 20 times a second, are a third smaller (the layout and
    the per-ship presence mask are known to both sides, so no type tags or lengths travel), encoding a delta costs
    the same, the server encodes a body once per distinct base rather than per player, and it needs no dependency.
    msgpack decodes faster, which only the client pays (about 40 us, 20 times a second). Numbers are fixed-point
    (see :mod:`server.game.units`): positions and velocities in 1/16 units, aim in 1/65536 turns.

Snapshots and delta encoding
    A :class:`Snapshot` is the whole visible world at one tick. The server encodes each one against the last
    snapshot the client acknowledged (``Input.ack_tick``; ``base_tick`` 0 means a full snapshot): only ships whose
    fields changed (per group: position, velocity, aim, flags, score; a one-byte mask says which follow), ships that
    left, projectiles fired and removed since the base (a projectile never changes in flight: clients move it along
    its velocity from ``spawn_tick``), pickups and team scores that changed, and the events since the previous
    snapshot. Clients keep the last :data:`SNAPSHOT_HISTORY` snapshots (:class:`SnapshotHistory` does it) so any
    base the server picks is at hand. ``ack_seq`` tells the recipient the last of its INPUT seqs the server applied:
    the client resets its ship to the snapshot and replays later inputs (client-side prediction).

Limits
    A client frame over :data:`MAX_CLIENT_MESSAGE_BYTES`, malformed, of an unknown type, of the wrong version, or
    above :data:`MAX_CLIENT_MESSAGES_PER_S` sustained (burst :data:`MAX_CLIENT_BURST`) closes that connection with
    the matching close code; the game goes on for everyone else.

Using it (a client)::

    from server import protocol as p
    await ws.send(p.encode_client(p.Join(player_session_id)))
    welcome = p.decode_server(await ws.recv())            # Welcome (or the socket closes with a CloseCode)
    history = p.SnapshotHistory()
    ...
    message = p.decode_server(frame)
    if isinstance(message, p.SnapshotDelta):
        snapshot = history.receive(message)               # full state; ack it in the next Input
    await ws.send(p.encode_client(p.Input(seq, history.ack_tick, move_x, move_y, aim, p.BUTTON_FIRE)))

Errors
    Decoding raises a :class:`ProtocolError` subclass; each carries the :class:`CloseCode` the server closes with.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from server.game.model import EventKind, GameEvent, Phase, PickupKind
from server.game.units import POSITION_SCALE, VELOCITY_SCALE

PROTOCOL_VERSION = 1

# --- limits -------------------------------------------------------------------------------------------------------

MAX_CLIENT_MESSAGE_BYTES = 512  # the largest client frame: JOIN with a 255-byte id is 259 bytes
MAX_SERVER_MESSAGE_BYTES = 256 * 1024  # a full 64-player snapshot in the thick of a fight is ~10 KiB
MAX_CLIENT_MESSAGES_PER_S = 60.0  # twice the input rate: inputs at TICK_RATE plus pings, with slack
MAX_CLIENT_BURST = 30  # frames allowed back to back after a stall (a client catching up)
JOIN_TIMEOUT_S = 5.0  # JOIN must arrive this soon after the WebSocket opens
MAX_STRING_BYTES = 255  # every string is UTF-8 with a one-byte length
SNAPSHOT_HISTORY = 64  # snapshots a client keeps; the server only deltas against bases this recent
BUTTON_FIRE = 1  # Input.buttons bits
TEAM_NONE = -1


class MsgType(IntEnum):
    # client -> server
    JOIN = 0x01
    INPUT = 0x02
    PING = 0x03
    # server -> client
    WELCOME = 0x81
    PLAYER_JOINED = 0x82
    PLAYER_LEFT = 0x83
    SNAPSHOT = 0x84
    ROUND_START = 0x85
    ROUND_END = 0x86
    PONG = 0x87
    SERVER_CLOSING = 0x88


class CloseCode(IntEnum):
    """WebSocket close codes the server uses; the close frame's reason text says the same in words."""

    NORMAL = 1000  # the player left, or the game is over and the session ends
    GOING_AWAY = 1001  # the server process is ending (GameLift terminate)
    MESSAGE_TOO_BIG = 1009  # the WebSocket library's own limit (far above MAX_CLIENT_MESSAGE_BYTES)
    INTERNAL_ERROR = 1011
    PROTOCOL_ERROR = 4000  # malformed or truncated frame, unknown type, text frame
    UNSUPPORTED_VERSION = 4001
    MESSAGE_TOO_LARGE = 4002
    RATE_LIMITED = 4003
    JOIN_REQUIRED = 4004  # the first frame was not JOIN, or none came within JOIN_TIMEOUT_S
    PLAYER_SESSION_UNKNOWN = 4010  # no such player session (forged, malformed)
    PLAYER_SESSION_IN_USE = 4011  # already accepted here or finished: ids are single-use
    PLAYER_SESSION_EXPIRED = 4012  # reserved too long ago (TIMEDOUT)
    PLAYER_SESSION_WRONG_GAME = 4013  # belongs to another game session
    GAME_FULL = 4014
    NOT_ACCEPTING = 4015  # no active game session on this process (yet, or any more)
    PREMIUM_REQUIRED = 4016  # the session is premium-only (GameProperties access=premium) and PlayerData says free
    SLOW_CONSUMER = 4020  # the client did not read its frames fast enough
    SERVER_SHUTTING_DOWN = 4030
    GAME_OVER = 4031


CLOSE_REASONS: dict[CloseCode, str] = {
    CloseCode.NORMAL: "bye",
    CloseCode.GOING_AWAY: "server going away",
    CloseCode.MESSAGE_TOO_BIG: "message too big",
    CloseCode.INTERNAL_ERROR: "internal server error",
    CloseCode.PROTOCOL_ERROR: "malformed message",
    CloseCode.UNSUPPORTED_VERSION: "unsupported protocol version",
    CloseCode.MESSAGE_TOO_LARGE: "message too large",
    CloseCode.RATE_LIMITED: "too many messages",
    CloseCode.JOIN_REQUIRED: "join with a player session id first",
    CloseCode.PLAYER_SESSION_UNKNOWN: "unknown player session",
    CloseCode.PLAYER_SESSION_IN_USE: "player session already used",
    CloseCode.PLAYER_SESSION_EXPIRED: "player session timed out",
    CloseCode.PLAYER_SESSION_WRONG_GAME: "player session is for another game",
    CloseCode.GAME_FULL: "game is full",
    CloseCode.NOT_ACCEPTING: "no game running here",
    CloseCode.PREMIUM_REQUIRED: "this game is for premium players",
    CloseCode.SLOW_CONSUMER: "connection too slow",
    CloseCode.SERVER_SHUTTING_DOWN: "server shutting down",
    CloseCode.GAME_OVER: "game over",
}


def close_reason(code: CloseCode, detail: str = "") -> str:
    """The close frame's reason: the fixed phrase, plus detail; a close reason must fit 123 bytes."""
    text = CLOSE_REASONS.get(code, code.name.lower())
    if detail:
        text = f"{text}: {detail}"
    return text.encode()[:123].decode(errors="ignore")


class LeaveReason(IntEnum):
    LEFT = 0  # closed the connection normally
    DISCONNECTED = 1  # the connection dropped
    KICKED = 2  # broke the protocol or its limits
    SLOW = 3  # could not keep up with snapshots


# --- errors -------------------------------------------------------------------------------------------------------


class ProtocolError(ValueError):
    """A frame the receiver cannot accept. ``close_code`` is what the server closes the connection with."""

    close_code: CloseCode = CloseCode.PROTOCOL_ERROR


class TruncatedMessage(ProtocolError):
    pass


class MalformedMessage(ProtocolError):
    """Wrong length for its type, trailing bytes, a value out of range, invalid UTF-8."""


class UnknownMessageType(ProtocolError):
    pass


class MessageTooLarge(ProtocolError):
    close_code = CloseCode.MESSAGE_TOO_LARGE


class UnsupportedVersion(ProtocolError):
    close_code = CloseCode.UNSUPPORTED_VERSION


class DeltaBaseMissing(ProtocolError):
    """A delta snapshot whose base the client no longer has (or never had): ask for nothing, just keep acking the
    newest full state you have; the server falls back to a full snapshot when the acked base is too old."""


class EncodeError(ValueError):
    """A message this side tried to send does not fit the protocol (a value out of range, a string too long)."""


# --- messages -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Join:
    """The first client frame: who I am. The id comes from the backend (CreatePlayerSession), never made up."""

    player_session_id: str
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class Input:
    """One client tick of controls. ``seq`` counts up by one per tick from 1; ``ack_tick`` is the newest snapshot
    tick the client holds (0: none). move_x/move_y in -127..127 (stick or keys; the length is capped at 127), aim
    in 1/65536 turns, buttons a bit set (BUTTON_FIRE)."""

    seq: int
    ack_tick: int = 0
    move_x: int = 0
    move_y: int = 0
    aim: int = 0
    buttons: int = 0

    @property
    def fire(self) -> bool:
        return bool(self.buttons & BUTTON_FIRE)


@dataclass(frozen=True, slots=True)
class Ping:
    client_time_ms: int  # any u32 the client wants echoed (e.g. a monotonic clock in ms, wrapped)


@dataclass(frozen=True, slots=True)
class PlayerInfo:
    """A player as everyone sees them: the wire id, GameLift PlayerId, display name, team (-1: free-for-all),
    and the cosmetic and tier from PlayerData."""

    id: int
    player_id: str
    name: str
    team: int = TEAM_NONE
    skin: str = "default"
    trail: str = "none"
    tier: str = "free"


@dataclass(frozen=True, slots=True)
class Welcome:
    your_id: int
    game_session_id: str
    tick: int
    tick_rate: int
    snapshot_rate: int
    arena_width: int
    arena_height: int
    max_players: int
    phase: Phase
    round: int
    rounds: int
    round_seconds: int
    results_seconds: int
    teams: tuple[str, ...] = ()
    players: tuple[PlayerInfo, ...] = ()
    version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class PlayerJoined:
    player: PlayerInfo


@dataclass(frozen=True, slots=True)
class PlayerLeft:
    id: int
    reason: LeaveReason = LeaveReason.LEFT


@dataclass(frozen=True, slots=True)
class RoundStart:
    round: int
    rounds: int
    seconds: int
    tick: int


@dataclass(frozen=True, slots=True)
class PlayerScore:
    id: int
    team: int
    score: int
    deaths: int


@dataclass(frozen=True, slots=True)
class RoundEnd:
    """Results: players best first, team scores by team index, the winner (-1: none/tie), whether it was the last
    round, and the seconds until the next round (0 when final)."""

    round: int
    rounds: int
    final: bool
    next_round_in: int
    players: tuple[PlayerScore, ...] = ()
    team_scores: tuple[int, ...] = ()
    winner_team: int = -1
    winner_player: int = -1


@dataclass(frozen=True, slots=True)
class Pong:
    client_time_ms: int
    server_tick: int


@dataclass(frozen=True, slots=True)
class ServerClosing:
    """Sent before the server closes everyone: why (a CloseCode), how soon, and words for the player."""

    code: CloseCode
    seconds: int
    message: str = ""


# --- snapshot state -------------------------------------------------------------------------------------------------


class ShipState(NamedTuple):
    """A ship in a snapshot, in world units (positions are multiples of 1/16, velocities of 1/16 per second)."""

    x: float
    y: float
    vx: float
    vy: float
    aim: int
    flags: int  # server.game.model.ShipFlag bits
    score: int
    deaths: int


class ProjectileState(NamedTuple):
    """A projectile as fired: at tick t it is at (x, y) + (vx, vy) * (t - spawn_tick) / tick_rate."""

    owner: int
    x: float
    y: float
    vx: float
    vy: float
    spawn_tick: int


class PickupState(NamedTuple):
    kind: PickupKind
    x: float
    y: float
    active: bool


@dataclass(slots=True)
class Snapshot:
    """The visible world at ``tick``. ``ack_seq`` is per recipient (the last INPUT seq applied for it); the server
    builds one Snapshot per snapshot tick and encodes it for each player with that player's ack_seq."""

    tick: int
    phase: Phase = Phase.WAITING
    round: int = 0
    time_left_ticks: int = 0
    ships: dict[int, ShipState] = field(default_factory=dict)
    projectiles: dict[int, ProjectileState] = field(default_factory=dict)
    pickups: dict[int, PickupState] = field(default_factory=dict)
    team_scores: dict[int, int] = field(default_factory=dict)
    events: tuple[GameEvent, ...] = ()
    ack_seq: int = 0
    base_tick: int = 0  # what it was decoded against (0: it arrived full)


# Ship field groups, in wire order; a mask bit per group.
SHIP_POS, SHIP_VEL, SHIP_AIM, SHIP_FLAGS, SHIP_SCORE = 1, 2, 4, 8, 16
SHIP_ALL = 31
_GROUPS = ((SHIP_POS, (0, 1)), (SHIP_VEL, (2, 3)), (SHIP_AIM, (4,)), (SHIP_FLAGS, (5,)), (SHIP_SCORE, (6, 7)))


class ShipDelta(NamedTuple):
    """A changed ship: ``mask`` says which groups ``values`` (a full-length tuple, None where absent) carries."""

    id: int
    mask: int
    values: tuple


@dataclass(frozen=True, slots=True)
class SnapshotDelta:
    """A SNAPSHOT frame as decoded, before it is applied to its base (see :meth:`apply`)."""

    tick: int
    base_tick: int
    ack_seq: int
    phase: Phase
    round: int
    time_left_ticks: int
    ships: tuple[ShipDelta, ...]
    ships_removed: tuple[int, ...]
    projectiles_added: dict[int, ProjectileState]
    projectiles_removed: tuple[int, ...]
    pickups: dict[int, PickupState]
    team_scores: dict[int, int]
    events: tuple[GameEvent, ...]

    @property
    def full(self) -> bool:
        return self.base_tick == 0

    def apply(self, base: Snapshot | None) -> Snapshot:
        """The snapshot this delta describes. ``base`` must be the snapshot at ``base_tick`` (None for a full one).

        Raises DeltaBaseMissing when a delta arrives without its base, MalformedMessage when the delta changes only
        some fields of a ship the base does not have.
        """
        if self.base_tick:
            if base is None or base.tick != self.base_tick:
                raise DeltaBaseMissing(f"snapshot {self.tick} is a delta against {self.base_tick}, which is not held")
            ships = dict(base.ships)
            projectiles = dict(base.projectiles)
            pickups = dict(base.pickups)
            team_scores = dict(base.team_scores)
        else:
            ships, projectiles, pickups, team_scores = {}, {}, {}, {}
        for ship_id in self.ships_removed:
            ships.pop(ship_id, None)
        for change in self.ships:
            old = ships.get(change.id)
            if change.mask == SHIP_ALL:
                ships[change.id] = ShipState(*change.values)
            elif old is None:
                raise MalformedMessage(f"snapshot {self.tick} updates ship {change.id}, which the base does not have")
            else:
                ships[change.id] = ShipState(*(old[i] if v is None else v for i, v in enumerate(change.values)))
        for projectile_id in self.projectiles_removed:
            projectiles.pop(projectile_id, None)
        projectiles.update(self.projectiles_added)
        pickups.update(self.pickups)
        team_scores.update(self.team_scores)
        return Snapshot(tick=self.tick, phase=self.phase, round=self.round, time_left_ticks=self.time_left_ticks,
                        ships=ships, projectiles=projectiles, pickups=pickups, team_scores=team_scores,
                        events=self.events, ack_seq=self.ack_seq, base_tick=self.base_tick)


class SnapshotHistory:
    """The client's side of delta encoding: keeps recent snapshots by tick and turns SNAPSHOT frames into full
    snapshots. Ack ``latest.tick`` in the next INPUT."""

    def __init__(self, size: int = SNAPSHOT_HISTORY) -> None:
        self.size = size
        self._by_tick: dict[int, Snapshot] = {}
        self.latest: Snapshot | None = None

    def receive(self, delta: SnapshotDelta) -> Snapshot:
        base = self._by_tick.get(delta.base_tick) if delta.base_tick else None
        snapshot = delta.apply(base)
        if self.latest is None or snapshot.tick > self.latest.tick:
            self.latest = snapshot
        self._by_tick[snapshot.tick] = snapshot
        while len(self._by_tick) > self.size:
            del self._by_tick[min(self._by_tick)]
        return snapshot

    def get(self, tick: int) -> Snapshot | None:
        return self._by_tick.get(tick)

    @property
    def ack_tick(self) -> int:
        return self.latest.tick if self.latest else 0


ClientMessage = Join | Input | Ping
ServerMessage = (Welcome | PlayerJoined | PlayerLeft | SnapshotDelta | RoundStart | RoundEnd | Pong | ServerClosing)


# --- encoding primitives --------------------------------------------------------------------------------------------

_B = struct.Struct("<B")
_JOIN = struct.Struct("<BH")
_INPUT = struct.Struct("<BIIbbHB")
_PING = struct.Struct("<BI")
_PONG = struct.Struct("<BII")
_WELCOME = struct.Struct("<HBIBBHHBBBBHH")
_PLAYER = struct.Struct("<Bb")
_PLAYER_LEFT = struct.Struct("<BBB")
_ROUND_START = struct.Struct("<BBBHI")
_ROUND_END = struct.Struct("<BBBBHbh")
_SCORE = struct.Struct("<BbhH")
_TEAM_SCORE = struct.Struct("<h")
_CLOSING = struct.Struct("<BHH")
_SNAP_HEAD = struct.Struct("<BIII")
_SNAP_BODY_HEAD = struct.Struct("<BBH")
_SHIP_HEAD = struct.Struct("<BB")
_SHIP_POS = struct.Struct("<HH")
_SHIP_VEL = struct.Struct("<hh")
_SHIP_AIM = struct.Struct("<H")
_SHIP_FLAGS = struct.Struct("<B")
_SHIP_SCORE = struct.Struct("<hH")
_PROJECTILE = struct.Struct("<HBHHhhI")
_U16 = struct.Struct("<H")
_PICKUP = struct.Struct("<BBBHH")
_TEAM = struct.Struct("<Bh")
_EVENT = struct.Struct("<BBB")
# The same layouts without the leading type byte, for the decoders (the reader has consumed it).
_ROUND_END_BODY = struct.Struct("<BBBHbh")
_CLOSING_BODY = struct.Struct("<HH")
_PLAYER_LEFT_BODY = struct.Struct("<BB")
_ROUND_START_BODY = struct.Struct("<BBHI")
_PONG_BODY = struct.Struct("<II")
_SNAP_HEAD_BODY = struct.Struct("<III")


def _text(value: str) -> bytes:
    raw = value.encode()
    if len(raw) > MAX_STRING_BYTES:
        raise EncodeError(f"string of {len(raw)} bytes is longer than {MAX_STRING_BYTES}")
    return bytes((len(raw),)) + raw


def _pos(value: float) -> int:
    return round(value * POSITION_SCALE)


def _vel(value: float) -> int:
    return round(value * VELOCITY_SCALE)


class _Reader:
    """Reads fields off a frame; every shortfall is a TruncatedMessage, every bad value a MalformedMessage."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 1) -> None:
        self.data = data
        self.pos = pos

    def take(self, layout: struct.Struct) -> tuple:
        end = self.pos + layout.size
        if end > len(self.data):
            raise TruncatedMessage(f"frame ends at byte {len(self.data)}, field needs {end}")
        values = layout.unpack_from(self.data, self.pos)
        self.pos = end
        return values

    def byte(self) -> int:
        return self.take(_B)[0]

    def u16(self) -> int:
        return self.take(_U16)[0]

    def text(self) -> str:
        length = self.byte()
        end = self.pos + length
        if end > len(self.data):
            raise TruncatedMessage(f"string of {length} bytes runs past the end of the frame")
        try:
            value = self.data[self.pos:end].decode()
        except UnicodeDecodeError as exc:
            raise MalformedMessage(f"string is not UTF-8: {exc.reason}") from None
        self.pos = end
        return value

    def done(self) -> None:
        if self.pos != len(self.data):
            raise MalformedMessage(f"{len(self.data) - self.pos} unexpected trailing bytes")


def _enum(kind: type[IntEnum], value: int, what: str) -> IntEnum:
    try:
        return kind(value)
    except ValueError:
        raise MalformedMessage(f"{what} {value} is not a known {kind.__name__}") from None


# --- client -> server -----------------------------------------------------------------------------------------------


def encode_client(message: ClientMessage) -> bytes:
    """Encode a client frame; raises EncodeError for a value that does not fit."""
    try:
        if isinstance(message, Input):
            return _INPUT.pack(MsgType.INPUT, message.seq, message.ack_tick, message.move_x, message.move_y,
                               message.aim, message.buttons)
        if isinstance(message, Ping):
            return _PING.pack(MsgType.PING, message.client_time_ms)
        if isinstance(message, Join):
            return _JOIN.pack(MsgType.JOIN, message.version) + _text(message.player_session_id)
    except struct.error as exc:
        raise EncodeError(f"{type(message).__name__}: {exc}") from None
    raise EncodeError(f"{type(message).__name__} is not a client message")


def decode_client(data: bytes) -> ClientMessage:
    """Decode a client frame. Raises MessageTooLarge, TruncatedMessage, MalformedMessage, UnknownMessageType, or
    UnsupportedVersion (a JOIN of another protocol version)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MalformedMessage("text frames are not part of the protocol")
    data = bytes(data)
    if len(data) > MAX_CLIENT_MESSAGE_BYTES:
        raise MessageTooLarge(f"frame of {len(data)} bytes exceeds {MAX_CLIENT_MESSAGE_BYTES}")
    if not data:
        raise TruncatedMessage("empty frame")
    kind = data[0]
    reader = _Reader(data, 0)
    if kind == MsgType.INPUT:
        _, seq, ack_tick, move_x, move_y, aim, buttons = reader.take(_INPUT)
        reader.done()
        if move_x == -128 or move_y == -128:
            raise MalformedMessage("move components are -127..127")
        return Input(seq, ack_tick, move_x, move_y, aim, buttons)
    if kind == MsgType.PING:
        _, client_time = reader.take(_PING)
        reader.done()
        return Ping(client_time)
    if kind == MsgType.JOIN:
        _, version = reader.take(_JOIN)
        if version != PROTOCOL_VERSION:
            raise UnsupportedVersion(f"client speaks protocol {version}, server {PROTOCOL_VERSION}")
        session_id = reader.text()
        reader.done()
        if not session_id:
            raise MalformedMessage("empty player session id")
        return Join(session_id, version)
    if kind in _SERVER_TYPES:
        raise MalformedMessage(f"{MsgType(kind).name} is a server message")
    raise UnknownMessageType(f"unknown message type 0x{kind:02x}")


# --- server -> client -----------------------------------------------------------------------------------------------


def _player(info: PlayerInfo) -> bytes:
    return (_PLAYER.pack(info.id, info.team) + _text(info.player_id) + _text(info.name) + _text(info.skin)
            + _text(info.trail) + _text(info.tier))


def _read_player(reader: _Reader) -> PlayerInfo:
    player_id, team = reader.take(_PLAYER)
    return PlayerInfo(player_id, reader.text(), reader.text(), team, reader.text(), reader.text(), reader.text())


def encode_server(message: ServerMessage) -> bytes:
    """Encode any server frame except snapshots (use :func:`encode_snapshot`); raises EncodeError."""
    try:
        return _encode_server(message)
    except struct.error as exc:
        raise EncodeError(f"{type(message).__name__}: {exc}") from None


def _encode_server(message: ServerMessage) -> bytes:
    if isinstance(message, Pong):
        return _PONG.pack(MsgType.PONG, message.client_time_ms, message.server_tick)
    if isinstance(message, PlayerJoined):
        return _B.pack(MsgType.PLAYER_JOINED) + _player(message.player)
    if isinstance(message, PlayerLeft):
        return _PLAYER_LEFT.pack(MsgType.PLAYER_LEFT, message.id, message.reason)
    if isinstance(message, Welcome):
        if len(message.teams) > 255 or len(message.players) > 255:
            raise EncodeError("at most 255 teams and players")
        head = _B.pack(MsgType.WELCOME) + _WELCOME.pack(
            message.version, message.your_id, message.tick, message.tick_rate, message.snapshot_rate,
            message.arena_width, message.arena_height, message.max_players, message.phase, message.round,
            message.rounds, message.round_seconds, message.results_seconds)
        parts = [head, _text(message.game_session_id), _B.pack(len(message.teams))]
        parts += [_text(name) for name in message.teams]
        parts.append(_B.pack(len(message.players)))
        parts += [_player(p) for p in message.players]
        return b"".join(parts)
    if isinstance(message, RoundStart):
        return _ROUND_START.pack(MsgType.ROUND_START, message.round, message.rounds, message.seconds, message.tick)
    if isinstance(message, RoundEnd):
        if len(message.players) > 255 or len(message.team_scores) > 255:
            raise EncodeError("at most 255 players and teams")
        parts = [_ROUND_END.pack(MsgType.ROUND_END, message.round, message.rounds, message.final,
                                 message.next_round_in, message.winner_team, message.winner_player),
                 _B.pack(len(message.players))]
        parts += [_SCORE.pack(p.id, p.team, p.score, p.deaths) for p in message.players]
        parts.append(_B.pack(len(message.team_scores)))
        parts += [_TEAM_SCORE.pack(s) for s in message.team_scores]
        return b"".join(parts)
    if isinstance(message, ServerClosing):
        return _CLOSING.pack(MsgType.SERVER_CLOSING, message.code, message.seconds) + _text(message.message)
    if isinstance(message, SnapshotDelta):
        raise EncodeError("encode snapshots with encode_snapshot(snapshot, base, ack_seq)")
    raise EncodeError(f"{type(message).__name__} is not a server message")


def decode_server(data: bytes) -> ServerMessage:
    """Decode a server frame (a SNAPSHOT decodes to a SnapshotDelta: apply it to its base, or use SnapshotHistory).

    Raises MessageTooLarge, TruncatedMessage, MalformedMessage, UnknownMessageType, or UnsupportedVersion (a WELCOME
    from a server of another protocol version).
    """
    data = bytes(data)
    if len(data) > MAX_SERVER_MESSAGE_BYTES:
        raise MessageTooLarge(f"frame of {len(data)} bytes exceeds {MAX_SERVER_MESSAGE_BYTES}")
    if not data:
        raise TruncatedMessage("empty frame")
    kind = data[0]
    decoder = _SERVER_DECODERS.get(kind)
    if decoder is None:
        if kind in (MsgType.JOIN, MsgType.INPUT, MsgType.PING):
            raise MalformedMessage(f"{MsgType(kind).name} is a client message")
        raise UnknownMessageType(f"unknown message type 0x{kind:02x}")
    reader = _Reader(data)
    message = decoder(reader)
    reader.done()
    return message


def _decode_welcome(reader: _Reader) -> Welcome:
    (version, your_id, tick, tick_rate, snapshot_rate, width, height, max_players, phase, round_, rounds,
     round_seconds, results_seconds) = reader.take(_WELCOME)
    if version != PROTOCOL_VERSION:
        raise UnsupportedVersion(f"server speaks protocol {version}, client {PROTOCOL_VERSION}")
    session_id = reader.text()
    teams = tuple(reader.text() for _ in range(reader.byte()))
    players = tuple(_read_player(reader) for _ in range(reader.byte()))
    return Welcome(your_id, session_id, tick, tick_rate, snapshot_rate, width, height, max_players,
                   _enum(Phase, phase, "phase"), round_, rounds, round_seconds, results_seconds, teams, players,
                   version)


def _decode_round_end(reader: _Reader) -> RoundEnd:
    round_, rounds, final, next_in, winner_team, winner_player = reader.take(_ROUND_END_BODY)
    players = tuple(PlayerScore(*reader.take(_SCORE)) for _ in range(reader.byte()))
    team_scores = tuple(reader.take(_TEAM_SCORE)[0] for _ in range(reader.byte()))
    return RoundEnd(round_, rounds, bool(final), next_in, players, team_scores, winner_team, winner_player)


def _decode_closing(reader: _Reader) -> ServerClosing:
    code, seconds = reader.take(_CLOSING_BODY)
    return ServerClosing(_enum(CloseCode, code, "close code"), seconds, reader.text())


def _decode_player_left(reader: _Reader) -> PlayerLeft:
    player_id, reason = reader.take(_PLAYER_LEFT_BODY)
    return PlayerLeft(player_id, _enum(LeaveReason, reason, "leave reason"))


_SERVER_DECODERS = {
    MsgType.WELCOME: _decode_welcome,
    MsgType.PLAYER_JOINED: lambda r: PlayerJoined(_read_player(r)),
    MsgType.PLAYER_LEFT: _decode_player_left,
    MsgType.SNAPSHOT: lambda r: _decode_snapshot(r),
    MsgType.ROUND_START: lambda r: RoundStart(*r.take(_ROUND_START_BODY)),
    MsgType.ROUND_END: _decode_round_end,
    MsgType.PONG: lambda r: Pong(*r.take(_PONG_BODY)),
    MsgType.SERVER_CLOSING: _decode_closing,
}
_SERVER_TYPES = frozenset(_SERVER_DECODERS)


# --- snapshots --------------------------------------------------------------------------------------------------------


def encode_snapshot(snapshot: Snapshot, base: Snapshot | None, ack_seq: int, body: bytes | None = None) -> bytes:
    """A SNAPSHOT frame for one recipient: ``snapshot`` as a delta against ``base`` (None: full).

    ``body`` is :func:`encode_snapshot_body` of the same (snapshot, base), for a server that sends one snapshot to
    many players: players acking the same base share a body and differ only in the 13-byte header.
    """
    if body is None:
        body = encode_snapshot_body(snapshot, base)
    try:
        return _SNAP_HEAD.pack(MsgType.SNAPSHOT, snapshot.tick, base.tick if base else 0, ack_seq) + body
    except struct.error as exc:
        raise EncodeError(f"snapshot header: {exc}") from None


def encode_snapshot_body(snapshot: Snapshot, base: Snapshot | None) -> bytes:
    """Everything of a SNAPSHOT frame after its header: what changed between ``base`` and ``snapshot``."""
    try:
        return _encode_snapshot_body(snapshot, base)
    except struct.error as exc:
        raise EncodeError(f"snapshot {snapshot.tick}: {exc}") from None


def _encode_snapshot_body(snapshot: Snapshot, base: Snapshot | None) -> bytes:
    out = bytearray(_SNAP_BODY_HEAD.pack(snapshot.phase, snapshot.round, min(snapshot.time_left_ticks, 0xFFFF)))
    base_ships = base.ships if base else {}
    changed = bytearray()
    count = 0
    for ship_id, ship in snapshot.ships.items():
        old = base_ships.get(ship_id)
        if old == ship:
            continue
        if old is None:
            mask = SHIP_ALL
        else:
            mask = 0
            if old[0] != ship[0] or old[1] != ship[1]:
                mask |= SHIP_POS
            if old[2] != ship[2] or old[3] != ship[3]:
                mask |= SHIP_VEL
            if old[4] != ship[4]:
                mask |= SHIP_AIM
            if old[5] != ship[5]:
                mask |= SHIP_FLAGS
            if old[6] != ship[6] or old[7] != ship[7]:
                mask |= SHIP_SCORE
        changed += _SHIP_HEAD.pack(ship_id, mask)
        if mask & SHIP_POS:
            changed += _SHIP_POS.pack(_pos(ship[0]), _pos(ship[1]))
        if mask & SHIP_VEL:
            changed += _SHIP_VEL.pack(_vel(ship[2]), _vel(ship[3]))
        if mask & SHIP_AIM:
            changed += _SHIP_AIM.pack(ship[4])
        if mask & SHIP_FLAGS:
            changed += _SHIP_FLAGS.pack(ship[5])
        if mask & SHIP_SCORE:
            changed += _SHIP_SCORE.pack(ship[6], ship[7])
        count += 1
    removed = [ship_id for ship_id in base_ships if ship_id not in snapshot.ships]
    _counted(out, _B, count, changed)
    _counted(out, _B, len(removed), b"".join(_B.pack(i) for i in removed))

    base_projectiles = base.projectiles if base else {}
    added = [(pid, p) for pid, p in snapshot.projectiles.items() if pid not in base_projectiles
             or base_projectiles[pid] != p]
    _counted(out, _U16, len(added), b"".join(
        _PROJECTILE.pack(pid, p.owner, _pos(p.x), _pos(p.y), _vel(p.vx), _vel(p.vy), p.spawn_tick)
        for pid, p in added))
    gone = [pid for pid in base_projectiles if pid not in snapshot.projectiles]
    _counted(out, _U16, len(gone), b"".join(_U16.pack(pid) for pid in gone))

    base_pickups = base.pickups if base else {}
    pickups = [(i, p) for i, p in snapshot.pickups.items() if base_pickups.get(i) != p]
    _counted(out, _B, len(pickups), b"".join(
        _PICKUP.pack(i, p.kind, p.active, _pos(p.x), _pos(p.y)) for i, p in pickups))

    base_teams = base.team_scores if base else {}
    teams = [(i, s) for i, s in snapshot.team_scores.items() if base_teams.get(i) != s]
    _counted(out, _B, len(teams), b"".join(_TEAM.pack(i, s) for i, s in teams))

    _counted(out, _B, len(snapshot.events), b"".join(_EVENT.pack(*e) for e in snapshot.events))
    return bytes(out)


def _counted(out: bytearray, counter: struct.Struct, count: int, payload: bytes) -> None:
    out += counter.pack(count)
    out += payload


def _decode_snapshot(reader: _Reader) -> SnapshotDelta:
    tick, base_tick, ack_seq = reader.take(_SNAP_HEAD_BODY)
    phase, round_, time_left = reader.take(_SNAP_BODY_HEAD)
    ships = []
    for _ in range(reader.byte()):
        ship_id, mask = reader.take(_SHIP_HEAD)
        if mask & ~SHIP_ALL or not mask:
            raise MalformedMessage(f"ship {ship_id} has field mask {mask:#x}")
        values: list = [None] * 8
        if mask & SHIP_POS:
            x, y = reader.take(_SHIP_POS)
            values[0], values[1] = x / POSITION_SCALE, y / POSITION_SCALE
        if mask & SHIP_VEL:
            vx, vy = reader.take(_SHIP_VEL)
            values[2], values[3] = vx / VELOCITY_SCALE, vy / VELOCITY_SCALE
        if mask & SHIP_AIM:
            values[4] = reader.take(_SHIP_AIM)[0]
        if mask & SHIP_FLAGS:
            values[5] = reader.take(_SHIP_FLAGS)[0]
        if mask & SHIP_SCORE:
            values[6], values[7] = reader.take(_SHIP_SCORE)
        ships.append(ShipDelta(ship_id, mask, tuple(values)))
    ships_removed = tuple(reader.byte() for _ in range(reader.byte()))
    added = {}
    for _ in range(reader.u16()):
        pid, owner, x, y, vx, vy, spawn_tick = reader.take(_PROJECTILE)
        added[pid] = ProjectileState(owner, x / POSITION_SCALE, y / POSITION_SCALE, vx / VELOCITY_SCALE,
                                     vy / VELOCITY_SCALE, spawn_tick)
    projectiles_removed = tuple(reader.u16() for _ in range(reader.u16()))
    pickups = {}
    for _ in range(reader.byte()):
        index, kind, active, x, y = reader.take(_PICKUP)
        pickups[index] = PickupState(_enum(PickupKind, kind, "pickup kind"), x / POSITION_SCALE, y / POSITION_SCALE,
                                     bool(active))
    team_scores = dict(reader.take(_TEAM) for _ in range(reader.byte()))
    events = []
    for _ in range(reader.byte()):
        kind, a, b = reader.take(_EVENT)
        events.append(GameEvent(_enum(EventKind, kind, "event kind"), a, b))
    return SnapshotDelta(tick, base_tick, ack_seq, _enum(Phase, phase, "phase"), round_, time_left, tuple(ships),
                         ships_removed, added, projectiles_removed, pickups, team_scores, tuple(events))


def snapshot_delta(snapshot: Snapshot, base: Snapshot | None, ack_seq: int = 0) -> SnapshotDelta:
    """What a client would decode from encode_snapshot(snapshot, base, ack_seq): handy for tests and tools."""
    return decode_server(encode_snapshot(snapshot, base, ack_seq))  # type: ignore[return-value]
