"""Snapshots: publication by symlink switch, sharing of unchanged files, pruning, restore,
adoption of the pre-snapshot layout, and the output lock (real files, real processes)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from corpus.snapshots import OutputLock, SnapshotError, Snapshots


def stage(out, name, files: dict[str, str]):
    d = out / f".staging-{name}"
    for rel, text in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_text(text)
    return d


def test_publish_switches_links_and_shares_unchanged_files(tmp_path):
    snaps = Snapshots(tmp_path)
    snaps.publish(stage(tmp_path, "a", {"govkb.sqlite": "kb-a", "site/index.html": "home",
                                        "site/page.html": "old page"}), "run-a")
    assert (tmp_path / "site/index.html").read_text() == "home" and snaps.current_id() == "run-a"
    snaps.publish(stage(tmp_path, "b", {"govkb.sqlite": "kb-b", "site/index.html": "home",
                                        "site/page.html": "new page"}), "run-b")
    assert os.readlink(tmp_path / "current") == "snapshots/run-b"
    assert (tmp_path / "govkb.sqlite").read_text() == "kb-b" and (tmp_path / "site/page.html").read_text() == "new page"
    a, b = tmp_path / "snapshots/run-a", tmp_path / "snapshots/run-b"
    assert os.path.samefile(a / "site/index.html", b / "site/index.html")      # unchanged: one inode
    assert not os.path.samefile(a / "site/page.html", b / "site/page.html")
    assert (a / "site/page.html").read_text() == "old page"                      # the old snapshot is intact
    assert [s.id for s in snaps.list()] == ["run-b", "run-a"] and snaps.list()[0].current


def test_prune_keeps_the_newest_and_never_the_current(tmp_path):
    snaps = Snapshots(tmp_path)
    for n in range(4):
        snaps.publish(stage(tmp_path, str(n), {"govkb.sqlite": str(n)}), f"run-{n}", keep=10)
    snaps.restore("run-0")
    assert snaps.prune(2) == ["run-1"]          # run-3 and run-2 are newest; run-0 is live
    assert {s.id for s in snaps.list()} == {"run-3", "run-2", "run-0"}
    assert (tmp_path / "govkb.sqlite").read_text() == "0"


def test_restore_refuses_unknown_or_incomplete_snapshots(tmp_path):
    snaps = Snapshots(tmp_path)
    snaps.publish(stage(tmp_path, "a", {"govkb.sqlite": "a"}), "run-a")
    with pytest.raises(SnapshotError, match="no snapshot 'nope'.*kept: run-a"):
        snaps.restore("nope")
    with pytest.raises(SnapshotError, match="no snapshot"):
        snaps.restore("../snapshots/run-a")
    (tmp_path / "snapshots/broken").mkdir()
    with pytest.raises(SnapshotError, match="no knowledge base"):
        snaps.restore("broken")
    assert snaps.current_id() == "run-a"


def test_the_old_layout_becomes_a_snapshot_of_its_own(tmp_path):
    (tmp_path / "govkb.sqlite").write_text("legacy kb")
    (tmp_path / "site").mkdir()
    (tmp_path / "site/index.html").write_text("legacy site")
    snaps = Snapshots(tmp_path)
    snaps.publish(stage(tmp_path, "n", {"govkb.sqlite": "new kb"}), "run-new")
    legacy = [s for s in snaps.list() if s.id.startswith("legacy-")]
    assert len(legacy) == 1 and (legacy[0].path / "site/index.html").read_text() == "legacy site"
    assert (tmp_path / "govkb.sqlite").is_symlink() and (tmp_path / "govkb.sqlite").read_text() == "new kb"
    snaps.restore(legacy[0].id)
    assert (tmp_path / "site/index.html").read_text() == "legacy site"


def test_lock_keeps_a_second_run_out_and_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, %r)\n"
        "from corpus.snapshots import OutputLock\n"
        "with OutputLock(%r):\n"
        "    print('locked', flush=True); time.sleep(60)\n") % (str(ROOT), str(tmp_path))],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(SnapshotError, match=f"another build is running.*{holder.pid}"):
            with OutputLock(tmp_path):
                pass
    finally:
        holder.kill()
        holder.wait()
    with OutputLock(tmp_path):      # the kernel released the dead holder's lock
        pass
