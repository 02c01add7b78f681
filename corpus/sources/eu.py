"""eu sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import Act, Consolidation, MirrorRef, Source, Status

_CHECKED = "2026-12-05"

_OJ_PARSER = "eurlex_oj_html"
_US_NOTE = ("No US act of record relates to this instrument. US policy (Executive Order 14320 "
            "and the July 2025 AI Action Plan) treats foreign content-moderation and data rules "
            "as concerns in general terms; that is context, not a relation to this text.")

SOURCES: list[Source] = [
    Source(
        id="eu-ai-act",
        title=("Regulation (EU) 2024/1689 of the European Parliament and of the Council of "
               "13 June 2024 laying down harmonised rules on artificial intelligence "
               "(Artificial Intelligence Act)"),
        short_title="EU AI Act",
        publisher="European Parliament and Council of the European Union (Official Journal of the EU)",
        family="eu",
        instrument_type="regulation",
        date_adopted="2024-06-13",
        version="OJ L, 2024/1689, 12.7.2024 (original text, EN; no corrigenda applied)",
        binding=True,
        binds=("providers, deployers, importers and distributors of AI systems placed on the EU "
               "market or put into service in the Union, or whose output is used in the Union "
               "(wherever established), providers of general-purpose AI models, and the Member "
               "States"),
        urls=("https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=OJ:L_202401689",
              "http://data.europa.eu/eli/reg/2024/1689/oj"),
        mirror=MirrorRef(doc="ai-act", format="html"),
        parser=_OJ_PARSER,
        # Counted on the EUR-Lex HTML of 12.7.2024; articles, recitals, annexes, chapters,
        # sections and definitions checked against the OJ text. "paragraph" includes the
        # final formula; "heading" is the act's title; "section" counts the 16 sections of
        # the enacting terms and the 7 annex sections (I A-B, VIII A-C, XI 1-2).
        expected={
            "heading": 1, "preamble": 1, "preambular-paragraph": 7, "recital": 180,
            "adoption-clause": 1, "chapter": 13, "section": 23, "article": 113,
            "paragraph": 501, "subparagraph": 67, "point": 600, "definition": 68, "indent": 16,
            "signature": 2, "footnote": 58, "annex": 13,
        },
        content_type="html",
        notes=("Parsed from a browser save of the EUR-Lex OJ HTML (CELEX 32024R1689); the EUR-Lex "
               "sidebar, masthead and colophon are not body text. " + _US_NOTE),
        status=Status(
            status="in force as amended", checked=_CHECKED,
            source="EUR-Lex, CELEX 32024R1689, document information (amended by; consolidated versions): "
                   "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32024R1689",
            amended_by=(Act("Regulation (EU) 2026/1744", "2026-07-27", "http://data.europa.eu/eli/reg/2026/1744/oj",
                            note="in force 27 July 2026; among other changes it moves the application dates "
                                 "of the rules on high-risk AI systems"),),
            # Live runs fetch this version from Cellar; the mirror has no copy of it yet.
            consolidated=Consolidation("02024R1689-20260727", "2026-07-27"),
            note="The corpus text is the Official Journal original of 12 July 2024 unless a live run "
                 "fetched the consolidated version (recitals always come from the original: "
                 "consolidated texts leave the preamble out)."),
    ),
    Source(
        id="eu-gdpr",
        title=("Regulation (EU) 2016/679 of the European Parliament and of the Council of "
               "27 April 2016 on the protection of natural persons with regard to the processing "
               "of personal data and on the free movement of such data, and repealing Directive "
               "95/46/EC (General Data Protection Regulation)"),
        short_title="GDPR",
        publisher="European Parliament and Council of the European Union (Official Journal of the EU)",
        family="eu",
        instrument_type="regulation",
        date_adopted="2016-04-27",
        version="OJ L 119, 4.5.2016, p. 1 (original text, EN; corrigenda not applied)",
        binding=True,
        binds=("controllers and processors of personal data established in the Union, and those "
               "outside it who offer goods or services to, or monitor the behaviour of, data "
               "subjects in the Union"),
        urls=("https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32016R0679",
              "http://data.europa.eu/eli/reg/2016/679/oj"),
        mirror=MirrorRef(doc="gdpr-2016-679", format="html"),
        parser=_OJ_PARSER,
        # The GDPR has no annexes (a zero count cannot be declared here: registry entries
        # pin positive counts only; tests/test_parser_eurlex.py checks there is none).
        expected={
            "heading": 1, "preamble": 1, "preambular-paragraph": 6, "recital": 173,
            "adoption-clause": 1, "chapter": 11, "section": 15, "article": 99,
            "paragraph": 373, "subparagraph": 8, "point": 359, "definition": 26, "indent": 4,
            "annex": 0,
            "signature": 2, "footnote": 21,
        },
        content_type="html",
        notes="Raw EUR-Lex server HTML of the OJ original (not the consolidated version). " + _US_NOTE,
        status=Status(
            status="in force", checked=_CHECKED,
            source="EUR-Lex, CELEX 32016R0679, document information: "
                   "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32016R0679",
            consolidated=Consolidation("02016R0679-20160504", "2016-05-04"),
            note="No amending act recorded; the consolidated version works in the corrigenda, which the "
                 "corpus text (the OJ original) does not apply."),
    ),
    Source(
        id="eu-dsa",
        title=("Regulation (EU) 2022/2065 of the European Parliament and of the Council of "
               "19 October 2022 on a Single Market For Digital Services and amending Directive "
               "2000/31/EC (Digital Services Act)"),
        short_title="Digital Services Act",
        publisher="European Parliament and Council of the European Union (Official Journal of the EU)",
        family="eu",
        instrument_type="regulation",
        date_adopted="2022-10-19",
        version="OJ L 277, 27.10.2022, p. 1 (original text, EN)",
        binding=True,
        binds=("providers of intermediary services (mere conduit, caching, hosting, online "
               "platforms and search engines) offered to recipients in the Union, wherever the "
               "provider is established; the Member States and the Commission as enforcers"),
        urls=("https://eur-lex.europa.eu/legal-content/EN/TXT/HTML/?uri=CELEX:32022R2065",
              "http://data.europa.eu/eli/reg/2022/2065/oj"),
        mirror=MirrorRef(doc="dsa-2022-2065", format="html"),
        parser=_OJ_PARSER,
        # Only the counts known from the OJ text are pinned; the mirror does not hold the
        # DSA yet. Pin the other kinds (paragraphs, points, definitions, ...) from the first
        # parse once it does, after checking them against the OJ. The DSA has no annexes.
        expected={"recital": 156, "article": 93, "annex": 0},
        content_type="html",
        notes=("Not yet in the corpus mirror (skipped offline until added). Parsed with the same "
               "EUR-Lex OJ parser as the AI Act and GDPR, which relies only on shared OJ/ELI "
               "markup. " + _US_NOTE),
        status=Status(
            status="in force", checked=_CHECKED,
            source="EUR-Lex, CELEX 32022R2065, document information: "
                   "https://eur-lex.europa.eu/legal-content/EN/ALL/?uri=CELEX:32022R2065",
            note="In force since 16 November 2022, applicable in full since 17 February 2024 (Article 93); "
                 "no amending act recorded."),
    ),
]

OUT_OF_SCOPE: dict[str, str] = {
    "eu/ai-act/OJ_L_202401689_EN_TXT.pdf": (
        "PDF edition of the same OJ text (OJ L, 2024/1689, 12.7.2024) that eu-ai-act parses "
        "from the EUR-Lex HTML edition; the HTML carries the ELI structure, the PDF would "
        "duplicate every provision"),
    "eu/gpai-code-of-practice-2025/First_Draft_GeneralPurpose_AI_Code_of_Practice.pdf": (
        "first draft (14 Nov 2024) of the General-Purpose AI Code of Practice, superseded by "
        "later drafts and by the final Code of 10 July 2025, which is not in the mirror; a "
        "draft must not stand in for the Code"),
    "eu/gpai-code-of-practice-2025/gpai-cop-third-draft-2025-03-10.code-of-practice-ai.html": (
        "unofficial third-party web rendering of the third draft (10 Mar 2025) of the "
        "General-Purpose AI Code of Practice, not the final Code of 10 July 2025 (absent from "
        "the mirror); neither official nor final, so not citable as the Code"),
}
