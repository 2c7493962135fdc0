"""The README's demo command, as a new user runs it (headless here: bots instead of the window)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def run_demo(*args: str) -> str:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "infra.demo", *args], capture_output=True, text=True, env=env, timeout=200
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_headless_demo_plays_a_round_through_the_whole_stack() -> None:
    out = run_demo("--bots", "2", "--round-seconds", "5")
    assert "fleet ACTIVE, 2/2 server processes ready" in out
    assert "2 of 2 bots played" in out
    assert "TERMINATED" in out and "COMPLETED" in out  # the session ended and its players left
    assert "Stop everything" in out


def test_control_plane_walkthrough() -> None:
    out = run_demo("--control-plane")
    assert "SearchGameSessions: 1 open session(s)" in out
