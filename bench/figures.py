"""What every benchmark reports the same way: percentiles, figures across rounds, the commit measured."""

from __future__ import annotations

import math
import statistics
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile of already sorted values (NaN when there are none)."""
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def across_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Median throughput with its spread, median p50/p99 and the errors of one target's rounds."""
    rps = [r["requests_per_s"] for r in rounds]
    median = statistics.median(rps)
    codes: Counter[str] = Counter()
    for r in rounds:
        codes.update(r["error_codes"])
    return {
        "median_requests_per_s": rounded(median, 1),
        "min_requests_per_s": min(rps),
        "max_requests_per_s": max(rps),
        "spread_pct": rounded((max(rps) - min(rps)) / median * 100 if median else math.nan, 1),
        "p50_ms": rounded(statistics.median(r["p50_ms"] for r in rounds)),
        "p99_ms": rounded(statistics.median(r["p99_ms"] for r in rounds)),
        "errors": sum(r["errors"] for r in rounds),
        "error_codes": dict(codes),
        "rounds": rounds,
    }


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the tree had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
