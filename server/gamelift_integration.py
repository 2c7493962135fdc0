"""Everything this server does with GameLift, in the order a game session lives it.

``server/__main__.py`` shows the process's flow (InitSDK -> ProcessReady -> wait -> ProcessEnding). This module is
what happens in between, through the callbacks GameLift calls and the connections players open:

- :meth:`GameServer.on_start_game_session` -- GameLift placed a game session here: read its GameProperties (round
  length, player count) and MatchmakerData (FlexMatch teams), build the world, start the tick loop, and only then
  ``ActivateGameSession`` (GameLift sends players here once the session is ACTIVE);
- :meth:`GameServer.handle_connection` -- a player connects: their first message must carry the player session id
  the backend got from CreatePlayerSession; ``AcceptPlayerSession`` validates it with GameLift before the player
  gets anything (forged, reused, timed-out or other-session ids are refused with a close code that says which),
  ``DescribePlayerSessions`` reads their PlayerData (tier and cosmetics from the subscription service; the client
  never gets a say), and ``RemovePlayerSession`` frees the slot when they leave;
- :meth:`GameServer.on_update_game_session` -- FlexMatch backfill changed the matchmaker data: new team members;
- :meth:`GameServer.on_health_check` -- every minute: is the tick loop alive and keeping up?
- :meth:`GameServer.on_process_terminate` -- GameLift wants the process back (scale-in, fleet deletion, a spot
  interruption): tell the players and end before the termination time;
- the game ends by itself after the last round, or when the session empties: :attr:`GameServer.ended` resolves and
  ``__main__`` winds down (players told and closed, their sessions removed) and calls ``ProcessEnding``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import enum
import logging
import time
from pathlib import Path

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from sdk import gamelift_server as gl
from server import logs, net, protocol
from server.game import (
    GameFull,
    MatchmakerDataError,
    PlayerProfile,
    Rules,
    RulesError,
    TeamPlan,
    profile_from_player_data,
    rules_from_game_properties,
    team_plan,
)
from server.match import Match, Player, Seat
from server.protocol import CloseCode, LeaveReason
from server.tick import TickLoop

log = logging.getLogger("server.gamelift")

MAX_PLAYERS_CAP = 64  # the most ships the arena (and the one-byte wire ids) is tuned for
RESULTS_LINGER_MAX = 10.0  # after the last round, seconds players keep seeing the results before the end
TERMINATE_GRACE_MAX = 5.0  # on OnProcessTerminate, seconds players get to read the notice, at most
TERMINATE_MARGIN = 3.0  # ...and what is kept free before the termination time for ProcessEnding and exit


class EndReason(enum.StrEnum):
    GAME_OVER = "game_over"  # the last round ended
    EMPTY = "empty"  # everyone left, or nobody came
    TERMINATED = "terminated"  # GameLift's OnProcessTerminate
    SIGNAL = "signal"  # SIGTERM/SIGINT from the host
    FAILED = "failed"  # the game session could not start


# How the server closes players for each ending.
_END_CLOSE = {
    EndReason.GAME_OVER: (CloseCode.GAME_OVER, "The game is over. Thanks for playing!"),
    EndReason.EMPTY: (CloseCode.GAME_OVER, "The game has ended."),
    EndReason.TERMINATED: (CloseCode.SERVER_SHUTTING_DOWN, "The server is shutting down."),
    EndReason.SIGNAL: (CloseCode.SERVER_SHUTTING_DOWN, "The server is shutting down."),
    EndReason.FAILED: (CloseCode.INTERNAL_ERROR, "The game could not start."),
}


class GameServer:
    """The process's one game server: at most one game session, its players, and its tick loop."""

    def __init__(self, sdk: gl.GameLiftServerSdk, log_dir: Path, empty_timeout: float = 120.0,
                 base_rules: Rules | None = None) -> None:
        self.sdk = sdk
        self.log_dir = log_dir
        self.empty_timeout = empty_timeout
        self.base_rules = base_rules or Rules()
        self.game_session: gl.GameSession | None = None
        self.match: Match | None = None
        self.tick_loop: TickLoop | None = None
        self.premium_only = False
        self.accepting = False
        self.ended: asyncio.Future[EndReason] = asyncio.get_running_loop().create_future()
        self.termination_deadline: float | None = None  # time.time() by which the process must be gone
        self._claimed: set[str] = set()  # player session ids presented here: each is good for one connection
        self._connections: set[net.Connection] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._session_log = None
        self._players_seen = 0
        self._empty_timer: asyncio.TimerHandle | None = None

    # --- GameLift callbacks -------------------------------------------------------------------------------------

    async def on_start_game_session(self, game_session: gl.GameSession) -> None:
        """OnStartGameSession: prepare the game for this session, then ActivateGameSession."""
        self.game_session = game_session
        self._session_log = logs.open_session_log(self.log_dir, game_session.game_session_id)
        log.info("event=game_session_starting game_session_id=%s name=%s max_players=%d properties=%s "
                 "matchmaker_data=%s", game_session.game_session_id, game_session.name,
                 game_session.maximum_player_session_count, game_session.game_properties,
                 bool(game_session.matchmaker_data))
        rules = self._session_rules(game_session)
        plan = self._team_plan(game_session.matchmaker_data)
        self.premium_only = game_session.game_properties.get("access") == "premium"
        self.match = Match(game_session.game_session_id, rules, plan, on_over=self._on_game_over)
        self.tick_loop = TickLoop(self.match.tick, rules.tick_rate)
        self.tick_loop.start()
        try:
            # Tell GameLift the session can take players: it becomes ACTIVE and player sessions can be created.
            await self.sdk.activate_game_session()
        except gl.GameLiftError as exc:
            log.error("event=activate_failed game_session_id=%s error=%s", game_session.game_session_id, exc)
            self.request_end(EndReason.FAILED)
            return
        self.accepting = True
        self._arm_empty_timer()
        log.info("event=game_session_activated game_session_id=%s teams=%s rounds=%d round_seconds=%g "
                 "max_players=%d", game_session.game_session_id, list(plan.names) or "free-for-all", rules.rounds,
                 rules.round_seconds, rules.max_players)

    async def on_update_game_session(self, update: gl.UpdateGameSession) -> None:
        """OnUpdateGameSession: FlexMatch backfill updated the matchmaker data (who is on which team)."""
        log.info("event=game_session_updated game_session_id=%s reason=%s backfill_ticket_id=%s",
                 update.game_session.game_session_id, update.update_reason, update.backfill_ticket_id or "-")
        self.game_session = update.game_session
        if self.match is not None and update.game_session.matchmaker_data:
            plan = self._team_plan(update.game_session.matchmaker_data)
            if plan.names == self.match.plan.names:
                self.match.plan = plan

    async def on_health_check(self) -> bool:
        """OnHealthCheck: healthy while no session runs, or while the tick loop is alive and not overloaded."""
        if self.tick_loop is None:
            return not self.ended.done()
        healthy = self.tick_loop.stats.healthy()
        stats = self.tick_loop.stats
        log.info("event=health_check healthy=%s ticks=%d p50_ms=%.2f p99_ms=%.2f skipped=%d players=%d",
                 healthy, stats.ticks, stats.percentile(0.5) * 1000, stats.percentile(0.99) * 1000, stats.skipped,
                 len(self.match.players) if self.match else 0)
        return healthy

    async def on_process_terminate(self) -> None:
        """OnProcessTerminate: GameLift will stop this process at the termination time; end the game before it."""
        try:
            self.termination_deadline = float(self.sdk.get_termination_time()) or None  # epoch seconds
        except gl.GameLiftError:
            self.termination_deadline = None
        log.info("event=process_terminate termination_time=%s", self.termination_deadline)
        self.request_end(EndReason.TERMINATED)

    # --- players ------------------------------------------------------------------------------------------------------

    async def handle_connection(self, ws: ServerConnection) -> None:
        """One player's connection, from JOIN to goodbye."""
        connection = net.Connection(ws)
        self._connections.add(connection)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        seat: Seat | None = None
        player: Player | None = None
        reason = LeaveReason.DISCONNECTED
        try:
            join = await net.receive_join(ws)
            seat = await self.accept_player(join.player_session_id)
            player = self._seat_player(seat, connection)
            reason = await net.read_messages(ws, connection, lambda m: self.match.on_message(player, m))
        except net.Refused as refusal:
            log.info("event=player_refused peer=%s code=%d reason=%s detail=%s", connection.peer,
                     refusal.code, refusal.code.name, refusal.detail or "-")
            connection.close(refusal.code, refusal.detail)
        except ConnectionClosed:
            pass
        finally:
            if player is not None and self.match is not None:
                self.match.leave(player, reason)
            if seat is not None:
                await self.remove_player(seat)
            connection.close(CloseCode.NORMAL)  # no-op if already closing; else lets the writer finish
            await connection.wait_closed()
            self._connections.discard(connection)
            if task is not None:
                self._handlers.discard(task)
            if player is not None:
                self._after_leave(player)

    async def accept_player(self, player_session_id: str) -> Seat:
        """AcceptPlayerSession, then DescribePlayerSessions for the PlayerData. Raises net.Refused with the reason."""
        if not self.accepting or self.match is None:
            raise net.Refused(CloseCode.NOT_ACCEPTING)
        if player_session_id in self._claimed:
            raise net.Refused(CloseCode.PLAYER_SESSION_IN_USE, player_session_id)
        if self.match.full:
            raise net.Refused(CloseCode.GAME_FULL)
        self._claimed.add(player_session_id)  # before any await: a second connection with this id is refused
        try:
            # GameLift checks the id: RESERVED for this game session, not timed out, not used before.
            await self.sdk.accept_player_session(player_session_id)
        except gl.GameLiftError as exc:
            refusal = await self._why_refused(player_session_id, exc)
            if refusal.code not in (CloseCode.PLAYER_SESSION_IN_USE, CloseCode.PLAYER_SESSION_EXPIRED):
                self._claimed.discard(player_session_id)  # e.g. a forged id: nothing to protect
            raise refusal from None
        player_id, player_data = player_session_id, ""
        try:
            # PlayerData was written by the backend from the subscription service: tier and cosmetics.
            found = await self.sdk.describe_player_sessions(
                gl.DescribePlayerSessionsRequest(player_session_id=player_session_id))
            if found.player_sessions:
                player_id = found.player_sessions[0].player_id or player_id
                player_data = found.player_sessions[0].player_data
        except gl.GameLiftError as exc:
            log.warning("event=player_data_unavailable player_session_id=%s error=%s", player_session_id, exc)
        log.info("event=player_accepted game_session_id=%s player_session_id=%s player_id=%s",
                 self.match.game_session_id, player_session_id, player_id)
        return Seat(player_session_id, player_id, player_data)

    async def _why_refused(self, player_session_id: str, error: gl.GameLiftError) -> net.Refused:
        """AcceptPlayerSession said no; DescribePlayerSessions says why, so the player gets a precise reason."""
        if isinstance(error, gl.ValidationException):
            return net.Refused(CloseCode.PLAYER_SESSION_UNKNOWN, "not a player session id")
        try:
            found = await self.sdk.describe_player_sessions(
                gl.DescribePlayerSessionsRequest(player_session_id=player_session_id))
        except gl.GameLiftError:
            found = None
        session = found.player_sessions[0] if found and found.player_sessions else None
        own = self.game_session.game_session_id if self.game_session else ""
        if session is None:
            return net.Refused(CloseCode.PLAYER_SESSION_UNKNOWN, player_session_id)
        if session.game_session_id and session.game_session_id != own:
            return net.Refused(CloseCode.PLAYER_SESSION_WRONG_GAME, player_session_id)
        if session.status is gl.PlayerSessionStatus.TIMEDOUT:
            return net.Refused(CloseCode.PLAYER_SESSION_EXPIRED, player_session_id)
        if session.status in (gl.PlayerSessionStatus.ACTIVE, gl.PlayerSessionStatus.COMPLETED):
            return net.Refused(CloseCode.PLAYER_SESSION_IN_USE, player_session_id)
        return net.Refused(CloseCode.PLAYER_SESSION_UNKNOWN, f"{player_session_id} ({error.error_type})")

    def _seat_player(self, seat: Seat, connection: net.Connection) -> Player:
        """Put an accepted player in the game; a refusal here still gives the slot back (RemovePlayerSession)."""
        assert self.match is not None
        profile: PlayerProfile = profile_from_player_data(seat.player_data, seat.player_id)
        if self.premium_only and profile.tier != "premium":
            raise net.Refused(CloseCode.PREMIUM_REQUIRED, seat.player_id)
        try:
            player = self.match.join(seat, profile, connection)
        except GameFull:
            raise net.Refused(CloseCode.GAME_FULL) from None
        self._players_seen += 1
        self._cancel_empty_timer()
        return player

    async def remove_player(self, seat: Seat) -> None:
        """RemovePlayerSession: the player is gone; GameLift marks the player session COMPLETED and the slot free."""
        try:
            await self.sdk.remove_player_session(seat.player_session_id)
            log.info("event=player_session_removed player_session_id=%s", seat.player_session_id)
        except gl.GameLiftError as exc:
            log.warning("event=remove_player_session_failed player_session_id=%s error=%s",
                        seat.player_session_id, exc)

    def _after_leave(self, player: Player) -> None:
        if self.match is None or self.ended.done():
            return
        if not self.match.players:
            log.info("event=game_session_empty game_session_id=%s", self.match.game_session_id)
            self.request_end(EndReason.EMPTY)
        else:
            self.slot_opened(player)

    def slot_opened(self, player: Player) -> None:
        """A player left a game that goes on: their slot is free again (GameLift counts it as soon as the player
        session is removed). With FlexMatch, this is where StartMatchBackfill will ask for a replacement (it lands
        with the matchmaking issue); without it, quick play simply seats the next player here."""
        assert self.match is not None
        log.info("event=slot_open game_session_id=%s player_session_id=%s players=%d backfill=%s",
                 self.match.game_session_id, player.seat.player_session_id, len(self.match.players),
                 "pending-matchmaking-issue" if self.match.plan.names else "none")

    # --- the end ------------------------------------------------------------------------------------------------

    def request_end(self, reason: EndReason) -> None:
        if not self.ended.done():
            self.ended.set_result(reason)

    def _on_game_over(self) -> None:
        assert self.match is not None
        linger = min(self.match.rules.results_seconds, RESULTS_LINGER_MAX)
        log.info("event=game_over game_session_id=%s ending_in_s=%g", self.match.game_session_id, linger)
        asyncio.get_running_loop().call_later(linger, self.request_end, EndReason.GAME_OVER)

    def _arm_empty_timer(self) -> None:
        self._empty_timer = asyncio.get_running_loop().call_later(self.empty_timeout, self._nobody_came)

    def _cancel_empty_timer(self) -> None:
        if self._empty_timer is not None:
            self._empty_timer.cancel()
            self._empty_timer = None

    def _nobody_came(self) -> None:
        if self._players_seen == 0:
            log.info("event=game_session_empty reason=no_player_within_s=%g", self.empty_timeout)
            self.request_end(EndReason.EMPTY)

    async def wind_down(self, reason: EndReason) -> None:
        """Stop taking players, tell everyone why, close them, and wait for their handlers (which remove their player
        sessions), within the termination time when there is one."""
        self.accepting = False
        self._cancel_empty_timer()
        code, text = _END_CLOSE[reason]
        grace = 0.0
        if reason is EndReason.TERMINATED:
            left = (self.termination_deadline - time.time() - TERMINATE_MARGIN) if self.termination_deadline \
                else TERMINATE_GRACE_MAX
            grace = max(0.0, min(TERMINATE_GRACE_MAX, left))
        if self.match is not None and self.match.players:
            log.info("event=telling_players reason=%s players=%d grace_s=%.1f", reason, len(self.match.players), grace)
            if reason in (EndReason.GAME_OVER, EndReason.TERMINATED):
                with contextlib.suppress(gl.GameLiftError):
                    # No new player sessions for a game that is ending.
                    await self.sdk.update_player_session_creation_policy(gl.PlayerSessionCreationPolicy.DENY_ALL)
            self.match.broadcast(protocol.ServerClosing(code, round(grace), text))
            if grace:
                await asyncio.sleep(grace)
        if self.tick_loop is not None:
            await self.tick_loop.stop()
        for connection in list(self._connections):
            connection.close(code, flush=True)
        handlers = [t for t in self._handlers if not t.done()]
        if handlers:
            await asyncio.wait(handlers, timeout=net.FLUSH_SECONDS + 3.0)
        if self.match is not None:
            log.info("event=game_session_ended game_session_id=%s reason=%s ticks=%d snapshots=%d bytes_sent=%d",
                     self.match.game_session_id, reason, self.match.world.tick, self.match.snapshots_sent,
                     self.match.bytes_sent)
        if self._session_log is not None:
            logs.close_session_log(self._session_log)
            self._session_log = None

    # --- reading the session ------------------------------------------------------------------------------------

    def _session_rules(self, game_session: gl.GameSession) -> Rules:
        """Rules for this session: the defaults, the session's MaximumPlayerSessionCount, then GameProperties."""
        cap = game_session.maximum_player_session_count or self.base_rules.max_players
        base = dataclasses.replace(self.base_rules, max_players=min(cap, MAX_PLAYERS_CAP))
        try:
            return rules_from_game_properties(game_session.game_properties, base)
        except RulesError as exc:
            log.error("event=bad_game_properties game_session_id=%s error=%s using=defaults",
                      game_session.game_session_id, exc)
            return base

    def _team_plan(self, matchmaker_data: str) -> TeamPlan:
        try:
            return team_plan(matchmaker_data)
        except MatchmakerDataError as exc:
            log.error("event=bad_matchmaker_data error=%s using=free-for-all", exc)
            return TeamPlan()

