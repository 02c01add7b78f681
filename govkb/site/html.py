"""Small HTML render helpers for the generated site.

Every generated page is Markdown whose body is raw HTML blocks. Scraped text never reaches
the Markdown parser as Markdown: it is HTML-escaped here and emitted inside block-level
tags, which Python-Markdown passes through verbatim, so neither HTML in the source text
nor Markdown link syntax such as ``[x](javascript:...)`` can turn into live markup.
"""
from __future__ import annotations

import html
import posixpath
import re
from urllib.parse import urlsplit

LABELS = ("aligned", "partially aligned", "divergent", "not addressed")
LABEL_CODES = {"aligned": "A", "partially aligned": "P", "divergent": "D", "not addressed": "–"}


def esc(text) -> str:
    """HTML-escape any value (quotes included, so the result is safe in attributes too)."""
    return html.escape("" if text is None else str(text), quote=True)


def text_block(text: str) -> str:
    """Escaped multi-line text; newlines become <br> so no blank line can end the raw
    HTML block early and hand the rest of the text to the Markdown parser."""
    return "<br>\n".join(esc(line) for line in (text or "").split("\n"))


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
    target = posixpath.relpath(path or ".", from_url or ".")
    if not path or path.endswith("/"):
        target = "./" if target == "." else target + "/"
    return target + ("#" + frag if sep else "")


def link(href: str, label: str, cls: str = "", title: str = "") -> str:
    """An <a> element with an escaped label."""
    attrs = f' class="{esc(cls)}"' if cls else ""
    attrs += f' title="{esc(title)}"' if title else ""
    return f'<a href="{esc(href)}"{attrs}>{esc(label)}</a>'


def outbound(url: str, label: str | None = None) -> str:
    """A link to an official source on another host; only http(s) URLs become links."""
    if urlsplit(url or "").scheme not in ("http", "https"):
        return esc(label or url)
    return f'<a class="outbound" href="{esc(url)}" rel="noopener noreferrer">{esc(label or url)}</a>'


def fmt_score(score) -> str:
    """A cell score for display ("n/a" where the cell has none, e.g. not addressed)."""
    return "n/a" if score is None else f"{score:+.2f}"


def shade(score) -> str:
    """The shading class (s0-s4) of a divergence score. Scores are signed (-1 divergent ..
    +1 aligned), so the strength of the finding is the magnitude; a cell without a score
    (not addressed) gets no shading class."""
    if score is None:
        return ""
    return f" s{min(4, int(abs(score) * 5))}"


def badge(label: str | None, score: float | None = None, href: str | None = None) -> str:
    """A divergence label coloured by label and shaded by |score| (CSS classes lbl-*, s0-s4)."""
    if not label:
        return '<span class="lbl lbl-none">no data</span>'
    text = esc(label) + (f" {fmt_score(score)}" if score is not None else "")
    cls = f"lbl lbl-{slug(label)}{shade(score)}"
    if href:
        return f'<a class="{cls}" href="{esc(href)}">{text}</a>'
    return f'<span class="{cls}">{text}</span>'


def table(headers: list[str], rows: list[list[str]], cls: str = "plain") -> str:
    """A table; ``headers`` are escaped, cells are HTML already rendered by the caller."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="{esc(cls)}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'


def shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most ``limit`` characters (plain text, not escaped)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def notice(message: str, cls: str = "notice") -> str:
    """A highlighted paragraph for missing data ("no divergence data yet") and warnings."""
    return f'<p class="{esc(cls)}">{esc(message)}</p>'
