"""Part files: fresh sibling names carrying the writer's id, and removing those whose writer is dead."""

import os
from pathlib import Path

from faults import dead_pid

from verified_nn.files import alive, part_path, plausible_pid, remove_stale_parts, start_time


def test_stale_part_files_of_dead_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = dead_pid()
    stale = [
        tmp_path / f".a.gz.part-{dead}",
        tmp_path / f".b.part-{dead}-0123abcd",
        tmp_path / ".zero.part-0-00",  # 0 is no process (os.kill(0, 0) would ask about our own group)
        tmp_path / ".huge.part-9999999999-00",  # beyond pid_max
    ]
    live = [tmp_path / f".c.part-{os.getpid()}-00ff", tmp_path / f".d.part-{os.getppid()}"]
    unrelated = [tmp_path / "e.part-1", tmp_path / ".f.part-x", tmp_path / "g"]
    for path in stale + live + unrelated:
        path.write_bytes(b"half")
    (tmp_path / f".link.part-{dead}").symlink_to(tmp_path / "g")  # not a regular file: never removed
    (tmp_path / f".dir.part-{dead}").mkdir()
    assert sorted(remove_stale_parts(tmp_path)) == sorted(stale)
    kept = {*live, *unrelated, tmp_path / f".link.part-{dead}", tmp_path / f".dir.part-{dead}"}
    assert set(tmp_path.iterdir()) == kept
    assert remove_stale_parts(tmp_path / "missing") == []
    assert remove_stale_parts(tmp_path / "g") == []  # not a directory


def test_part_path_names_a_hidden_sibling_carrying_the_process_id(tmp_path: Path) -> None:
    part = part_path(tmp_path / "model.safetensors")
    assert part.parent == tmp_path and part.name.startswith(f".model.safetensors.part-{os.getpid()}-")
    assert part != part_path(tmp_path / "model.safetensors")


def test_only_plausible_process_ids_of_running_processes_are_alive() -> None:
    for pid in (0, -1, 1 << 22 + 1, 10**30, True, "12", 1.0):
        assert not plausible_pid(pid) and not alive(pid)  # type: ignore[arg-type]
    assert plausible_pid(os.getpid()) and alive(os.getpid())
    assert not alive(dead_pid())
    assert start_time(os.getpid()) == start_time(os.getpid()) is not None
    assert start_time(dead_pid()) is None and start_time(0) is None
