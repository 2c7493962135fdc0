"""Start and stop a ``gamelift-local`` process: for tests, benchmarks and the demo.

Binding port 0 and reading the port back from a ready file means any number of
emulators can run side by side without port clashes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


class EmulatorStartError(RuntimeError):
    pass


@dataclass
class EmulatorProcess:
    """A running emulator and how to reach it."""

    database: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    port: int = 0

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        workdir = Path(tempfile.mkdtemp(prefix="gamelift-local-"))
        ready = workdir / "ready.json"
        self.log_path = self.log_path or workdir / "emulator.log"
        cmd = [
            sys.executable,
            "-m",
            "infra.emulator",
            "serve",
            "--port",
            "0",
            "--database",
            self.database,
            "--ready-file",
            str(ready),
            "--data-dir",
            str(workdir / "data"),
            *self.args,
        ]
        env = {**os.environ, **self.env}
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.process.poll() is not None:
                raise EmulatorStartError(f"gamelift-local exited with {self.process.returncode}; log:\n{self.log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise EmulatorStartError(f"gamelift-local did not start in {timeout}s; log:\n{self.log()}")
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        self.url, self.port = info["url"], info["port"]
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def control(self, path: str, payload: dict | None = None) -> dict:
        """Call the ``/_emulator/`` control API."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.url}/_emulator/{path}",
            data=data,
            method="POST" if data is not None else "GET",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self) -> None:
        self.control("reset", {})

    def advance(self, seconds: float) -> dict:
        """Move the emulator's manual clock forward, firing what falls due."""
        return self.control("clock", {"advance": seconds})

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        """SIGKILL the whole process group: no chance to flush anything."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
