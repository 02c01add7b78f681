"""us_whitehouse sources: executive orders, the AI Action Plan and releases of the
White House / Executive Office of the President (see corpus/sources/base.py for the fields).

Executive-order numbers are not printed on whitehouse.gov pages: the Federal Register
assigns them, so the number, the FR citation and the signing date live here. Orders
bind the executive branch ("federal executive departments and agencies"); each ends
by saying it creates no right enforceable against the United States, so they do not
directly bind private parties.
"""
from corpus.sources.base import Act, MirrorRef, Source, Status, USRelation

_EOP = "The White House (Executive Office of the President)"
_BINDS_EO = ("federal executive departments and agencies (an executive order binds the executive "
             "branch; it does not directly bind private parties)")
_MD_NOTE = ("Mirror copy is a markdown conversion of the whitehouse.gov page (wh-briefings scraper, "
            "YAML front matter) parsed with whitehouse_md; a live fetch returns the WordPress HTML, "
            "which whitehouse_html reads with the same structural rules.")


_CHECKED = "2026-12-05"
_EO_14148 = Act("Executive Order 14148 (Initial Rescissions of Harmful Executive Orders and Actions), Sec. 2",
                "2025-01-20",
                "https://www.whitehouse.gov/presidential-actions/2025/01/"
                "initial-rescissions-of-harmful-executive-orders-and-actions/")


def _in_force(source: str) -> Status:
    """An executive order stays in force until an order revokes it; none is recorded for these."""
    return Status(status="in force", checked=_CHECKED, source=source,
                  note="No revoking or amending order recorded.")


def _author(date: str, citation: str) -> tuple[USRelation, ...]:
    return (USRelation("author", date, "Issued by the President / Executive Office of the President",
                       citation),)


