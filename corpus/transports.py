"""Two ways to get a document's bytes, behind one interface: the live web (through the
polite session) and a local mirror directory. Both record the same provenance in the
raw archive, so everything after this step cannot tell them apart except by reading
``transport`` in the record.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from corpus.archive import FetchRecord, RawArchive
from corpus.mirror import Mirror
from corpus.sources.base import Consolidation, Source
from corpus.status import fmt_date

# What the live fetcher asks Cellar for: the XHTML manifestation, in English (Cellar names
# languages by their ISO 639-2 codes).
CELLAR_HEADERS = {"Accept": "application/xhtml+xml, text/html;q=0.9", "Accept-Language": "eng"}


def utc_now() -> str:
    """Current UTC time, ISO 8601 to the second."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@dataclass
class Fetched:
    """A document's bytes, where they came from, and the parser that reads them."""

    data: bytes
    record: FetchRecord
    parser: str


class Unavailable(Exception):
    """The transport cannot supply this document now (not in the mirror, fetch failed)."""

    def __init__(self, doc_id: str, message: str, *, missing: bool = False, reason: str = ""):
        super().__init__(f"{doc_id}: {message}")
        self.doc_id = doc_id
        self.missing = missing   # the mirror simply lacks it: a notice, not an error
        self.reason = reason     # FetchError.reason for live failures ("unreachable", ...)


class MirrorTransport:
    """Serves documents from a directory laid out like ../shared/corpus-mirror."""

    name = "mirror"

    def __init__(self, mirror: Mirror, archive: RawArchive):
        self.mirror = mirror
        self.archive = archive

    def fetch(self, source: Source) -> Fetched:
        """Read the mirror file for ``source`` and archive it."""
        row = self.mirror.find(source.mirror)
        if row is None:
            raise Unavailable(source.id, f"the mirror has no {source.mirror.format} file for "
                                         f"doc '{source.mirror.doc}'; skipped", missing=True)
        data = self.mirror.read(row)
        digest = self.archive.put(data)
        rec = FetchRecord(doc_id=source.id, url=row.url or source.urls[0], transport="mirror",
                          retrieved_at=utc_now(), sha256=digest, bytes=len(data),
                          source_kind=row.kind, mirror_file=row.file,
                          mirror_obtained_from=row.obtained_from, mirror_note=row.note)
        self.archive.record(rec)
        return Fetched(data, rec, source.parser)

    def fetch_consolidated(self, source: Source, cons: Consolidation) -> Fetched:
        """The mirror holds no consolidated texts yet: a notice, and the original is built."""
        raise Unavailable(source.id, f"the mirror holds no consolidated version (CELEX {cons.celex}, "
                                     f"{fmt_date(cons.date)}); the original text is built and says so - a "
                                     "live run fetches the consolidated text from EUR-Lex", missing=True)


class LiveTransport:
    """Fetches from the publisher with the polite session; conditional on the last fetch,
    so an unchanged document costs a 304 and is replayed from the archive."""

    name = "live"

    def __init__(self, archive: RawArchive, session=None):
        from corpus.fetch import PoliteSession
        self.archive = archive
        self.session = session or PoliteSession()

    def fetch(self, source: Source) -> Fetched:
        """Fetch ``source.urls[0]`` (conditionally) and archive the bytes."""
        if source.live_parser is None:
            raise Unavailable(source.id, f"no parser reads what {source.urls[0]} serves yet (the "
                                         "mirror holds a conversion or translation); skipped in live "
                                         "runs - build with --mirror to include it", missing=True)
        return self._get(source, source.urls[0], source.live_parser or source.parser,
                         expect=source.content_type or None, kind=source.live_kind)

    def fetch_consolidated(self, source: Source, cons: Consolidation) -> Fetched:
        """Ask the Publications Office's Cellar for the consolidated version (its CELEX
        under ``cons.cellar``, XHTML in English; Cellar answers with a redirect to the
        manifestation, which is followed) and archive the bytes."""
        return self._get(source, cons.fetch_url, cons.parser, expect="html", kind="original",
                         version=cons.version_id, headers=CELLAR_HEADERS)

    def _get(self, source: Source, url: str, parser: str, *, expect: str | None, kind: str,
             version: str = "", headers: dict | None = None) -> Fetched:
        from corpus.fetch import FetchError
        prev = self.archive.last_fetch(source.id, version)
        if prev is not None and prev.transport != "live":
            prev = None
        try:
            res = self.session.get(url, etag=prev.etag if prev else None,
                                   last_modified=prev.last_modified if prev else None,
                                   expect=expect, headers=headers)
        except FetchError as e:
            raise Unavailable(source.id, str(e), reason=e.reason) from None
        headers = dict(res.headers)
        if res.not_modified and prev is not None:
            data = self.archive.get(prev.sha256)
            # a 304 may omit validators: keep the last ones for the next conditional request
            headers = {**prev.headers, **headers}
        else:
            data = res.body
        digest = self.archive.put(data)
        rec = FetchRecord(doc_id=source.id, url=url, transport="live",
                          retrieved_at=res.retrieved_at, sha256=digest, bytes=len(data),
                          source_kind=kind, status=res.status,
                          final_url=res.final_url, headers=headers, version=version)
        self.archive.record(rec)
        return Fetched(data, rec, parser)
