"""Published builds as snapshots, switched atomically.

Layout of an output directory::

    OUT/snapshots/<run id>/      one complete published build each (govkb.sqlite, export/,
                                 index/, site/), never modified after publication; files
                                 identical to the previous snapshot's are hard links to them
    OUT/current -> snapshots/<run id>
    OUT/govkb.sqlite -> current/govkb.sqlite     (and export, index, site likewise)

Readers open ``OUT/govkb.sqlite`` or ``OUT/site`` as before. Publishing renames a fully
built staging directory into ``snapshots/`` and then replaces the ``current`` symlink with
one ``rename(2)``, so a reader (or a power cut) sees either the old build or the new one,
never a mixture. Restoring an older snapshot is the same switch.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

SNAPSHOTS = "snapshots"
CURRENT = "current"
# What a snapshot may hold; each gets a stable entry point OUT/<name> -> current/<name>.
ENTRIES = ("govkb.sqlite", "export", "index", "site")
DEFAULT_KEEP = 7


class SnapshotError(RuntimeError):
    """A snapshot operation cannot be done (unknown id, output locked by another run)."""


class OutputLocked(SnapshotError):
    """Another process holds the output directory's lock."""


@dataclass
class Snapshot:
    """One published build."""

    id: str
    path: Path
    current: bool
    created: float          # mtime of the snapshot directory (publication time)
    entries: tuple[str, ...]

    def summary(self) -> dict:
        """Documents, provisions and the run's finish time, read from its knowledge base."""
        import sqlite3
        kb = self.path / "govkb.sqlite"
        if not kb.is_file():
            return {}
        db = sqlite3.connect(f"file:{kb}?mode=ro", uri=True)
        try:
            docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
            provs = db.execute("SELECT count(*) FROM provisions").fetchone()[0]
            run = db.execute("SELECT finished_at FROM runs WHERE id=?", (self.id,)).fetchone()
        finally:
            db.close()
        return {"documents": docs, "provisions": provs, "finished_at": run[0] if run else None}


class Snapshots:
    """The snapshots of one output directory."""

    def __init__(self, out: str | Path):
        self.out = Path(out)
        self.root = self.out / SNAPSHOTS

    def current_id(self) -> str | None:
        """The id of the published snapshot, or None before the first publication."""
        link = self.out / CURRENT
        if not link.is_symlink():
            return None
        return Path(os.readlink(link)).name

    def current_path(self) -> Path | None:
        """The published snapshot's directory, or None."""
        cid = self.current_id()
        return self.root / cid if cid else None

    def list(self) -> list[Snapshot]:
        """Every kept snapshot, newest first."""
        if not self.root.is_dir():
            return []
        cid = self.current_id()
        snaps = [Snapshot(p.name, p, p.name == cid, p.stat().st_mtime,
                          tuple(e for e in ENTRIES if (p / e).exists()))
                 for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")]
        return sorted(snaps, key=lambda s: (s.created, s.id), reverse=True)

    def publish(self, staging: Path, snapshot_id: str, keep: int = DEFAULT_KEEP) -> Path:
        """Move a fully built ``staging`` directory into ``snapshots/<snapshot_id>`` and make
        it current; then drop all but the ``keep`` newest snapshots (never the current one)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._adopt_legacy()
        target = self.root / snapshot_id
        if target.exists():
            raise SnapshotError(f"snapshot {snapshot_id} already exists")
        previous = self.current_path()
        if previous is not None and previous.is_dir():
            share_unchanged(staging, previous)
        staging.rename(target)
        os.utime(target)
        self._switch(snapshot_id)
        self.prune(keep)
        return target

    def restore(self, snapshot_id: str) -> Path:
        """Make an older snapshot current again (the newer ones are kept)."""
        target = self.root / snapshot_id
        if not snapshot_id or "/" in snapshot_id or not target.is_dir():
            known = ", ".join(s.id for s in self.list()) or "none"
            raise SnapshotError(f"no snapshot '{snapshot_id}' in {self.root} (kept: {known})")
        if not (target / "govkb.sqlite").is_file():
            raise SnapshotError(f"snapshot {snapshot_id} has no knowledge base; it cannot be restored")
        self._switch(snapshot_id)
        return target

    def prune(self, keep: int) -> list[str]:
        """Delete all but the ``keep`` newest snapshots, never the current one; return the ids."""
        gone = []
        for s in self.list()[max(keep, 1):]:
            if not s.current:
                shutil.rmtree(s.path)
                gone.append(s.id)
        return gone

    def _switch(self, snapshot_id: str) -> None:
        # Relative links, so the output directory can be moved or cached as a whole.
        tmp = self.out / f".{CURRENT}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(Path(SNAPSHOTS) / snapshot_id)
        tmp.replace(self.out / CURRENT)   # rename(2): atomic
        for name in ENTRIES:
            entry = self.out / name
            if not entry.is_symlink():
                entry.symlink_to(Path(CURRENT) / name)

    def _adopt_legacy(self) -> None:
        """Move a pre-snapshot layout (real files in OUT) into a snapshot of its own, so the
        first snapshot publication loses nothing."""
        legacy = [self.out / n for n in ENTRIES if (self.out / n).exists() and not (self.out / n).is_symlink()]
        if not legacy:
            return
        sid = "legacy-" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        (self.root / sid).mkdir(parents=True)
        for p in legacy:
            p.rename(self.root / sid / p.name)
        self._switch(sid)


class OutputLock:
    """An exclusive lock on an output directory for the length of a build. The kernel drops
    it when the process dies, so a killed run never leaves a stale lock behind."""

    def __init__(self, out: str | Path):
        self.path = Path(out) / ".lock"
        self.fd: int | None = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = json.loads(os.pread(self.fd, 200, 0))
                who = f"pid {holder['pid']}, started {holder['since']}"
            except (ValueError, KeyError, TypeError):
                who = "unknown process"
            os.close(self.fd)
            self.fd = None
            raise OutputLocked(f"another build is running on {self.path.parent} ({who}); "
                                "wait for it to finish") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, json.dumps({"pid": os.getpid(), "since": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}).encode(), 0)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def share_unchanged(new: Path, old: Path) -> int:
    """Replace each file of ``new`` that is byte-identical to the file at the same path in
    ``old`` by a hard link to it, so a snapshot costs only what changed (most site pages and
    exports do not change from one night to the next). Returns the bytes saved."""
    saved = 0
    for f in new.rglob("*"):
        twin = old / f.relative_to(new)
        if (f.is_file() and not f.is_symlink() and twin.is_file() and not twin.is_symlink()
                and f.stat().st_size == twin.stat().st_size and not os.path.samefile(f, twin)
                and _same_bytes(f, twin)):
            tmp = f.with_name(f".{f.name}.link")
            os.link(twin, tmp)
            tmp.replace(f)
            saved += twin.stat().st_size
    return saved


def _same_bytes(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def copy_tree_linked(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` with hard links (published files are never modified in
    place, so sharing their inodes between snapshots is safe and costs no space)."""
    shutil.copytree(src, dst, copy_function=os.link)
