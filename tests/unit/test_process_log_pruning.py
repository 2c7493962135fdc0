"""An instance keeps the output of its newest ended processes only, and never touches a running one's."""

from __future__ import annotations

import os
from pathlib import Path

from infra.emulator.fleets.launcher import prune_process_logs


def test_only_the_newest_ended_process_logs_are_kept(tmp_path: Path) -> None:
    for k in range(30):
        folder = tmp_path / f"process-{k:02d}"
        folder.mkdir()
        (folder / "stdout.log").write_text(f"process {k}\n")
        os.utime(folder, ns=(k * 10**9, k * 10**9))  # process-29 ended last
    assert prune_process_logs(tmp_path, running={"process-00"}, keep=5) == 24
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == ["process-00", "process-25", "process-26", "process-27", "process-28", "process-29"]


def test_a_missing_logs_folder_is_nothing_to_prune(tmp_path: Path) -> None:
    assert prune_process_logs(tmp_path / "absent", running=set()) == 0
