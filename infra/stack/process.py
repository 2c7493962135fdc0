"""A project service as a child process: ``python -m <module> ... --port 0 --ready-file F``.

The service binds a free port and writes ``{"port": N, "url": ...}`` to the ready file once it listens;
the parent reads it back. Each child gets its own process group, so ``kill`` takes down anything it
started too (a fleet's server processes, for the emulator).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ServiceStartError(RuntimeError):
    pass


@dataclass
class ServiceProcess:
    """``python -m <module> ... --port 0 --ready-file F``, and how to reach it once up."""

    module: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path | None = None
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    url: str = ""
    port: int = 0

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        self.workdir = self.workdir or Path(tempfile.mkdtemp(prefix=f"{self.module}-"))
        ready = self.workdir / f"{self.module}.ready.json"
        ready.unlink(missing_ok=True)
        self.log_path = self.log_path or self.workdir / f"{self.module}.log"
        cmd = [sys.executable, "-m", self.module, *self.args, "--port", "0", "--ready-file", str(ready)]
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child owns it for its lifetime
        self.process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **self.env}, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.process.poll() is not None:
                raise ServiceStartError(f"{self.module} exited with {self.process.returncode}; log:\n{self.log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise ServiceStartError(f"{self.module} did not start in {timeout}s; log:\n{self.log()}")
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        self.url, self.port = info["url"], info["port"]
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def log_entries(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        entries = []
        for line in self.log().splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
        return entries

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
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
