"""g7 sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status, USRelation

_STATEMENT_URL = ("https://www.whitehouse.gov/briefing-room/statements-releases/2023/10/30/"
                  "g7-leaders-statement-on-the-hiroshima-ai-process/")
_US = USRelation(
    relation="endorsed", date="2023-10-30",
    note="The United States is a G7 member; the G7 Leaders welcomed the Guiding Principles "
         "and the Code of Conduct in their Statement on the Hiroshima AI Process.",
    citation=_STATEMENT_URL)
_STATUS = Status(status="non-binding", checked="2026-12-05", source=_STATEMENT_URL,
                 note="Voluntary guidance welcomed by the G7 Leaders; no revised text recorded.")
_BINDS = ("no one: voluntary guidance addressed to organizations developing advanced AI "
          "systems")

SOURCES: list[Source] = [
    Source(
        id="g7-hiroshima-principles",
        title="Hiroshima Process International Guiding Principles for Organizations Developing Advanced AI Systems",
        short_title="Hiroshima Guiding Principles",
        publisher="G7 (Hiroshima AI Process)",
        family="g7",
        instrument_type="principles",
        date_adopted="2023-10-30",
        version="Text of 30 October 2023 (European Commission PDF, same text as MOFA 100573471)",
        binding=False,
        binds=_BINDS,
        urls=("https://digital-strategy.ec.europa.eu/en/library/hiroshima-process-international-guiding-principles-advanced-ai-system",
              "https://www.mofa.go.jp/files/100573471.pdf"),
        mirror=MirrorRef(doc="hiroshima-guiding-principles-2023", format="pdf"),
        parser="g7_hiroshima_principles_pdf",
        expected={"heading": 1, "paragraph": 9, "principle": 11},
        content_type="pdf",
        us_relation=(_US,),
        status=_STATUS,
        notes="Introduction paragraphs are unnumbered in print, numbered here in order. "
              "Principle N is elaborated by Action N of the Code of Conduct.",
    ),
    Source(
        id="g7-hiroshima-code",
        title="Hiroshima Process International Code of Conduct for Organizations Developing Advanced AI Systems",
        short_title="Hiroshima Code of Conduct",
        publisher="G7 (Hiroshima AI Process)",
        family="g7",
        instrument_type="code of conduct",
        date_adopted="2023-10-30",
        version="Text of 30 October 2023 (European Commission PDF, same text as MOFA 100573473)",
        binding=False,
        binds=_BINDS,
        urls=("https://digital-strategy.ec.europa.eu/en/library/hiroshima-process-international-code-conduct-advanced-ai-systems",
              "https://www.mofa.go.jp/files/100573473.pdf"),
        mirror=MirrorRef(doc="hiroshima-code-of-conduct-2023", format="pdf"),
        parser="g7_hiroshima_code_pdf",
        expected={"heading": 1, "paragraph": 12, "action": 11, "item": 11},
        content_type="pdf",
        us_relation=(_US,),
        status=_STATUS,
        notes="Action N elaborates Principle N of the Guiding Principles. Bullets are "
              "'item' children; a paragraph after a bullet list is a 'paragraph' child "
              "(cont-N). Introduction paragraphs numbered in order.",
    ),
    Source(
        id="g7-leaders-statement-2023",
        title="G7 Leaders' Statement on the Hiroshima AI Process",
        short_title="G7 Leaders' Statement (Hiroshima AI Process)",
        publisher="G7 (published by the White House)",
        family="g7",
        instrument_type="declaration",
        date_adopted="2023-10-30",
        version="Statement of 30 October 2023 as published on whitehouse.gov (markdown conversion)",
        binding=False,
        binds="no one: a political statement of the G7 Leaders",
        urls=(_STATEMENT_URL,),
        mirror=MirrorRef(doc="g7-leaders-statement-hiroshima-ai-process-2023", format="markdown"),
        parser="whitehouse_md", live_parser="whitehouse_html",
        expected={"paragraph": 3},
        content_type="html",
        us_relation=(USRelation(
            relation="member", date="2023-10-30",
            note="The President of the United States is one of the G7 Leaders issuing the Statement.",
            citation=_STATEMENT_URL),),
        status=Status(status="non-binding", checked="2026-12-05", source=_STATEMENT_URL,
                      note="A political statement of the G7 Leaders."),
        notes="Three paragraphs; the closing '###' is a press-release end mark. Counts "
              "written from a reading of the file: to confirm against the whitehouse_md parser.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
