"""The local mirror: a directory laid out like ``../shared/corpus-mirror`` with a
``MANIFEST.tsv`` that maps each document (and its live URL) to a file.

The mirror stands in for the publishers' sites on machines without internet. Rows are
read, never assumed: new files may appear at any time.
"""
from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from corpus.sources.base import MirrorRef

MANIFEST_COLUMNS = ("doc", "source", "title", "url", "format", "kind", "lang", "sha256",
                    "bytes", "file", "note", "obtained_from")


class MirrorError(RuntimeError):
    """The mirror directory or one of its files is unusable (missing, altered, malformed)."""


@dataclass(frozen=True)
class MirrorRow:
    """One MANIFEST.tsv row."""

    doc: str
    source: str
    title: str
    url: str
    format: str
    kind: str
    lang: str
    sha256: str
    bytes: int
    file: str
    note: str
    obtained_from: str


class Mirror:
    """A mirror directory and its manifest."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        manifest = self.root / "MANIFEST.tsv"
        if not manifest.is_file():
            raise MirrorError(f"{self.root}: no MANIFEST.tsv here; --mirror must name a directory "
                              "laid out like ../shared/corpus-mirror")
        with manifest.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_MINIMAL)
            missing = set(MANIFEST_COLUMNS[:10]) - set(reader.fieldnames or ())
            if missing:
                raise MirrorError(f"{manifest}: missing columns {', '.join(sorted(missing))}")
            self.rows = [MirrorRow(**{c: (r.get(c) or "") for c in MANIFEST_COLUMNS[:8]},
                                   bytes=int(r.get("bytes") or 0),
                                   **{c: (r.get(c) or "") for c in MANIFEST_COLUMNS[9:]})
                         for r in reader]

    def find(self, ref: MirrorRef) -> MirrorRow | None:
        """The row for ``ref``, or None when the mirror lacks that document."""
        hits = [r for r in self.rows if r.doc == ref.doc and r.format == ref.format
                and r.lang == ref.lang and (ref.kind is None or r.kind == ref.kind)]
        if len(hits) > 1:
            raise MirrorError(f"mirror rows for {ref} are ambiguous: {[h.file for h in hits]}; "
                              "set MirrorRef.kind or lang in the registry")
        return hits[0] if hits else None

    def read(self, row: MirrorRow) -> bytes:
        """The file's bytes, checked against the manifest's sha256."""
        path = (self.root / row.file).resolve()
        if self.root.resolve() not in path.parents:
            raise MirrorError(f"manifest path {row.file!r} points outside the mirror")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise MirrorError(f"{row.doc}: cannot read mirror file {row.file}: {e}") from None
        digest = hashlib.sha256(data).hexdigest()
        if row.sha256 and digest != row.sha256:
            raise MirrorError(f"{row.doc}: {row.file} has sha256 {digest[:12]}..., the manifest "
                              f"says {row.sha256[:12]}...; the mirror copy was altered or truncated")
        return data
