"""Where an instrument stands in law, said the same way everywhere it is shown.

The registry records each instrument's ``Status`` (``corpus/sources/base.py``); the build
stores it with the document (``documents.status``, JSON) beside the versions of the text
the document holds (``documents.versions``, oldest first: the last is the version the
document stands at). Everything that shows a provision - the exports, ``govkb show`` /
``search`` / ``align``, the API, the divergence data, the site - words it with the
functions here, so one sentence means one thing wherever counsel read it.

``doc`` is a document as the knowledge base or the exports hold it: a dict with ``date``,
``status`` and ``versions`` (JSON text or already parsed). A document built without a
status (a hand-made knowledge base) has none: the functions then say nothing.
"""
from __future__ import annotations

import json
from datetime import date

# Statuses under which the text in the corpus is not the law as it stands.
NOT_CURRENT = ("superseded", "revoked")


def _parsed(value, empty):
    if value in (None, ""):
        return empty
    return json.loads(value) if isinstance(value, str) else value


def status_of(doc: dict) -> dict:
    """The document's status as a dict (``{}`` when none was recorded)."""
    return _parsed(doc.get("status"), {})


def versions_of(doc: dict) -> list[dict]:
    """The versions whose text the document holds, oldest first (``[]`` when not recorded)."""
    return _parsed(doc.get("versions"), [])


def held_version(doc: dict) -> dict | None:
    """The version the document stands at: the latest one it holds."""
    v = versions_of(doc)
    return v[-1] if v else None


def fmt_date(iso: str) -> str:
    """An ISO date as counsel write it: "27 July 2026"."""
    try:
        d = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso or "")
    return f"{d.day} {d.strftime('%B')} {d.year}"


def is_current(doc: dict) -> bool | None:
    """Whether the text the document holds is the instrument in its current form (None when
    no status was recorded). A revoked or superseded text is not; an amended one is only
    when the document holds a consolidated version that works in every recorded amendment."""
    st = status_of(doc)
    if not st:
        return None
    if st["status"] in NOT_CURRENT:
        return False
    if st["status"] == "in force as amended":
        held = held_version(doc) or {}
        latest = max((a["date"] for a in st.get("amended_by") or ()), default="")
        return held.get("id", "").startswith("consolidated-") and held.get("date", "") >= latest
    return True


def _acts(acts: list[dict]) -> str:
    return " and ".join(f"{a['citation']} (in force {fmt_date(a['date'])})" for a in acts)


def status_parts(doc: dict) -> tuple[str, str, str]:
    """The status line in parts, for a page that makes the URL a link: (sentence, what the
    URL is - "consolidated text" or "current text" - and the URL), the last two "" when the
    line names no URL; ("", "", "") when no status was recorded."""
    st = status_of(doc)
    if not st:
        return "", "", ""
    s, year = st["status"], str(doc.get("date") or "")[:4]
    held = held_version(doc) or {}
    cons = st.get("consolidated") or None
    held_cons = held.get("id", "").startswith("consolidated-")
    this = (f"the consolidated text of {fmt_date(held.get('date'))}" + (f" (CELEX {held['celex']})" if held.get("celex") else "")
            if held_cons else f"the original {year} text")
    if s == "in force as amended":
        if is_current(doc):
            return f"In force as amended by {_acts(st['amended_by'])}; this is {this}", "", ""
        return (f"Amended by {_acts(st['amended_by'])}; this is {this}",
                *(("consolidated text", cons["url"]) if cons else ("", "")))
    if s == "revoked":
        a = st["revoked_by"]
        return f"Revoked on {fmt_date(a['date'])} by {a['citation']}; this text is no longer in force", "", ""
    if s == "superseded":
        a = st["superseded_by"]
        return f"Superseded on {fmt_date(a['date'])} by {a['citation']}; this is the {year} text", "current text", a["url"]
    if s == "not yet applicable":
        return ("Not yet applicable" + (f": applies from {fmt_date(st['applies_from'])}" if st.get("applies_from")
                                        else " (not in force when last checked)"), "", "")
    if s == "draft":
        return "Draft: not the adopted text", "", ""
    if s == "in force" and cons and not held_cons:
        return f"In force; this is {this}", "consolidated text", cons["url"]
    return s[0].upper() + s[1:], "", ""


def status_line(doc: dict) -> str:
    """One line saying where the instrument stands and what the text in the corpus is, e.g.
    "Amended by Regulation (EU) 2026/1744 (in force 27 July 2026); this is the original 2024
    text; consolidated text: https://eur-lex.europa.eu/..." ("" when no status was recorded)."""
    sentence, what, url = status_parts(doc)
    return f"{sentence}; {what}: {url}" if url else sentence


def summary(doc: dict) -> dict | None:
    """What travels with every provision: ``status``, ``current``, the ``line`` and the date
    the status was ``checked`` (None when no status was recorded)."""
    st = status_of(doc)
    if not st:
        return None
    return {"status": st["status"], "current": is_current(doc), "line": status_line(doc), "checked": st["checked"]}


def mark_cells(divergence: dict | None, docs: dict[str, dict]) -> dict | None:
    """The divergence data with each instrument row marked: document cells get
    ``instrument_current`` and ``instrument_status`` (plus the ``status_line`` where the
    text is not current), family cells ``instruments_not_current`` (ids). Instruments
    without a recorded status are left unmarked. Returns a new dict."""
    if not divergence:
        return divergence
    marks = {i: summary(d) for i, d in docs.items()}
    by_family: dict[str, list[str]] = {}
    for i, d in docs.items():
        if marks[i] is not None and not marks[i]["current"]:
            by_family.setdefault(d.get("family", ""), []).append(i)
    known_families = {d.get("family", "") for i, d in docs.items() if marks[i] is not None}
    cells = []
    for c in divergence.get("cells") or ():
        m = marks.get(c.get("instrument")) if c.get("level") == "document" else None
        if m is not None:
            c = {**c, "instrument_current": m["current"], "instrument_status": m["status"]}
            if not m["current"]:
                c["status_line"] = m["line"]
        elif c.get("level") == "family" and c.get("instrument") in known_families:
            c = {**c, "instruments_not_current": sorted(by_family.get(c["instrument"], []))}
        cells.append(c)
    return {**divergence, "cells": cells}
