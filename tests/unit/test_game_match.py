"""The game session's runtime without sockets: joining, inputs and acks, snapshots, rounds, leaving."""

from __future__ import annotations

from server import protocol as p
from server.game import Cosmetic, PlayerProfile, Rules, TeamPlan
from server.match import INPUT_BACKLOG, Match, Seat


class Outbox:
    def __init__(self, accept: bool = True) -> None:
        self.frames: list[bytes] = []
        self.accept = accept
        self.closed: tuple[p.CloseCode, str] | None = None

    def send(self, frame: bytes, droppable: bool = False) -> bool:
        if not self.accept and droppable:
            return False
        self.frames.append(frame)
        return True

    def close(self, code: p.CloseCode, detail: str = "") -> None:
        self.closed = (code, detail)

    def messages(self) -> list:
        return [p.decode_server(f) for f in self.frames]

    def of(self, kind: type) -> list:
        return [m for m in self.messages() if isinstance(m, kind)]


def match(**rules: object) -> Match:
    return Match("gsess-1", Rules(**{"round_seconds": 2.0, "results_seconds": 1.0, "rounds": 2, **rules}), TeamPlan())


def join(m: Match, name: str, outbox: Outbox | None = None, tier: str = "free"):
    outbox = outbox or Outbox()
    player = m.join(Seat(f"psess-{name}", f"id-{name}"), PlayerProfile(name, tier, Cosmetic("gold", "sparks")),
                    outbox)
    return player, outbox


def test_join_welcomes_the_player_and_tells_the_others() -> None:
    m = match()
    _, out_a = join(m, "a")
    b, out_b = join(m, "b", tier="premium")
    welcome = out_b.of(p.Welcome)[0]
    assert welcome.your_id == b.ship_id and welcome.game_session_id == "gsess-1"
    assert [(pl.name, pl.skin, pl.trail) for pl in welcome.players] == [("a", "gold", "sparks"),
                                                                         ("b", "gold", "sparks")]
    joined = out_a.of(p.PlayerJoined)
    assert [j.player.player_id for j in joined] == ["id-b"] and joined[0].player.tier == "premium"
    assert not out_b.of(p.PlayerJoined)


def test_inputs_are_applied_one_per_tick_in_order_and_acked() -> None:
    m = match()
    a, out = join(m, "a")
    for seq in (1, 2, 3):
        m.on_message(a, p.Input(seq, 0, 127, 0))
    m.on_message(a, p.Input(2, 0, -127, 0))  # a replay: ignored
    m.tick()
    assert a.applied_seq == 1
    m.tick()
    m.tick()
    assert a.applied_seq == 3
    m.tick()  # nothing queued: the last input repeats, the ack stays
    assert a.applied_seq == 3 and a.last_input.move_x == 127
    snaps = out.of(p.SnapshotDelta)
    assert snaps and snaps[-1].ack_seq == 3


def test_input_backlog_is_bounded() -> None:
    m = match()
    a, _ = join(m, "a")
    for seq in range(1, 20):
        m.on_message(a, p.Input(seq))
    assert len(a.inputs) == INPUT_BACKLOG
    m.tick()
    assert a.applied_seq == 20 - INPUT_BACKLOG


def test_snapshots_at_twenty_hertz_delta_against_acks() -> None:
    m = match()
    a, out = join(m, "a")
    for _ in range(30):
        m.tick()
    snaps = out.of(p.SnapshotDelta)
    assert len(snaps) == 20 and all(s.base_tick == 0 for s in snaps)  # nothing acked yet: full snapshots
    history = p.SnapshotHistory()
    for s in snaps:
        history.receive(s)
    m.on_message(a, p.Input(1, history.ack_tick))
    m.on_message(a, p.Input(2, 99999))  # a tick never sent cannot become a base
    out.frames.clear()
    for _ in range(3):
        m.tick()
    delta = out.of(p.SnapshotDelta)[0]
    assert delta.base_tick == history.ack_tick
    assert history.receive(delta).ships[a.ship_id]


def test_a_player_who_cannot_keep_up_skips_snapshots_without_stopping_others() -> None:
    m = match()
    join(m, "fast")
    slow, slow_out = join(m, "slow", Outbox(accept=False))
    for _ in range(30):
        m.tick()
    assert slow.skipped_snapshots == 20 and not slow_out.of(p.SnapshotDelta)
    assert m.snapshots_sent == 20


def test_rounds_are_announced_and_the_end_is_signalled_once() -> None:
    ended = []
    m = Match("gsess-1", Rules(round_seconds=1.0, results_seconds=1.0, rounds=2), TeamPlan(),
              on_over=lambda: ended.append(True))
    _, out = join(m, "a")
    for _ in range(200):
        m.tick()
    starts, ends = out.of(p.RoundStart), out.of(p.RoundEnd)
    assert [s.round for s in starts] == [1, 2] and starts[0].seconds == 1
    assert [(e.round, e.final, e.next_round_in) for e in ends] == [(1, False, 1), (2, True, 0)]
    assert ended == [True]


def test_leaving_tells_the_others_and_frees_the_slot() -> None:
    m = match(max_players=2)
    _, out_a = join(m, "a")
    b, _ = join(m, "b")
    assert m.full
    m.leave(b, p.LeaveReason.DISCONNECTED)
    m.leave(b, p.LeaveReason.DISCONNECTED)  # twice: once
    assert out_a.of(p.PlayerLeft) == [p.PlayerLeft(b.ship_id, p.LeaveReason.DISCONNECTED)]
    assert not m.full and b.ship_id not in m.world.ships


def test_ping_is_answered_and_a_second_join_is_a_protocol_error() -> None:
    m = match()
    a, out = join(m, "a")
    m.on_message(a, p.Ping(1234))
    assert out.of(p.Pong)[0].client_time_ms == 1234
    m.on_message(a, p.Join("psess-again"))
    assert out.closed is not None and out.closed[0] is p.CloseCode.PROTOCOL_ERROR


def test_teams_from_the_plan() -> None:
    m = Match("gsess-1", Rules(), TeamPlan(("red", "blue"), {"id-a": 1}))
    a, out = join(m, "a")
    b, _ = join(m, "b")
    assert m.world.ships[a.ship_id].team == 1 and m.world.ships[b.ship_id].team == 0
    assert out.of(p.Welcome)[0].teams == ("red", "blue")
