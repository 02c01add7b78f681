"""coe sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status, USRelation

SOURCES: list[Source] = [
    Source(
        id="coe-cets-225",
        title="Council of Europe Framework Convention on Artificial Intelligence and Human "
              "Rights, Democracy and the Rule of Law",
        short_title="Framework Convention on AI (CETS No. 225)",
        publisher="Council of Europe",
        family="coe",
        instrument_type="treaty",
        date_adopted="2024-05-17",
        version="CETS No. 225, Vilnius, 5.IX.2024: official English treaty text (Council of "
                "Europe PDF, 12 pages); adopted by the Committee of Ministers on 17 May 2024, "
                "opened for signature on 5 September 2024",
        binding=True,
        binds="States Parties (and the European Union if it becomes a Party), once the "
              "Convention is in force for them: it enters into force after five ratifications, "
              "including at least three Council of Europe member States (Article 30, paragraph 3); "
              "signature alone does not bind",
        urls=("https://rm.coe.int/1680afae3c",),
        mirror=MirrorRef(doc="framework-convention-ai-cets-225", format="pdf"),
        parser="coe_treaty_pdf",
        expected={
            "heading": 1,               # the title block
            "preamble": 1,
            "preambular-paragraph": 17,
            "chapter": 8,
            "article": 36,
            "paragraph": 59,
            "point": 28,
            "signature": 1,
        },
        content_type="pdf",
        us_relation=(
            USRelation(
                relation="signed",
                date="2024-09-05",
                note="The United States signed the Convention on the day it opened for "
                     "signature in Vilnius; it has not ratified it.",
                citation="https://www.coe.int/en/web/conventions/full-list?module=signatures-by-"
                         "treaty&treatynum=225"),
        ),
        status=Status(
            status="not yet applicable", checked="2026-12-05",
            source="Council of Europe Treaty Office, chart of signatures and ratifications of Treaty 225: "
                   "https://www.coe.int/en/web/conventions/full-list?module=signatures-by-treaty&treatynum=225",
            note="Opened for signature on 5 September 2024; it enters into force on the first day of the month "
                 "after three months from the fifth ratification, including three Council of Europe member "
                 "States (Article 30, paragraph 3). No entry into force was recorded at the last check; "
                 "re-check the chart, which lists ratifications as they come."),
        notes="Pinpoints follow the Council of Europe's style: 'Article 3, paragraph 1' and "
              "'Article 3, paragraph 1.a'; a sub-paragraph directly in an article is "
              "'Article 11, sub-paragraph a'. The unnumbered text after Article 3, paragraph "
              "1.b belongs to sub-paragraph b (indented under it in print). The preamble's "
              "chapeau and the enacting formula 'Have agreed as follows:' are the preamble's "
              "own text; the testimonium and 'Done in Vilnius ...' are one signature provision.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {
    "coe/huderia-methodology-2024/HUDERIA_Methodology.pdf":
        "HUDERIA Methodology (CAI(2024)16rev2, adopted by the CAI on 28 November 2024; "
        "non-binding guidance related to CETS 225). Not parsed yet: the print has no paragraph "
        "numbers and its text layer does not mark paragraph breaks or headings (section "
        "titles such as 'Objectives'/'Explanations' read like ordinary lines), footnote "
        "markers are run into the text ('context2', 'E10 and F 11'), and diagrams add "
        "free-floating labels; a reliable parse needs font-weight and vertical-gap layout "
        "analysis, which pdftext does not provide. Planned as registry id coe-huderia-2024 "
        "(instrument_type 'guidance').",
}
