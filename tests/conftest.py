"""Shared fixtures: a real gamelift-local process on 127.0.0.1, port 0."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from infra.emulator.launcher import EmulatorProcess
from tests.support.clients import PROTOCOLS, gamelift_client

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One emulator for the session, on a manual clock, rejecting output that strays from the model."""
    db = tmp_path_factory.mktemp("emulator") / "state.db"
    proc = EmulatorProcess(str(db), args=["--clock", "manual", "--strict", "--log-level", "INFO"]).start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh(emulator: EmulatorProcess) -> EmulatorProcess:
    """The session's emulator, emptied for this test."""
    emulator.reset()
    return emulator


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def gl(fresh: EmulatorProcess, protocol: str):
    """A boto3 GameLift client on a fresh emulator, once per wire protocol."""
    return gamelift_client(fresh.url, protocol)
