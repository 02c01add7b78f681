"""itu sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status

# No act of record ties the United States to these particular texts (it takes part in
# ITU-T as a Member State, like every other), so no us_relation is declared.

_REC_NOTES = ("Mirror: third-party text layer (pdftotext) of the official PDF, running headers, "
              "page numbers and TOC leaders removed, tables flattened row by row, figures lost. "
              "The cover, Y-series list, table of contents and back-cover series list are not body. "
              "Requirements keep their NOTEs (and, in Y.3172's tables, the Description/Notes cells) "
              "in their text. ITU-T Recommendations are voluntary.")


def _rec(rec: str, title: str, approved: str, month: str, expected: dict, extra: str = "") -> Source:
    code = rec.replace(".", "")
    yyyymm = approved[:4] + approved[5:7]
    return Source(
        id=f"itu-t-y{code[1:]}", title=f"Recommendation ITU-T {rec} ({month}) {title}",
        short_title=f"ITU-T {rec}", publisher="International Telecommunication Union (ITU-T Study Group 13)",
        family="itu", instrument_type="technical standard", date_adopted=approved,
        version=f"Edition 1.0, approved {approved} ({month}; date from the History table)", binding=False,
        binds="no one (voluntary ITU-T Recommendation)",
        urls=(f"https://www.itu.int/rec/dologin_pub.asp?lang=e&id=T-REC-{rec}-{yyyymm}-I!!PDF-E&type=items",
              f"https://www.itu.int/rec/T-REC-{rec}"),
        mirror=MirrorRef(doc=f"itu-t-y{code[1:]}", format="text"), parser="itu_t_rec_text",
        expected=expected, content_type="pdf",
        notes=_REC_NOTES + extra,
        status=Status(status="non-binding", checked="2026-12-05", source=f"https://www.itu.int/rec/T-REC-{rec}",
                      note="An ITU-T Recommendation in force (voluntary); no later edition or amendment recorded."),
        # the live URL serves the PDF; no parser reads the PDF edition yet
        live_parser=None)


SOURCES: list[Source] = [
    _rec("Y.3172", "Architectural framework for machine learning in future networks including IMT-2020",
         "2019-06-22", "06/2019",
         {"paragraph": 5, "footnote": 1, "heading": 1, "clause": 19, "definition": 8,
          "requirement": 20, "appendix": 2, "section": 1, "item": 21},
         " Requirements REQ-ML-COR/DEP/INT/SPEC/MNG (20) are table rows; the row's first lines, "
         "printed above the id cell, are moved into the requirement."),
    _rec("Y.3173", "Framework for evaluating intelligence levels of future networks including IMT-2020",
         "2020-02-06", "02/2020",
         {"paragraph": 5, "footnote": 1, "heading": 1, "clause": 28, "definition": 3,
          "requirement": 5, "appendix": 2, "section": 1, "item": 7},
         " Its own requirements are numbered ML-Int-level-001..005 (clause 7.3)."),
    _rec("Y.3174", "Framework for data handling to enable machine learning in future networks including IMT-2020",
         "2020-02-06", "02/2020",
         {"paragraph": 5, "footnote": 1, "heading": 1, "clause": 44, "definition": 12,
          "requirement": 56, "appendix": 2, "section": 1, "item": 10},
         " Requirements REQ-ML-DH-001..056."),
    _rec("Y.3181", "Architectural framework for machine learning sandbox in future networks including IMT-2020",
         "2022-09-29", "09/2022",
         {"paragraph": 5, "footnote": 1, "heading": 1, "clause": 42, "definition": 12,
          "requirement": 26, "section": 1, "item": 14},
         " Requirements REQ-ML-SANDBOX-001..026; no appendix. Approval date from the History table."),
    Source(
        id="itu-ai-ready", title="AI Ready – Analysis Towards a Standardized Readiness Framework, Report 2.0",
        short_title="ITU AI Ready Report 2.0", publisher="International Telecommunication Union (ITU-T, AI for Good)",
        family="itu", instrument_type="report", date_adopted="2026-01-01",
        version="Report 2.0, January 2026 (ISBN 978-92-61-41911-0); day of publication not printed, "
                "date is the 1st of the month",
        binding=False, binds="no one (non-normative report)",
        urls=("https://www.itu.int/dms_pub/itu-t/opb/ai4g/T-AI4G-AI4GOOD-2025-6-PDF-E.pdf",),
        mirror=MirrorRef(doc="itu-ai-ready-2", format="text"), parser="itu_report_text", live_parser=None,
        expected={"paragraph": 4, "chapter": 6, "section": 12, "subsection": 13, "requirement": 28,
                  "appendix": 2, "item": 31},
        content_type="pdf",
        status=Status(status="non-binding", checked="2026-12-05",
                      source="https://www.itu.int/dms_pub/itu-t/opb/ai4g/T-AI4G-AI4GOOD-2025-6-PDF-E.pdf",
                      note="A non-normative report."),
        notes="Mirror: third-party text layer (pdftotext), near complete (the FAQ/References pages "
              "are ~30 characters short, unverified); tables flattened, figures lost. Cover, title "
              "page, table of contents, chapter tabs and back cover are not body. Chapter sections "
              "are unnumbered in print: ids sct-N number them in order within the chapter; "
              "appendices app-1/app-2 likewise. Toolkit requirements ITU-AI-RE-Toolkit-REQ-001..028.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
