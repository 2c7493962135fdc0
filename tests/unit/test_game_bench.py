"""bench/server_tick.py in a tiny mode: the bots really fight and the figures it reports are there."""

from __future__ import annotations

from bench import server_tick


def test_a_bench_round_measures_a_real_fight() -> None:
    figures = server_tick.run_round(players=8, ticks=120, warmup=30, empty=False, seed=3)
    assert len(figures["tick_ms"]) == len(figures["cpu_ms"]) == 120
    assert figures["bytes_per_player_per_s"] > 1000 and figures["snapshot_bytes_median"] > 26
    baseline = server_tick.run_round(players=8, ticks=120, warmup=30, empty=True, seed=3)
    assert baseline["snapshot_bytes_median"] == 26  # an empty delta: nothing moves in the empty step
    summary = server_tick.summarise([figures])
    assert {"p50_ms", "p99_ms", "cpu_p99_ms", "bytes_per_player_per_s", "p99_ms_per_round"} <= set(summary)
