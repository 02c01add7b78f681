"""The templates' environment: Jinja2 with autoescape on, and the functions templates may call.

Every generated page is Markdown whose body is one raw HTML block rendered from a template
in ``templates/``. Jinja escapes every value a template prints (quotes included, so values
are safe in attributes too); the only values it prints as they are, are ``Markup``: the
output of the templates' own macros (built from escaped parts) and ``tojson`` (JSON made safe
for a <script> element). Python-Markdown passes raw HTML blocks through verbatim, so neither
HTML in the source texts nor Markdown link syntax such as ``[x](javascript:...)`` can turn
into live markup. The helpers registered here return plain text, which is escaped too.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from urllib.parse import quote_plus

import jinja2

from govkb.site import html
from govkb.site.data import Site, align_url, doc_url, family_name, part_label, theme_url
from govkb.site.links import TOP_CANDIDATES, TOP_EXPLAINS, reviewed

TEMPLATES = Path(__file__).with_name("templates")


def modality(note: dict | None) -> str:
    """A provision's modality for display; "" when it has none (the classifier's "none"
    means the provision states no duty or permission, which needs no tag)."""
    m = (note or {}).get("modality") or ""
    return "" if m == "none" else m


def coverage_text(cell: dict) -> str:
    """How much of the instrument bears on the theme, in words."""
    cov = cell.get("coverage") or {}
    if not isinstance(cov, dict):
        return f"coverage {cov}"
    return (f"{cov.get('provisions', 0)} provision(s) on the theme, "
            f"mean theme score {cov.get('mean_theme_score', 0):.2f}")


def binding_text(cell: dict) -> str:
    """How binding the instrument's provisions on the theme are, in words."""
    b = cell.get("binding") or {}
    if not isinstance(b, dict):
        return "binding" if b else "non-binding"
    kind = {True: "binding instrument", False: "non-binding instrument"}.get(b.get("instrument_binding"), "mixed")
    return f"{kind}; {b.get('binding_provisions', 0)} provision(s) with binding force"


def review_verdict(review: dict) -> str:
    """A review's verdict in words (a theme review's verdict is a list of themes)."""
    v = review["verdict"]
    return ", ".join(v) or "no theme" if isinstance(v, list) else str(v)


def review_title(review: dict) -> str:
    """A review in one line, for a tooltip (the reason is free text: it goes in the page, not
    in an attribute)."""
    return (f"reviewed: {review_verdict(review)} ({review['reviewer']}, {review['date']}"
            + (f"; out of date since {review['stale_since']}" if review["status"] == "stale" else "") + ")")


# The query of a "suggest a correction" link, around the item named twice (quoted once: the
# site has ~28,000 such links, and percent-encoding is per character, so parts concatenate).
CORRECTION_QUERY = ("title=" + quote_plus("Correction: ") + "{0}&body=" + quote_plus("Item: ") + "{0}"
                    + quote_plus("\n\nWhat is wrong, and which clause shows it:\n"))


def correction_url(repo: str, subject: str) -> str:
    """The tracker URL that opens an issue about ``subject`` ("" without a repository)."""
    return f"{repo}/issues/new?" + CORRECTION_QUERY.format(quote_plus(subject)) if repo else ""


def pagefind_filters(**values) -> list[tuple[str, str]]:
    """(filter, value) pairs for Pagefind's hidden filter elements, sorted; a filter may have
    several values on one page, and empty values are left out."""
    return [(name, v) for name, vals in values.items()
            for v in sorted({v for v in (vals if isinstance(vals, (list, set, tuple)) else [vals]) if v})]


@jinja2.pass_context
def href(context, url: str) -> str:
    """``url`` (a site path) relative to the page being rendered (the template's ``here``)."""
    return html.rel(context["here"], url)


@functools.cache
def environment() -> jinja2.Environment:
    """The one template environment (templates compile once per process)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, auto_reload=False,
                             keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             # A missing value prints as nothing, not "None".
                             finalize=lambda value: "" if value is None else value)
    # tojson writes the deep-link map of split instruments: compact, in insertion order.
    env.policies["json.dumps_kwargs"] = {"separators": (",", ":")}
    env.globals.update(
        href=href, anchor=html.anchor, slug=html.slug, shorten=html.shorten, is_web=html.is_web,
        fmt_score=html.fmt_score, fmt_conf=html.fmt_conf, shade=html.shade, LABELS=html.LABELS,
        LABEL_CODES=html.LABEL_CODES, doc_url=doc_url, align_url=align_url, theme_url=theme_url,
        family_name=family_name, part_label=part_label, zip=zip, modality=modality,
        coverage_text=coverage_text, binding_text=binding_text, reviewed=reviewed,
        review_verdict=review_verdict, review_title=review_title, correction_url=correction_url,
        pagefind_filters=pagefind_filters, TOP_CANDIDATES=TOP_CANDIDATES, TOP_EXPLAINS=TOP_EXPLAINS)
    return env


def front_matter(title: str) -> str:
    """A generated page's YAML front matter. The theme prints the title in the page's <title>
    and header without escaping it, so angle brackets are dropped; the table of contents is
    hidden because headings inside raw HTML never reach it, and an empty right-hand column
    would only take width from matrices and tables."""
    return f"---\ntitle: {json.dumps(title.replace('<', '').replace('>', ''))}\nhide:\n- toc\n---\n\n"


def render(site: Site, template: str, here: str, **context) -> str:
    """The HTML of ``template`` for the page at directory URL ``here`` ("" is the home page)."""
    return environment().get_template(template).render(site=site, here=here, **context)


def page(site: Site, template: str, here: str, title: str, **context) -> str:
    """A generated Markdown page: front matter with ``title``, then the template's HTML (which
    may print ``title`` too)."""
    return front_matter(title) + render(site, template, here, title=title, **context)


def macros(site: Site | None, here: str, template: str = "macros.html", **context):
    """A template's macros, callable from Python, for the page at ``here`` (the alignment
    pages measure their blocks this way before the pages exist)."""
    return environment().get_template(template).make_module({"site": site, "here": here, **context})
