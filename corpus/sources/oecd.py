"""oecd sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import Act, MirrorRef, Source, Status, USRelation

_URL = "https://legalinstruments.oecd.org/en/instruments/OECD-LEGAL-0449"
_US = USRelation(
    relation="adhered", date="2019-05-22",
    note="The United States is an OECD Member and adhered to the Recommendation on its adoption "
         "by the Council at Ministerial level on 22 May 2019; it remains an Adherent to the "
         "revised text (Council at Ministerial level, 3 May 2024).",
    citation=f"{_URL} (Adherents)")
_CHECKED = "2026-12-05"
_HISTORY = f"{_URL} (History), and the revised text's own print ('as amended on 8 November 2023 and 3 May 2024')"
_REVISED = Act("the Recommendation of the Council on Artificial Intelligence (OECD/LEGAL/0449) as amended on "
               "8 November 2023 and 3 May 2024", "2024-05-03", _URL,
               note="revised by the Council at Ministerial level on 3 May 2024, after the Council amended "
                    "the AI system definition on 8 November 2023")
_BINDS = ("no one legally: an OECD Council Recommendation; Adherents (OECD Members and "
          "adhering non-Members) commit politically to implement it")
# Kinds from the parser (corpus/parsers/oecd_pdf.py): Background Information becomes a
# "section" with "heading" and "paragraph" provisions; the Council text adds preamble,
# preambular-paragraph, adoption-clause (enacting formula), operative-paragraph (I-VIII),
# definition (under I), section (1 and 2), principle, recommendation and point.

SOURCES: list[Source] = [
    Source(
        id="oecd-ai-2019",
        title="Recommendation of the Council on Artificial Intelligence (OECD/LEGAL/0449), as adopted on 22 May 2019",
        short_title="OECD AI Recommendation (2019)",
        publisher="OECD",
        family="oecd",
        instrument_type="recommendation",
        date_adopted="2019-05-22",
        version="Original text adopted by the Council at Ministerial level, 22 May 2019 "
                "(OECD Legal Instruments print of 20 May 2019); superseded by the 2023/2024 amendments",
        binding=False,
        binds=_BINDS,
        urls=(_URL,),
        mirror=MirrorRef(doc="ai-recommendation-0449-2019", format="pdf"),
        parser="oecd_legal_pdf",
        expected={"section": 3, "heading": 3, "paragraph": 28, "preamble": 1,
                  "preambular-paragraph": 11, "adoption-clause": 1, "operative-paragraph": 8,
                  "definition": 5, "principle": 5, "recommendation": 5, "point": 24},
        content_type="pdf",
        us_relation=(_US,),
        status=Status(status="superseded", checked=_CHECKED, source=_HISTORY, superseded_by=_REVISED,
                      note="The revised text is in the corpus as oecd-ai-2024."),
        notes="The live URL now serves the amended text; this entry is the 2019 original. "
              "Background Information paragraphs are numbered in order (unnumbered in print); "
              "the 'Date(s) Adopted on 22/05/2019' box and publisher pages are skipped.",
    ),
    Source(
        id="oecd-ai-2024",
        title="Recommendation of the Council on Artificial Intelligence (OECD/LEGAL/0449), as amended on 8 November 2023 and 3 May 2024",
        short_title="OECD AI Recommendation (2024)",
        publisher="OECD",
        family="oecd",
        instrument_type="recommendation",
        date_adopted="2019-05-22",
        version="As amended by the Council on 8 November 2023 (AI system definition) and at "
                "Ministerial level on 3 May 2024 (OECD Legal Instruments print, (c) OECD 2025)",
        binding=False,
        binds=_BINDS,
        urls=(_URL,),
        mirror=MirrorRef(doc="ai-recommendation-0449-2024", format="pdf"),
        parser="oecd_legal_pdf",
        expected={"section": 3, "heading": 7, "paragraph": 36, "preamble": 1,
                  "preambular-paragraph": 11, "adoption-clause": 1, "operative-paragraph": 8,
                  "definition": 5, "principle": 5, "recommendation": 5, "point": 27},
        content_type="pdf",
        us_relation=(_US, USRelation(
            relation="adhered", date="2024-05-03",
            note="Revision adopted by the OECD Council at Ministerial level, 3 May 2024, "
                 "with the United States among the Members.",
            citation=f"{_URL} (Adherents; History)")),
        status=Status(status="non-binding", checked=_CHECKED, source=_HISTORY,
                      supersedes=(Act("the Recommendation of the Council on Artificial Intelligence "
                                      "(OECD/LEGAL/0449) as adopted on 22 May 2019", "2019-05-22", _URL,
                                      note="in the corpus as oecd-ai-2019"),),
                      note="The current text of the Recommendation; Adherents commit to it politically."),
        notes="2024 renames principle 1.2 and recommendations 2.2 and 2.3 and moves "
              "traceability and risk management from 1.4 to 1.5(b)-(c); ids follow the printed "
              "numbers. Background paragraphs numbered in order (unnumbered in print).",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
