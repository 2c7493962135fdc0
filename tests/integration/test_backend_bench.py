"""The backend quick-play benchmark runs end to end in a tiny mode and writes the documented result.

Behaviour, not speed: both targets were measured in interleaved rounds, every quick play seated
someone, and the result carries the keys BENCHMARKS.md asks for.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"median_requests_per_s", "min_requests_per_s", "max_requests_per_s", "spread_pct", "p50_ms", "p99_ms",
           "errors", "error_codes", "rounds"}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_backend_quickplay_benchmark_tiny_run(tmp_path: Path) -> None:
    output = tmp_path / "backend_quickplay.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.backend_quickplay", "--seconds", "0.5", "--rounds", "2", "--warmup", "0.2",
         "--connections", "4", "--players", "4", "--processes", "40", "--instances", "1", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(output.read_text())
    assert result["benchmark"] == "backend_quickplay"
    assert {"summary", "conditions", "backend", "emulator", "ratio", "ratio_rounds", "added_ms",
            "gamelift_calls_per_quickplay"} <= result.keys()
    assert {"connections", "players", "rounds", "python", "cpu_count", "cores", "git"} <= result["conditions"].keys()
    for target in ("backend", "emulator"):
        figures = result[target]
        assert figures.keys() >= FIGURES and len(figures["rounds"]) == 2
        assert figures["median_requests_per_s"] > 0 and 0 < figures["p50_ms"] <= figures["p99_ms"]
        assert figures["errors"] == 0, figures["error_codes"]
    assert len(result["ratio_rounds"]) == 2 and result["ratio"] > 0
    assert result["gamelift_calls_per_quickplay"] >= 1
    assert done.stdout.strip().splitlines()[-1] == result["summary"]
