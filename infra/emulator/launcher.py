"""Start and stop a ``gamelift-local`` process: for tests, benchmarks and the demo.

Binding port 0 and reading the port back from a ready file means any number of
emulators can run side by side without port clashes.
"""

from __future__ import annotations

import json
import tempfile
import urllib.request
from pathlib import Path

from infra.stack.process import ServiceProcess, ServiceStartError


class EmulatorStartError(ServiceStartError):
    pass


class EmulatorProcess(ServiceProcess):
    """A running emulator (``python -m infra.emulator serve``) and how to reach it."""

    def __init__(
        self,
        database: str,
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        workdir = Path(tempfile.mkdtemp(prefix="gamelift-local-"))
        super().__init__(
            module="infra.emulator",
            args=["serve", "--database", database, "--data-dir", str(workdir / "data"), *(args or [])],
            env=dict(env or {}),
            workdir=workdir,
            log_path=log_path or workdir / "emulator.log",
        )
        self.database = database

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        try:
            super().start(timeout)
        except ServiceStartError as exc:
            raise EmulatorStartError(str(exc)) from None
        return self

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
