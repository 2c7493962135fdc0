"""The SDK endpoint's domain side: who may connect, what each frame does, and each process's life on the socket.

The aiohttp layer (``websocket.py``) hands this service a parsed handshake (``admit``), the sockets it accepts
(``attach``/``detach``) and every text frame (``handle``, which returns the reply). Everything else happens on the
emulator's scheduler, so it is driven by the emulator's clock:

- **ready**: after the ActivateServerProcess reply a process takes game sessions at its first heartbeat, or
  ``sdk_ready_delay_seconds`` later (the official SDKs ignore a CreateGameSession that beats the reply);
- **health**: ``unhealthy_threshold`` consecutive false reports or missed heartbeat windows
  (``health_check_window_seconds``) record SERVER_PROCESS_TERMINATED_UNHEALTHY and push TerminateProcess;
- **termination**: a process told to terminate that has not ended by its TerminationTime is force-killed
  (SERVER_PROCESS_FORCE_TERMINATED); after ProcessEnding it has ``process_exit_timeout_seconds`` to exit
  (SERVER_PROCESS_PROCESS_EXIT_TIMEOUT);
- **ready time-out**: a launched process that connected (InitSDK) but sends no ProcessReady within
  ``process_ready_timeout_seconds`` is killed (SERVER_PROCESS_PROCESS_READY_TIMEOUT).

Process ids are single-use: a handshake naming the id of a process that has ended is refused with 403, and so is a
second socket for a process whose socket is still open, unless it is the RefreshConnection the service asked for or a
retry of the same connect (same IdempotencyToken). A process whose socket closed abnormally may come back with the
same id: that is the SDKs' reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import GameLiftError
from infra.emulator.fleets.model import GONE
from infra.emulator.fleets.processes import ProcessStatus, ServerProcess
from infra.emulator.fleets.timers import KeyedTimers
from infra.emulator.sdk_endpoint import protocol, tls
from infra.emulator.sdk_endpoint.actions import SdkActions, check_error
from infra.emulator.sdk_endpoint.connections import (
    CLEAN_CLOSE_CODES,
    CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
    ProcessLink,
    Socket,
    WebSocketChannel,
)
from infra.emulator.sdk_endpoint.handshake import ConnectQuery, HandshakeError, verify_sigv4
from infra.emulator.sdk_endpoint.health import HealthTracker

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator
    from infra.emulator.fleets.launcher import ProcessLauncher

log = logging.getLogger("gamelift_local.sdk")

# Ids of ended processes remembered for refusing their reuse (oldest forgotten first).
ENDED_IDS_KEPT = 100_000


def _commit_failed(frame: protocol.Frame) -> protocol.Frame:
    return protocol.reply(frame.get("Action"), frame.get("RequestId"), protocol.INTERNAL_ERROR,
                          "gamelift-local could not store the change; see its log")


class SdkEndpointService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.links: dict[str, ProcessLink] = {}
        self.timers = KeyedTimers(emulator.scheduler)
        self.actions = SdkActions(emulator, self)
        self._ended: OrderedDict[str, None] = OrderedDict()
        self.tls_url: str | None = None

    # -- the emulator's service protocol -------------------------------------------------------------------------
    def load(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def reset(self) -> None:
        """Every process is gone with the reset: sockets close with 1000 so the SDKs do not come back."""
        for link in self.links.values():
            link.close_all(CLOSE_NORMAL, "gamelift-local was reset")
        self.links.clear()
        self.timers.clear()
        self._ended.clear()

    def count(self) -> int:
        return sum(len(link.open_sockets) for link in self.links.values())

    async def stop(self) -> None:
        for link in self.links.values():
            link.close_all(CLOSE_GOING_AWAY, "gamelift-local is shutting down")
        self.timers.clear()

    # -- collaborators ---------------------------------------------------------------------------------------------
    @property
    def launcher(self) -> ProcessLauncher | None:
        supervisor = getattr(getattr(self.emulator, "fleets", None), "supervisor", None)
        return getattr(supervisor, "launcher", None)

    def _process(self, process_id: str) -> ServerProcess | None:
        return self.emulator.fleets.processes.get(process_id)

    def _now(self) -> float:
        return self.emulator.clock.now()

    # -- handshake -------------------------------------------------------------------------------------------------
    def admit(self, query: ConnectQuery) -> ProcessLink:
        """The link a handshake may attach to, or HandshakeError (the upgrade is refused with its status)."""
        query.require_identity()
        assert query.process_id and query.fleet_id and query.compute_id
        process_id = query.process_id
        fleet = self.emulator.fleets.find(query.fleet_id)
        if fleet is None or fleet.status in GONE:
            raise HandshakeError(403, f"Fleet {query.fleet_id} does not exist or is being deleted")
        if process_id in self._ended:
            raise HandshakeError(
                403,
                f"Process id {process_id} belonged to a process that has ended; the process ID needs to be unique "
                "between executions",
            )
        process = self._process(process_id)
        link = self.links.get(process_id)
        if fleet.is_anywhere:
            self._authenticate_anywhere(query, fleet.fleet_id)
            if process is not None and (process.fleet_id, process.compute_name) != (fleet.fleet_id, query.compute_id):
                raise HandshakeError(403, f"Process id {process_id} is in use by another compute")
        else:
            self._authenticate_managed(query, fleet.fleet_id, process, link)
        if link is not None and link.open_sockets:
            retry = query.idempotency_token is not None and any(
                s.idempotency_token == query.idempotency_token for s in link.open_sockets
            )
            refresh = link.refresh_token is not None and query.auth_token == link.refresh_token
            if not (retry or refresh):
                raise HandshakeError(
                    403,
                    f"Process id {process_id} is already connected; a second server process cannot use the same "
                    "process ID",
                )
        if link is None:
            link = ProcessLink(process_id, fleet.fleet_id, query.compute_id, managed=not fleet.is_anywhere)
            self.links[process_id] = link
        link.sdk_language = query.sdk_language or link.sdk_language
        link.sdk_version = query.sdk_version or link.sdk_version
        return link

    def _authenticate_anywhere(self, query: ConnectQuery, fleet_id: str) -> None:
        computes = self.emulator.computes
        assert query.compute_id
        try:
            computes.describe(fleet_id, query.compute_id)
        except GameLiftError as exc:
            raise HandshakeError(403, f"Compute {query.compute_id} is not registered with fleet {fleet_id}") from exc
        if query.sigv4 is not None:
            config = self.emulator.config
            if config.auth == "sigv4":
                verify_sigv4(query, config.keys, time.time())
            return
        if not query.auth_token or not computes.check_auth_token(query.auth_token, fleet_id, query.compute_id):
            raise HandshakeError(
                403,
                f"The auth token is not valid for compute {query.compute_id} of fleet {fleet_id}, or has expired; "
                "get a new one with GetComputeAuthToken",
            )

    def _authenticate_managed(
        self, query: ConnectQuery, fleet_id: str, process: ServerProcess | None, link: ProcessLink | None
    ) -> None:
        if process is None or process.simulated or process.fleet_id != fleet_id:
            raise HandshakeError(403, f"Process {query.process_id} was not launched on fleet {fleet_id}")
        if process.compute_name != query.compute_id:
            raise HandshakeError(403, f"Process {query.process_id} does not run on compute {query.compute_id}")
        valid = {process.auth_token}
        if link is not None and link.refresh_token:
            valid.add(link.refresh_token)
        if not query.auth_token or query.auth_token not in valid:
            raise HandshakeError(403, f"The auth token is not the one process {query.process_id} was launched with")

    def attach(self, link: ProcessLink, socket: Socket) -> None:
        """A socket is open for ``link``: the process has called InitSDK (or reconnected, or refreshed)."""
        link.sockets = [s for s in link.sockets if s.open]
        link.sockets.append(socket)
        process = self._process(link.process_id)
        if process is None and not link.managed:
            process = self._anywhere_process(link)
        if process is None:
            return
        if link.refresh_token is not None and socket.auth_token == link.refresh_token:
            if link.managed:
                process.auth_token = link.refresh_token
            link.refresh_token = None
        if process.status == ProcessStatus.LAUNCHING:
            process.status = ProcessStatus.INITIALIZED
            if link.managed:
                pid = link.process_id
                self.timers.arm(
                    f"sdk:ready-timeout:{pid}",
                    self._now() + self.emulator.config.process_ready_timeout_seconds,
                    lambda: self._ready_timed_out(pid),
                )
        every = float(self.emulator.config.sdk_refresh_connection_seconds)
        if every > 0 and not self.timers.pending(f"sdk:refresh:{link.process_id}"):
            pid = link.process_id
            self.timers.arm(f"sdk:refresh:{pid}", self._now() + every, lambda: self._periodic_refresh(pid))
        log.info(
            "process=%s fleet=%s compute=%s sdk=%s connected sockets=%d",
            link.process_id,
            link.fleet_id,
            link.compute_name,
            link.sdk_language,
            len(link.open_sockets),
        )
        self.emulator.store.commit()

    def _anywhere_process(self, link: ProcessLink) -> ServerProcess | None:
        """A process of an Anywhere compute exists from its first connection."""
        try:
            compute = self.emulator.computes.describe(link.fleet_id, link.compute_name)
        except GameLiftError:
            return None
        process = ServerProcess(
            process_id=link.process_id,
            fleet_id=link.fleet_id,
            location=compute["Location"],
            compute_name=link.compute_name,
            ip_address=compute.get("IpAddress") or compute.get("DnsName") or "",
            dns_name=compute.get("DnsName"),
            status=ProcessStatus.INITIALIZED,
            started_at=self._now(),
            simulated=False,
            channel=WebSocketChannel(self, link.process_id),
        )
        self.emulator.fleets.processes.add(process)
        return process

    def detach(self, link: ProcessLink, socket: Socket, code: int | None) -> None:
        """A socket closed (``code`` None: dropped without a close frame)."""
        link.sockets = [s for s in link.sockets if s is not socket and s.open]
        if link.open_sockets or self.links.get(link.process_id) is not link:
            return
        process = self._process(link.process_id)
        log.info("process=%s socket closed code=%s", link.process_id, code)
        if process is None or link.managed or link.ending:
            return
        if code in CLEAN_CLOSE_CODES:
            # An Anywhere process that closes its last socket cleanly without ProcessEnding is not coming back.
            self.emulator.events.record(
                process.fleet_id,
                "SERVER_PROCESS_CRASHED",
                f"Server process {process.process_id} on compute {process.compute_name} closed its connection "
                "without calling ProcessEnding()",
            )
            self.emulator.fleets.process_exited(process.process_id, 0, reason="INTERRUPTED")
            self.emulator.store.commit()
        # Otherwise the SDK reconnects; if it never does, missed heartbeats end the process.

    # -- frames ----------------------------------------------------------------------------------------------------
    def handle(self, link: ProcessLink, data: str | bytes) -> protocol.Frame:
        """The reply to one inbound frame (every request gets one; so does a frame that is not a request).

        The request's writes are one store operation: kept if it succeeds, dropped if it fails. They are staged,
        not committed: the caller sends the reply only after ``store.flush()`` (``handle_frame`` does both).
        """
        link.frames_in += 1
        try:
            request = protocol.parse_request(data)
        except protocol.FrameError as exc:
            log.info("process=%s bad frame: %s", link.process_id, exc.message)
            return protocol.error_reply(exc)
        try:
            with self.emulator.store.operation():
                process = self._process(link.process_id)
                if process is None or process.fleet_id != link.fleet_id:
                    raise protocol.bad_request(f"Process {link.process_id} has ended")
                result = self.actions.dispatch(link, process, request)
        except Exception as exc:
            error = check_error(exc)
            if error.status >= 500:
                log.exception("process=%s action=%s failed", link.process_id, request.action)
            else:
                log.info("process=%s action=%s status=%s: %s", link.process_id, request.action, error.status,
                         error.message)
            return protocol.reply(request.action, request.request_id, error.status, error.message)
        return protocol.reply(request.action, request.request_id, protocol.OK, **(result or {}))

    async def handle_frame(self, link: ProcessLink, data: str | bytes) -> protocol.Frame:
        """``handle``, then wait until its writes are on disk (a group commit shared with other requests)."""
        frame = self.handle(link, data)
        try:
            await self.emulator.store.flush()
        except Exception:
            log.exception("process=%s commit failed", link.process_id)
            return _commit_failed(frame)
        return frame

    def answer(self, link: ProcessLink, data: str | bytes, send: Callable[[protocol.Frame], None]) -> None:
        """``handle``, then ``send(reply)`` once the request's writes are on disk, with no task per frame.

        ``send`` runs from the group commit that follows (``Store.when_durable``: one commit for every request of
        this event-loop turn), or at once when nothing waits to be committed. Commit callbacks run in the order
        they were registered, so a socket that also sends its pushes that way keeps replies and pushes in order.
        """
        frame = self.handle(link, data)

        def durable(error: BaseException | None) -> None:
            if error is not None:
                log.error("process=%s commit failed: %r", link.process_id, error)
                send(_commit_failed(frame))
            else:
                send(frame)

        self.emulator.store.when_durable(durable)

    def push(self, process_id: str, frame: protocol.Frame) -> bool:
        link = self.links.get(process_id)
        sent = link is not None and link.send(frame)
        if not sent:
            log.warning("process=%s push %s not delivered: no open socket", process_id, frame.get("Action"))
        return sent

    # -- process lifecycle (called by actions) ---------------------------------------------------------------------
    def process_activated(
        self, link: ProcessLink, process: ServerProcess, port: int | None, log_paths: list[str]
    ) -> None:
        supervisor = self.emulator.fleets.supervisor
        if link.managed:
            supervisor.use_port(process, port)
        else:
            process.port = port
        process.log_paths = list(dict.fromkeys([*log_paths, *process.log_paths]))
        link.activated = True
        pid = link.process_id
        self.timers.cancel(f"sdk:ready-timeout:{pid}")
        now = self._now()
        if link.health is None:
            config = self.emulator.config
            link.health = HealthTracker.starting(
                now, float(config.health_check_window_seconds), int(config.unhealthy_threshold)
            )
            self._arm_health(pid, link.health.deadline)
        if process.status == ProcessStatus.INITIALIZED:
            delay = float(self.emulator.config.sdk_ready_delay_seconds)
            self.timers.arm(f"sdk:ready:{pid}", now + delay, lambda: self._make_ready(pid))
        log.info("process=%s ProcessReady port=%s log_paths=%s", pid, port, log_paths)

    def heartbeat(self, link: ProcessLink, process: ServerProcess, healthy: bool) -> None:
        now = self._now()
        if link.health is None:
            config = self.emulator.config
            link.health = HealthTracker.starting(
                now, float(config.health_check_window_seconds), int(config.unhealthy_threshold)
            )
            self._arm_health(link.process_id, link.health.deadline)
        became_unhealthy = link.health.heartbeat(healthy, now)
        if link.activated and process.status == ProcessStatus.INITIALIZED:
            self._make_ready(link.process_id)
        if became_unhealthy:
            self._unhealthy(link.process_id)

    def process_ending(self, link: ProcessLink, process: ServerProcess) -> None:
        """ProcessEnding: the game session ends now (with the reason a TerminateGameSession gave it, if any)."""
        pid = link.process_id
        link.ending = True
        if process.game_session_id is not None:
            self.emulator.game_sessions.process_ending(process.game_session_id)
        launcher = self.launcher
        self.timers.cancel(f"sdk:ready:{pid}")
        self.timers.cancel(f"sdk:health:{pid}")
        if launcher is not None and launcher.running(pid):
            process.status = ProcessStatus.TERMINATING
            launcher.note_ending(pid)
            self.timers.cancel(f"sdk:force:{pid}")
            self.timers.arm(
                f"sdk:exit:{pid}",
                self._now() + float(self.emulator.config.process_exit_timeout_seconds),
                lambda: self._exit_timed_out(pid),
            )
        else:
            # Nothing to wait for: an Anywhere process is gone once it says so.
            self.emulator.fleets.process_exited(pid, 0, reason=None)
        log.info("process=%s ProcessEnding", pid)

    def game_session_started(self, process: ServerProcess, game_session_id: str | None) -> None:
        launcher = self.launcher
        if launcher is not None and game_session_id:
            launcher.note_game_session(process.process_id, game_session_id)

    def terminate(self, process: ServerProcess, termination_time: float) -> None:
        """Push TerminateProcess (OnProcessTerminate); force the end at ``termination_time`` if it has not come."""
        pid = process.process_id
        process.termination_time = termination_time
        self.push(pid, protocol.terminate_process(termination_time))
        self.timers.arm(f"sdk:force:{pid}", termination_time, lambda: self._force(pid))

    def process_removed(self, process_id: str) -> None:
        """The fleet forgot the process (it ended, or its instance, compute or fleet went away)."""
        for key in ("ready", "ready-timeout", "health", "force", "exit", "refresh"):
            self.timers.cancel(f"sdk:{key}:{process_id}")
        self._ended[process_id] = None
        while len(self._ended) > ENDED_IDS_KEPT:
            self._ended.popitem(last=False)
        link = self.links.pop(process_id, None)
        if link is None or not link.open_sockets:
            return
        # After the reply to whatever frame is being handled right now.
        try:
            asyncio.get_running_loop().call_soon(link.close_all, CLOSE_NORMAL, "the server process has ended")
        except RuntimeError:
            link.close_all(CLOSE_NORMAL, "the server process has ended")

    # -- RefreshConnection -----------------------------------------------------------------------------------------
    def refresh_connection(self, process_id: str) -> bool:
        """Push RefreshConnection: the SDK opens a socket with a new token, moves to it and closes the old one."""
        link = self.links.get(process_id)
        socket = link.newest() if link is not None else None
        if link is None or socket is None:
            return False
        if link.managed:
            token = self.emulator.ids.source.uuid()
        else:
            try:
                token = self.emulator.computes.auth_token(link.fleet_id, link.compute_name)["AuthToken"]
            except GameLiftError:
                return False
        link.refresh_token = token
        self.push(process_id, protocol.refresh_connection(getattr(socket, "endpoint", "") or "", token))
        self.emulator.store.commit()
        return True

    def _periodic_refresh(self, process_id: str) -> None:
        if process_id not in self.links:
            return
        self.refresh_connection(process_id)
        every = float(self.emulator.config.sdk_refresh_connection_seconds)
        if every > 0:
            self.timers.arm(
                f"sdk:refresh:{process_id}", self._now() + every, lambda: self._periodic_refresh(process_id)
            )

    # -- timers ----------------------------------------------------------------------------------------------------
    def _make_ready(self, process_id: str) -> None:
        self.timers.cancel(f"sdk:ready:{process_id}")
        process = self._process(process_id)
        link = self.links.get(process_id)
        if process is None or link is None or not link.activated or process.status != ProcessStatus.INITIALIZED:
            return
        process.status = ProcessStatus.ACTIVE
        log.info("process=%s fleet=%s ACTIVE port=%s", process_id, process.fleet_id, process.port)
        self.emulator.fleets.process_ready(process)

    def _arm_health(self, process_id: str, when: float) -> None:
        self.timers.arm(f"sdk:health:{process_id}", when, lambda: self._health_due(process_id))

    def _health_due(self, process_id: str) -> None:
        link = self.links.get(process_id)
        health = link.health if link is not None else None
        if health is None or health.unhealthy or link is None or link.ending:
            return
        now = self._now()
        became_unhealthy = health.missed(now) if health.due(now) else False
        if not health.unhealthy:
            self._arm_health(process_id, health.deadline)
        if became_unhealthy:
            self._unhealthy(process_id)

    def _unhealthy(self, process_id: str) -> None:
        process = self._process(process_id)
        link = self.links.get(process_id)
        if process is None or process.status == ProcessStatus.TERMINATING:
            return
        health = link.health if link is not None else None
        self.emulator.events.record(
            process.fleet_id,
            "SERVER_PROCESS_TERMINATED_UNHEALTHY",
            f"Server process {process.process_id} on {process.compute_name} reported unhealthy or missed "
            f"{health.bad if health else 0} consecutive health checks and is being terminated",
        )
        launcher = self.launcher
        reachable = link is not None and bool(link.open_sockets)
        if not reachable and not (launcher is not None and launcher.running(process_id)):
            # Nobody to tell, nothing to kill: an Anywhere process that vanished.
            self.emulator.fleets.process_exited(process_id, -1, reason="INTERRUPTED")
            return
        self.emulator.fleets.supervisor.ask_to_end(
            process, self._now() + float(self.emulator.config.process_termination_seconds)
        )

    def _force(self, process_id: str) -> None:
        process = self._process(process_id)
        if process is None or process.status != ProcessStatus.TERMINATING:
            return
        launcher = self.launcher
        if launcher is not None and launcher.kill(process_id, "force"):
            return  # its exit is reported as SERVER_PROCESS_FORCE_TERMINATED
        # Not a running child of ours (an Anywhere process, most often): the fleet lets go of it.
        self.emulator.fleets.supervisor.force_end(process, replace=True)

    def _ready_timed_out(self, process_id: str) -> None:
        process = self._process(process_id)
        link = self.links.get(process_id)
        if process is None or process.status != ProcessStatus.INITIALIZED or (link is not None and link.activated):
            return
        launcher = self.launcher
        if launcher is not None:
            launcher.kill(process_id, "ready_timeout")

    def _exit_timed_out(self, process_id: str) -> None:
        launcher = self.launcher
        if launcher is not None:
            launcher.kill(process_id, "exit_timeout")

    # -- certificates ----------------------------------------------------------------------------------------------
    def fleet_certificate(self, fleet_id: str) -> Path:
        """The fleet's generated TLS certificate: a directory of PEM files shared by all its instances."""
        config = self.emulator.config
        directory = Path(config.data_dir).resolve() / "certificates" / fleet_id
        names = [n for n in (config.public_dns, config.public_ip, "localhost", "127.0.0.1") if n]
        tls.certificate_directory(directory, common_name=f"{fleet_id}.gamelift-local", names=names)
        return directory

    def compute_certificate_path(self, fleet_id: str, compute_name: str) -> str:
        """What RegisterCompute was given as CertificatePath ("" when nothing was)."""
        computes = getattr(self.emulator.computes, "_computes", {})
        compute = computes.get(f"{fleet_id}/{compute_name}")
        return getattr(compute, "certificate_path", None) or ""

    # -- views -----------------------------------------------------------------------------------------------------
    def describe(self) -> list[dict[str, Any]]:
        """Connected processes, for the control API."""
        out = []
        for link in self.links.values():
            process = self._process(link.process_id)
            out.append(
                {
                    "processId": link.process_id,
                    "fleetId": link.fleet_id,
                    "computeName": link.compute_name,
                    "managed": link.managed,
                    "sockets": len(link.open_sockets),
                    "sdkLanguage": link.sdk_language,
                    "sdkVersion": link.sdk_version,
                    "status": str(process.status) if process is not None else None,
                    "framesIn": link.frames_in,
                    "framesOut": link.frames_out,
                }
            )
        return out
