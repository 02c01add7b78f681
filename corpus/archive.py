"""The raw archive: every fetched file's bytes, content-addressed, with the provenance of
each fetch. Append-only, so any past build can be replayed byte for byte.

Layout under ``OUT/raw/``: ``objects/ab/abcdef...`` (the bytes, named by sha256) and
``fetches.jsonl`` (one JSON record per fetch, newest last).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class FetchRecord:
    """Provenance of one retrieval of one document."""

    doc_id: str
    url: str                 # the publisher's URL the document stands for
    transport: str           # "live" or "mirror"
    retrieved_at: str        # ISO 8601 UTC
    sha256: str
    bytes: int
    source_kind: str         # original, original-draft, conversion, translation
    status: int = 200
    final_url: str = ""
    headers: dict = field(default_factory=dict)
    mirror_file: str = ""    # mirror transport: the MANIFEST file and where it was obtained
    mirror_obtained_from: str = ""
    mirror_note: str = ""
    version: str = ""        # which version of the document ("" the original; consolidated-<date>)

    @property
    def etag(self) -> str | None:
        """The ETag the publisher sent, for the next conditional request."""
        return _header(self.headers, "etag")

    @property
    def last_modified(self) -> str | None:
        """The Last-Modified the publisher sent."""
        return _header(self.headers, "last-modified")


def _header(headers: dict, name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None


class RawArchive:
    """Content-addressed store of raw bytes plus a log of fetches."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.log = self.root / "fetches.jsonl"

    def put(self, data: bytes) -> str:
        """Store ``data`` (once) and return its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self.path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        return digest

    def path(self, digest: str) -> Path:
        """Where the object with this sha256 lives."""
        return self.objects / digest[:2] / digest

    def get(self, digest: str) -> bytes:
        """The bytes stored under ``digest``, verified."""
        data = self.path(digest).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"raw archive object {digest} is corrupt")
        return data

    def record(self, rec: FetchRecord) -> None:
        """Append a fetch record to the log."""
        self.root.mkdir(parents=True, exist_ok=True)
        with self.log.open("a", encoding="utf-8") as f:
            f.write(json.dumps(asdict(rec), ensure_ascii=False, sort_keys=True) + "\n")

    def last_fetch(self, doc_id: str, version: str = "") -> FetchRecord | None:
        """The newest successful fetch record of ``doc_id`` (of that ``version``: "" the
        original) whose bytes are still here."""
        if not self.log.exists():
            return None
        last = None
        with self.log.open(encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if (rec["doc_id"] == doc_id and rec.get("version", "") == version and rec["sha256"]
                        and self.path(rec["sha256"]).exists()):
                    last = rec
        return FetchRecord(**last) if last else None


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so readers see either the old or the new content, never a mix."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)   # published files are read by web servers and other users
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
