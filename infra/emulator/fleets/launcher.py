"""Real server processes: a managed fleet's build run as OS processes on this machine.

When is a process real? When the fleet's build has files here (a ``gamelift-local`` storage location) and the
runtime configuration's launch path names an executable file in them; everything else stays simulated
(``SimulatedChannel``), which keeps control-plane work and builds without files as they were. ``processes`` in the
config can force either way (``simulated``, or ``real``: a missing launch path then fails fleet validation).

An instance is a sandbox directory, ``<data_dir>/instances/<instance id>/``:

- ``game/``: the build, copied (directory builds) or extracted (zip builds, keeping their file modes) once per
  instance; a launch path ``/local/game/x/server`` (or ``C:\\game\\x\\server.exe``) runs ``game/x/server``, with
  ``game/`` as its working directory (UNCONFIRMED where the real agent starts processes);
- ``logs/<process id>/stdout.log`` and ``stderr.log``: what each process printed;
- ``run/<process id>.pid``: so a restarted emulator can reap processes an earlier one left behind.

Each process runs in its own process group (killing it kills what it started), dies with the emulator (Linux
``PR_SET_PDEATHSIG``), gets its Parameters split like a shell would, and the environment the GameLift agent gives
(GAMELIFT_SDK_WEBSOCKET_URL, _PROCESS_ID, _HOST_ID = the instance id, _FLEET_ID, _AUTH_TOKEN minted for this process,
so ``InitSDKFromEnvironment()`` just works), plus ``GAMELIFT_LOCAL_SERVER_PORT``: a port from the fleet's inbound
permissions that no other process on this machine holds. The game may listen there or anywhere else; the port it
reports in ProcessReady is the one players are sent to.

The launcher watches every process. An exit is reported to the fleet (which replaces the process) with the event the
real service records: SERVER_PROCESS_CRASHED for an exit without ProcessEnding,
SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT / SERVER_PROCESS_PROCESS_READY_TIMEOUT / SERVER_PROCESS_FORCE_TERMINATED /
SERVER_PROCESS_PROCESS_EXIT_TIMEOUT for the kills those timeouts cause. A process that keeps failing before it gets
ready is relaunched with a growing delay (up to 30 s) instead of in a tight loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shlex
import shutil
import signal
import socket
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import GameLiftError
from infra.emulator.fleets import logs as game_logs
from infra.emulator.fleets import runtime
from infra.emulator.fleets.processes import ProcessStatus, ServerProcess

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator
    from infra.emulator.fleets.model import Fleet, Instance
    from infra.emulator.fleets.supervisor import InstanceSupervisor

log = logging.getLogger("gamelift_local.launcher")

# The port scope of real processes: they share this machine's ports, whatever instance they belong to.
MACHINE_PORTS = "local-machine"
# Ports found taken by something else when probed, kept out of the allocator's way.
FOREIGN_PORTS = "local-machine/foreign"
PORT_ENV = "GAMELIFT_LOCAL_SERVER_PORT"
FOREIGN_PORT_RETRY_SECONDS = 30.0
# SIGTERM, then SIGKILL this much later, for processes the fleet no longer wants (idle turnover, instance gone).
STOP_GRACE_SECONDS = 2.0
MAX_RELAUNCH_DELAY = 30.0
READY_MARKER = ".gamelift-local-unpacked"
# Ended processes whose stdout/stderr an instance keeps (the newest; sessions' logs are in their zips).
KEEP_ENDED_PROCESS_LOGS = 20

KILL_EVENTS: dict[str, tuple[str, str]] = {
    "sdk_init_timeout": (
        "SERVER_PROCESS_SDK_INITIALIZATION_TIMEOUT",
        "did not call InitSDK() within {sdk_init} seconds of its launch and was terminated",
    ),
    "ready_timeout": (
        "SERVER_PROCESS_PROCESS_READY_TIMEOUT",
        "did not call ProcessReady() within {ready} seconds after InitSDK() and was terminated",
    ),
    "force": (
        "SERVER_PROCESS_FORCE_TERMINATED",
        "did not exit within the time allowed after OnProcessTerminate() and was forcibly terminated",
    ),
    "exit_timeout": (
        "SERVER_PROCESS_PROCESS_EXIT_TIMEOUT",
        "did not exit within {exit} seconds after calling ProcessEnding() and was forcibly terminated",
    ),
}


def _prctl() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def prune_process_logs(logs_dir: Path, running: set[str], keep: int = KEEP_ENDED_PROCESS_LOGS) -> int:
    """Delete all but the ``keep`` newest ended processes' log folders; returns how many went."""
    try:
        ended = [d for d in logs_dir.iterdir() if d.is_dir() and d.name not in running]
        ended.sort(key=lambda d: d.stat().st_mtime_ns, reverse=True)
    except OSError:
        return 0
    for directory in ended[keep:]:
        shutil.rmtree(directory, ignore_errors=True)
    return len(ended[keep:])
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: be killed when the emulator dies, however it dies."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL))


