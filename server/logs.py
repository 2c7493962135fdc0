"""Logs: one line per event, ``event=... key=value`` with the GameLift ids, so a flow can be followed with grep.

Where they go:
- stderr (the fleet captures it: gamelift-local keeps stdout/stderr per process and zips them with the session);
- ``<log dir>/server.log``: the whole process;
- ``<log dir>/game-session.log``: only the lines written while the game session ran (a process hosts one game
  session and then exits, so one file per process is one file per game session).

Both files are what the server reports in ProcessReady's LogParameters (:func:`log_paths`), so GameLift collects
them when the game session ends and ``GetGameSessionLogUrl`` serves them. They are created before ProcessReady and
named by absolute path: under the build root on a fleet (``/local/game/logs/...``), which is where both GameLift and
gamelift-local look. The log dir defaults to ``logs/<process id>`` under the working directory (run-server.sh runs
from the build root): processes of one instance share the build directory, and each must keep its own files.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
log = logging.getLogger("server")


def default_log_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """``logs/<GAMELIFT_SDK_PROCESS_ID or pid>`` under the working directory, absolute."""
    name = environ.get("GAMELIFT_SDK_PROCESS_ID") or f"pid-{os.getpid()}"
    return (Path.cwd() / "logs" / safe_name(name)).resolve()


def safe_name(text: str) -> str:
    """A file-name-safe form of an id or ARN (its last path segment, odd characters replaced)."""
    tail = text.rsplit("/", 1)[-1] or "unnamed"
    return re.sub(r"[^A-Za-z0-9._-]", "_", tail)[:120]


PROCESS_LOG = "server.log"
SESSION_LOG = "game-session.log"


def log_paths(log_dir: Path) -> list[str]:
    """What ProcessReady reports: the two log files (they exist from :func:`configure` on)."""
    return [str(log_dir / PROCESS_LOG), str(log_dir / SESSION_LOG)]


def configure(log_dir: Path, level: str = "INFO") -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / SESSION_LOG).touch()
    root = logging.getLogger()
    root.setLevel(level.upper())
    formatter = logging.Formatter(FORMAT)
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(log_dir / PROCESS_LOG)):
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # The websockets library logs every failed handshake at INFO/ERROR with tracebacks; keep the game's own lines.
    logging.getLogger("websockets").setLevel(logging.WARNING)


def open_session_log(log_dir: Path, game_session_id: str) -> logging.Handler:
    """Send what follows to ``game-session.log`` as well, headed by the session id; returns the handler to close
    when the session ends."""
    handler = logging.FileHandler(log_dir / SESSION_LOG)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.stream.write(f"# game session {game_session_id}\n")
    logging.getLogger().addHandler(handler)
    return handler


def close_session_log(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
