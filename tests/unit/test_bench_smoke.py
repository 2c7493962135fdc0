"""The control-plane benchmark runs end to end in a tiny mode and writes the documented result.

Behaviour, not speed: the figures are whatever this machine gives; what is checked
is that both targets were measured, the emulator answered the mix without errors
(the mix is built so every CreateGameSession finds a free server process), and
the result file carries the keys BENCHMARKS.md asks for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

TARGET_KEYS = {
    "median_requests_per_s",
    "min_requests_per_s",
    "max_requests_per_s",
    "spread_pct",
    "p50_ms",
    "p99_ms",
    "errors",
    "error_codes",
    "rounds",
}
ROUND_KEYS = {"requests", "errors", "requests_per_s", "p50_ms", "p99_ms", "operations", "server_cpu_s"}
CONDITION_KEYS = {
    "connections",
    "seconds_per_round",
    "rounds",
    "warmup_seconds",
    "client",
    "python",
    "cpu_count",
    "cores",
    "git",
    "emulator_flags",
    "bare_body_bytes",
}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_control_plane_benchmark_tiny_run(tmp_path: Path) -> None:
    output = tmp_path / "control_plane.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "control_plane",
            "--seconds",
            "0.5",
            "--rounds",
            "1",
            "--warmup",
            "0.2",
            "--connections",
            "2",
            "--output",
            str(output),
            "--no-plot",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(output.read_text())

    assert result["benchmark"] == "control_plane"
    assert {
        "summary",
        "mix",
        "conditions",
        "client_choice",
        "emulator",
        "bare",
        "ratio",
        "ratio_rounds",
        "targets",
    } <= result.keys()
    assert result["conditions"].keys() >= CONDITION_KEYS
    assert result["conditions"]["rounds"] == 1 and result["conditions"]["connections"] == 2
    assert result["client_choice"]["chosen"] in ("raw", "aiohttp")
    for target in ("emulator", "bare"):
        figures = result[target]
        assert figures.keys() >= TARGET_KEYS
        assert len(figures["rounds"]) == 1
        assert figures["rounds"][0].keys() >= ROUND_KEYS
        assert figures["median_requests_per_s"] > 0
        assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert result["emulator"]["errors"] == 0, result["emulator"]["error_codes"]
    # Every operation of the mix was exercised against the emulator.
    measured = result["emulator"]["rounds"][0]["operations"]
    assert set(result["mix"]["operations"]) <= set(measured)
    assert result["ratio"] > 0
    assert {"ratio_met", "requests_per_s_met"} <= result["targets"].keys()
    # The summary line is printed last, and is the one stored.
    assert done.stdout.strip().splitlines()[-1] == result["summary"]