def relative_launch_path(launch_path: str) -> PurePosixPath | None:
    """``/local/game/a/b`` or ``C:\\game\\a\\b`` as ``a/b`` inside the build; None when it leaves the build."""
    windows_root = runtime.WINDOWS_ROOT.lower()
    if launch_path.startswith(runtime.LINUX_ROOT):
        parts = PurePosixPath(launch_path[len(runtime.LINUX_ROOT) :]).parts
    elif launch_path.lower().startswith(windows_root):
        parts = PureWindowsPath(launch_path[len(windows_root) :]).parts
    else:
        return None
    if not parts or any(p in ("..", ".") for p in parts):
        return None
    return PurePosixPath(*parts)


def _zip_executable(archive_path: Path, member: PurePosixPath) -> bool:
    with zipfile.ZipFile(archive_path) as archive:
        try:
            info = archive.getinfo(str(member))
        except KeyError:
            return False
        return bool((info.external_attr >> 16) & 0o111) and not info.is_dir()


def _zip_has(archive_path: Path, member: PurePosixPath) -> bool:
    with zipfile.ZipFile(archive_path) as archive:
        return str(member) in archive.namelist()


def unpack(source: Path, game_dir: Path) -> Path:
    """The build's files in ``game_dir`` (once: a marker says it is done)."""
    marker = game_dir.parent / READY_MARKER
    if marker.exists() and game_dir.is_dir():
        return game_dir
    if game_dir.exists():
        shutil.rmtree(game_dir)
    if source.is_dir():
        shutil.copytree(source, game_dir, symlinks=True)
    else:
        game_dir.mkdir(parents=True)
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                extracted = Path(archive.extract(info, game_dir))
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(extracted, mode)
    marker.write_text(str(source))
    return game_dir


