"""Plain-text helpers for the pages' markup: element ids, relative URLs, CSS class parts and
formatted numbers. They return text, never markup: the templates escape what they return
like any other value (see ``govkb.site.render``).
"""
from __future__ import annotations

import functools
import posixpath
import re
from urllib.parse import urlsplit

LABELS = ("aligned", "partially aligned", "divergent", "not addressed")
LABEL_CODES = {"aligned": "A", "partially aligned": "P", "divergent": "D", "not addressed": "–"}


def anchor(prov_id: str) -> str:
    """The element id of a provision: its id with "/" replaced by "-" (the fixed interface)."""
    return prov_id.replace("/", "-")


def slug(value: str) -> str:
    """A lower-case id fragment for anything that is not a provision id (labels, families)."""
    return re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-") or "x"


def rel(from_url: str, to_url: str) -> str:
    """Relative link from the page at directory URL ``from_url`` ("" is the root, others end
    with "/") to ``to_url`` (a directory URL or a file path, with an optional #fragment)."""
    path, sep, frag = to_url.partition("#")
    if path == from_url and sep:
        return "#" + frag
    return _rel_path(from_url, path) + ("#" + frag if sep else "")


# A site has a few hundred pages but links them from ~70,000 places: the path part repeats.
@functools.lru_cache(maxsize=1 << 16)
def _rel_path(from_url: str, path: str) -> str:
    target = posixpath.relpath(path or ".", from_url or ".")
    if not path or path.endswith("/"):
        target = "./" if target == "." else target + "/"
    return target


def is_web(url: str | None) -> bool:
    """Whether ``url`` is an http(s) URL (only those become outbound links)."""
    return urlsplit(url or "").scheme in ("http", "https")


def fmt_score(score) -> str:
    """A cell score for display ("n/a" where the cell has none, e.g. not addressed)."""
    return "n/a" if score is None else f"{score:+.2f}"


def fmt_conf(score) -> str:
    """A link's calibrated confidence; many candidates (those inside a publisher family) are
    far below 0.01, where two decimals would print a misleading 0.00."""
    return "<0.01" if score < 0.005 else f"{score:.2f}"


def shade(score) -> str:
    """The shading class (s0-s4) of a divergence score. Scores are signed (-1 divergent ..
    +1 aligned), so the strength of the finding is the magnitude; a cell without a score
    (not addressed) gets no shading class."""
    if score is None:
        return ""
    return f" s{min(4, int(abs(score) * 5))}"


def shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most ``limit`` characters (plain text, not escaped)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