SOURCES: list[Source] = [
    Source(
        id="us-eo-14110",
        title="Executive Order 14110 of October 30, 2023: Safe, Secure, and Trustworthy Development and "
              "Use of Artificial Intelligence",
        short_title="EO 14110 (revoked)",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2023-10-30",
        version="as signed 30 Oct 2023 (88 FR 75191, 1 Nov 2023); revoked 20 Jan 2025 by EO 14148",
        binding=False,
        binds="no one since its revocation on 20 Jan 2025; while in force, " + _BINDS_EO,
        urls=("https://bidenwhitehouse.archives.gov/briefing-room/presidential-actions/2023/10/30/"
              "executive-order-on-the-safe-secure-and-trustworthy-development-and-use-of-artificial-intelligence/",),
        mirror=MirrorRef(doc="eo-14110", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 29, "subsection": 129, "point": 187, "subpoint": 85,
                  "item": 4, "paragraph": 1, "signature": 1},
        content_type="html",
        us_relation=_author("2023-10-30", "88 FR 75191") + (
            USRelation("revoked", "2025-01-20", "Revoked by Executive Order 14148 (Initial Rescissions of "
                       "Harmful Executive Orders and Actions)",
                       "https://www.whitehouse.gov/presidential-actions/2025/01/"
                       "initial-rescissions-of-harmful-executive-orders-and-actions/"),),
        status=Status(status="revoked", checked=_CHECKED, source=_EO_14148.url, revoked_by=_EO_14148,
                      note="Kept for context: the text as signed, no longer in force."),
        notes="Kept for context: revoked 20 Jan 2025 by EO 14148, so binding=False. Decimal "
              "subsections (4.1 ... 10.2) are sections with ids sec-4.1 etc. (parent sec-4); the flush "
              "text closing Sec. 3(k) is a paragraph (sec-3/k/par-1). The MANIFEST url (whitehouse.gov "
              "briefing-room) no longer serves the order; the archive URL is listed. " + _MD_NOTE,
    ),
    Source(
        id="us-eo-14179",
        title="Executive Order 14179 of January 23, 2025: Removing Barriers to American Leadership in "
              "Artificial Intelligence",
        short_title="EO 14179",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-01-23",
        version="as signed 23 Jan 2025 (90 FR 8741, 31 Jan 2025); whitehouse.gov page",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/01/"
              "removing-barriers-to-american-leadership-in-artificial-intelligence/",),
        mirror=MirrorRef(doc="eo-14179", format="html", kind="original"),
        parser="whitehouse_html",
        expected={"preamble": 1, "section": 6, "subsection": 6, "point": 2, "signature": 1},
        content_type="html",
        us_relation=_author("2025-01-23", "90 FR 8741"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/01/"
                         "removing-barriers-to-american-leadership-in-artificial-intelligence/"),
        notes="The whitehouse.gov page prints no 'DONALD J. TRUMP' line: its signature block is "
              "'THE WHITE HOUSE, January 23, 2025.' Sub-items are separated by <br> inside one <p>.",
    ),
    Source(
        id="us-eo-14318",
        title="Executive Order 14318 of July 23, 2025: Accelerating Federal Permitting of Data Center "
              "Infrastructure",
        short_title="EO 14318",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-07-23",
        version="as signed 23 Jul 2025 (90 FR 35385, 28 Jul 2025); whitehouse.gov page text",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/07/"
              "accelerating-federal-permitting-of-data-center-infrastructure/",),
        mirror=MirrorRef(doc="eo-14318", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 10, "subsection": 22, "point": 11, "signature": 1},
        content_type="html",
        us_relation=_author("2025-07-23", "90 FR 35385"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/07/"
                         "accelerating-federal-permitting-of-data-center-infrastructure/"),
        notes=_MD_NOTE,
    ),
    Source(
        id="us-eo-14319",
        title="Executive Order 14319 of July 23, 2025: Preventing Woke AI in the Federal Government",
        short_title="EO 14319",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-07-23",
        version="as signed 23 Jul 2025 (90 FR 35389, 28 Jul 2025); whitehouse.gov page",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/07/preventing-woke-ai-in-the-federal-government/",),
        mirror=MirrorRef(doc="eo-14319", format="html", kind="original"),
        parser="whitehouse_html",
        expected={"preamble": 1, "section": 5, "subsection": 12, "point": 10, "signature": 1},
        content_type="html",
        us_relation=_author("2025-07-23", "90 FR 35389"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/07/"
                         "preventing-woke-ai-in-the-federal-government/"),
        notes="Sec. 2(b) is split over two <p> elements on the page; the parser joins the broken sentence.",
    ),
    Source(
        id="us-eo-14320",
        title="Executive Order 14320 of July 23, 2025: Promoting the Export of the American AI Technology Stack",
        short_title="EO 14320",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-07-23",
        version="as signed 23 Jul 2025 (90 FR 35393, 28 Jul 2025); whitehouse.gov page text",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/07/"
              "promoting-the-export-of-the-american-ai-technology-stack/",),
        mirror=MirrorRef(doc="eo-14320", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 5, "subsection": 12, "point": 13, "subpoint": 5, "signature": 1},
        content_type="html",
        us_relation=_author("2025-07-23", "90 FR 35393"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/07/"
                         "promoting-the-export-of-the-american-ai-technology-stack/"),
        notes=_MD_NOTE,
    ),
    Source(
        id="us-eo-2025-11-24-genesis-mission",
        title="Executive Order of November 24, 2025: Launching the Genesis Mission",
        short_title="EO Genesis Mission",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-11-24",
        version="as signed 24 Nov 2025; whitehouse.gov page text (EO number not recorded here)",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/11/launching-the-genesis-mission/",),
        mirror=MirrorRef(doc="eo-genesis-mission-2025-11", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 7, "subsection": 22, "point": 31, "signature": 1},
        content_type="html",
        us_relation=_author("2025-11-24", "https://www.whitehouse.gov/presidential-actions/2025/11/"
                                          "launching-the-genesis-mission/"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/11/launching-the-genesis-mission/"),
        notes="Federal Register number and citation not verified, so the id uses the signing date. " + _MD_NOTE,
    ),
    Source(
        id="us-eo-2025-12-11-national-ai-policy",
        title="Executive Order 14365 of December 11, 2025: Ensuring a National Policy Framework for "
              "Artificial Intelligence",
        short_title="EO 14365",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2025-12-11",
        version="as signed 11 Dec 2025; whitehouse.gov page text",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2025/12/"
              "eliminating-state-law-obstruction-of-national-artificial-intelligence-policy/",),
        mirror=MirrorRef(doc="eo-national-ai-policy-framework-2025-12", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 9, "subsection": 8, "point": 6, "signature": 1},
        content_type="html",
        us_relation=_author("2025-12-11", "https://www.whitehouse.gov/presidential-actions/2025/12/"
                                          "eliminating-state-law-obstruction-of-national-artificial-intelligence-policy/"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2025/12/"
                         "eliminating-state-law-obstruction-of-national-artificial-intelligence-policy/"),
        notes="The page URL slug ('eliminating state law obstruction ...') differs from the order's "
              "title. The Federal Register numbered it Executive Order 14365 (the whitehouse.gov page "
              "prints no number; its FR page citation is not recorded here); the id keeps the signing "
              "date, so ids and reviews stay stable. " + _MD_NOTE,
    ),
    Source(
        id="us-eo-2026-06-02-advanced-ai",
        title="Executive Order of June 2, 2026: Promoting Advanced Artificial Intelligence Innovation "
              "and Security",
        short_title="EO Advanced AI Innovation and Security",
        publisher=_EOP, family="us", instrument_type="executive order",
        date_adopted="2026-06-02",
        version="as signed 2 Jun 2026; whitehouse.gov page text (EO number not recorded here)",
        binding=True, binds=_BINDS_EO,
        urls=("https://www.whitehouse.gov/presidential-actions/2026/06/"
              "promoting-advanced-artificial-intelligence-innovation-and-security/",),
        mirror=MirrorRef(doc="eo-2026-06-02-advanced-ai-innovation-security", format="markdown",
                         kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"preamble": 1, "section": 5, "subsection": 13, "point": 8, "signature": 1},
        content_type="html",
        us_relation=_author("2026-06-02", "https://www.whitehouse.gov/presidential-actions/2026/06/"
                                          "promoting-advanced-artificial-intelligence-innovation-and-security/"),
        status=_in_force("https://www.whitehouse.gov/presidential-actions/2026/06/"
                         "promoting-advanced-artificial-intelligence-innovation-and-security/"),
        notes="Federal Register number not verified. " + _MD_NOTE,
    ),
    Source(
        id="us-national-ai-legislative-framework-2026",
        title="President Donald J. Trump Unveils National AI Legislative Framework (White House release, "
              "20 March 2026)",
        short_title="National AI Legislative Framework (release)",
        publisher=_EOP, family="us", instrument_type="policy",
        date_adopted="2026-03-20",
        version="whitehouse.gov release of 20 Mar 2026 (the release text only, not the framework PDF it links)",
        binding=False,
        binds="no one (a release announcing legislative recommendations to Congress)",
        urls=("https://www.whitehouse.gov/releases/2026/03/"
              "president-donald-j-trump-unveils-national-ai-legislative-framework/",),
        mirror=MirrorRef(doc="national-ai-legislative-framework-2026-03", format="markdown", kind="conversion"),
        parser="whitehouse_md", live_parser="whitehouse_html",  # the live page is HTML
        expected={"paragraph": 5, "item": 6},
        content_type="html",
        us_relation=_author("2026-03-20", "https://www.whitehouse.gov/releases/2026/03/"
                                          "president-donald-j-trump-unveils-national-ai-legislative-framework/"),
        status=Status(status="non-binding", checked=_CHECKED,
                      source="https://www.whitehouse.gov/releases/2026/03/"
                             "president-donald-j-trump-unveils-national-ai-legislative-framework/",
                      note="A release announcing legislative recommendations to Congress; no Act of "
                           "Congress recorded."),
        notes="No printed numbering besides the six objectives: paragraphs are numbered in order "
              "(par-N) and the objectives are items 1-6 of paragraph 3 (par-3/item-N). " + _MD_NOTE,
    ),
    Source(
        id="us-ai-action-plan",
        title="Winning the Race: America's AI Action Plan",
        short_title="AI Action Plan",
        publisher=_EOP, family="us", instrument_type="policy",
        date_adopted="2025-07-23",
        version="official PDF dated July 2025, 28 pages (released 23 Jul 2025)",
        binding=False,
        binds="no one (a policy statement; its recommended actions are carried out through executive "
              "orders and agency action)",
        urls=("https://www.whitehouse.gov/wp-content/uploads/2025/07/Americas-AI-Action-Plan.pdf",),
        mirror=MirrorRef(doc="ai-action-plan-2025", format="pdf", kind="original"),
        parser="us_action_plan_pdf",
        expected={"pillar": 3, "heading": 31, "paragraph": 48, "policy-action": 103, "footnote": 30,
                  "signature": 1},
        content_type="pdf",
        us_relation=_author("2025-07-23", "https://www.whitehouse.gov/wp-content/uploads/2025/07/"
                                          "Americas-AI-Action-Plan.pdf"),
        status=Status(status="non-binding", checked=_CHECKED,
                      source="https://www.whitehouse.gov/wp-content/uploads/2025/07/Americas-AI-Action-Plan.pdf",
                      note="A policy statement; no revised plan recorded."),
        notes="Headings: 'Introduction' plus the 30 headings listed in the table of contents (checked "
              "against it at parse time). Paragraphs are numbered in order within their heading "
              "(the plan prints no numbers); policy actions are the 'Recommended Policy Actions' bullets "
              "in print order. The epigraph (a quotation of the President) is a paragraph; the cover, "
              "contents and blank page are skipped. The recurring label 'Recommended Policy Actions' "
              "is not a provision (about 1% of the words).",
    ),
    Source(
        id="us-omb-m-25-21",
        title="OMB Memorandum M-25-21: Accelerating Federal Use of AI through Innovation, Governance, "
              "and Public Trust",
        short_title="OMB M-25-21",
        publisher="Office of Management and Budget, Executive Office of the President",
        family="us", instrument_type="memorandum",
        date_adopted="2025-04-03",
        version="M-25-21 of 3 April 2025 (rescinds M-24-10); text from a third-party extraction of the "
                "signed PDF",
        binding=True,
        binds="heads of federal executive departments and agencies",
        urls=("https://www.whitehouse.gov/wp-content/uploads/2025/02/"
              "M-25-21-Accelerating-Federal-Use-of-AI-through-Innovation-Governance-and-Public-Trust.pdf",),
        mirror=MirrorRef(doc="omb-m-25-21", format="markdown"),
        parser="omb_memo_text",
        expected={"heading": 8, "signature": 1, "paragraph": 14, "appendix": 1, "section": 8,
                  "subsection": 28, "point": 34, "subpoint": 45, "item": 31, "definition": 19,
                  "table-row": 11, "footnote": 34},
        content_type="pdf",
        live_parser=None,  # the live URL serves the scanned PDF
        us_relation=(USRelation("author", "2025-04-03", "Issued by the Director of OMB under EO 14179",
                                "https://www.whitehouse.gov/wp-content/uploads/2025/02/M-25-21-Accelerating-"
                                "Federal-Use-of-AI-through-Innovation-Governance-and-Public-Trust.pdf"),),
        status=Status(
            status="in force", checked=_CHECKED,
            source="the memorandum itself (page 1: 'This memorandum rescinds and replaces Office of "
                   "Management and Budget (OMB) Memorandum M-24-10'), https://www.whitehouse.gov/wp-content/uploads/2025/02/M-25-21-Accelerating-"
                   "Federal-Use-of-AI-through-Innovation-Governance-and-Public-Trust.pdf",
            supersedes=(Act("OMB Memorandum M-24-10, Advancing Governance, Innovation, and Risk Management for "
                            "Agency Use of Artificial Intelligence (28 March 2024)", "2024-03-28",
                            "https://bidenwhitehouse.archives.gov/wp-content/uploads/2024/03/M-24-10-Advancing-"
                            "Governance-Innovation-and-Risk-Management-for-Agency-Use-of-Artificial-Intelligence.pdf"),),
            note="No rescinding memorandum recorded."),
        notes="Mirror copy is a third-party text extraction of the scanned, OCR'd signed PDF (25 pages); "
              "a live fetch gets the PDF itself, which this text parser cannot read (no PDF parser for "
              "this memo yet). OCR artefacts are kept in the provision text as found ('0MB' for OMB, "
              "'ofArtificial', 'AL' for AI, the garbled signature); only the numbering is interpreted: "
              "roman markers read as '1.', '11.', '111.', 'm.', '1v.', 'v1.', 'v11.' become i-vii in ids "
              "and pinpoints (sec-1/b/iii, 'Appendix, Sec. 1(b)(iii)'), and the letter list of Sec. 6 "
              "reads '1.' as i and l and 'J.' as j. Footnote reference numbers stay inline in the text "
              "('agencies 1 are'). Headings: the header (letterhead to SUBJECT), the 3 cover-memo "
              "headings and 3 bold cover-memo sub-headings (memo/hd-N), and the table container; "
              "cover-memo paragraphs are numbered in order (memo/par-N). Sec. 5 definitions are "
              "sec-5/def-<term>. Paragraphs also count the 3 flush paragraphs closing lists "
              "(sec-1/b/par-1, sec-7/par-1, sec-7/par-2) and the 2 asterisk notes of the Consolidated "
              "Table of Actions (table/note-N); its 11 rows are table/row-N in print order, text "
              "'responsible | action | section | deadline' (the extraction has no column headings; "
              "row 3 prints '3(C)(i)' for 3(c)(i)). Page numbers are dropped; there are no running "
              "headers.",
    ),
]

OUT_OF_SCOPE: dict[str, str] = {}