def port_free(port: int) -> bool:
    """Whether a TCP listener could bind ``port`` on this machine right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


@dataclass
class Child:
    """One OS process and what the launcher knows about it."""

    process: ServerProcess
    instance_id: str
    relative: PurePosixPath
    args: list[str]
    instance_dir: Path
    proc: asyncio.subprocess.Process | None = None
    kill_reason: str | None = None
    removed: bool = False  # the fleet no longer tracks it: its exit is not reported
    ending: bool = False  # it called ProcessEnding
    became_active: bool = False
    game_session_id: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    @property
    def log_dir(self) -> Path:
        return self.instance_dir / "logs" / self.process.process_id


class ProcessLauncher:
    def __init__(self, emulator: Emulator, supervisor: InstanceSupervisor) -> None:
        self.emulator = emulator
        self.supervisor = supervisor
        self.logs = game_logs.LogCollector(emulator)
        self._children: dict[str, Child] = {}
        self._prepared: dict[str, asyncio.Future[Path]] = {}
        self._gone_instances: set[str] = set()
        self._decisions: dict[tuple[str, str], PurePosixPath | None] = {}
        self._failures: dict[tuple[str, runtime.ProcessKey], int] = {}

    # -- where things are ------------------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        return Path(self.emulator.config.data_dir).resolve() / "instances"

    def instance_dir(self, instance_id: str) -> Path:
        return self.root / instance_id

    def sdk_url(self) -> str:
        config = self.emulator.config
        base = (config.advertised_url or f"http://{config.host}:{config.port}").rstrip("/")
        if base.startswith("https://"):
            return "wss://" + base[len("https://") :]
        if base.startswith("http://"):
            return "ws://" + base[len("http://") :]
        return base

    # -- decisions -------------------------------------------------------------------------------------------------
    def enabled(self) -> bool:
        """Real processes need the SDK endpoint (a serving emulator) and a running event loop."""
        if str(self.emulator.config.processes) == "simulated":
            return False
        if getattr(self.emulator, "sdk_endpoint", None) is None:
            return False
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return False
        return True

    def _build_path(self, fleet: Fleet) -> str | None:
        if not fleet.build_id:
            return None
        try:
            build = self.emulator.builds.get(fleet.build_id)
        except GameLiftError:
            return None  # deleted since: nothing to launch from
        return getattr(build, "local_path", None) or None

    def _build_files(self, fleet: Fleet) -> Path | None:
        path = self._build_path(fleet)
        return Path(path) if path else None

    def executable(self, fleet: Fleet, server_process: dict[str, Any]) -> PurePosixPath | None:
        """The launch path inside the build when it is an executable file there (else None: simulate)."""
        if not self.enabled():
            return None
        # Asked for every process a fleet starts: the Path is only built when the answer is not known yet.
        local = self._build_path(fleet)
        if local is None:
            return None
        key = (str(fleet.build_id), server_process["LaunchPath"])
        if key not in self._decisions:
            files = Path(local)
            relative = relative_launch_path(server_process["LaunchPath"])
            runnable = False
            if relative is not None:
                try:
                    if files.is_dir():
                        target = files / relative
                        runnable = target.is_file() and os.access(target, os.X_OK)
                    elif files.is_file():
                        runnable = _zip_executable(files, relative)
                except (OSError, zipfile.BadZipFile):
                    runnable = False
            self._decisions[key] = relative if runnable else None
        return self._decisions[key]

    def runs_real_processes(self, fleet: Fleet) -> bool:
        entries = (fleet.runtime_configuration or {}).get("ServerProcesses") or []
        return any(self.executable(fleet, entry) is not None for entry in entries)

    def missing_launch_paths(self, fleet: Fleet) -> list[str]:
        """Launch paths that name no file of the fleet's local build (checked in ``processes=real`` mode)."""
        files = self._build_files(fleet)
        if files is None:
            return []
        missing = []
        for entry in (fleet.runtime_configuration or {}).get("ServerProcesses") or []:
            relative = relative_launch_path(entry["LaunchPath"])
            try:
                found = relative is not None and (
                    (files / relative).is_file() if files.is_dir() else _zip_has(files, relative)
                )
            except (OSError, zipfile.BadZipFile):
                found = False
            if not found:
                missing.append(entry["LaunchPath"])
        return missing

    # -- ports -----------------------------------------------------------------------------------------------------
    def allocate_port(self, ranges: list[tuple[int, int]]) -> int | None:
        """A port from ``ranges`` no other real process holds and nothing else on this machine listens on."""
        ports = self.supervisor.ports
        while True:
            port = ports.allocate(MACHINE_PORTS, ranges)
            if port is None or port_free(port):
                return port
            # Taken by another program: left held (so skipped) and offered again later.
            ports.hold(FOREIGN_PORTS, port)
            self.emulator.scheduler.call_later(FOREIGN_PORT_RETRY_SECONDS, lambda p=port: self._retry_port(p))

    def _retry_port(self, port: int) -> None:
        ports = self.supervisor.ports
        if port in ports.held(FOREIGN_PORTS):
            ports.release(FOREIGN_PORTS, port)
            ports.release(MACHINE_PORTS, port)

    # -- launching ---------------------------------------------------------------------------------------------------
    def launch(
        self,
        fleet: Fleet,
        instance: Instance,
        server_process: dict[str, Any],
        relative: PurePosixPath,
        port: int,
    ) -> ServerProcess:
        """A LAUNCHING process record; the OS process starts in the background (after any relaunch delay)."""
        from infra.emulator.sdk_endpoint.connections import WebSocketChannel

        endpoint = self.emulator.sdk_endpoint
        process_id = self.emulator.ids.prefixed("process")
        process = ServerProcess.on_instance(
            process_id,
            fleet,
            instance,
            server_process,
            port,
            self.emulator.clock.now(),
            status=ProcessStatus.LAUNCHING,
            simulated=False,
            channel=WebSocketChannel(endpoint, process_id),
            auth_token=self.emulator.ids.source.uuid(),
        )
        process.kill = lambda: self.kill(process_id, "removed")
        try:
            args = shlex.split(server_process.get("Parameters") or "")
        except ValueError:
            args = (server_process.get("Parameters") or "").split()
        child = Child(process, instance.instance_id, relative, args, self.instance_dir(instance.instance_id))
        self._children[process_id] = child
        failures = self._failures.get((instance.instance_id, runtime.key_of(server_process)), 0)
        delay = 0.0 if failures <= 1 else min(MAX_RELAUNCH_DELAY, 0.5 * 2 ** (failures - 2))
        if delay > 0:
            log.info("process=%s relaunch delayed %.1fs after %d early failures", process_id, delay, failures)
            self.emulator.scheduler.call_later(delay, lambda: self._start(child))
        else:
            self._start(child)
        return process

    def _start(self, child: Child) -> None:
        if child.removed or self._children.get(child.process.process_id) is not child:
            return
        name = f"process-{child.process.process_id}"
        child.task = asyncio.get_running_loop().create_task(self._run(child), name=name)

    async def _prepare(self, instance_id: str, source: Path) -> Path:
        future = self._prepared.get(instance_id)
        if future is None:
            game_dir = self.instance_dir(instance_id) / "game"
            future = asyncio.ensure_future(asyncio.to_thread(unpack, source, game_dir))
            self._prepared[instance_id] = future
        return await asyncio.shield(future)

    def _environment(self, child: Child) -> dict[str, str]:
        process = child.process
        env = {k: v for k, v in os.environ.items() if not k.startswith("GAMELIFT_")}
        env.update(
            {
                "GAMELIFT_SDK_WEBSOCKET_URL": self.sdk_url(),
                "GAMELIFT_SDK_PROCESS_ID": process.process_id,
                "GAMELIFT_SDK_HOST_ID": process.compute_name,
                "GAMELIFT_SDK_FLEET_ID": process.fleet_id,
                "GAMELIFT_SDK_AUTH_TOKEN": process.auth_token or "",
            }
        )
        if process.port is not None:
            env[PORT_ENV] = str(process.port)
        return env

    async def _run(self, child: Child) -> None:
        process = child.process
        pid = process.process_id
        fleet = self.emulator.fleets.find(process.fleet_id)
        source = self._build_files(fleet) if fleet is not None else None
        try:
            if source is None:
                raise FileNotFoundError(f"the build of fleet {process.fleet_id} has no files here")
            game_dir = await self._prepare(child.instance_id, source)
            if child.removed:
                return
            child.log_dir.mkdir(parents=True, exist_ok=True)
            (child.instance_dir / "run").mkdir(parents=True, exist_ok=True)
            with open(child.log_dir / "stdout.log", "ab") as out, open(child.log_dir / "stderr.log", "ab") as err:
                child.proc = await asyncio.create_subprocess_exec(
                    str(game_dir / child.relative),
                    *child.args,
                    cwd=str(game_dir),
                    env=self._environment(child),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    start_new_session=True,
                    preexec_fn=_die_with_parent if _PRCTL is not None else None,
                )
        except (OSError, shutil.Error, zipfile.BadZipFile, ValueError) as exc:
            self._launch_failed(child, exc)
            return
        proc = child.proc
        process.os_pid = proc.pid
        self._pid_file(child).write_text(str(proc.pid))
        log.info("process=%s fleet=%s os_pid=%s started %s %s", pid, process.fleet_id, proc.pid, process.launch_path,
                 " ".join(child.args))
        if child.removed:
            self._signal(child, signal.SIGKILL)
        else:
            timeout = float(self.emulator.config.sdk_init_timeout_seconds)
            self.emulator.scheduler.call_later(timeout, lambda: self._init_timed_out(child))
        code = await proc.wait()
        await self._exited(child, code)

    def _pid_file(self, child: Child) -> Path:
        return child.instance_dir / "run" / f"{child.process.process_id}.pid"

    def _launch_failed(self, child: Child, exc: BaseException) -> None:
        process = child.process
        log.warning("process=%s could not start %s: %s", process.process_id, process.launch_path, exc)
        self._children.pop(process.process_id, None)
        self._count_failure(child, early=True)
        if child.removed or self.emulator.fleets.processes.get(process.process_id) is not process:
            return
        self.emulator.events.record(
            process.fleet_id,
            "SERVER_PROCESS_INVALID_PATH",
            f"Server process {process.launch_path} could not be started on {process.compute_name}: {exc}",
        )
        self.emulator.fleets.process_exited(process.process_id, 127, reason="INTERRUPTED")
        self.emulator.store.commit()

    def _init_timed_out(self, child: Child) -> None:
        if child.running and not child.removed and child.process.status == ProcessStatus.LAUNCHING:
            self.kill(child.process.process_id, "sdk_init_timeout")

    # -- exits -------------------------------------------------------------------------------------------------------
    async def _exited(self, child: Child, code: int) -> None:
        process = child.process
        pid = process.process_id
        with contextlib.suppress(OSError):
            self._pid_file(child).unlink()
        log.info("process=%s os_pid=%s exited code=%s reason=%s", pid, process.os_pid, code, child.kill_reason)
        self._count_failure(child, early=not child.became_active)
        tracked = (
            not child.removed
            and self._children.get(pid) is child
            and self.emulator.fleets.processes.get(pid) is process
        )
        if tracked:
            event, reason, message = self._classify(child, code)
            if event is not None:
                self.emulator.events.record(process.fleet_id, event, message)
            self.emulator.fleets.process_exited(pid, code, reason=reason)
            self.emulator.store.commit()
        if self._children.get(pid) is child:
            del self._children[pid]
        if child.game_session_id is not None:
            await self.logs.collect(child.game_session_id, self._log_entries(child))
        self._forget_old_process_logs(child.log_dir.parent)
        self._maybe_remove_instance_dir(child.instance_id)

    def _forget_old_process_logs(self, logs_dir: Path) -> None:
        """Keep the output of an instance's latest ended processes only, so a long-lived instance stays bounded.

        A session's logs live on in its zip (``logs.py``); the rest is kept for a developer reading
        why a process died, and the newest few are what that needs.
        """
        running = {c.log_dir.name for c in self._children.values() if c.log_dir.parent == logs_dir}
        try:
            asyncio.get_running_loop().run_in_executor(None, prune_process_logs, logs_dir, running)
        except RuntimeError:
            prune_process_logs(logs_dir, running)

    def _classify(self, child: Child, code: int) -> tuple[str | None, str | None, str]:
        """The fleet event, the game session's StatusReason and the event message for an exit."""
        process = child.process
        what = f"Server process {process.launch_path} ({process.process_id}) on {process.compute_name}"
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        config = self.emulator.config
        if child.kill_reason in KILL_EVENTS:
            event, text = KILL_EVENTS[child.kill_reason]
            message = text.format(
                sdk_init=config.sdk_init_timeout_seconds,
                ready=config.process_ready_timeout_seconds,
                exit=config.process_exit_timeout_seconds,
            )
            return event, "INTERRUPTED", f"{what} {message}"
        if child.ending:
            if code == 0:
                return None, None, f"{what} {how}"
            return "SERVER_PROCESS_TERMINATED_UNHEALTHY", None, f"{what} {how} after ProcessEnding()"
        if process.status == ProcessStatus.TERMINATING and code == 0:
            return None, None, f"{what} {how}"
        return "SERVER_PROCESS_CRASHED", "INTERRUPTED", f"{what} {how} without calling ProcessEnding()"

    def _count_failure(self, child: Child, *, early: bool) -> None:
        key = (child.instance_id, (child.process.launch_path or "", child.process.parameters))
        if early:
            self._failures[key] = self._failures.get(key, 0) + 1
        else:
            self._failures.pop(key, None)

    def _log_entries(self, child: Child) -> list[tuple[Path, str]]:
        entries = [(child.log_dir / "stdout.log", "stdout.log"), (child.log_dir / "stderr.log", "stderr.log")]
        game_dir = child.instance_dir / "game"
        for path in child.process.log_paths:
            local = self._local_path(path, game_dir)
            if local is None:
                continue
            for found in game_logs.expand([local]):
                try:
                    name = "files/" + found.relative_to(game_dir).as_posix()
                except ValueError:
                    name = "files/external/" + found.name
                entries.append((found, name))
        return entries

    @staticmethod
    def _local_path(path: str, game_dir: Path) -> Path | None:
        """Where a LogPaths entry is on this machine: inside the instance for /local/game paths and relative ones;
        outside only when it names a file (never a whole directory tree elsewhere)."""
        relative = relative_launch_path(path)
        if relative is not None:
            return game_dir / relative
        candidate = Path(path)
        if not candidate.is_absolute():
            resolved = (game_dir / candidate).resolve()
            return resolved if resolved.is_relative_to(game_dir.resolve()) else None
        return candidate if candidate.is_file() else None

    # -- what the SDK endpoint tells the launcher ----------------------------------------------------------------
    def running(self, process_id: str) -> bool:
        child = self._children.get(process_id)
        return child is not None and not child.removed

    def note_ending(self, process_id: str) -> None:
        child = self._children.get(process_id)
        if child is not None:
            child.ending = True

    def note_ready(self, process: ServerProcess) -> None:
        child = self._children.get(process.process_id)
        if child is not None:
            child.became_active = True
            self._failures.pop((child.instance_id, (process.launch_path or "", process.parameters)), None)

    def note_game_session(self, process_id: str, game_session_id: str) -> None:
        child = self._children.get(process_id)
        if child is not None:
            child.game_session_id = game_session_id
            self.logs.expect(game_session_id)

    # -- stopping --------------------------------------------------------------------------------------------------
    def kill(self, process_id: str, reason: str) -> bool:
        """SIGKILL a running process's group; its exit is reported with ``reason``'s event. False if not running."""
        child = self._children.get(process_id)
        if child is None or not child.running:
            return False
        if child.kill_reason is None:
            child.kill_reason = reason
        self._signal(child, signal.SIGKILL)
        return True

    def _signal(self, child: Child, sig: signal.Signals) -> None:
        if child.running and child.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.proc.pid, sig)

    def release(self, process: ServerProcess, *, force: bool = False) -> None:
        """The fleet dropped ``process``: stop its OS process (SIGTERM, then SIGKILL; at once when ``force``) and
        its SDK connection. Its exit is not reported again."""
        child = self._children.get(process.process_id)
        if child is not None:
            child.removed = True
            if child.running:
                if force:
                    self._signal(child, signal.SIGKILL)
                else:
                    self._signal(child, signal.SIGTERM)
                    asyncio.get_running_loop().call_later(STOP_GRACE_SECONDS, self._signal, child, signal.SIGKILL)
            elif child.game_session_id is not None and child.proc is None:
                self.logs.abandon(child.game_session_id)
        endpoint = getattr(self.emulator, "sdk_endpoint", None)
        if endpoint is not None and not process.simulated:
            endpoint.process_removed(process.process_id)

    def instance_removed(self, instance_id: str) -> None:
        self._gone_instances.add(instance_id)
        self._prepared.pop(instance_id, None)
        self._maybe_remove_instance_dir(instance_id)

    def _maybe_remove_instance_dir(self, instance_id: str) -> None:
        if instance_id not in self._gone_instances:
            return
        if any(c.instance_id == instance_id for c in self._children.values()):
            return
        self._gone_instances.discard(instance_id)
        directory = self.instance_dir(instance_id)
        if not directory.exists():
            return
        try:
            asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, directory, True)
        except RuntimeError:
            shutil.rmtree(directory, ignore_errors=True)

    def reset(self) -> None:
        """Every process dies with a reset; instance directories go too."""
        for child in self._children.values():
            child.removed = True
            self._signal(child, signal.SIGKILL)
        self._children.clear()
        self._prepared.clear()
        self._gone_instances.clear()
        self._decisions.clear()
        self._failures.clear()
        self.logs.reset()
        if self.root.exists():
            doomed = self.root.with_name(f"instances.reset-{os.getpid()}-{id(self)}")
            with contextlib.suppress(OSError):
                self.root.rename(doomed)
                try:
                    asyncio.get_running_loop().run_in_executor(None, shutil.rmtree, doomed, True)
                except RuntimeError:
                    shutil.rmtree(doomed, ignore_errors=True)

    async def shutdown(self) -> None:
        """Kill every process and wait (briefly) for the exits, so nothing outlives the emulator."""
        children = list(self._children.values())
        for child in children:
            child.removed = True
            self._signal(child, signal.SIGKILL)
        waits = [c.proc.wait() for c in children if c.proc is not None and c.proc.returncode is None]
        if waits:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), 5.0)
        for child in children:
            if child.task is not None and not child.task.done():
                child.task.cancel()

    def reap_orphans(self, known_instances: set[str]) -> None:
        """At start-up: kill processes an earlier emulator left running, and drop directories of gone instances."""
        if not self.root.is_dir():
            return
        for instance_dir in self.root.iterdir():
            for pid_file in instance_dir.glob("run/*.pid"):
                self._reap(pid_file)
            if instance_dir.name not in known_instances:
                shutil.rmtree(instance_dir, ignore_errors=True)

    @staticmethod
    def _reap(pid_file: Path) -> None:
        with contextlib.suppress(OSError, ValueError):
            os_pid = int(pid_file.read_text().strip())
            marker = f"GAMELIFT_SDK_PROCESS_ID={pid_file.stem}".encode()
            environ = Path(f"/proc/{os_pid}/environ").read_bytes()
            if marker in environ.split(b"\0"):
                os.killpg(os_pid, signal.SIGKILL)
                log.warning("killed process %s (os pid %s) left by an earlier run", pid_file.stem, os_pid)
        with contextlib.suppress(OSError):
            pid_file.unlink()

    def describe(self) -> list[dict[str, Any]]:
        return [
            {
                "processId": c.process.process_id,
                "osPid": c.proc.pid if c.proc is not None else None,
                "running": c.running,
                "killReason": c.kill_reason,
            }
            for c in self._children.values()
        ]
