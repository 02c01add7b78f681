"""un sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status, USRelation

def _ga(source: str, note: str) -> Status:
    return Status(status="non-binding", checked="2026-12-05", source=source, note=note)


_GA_BINDS = "no one: a General Assembly resolution (recommendatory, not legally binding)"

SOURCES: list[Source] = [
    Source(
        id="un-a-res-78-265",
        title="Seizing the opportunities of safe, secure and trustworthy artificial intelligence systems for sustainable development (A/RES/78/265)",
        short_title="UNGA A/RES/78/265",
        publisher="United Nations General Assembly",
        family="un",
        instrument_type="resolution",
        date_adopted="2024-03-21",
        version="A/RES/78/265, distributed 1 April 2024 (job no. 24-05969)",
        binding=False,
        binds=_GA_BINDS,
        urls=("https://documents.un.org/doc/undoc/gen/n24/059/69/pdf/n2405969.pdf",
              "https://undocs.org/A/RES/78/265"),
        mirror=MirrorRef(doc="a-res-78-265", format="pdf"),
        parser="un_resolution_pdf",
        expected={"heading": 1, "preamble": 1, "preambular-paragraph": 9,
                  "operative-paragraph": 13, "point": 24, "adoption-clause": 1, "footnote": 10},
        content_type="pdf",
        us_relation=(USRelation(
            relation="main sponsor", date="2024-03-21",
            note="The United States led the resolution (draft A/78/L.49), co-sponsored by more "
                 "than 120 Member States; adopted without a vote.",
            citation="A/RES/78/265; UN press release GA/12588, 21 March 2024"),),
        status=_ga("https://undocs.org/A/RES/78/265", "A General Assembly resolution: recommendatory."),
        notes="Adopted without a vote at the 63rd plenary meeting. Preambular paragraphs are "
              "unnumbered in print and numbered here in order (pp-N).",
    ),
    Source(
        id="un-a-res-78-311",
        title="Enhancing international cooperation on capacity-building of artificial intelligence (A/RES/78/311)",
        short_title="UNGA A/RES/78/311",
        publisher="United Nations General Assembly",
        family="un",
        instrument_type="resolution",
        date_adopted="2024-07-01",
        version="A/RES/78/311, distributed 5 July 2024 (job no. 24-12313)",
        binding=False,
        binds=_GA_BINDS,
        urls=("https://undocs.org/A/RES/78/311",),
        mirror=MirrorRef(doc="a-res-78-311", format="pdf"),
        parser="un_resolution_pdf",
        expected={"heading": 1, "preamble": 1, "preambular-paragraph": 15,
                  "operative-paragraph": 15, "adoption-clause": 1, "footnote": 1},
        content_type="pdf",
        us_relation=(USRelation(
            relation="joined consensus", date="2024-07-01",
            note="China-led resolution (draft A/78/L.86) adopted without a vote; the United "
                 "States joined the consensus.",
            citation="UN press release GA/12615, 1 July 2024"),),
        status=_ga("https://undocs.org/A/RES/78/311", "A General Assembly resolution: recommendatory."),
        notes="Adopted without a vote at the 97th plenary meeting. Preambular paragraphs "
              "numbered in order (pp-N).",
    ),
    Source(
        id="un-gdc",
        title="Global Digital Compact (annex I to General Assembly resolution 79/1, Pact for the Future)",
        short_title="Global Digital Compact",
        publisher="United Nations General Assembly",
        family="un",
        instrument_type="declaration",
        date_adopted="2024-09-22",
        version="Text of A/79/L.2 annex (job 24-15616) as adopted on 22 September 2024 as annex I "
                "to A/RES/79/1; third-party text extraction",
        binding=False,
        binds="no one: a political commitment of Member States adopted by the General Assembly",
        urls=("https://www.un.org/global-digital-compact/sites/default/files/2024-09/Global%20Digital%20Compact%20-%20English_0.pdf",),
        mirror=MirrorRef(doc="global-digital-compact-2024", format="markdown"),
        parser="un_numbered_text",
        live_parser=None,  # the live URL serves the UN PDF; the mirror holds a text extraction
        expected={"heading": 22, "paragraph": 74, "point": 94, "footnote": 6},
        content_type="pdf",
        us_relation=(USRelation(
            relation="joined adoption", date="2024-09-22",
            note="Adopted without a vote with the Pact for the Future; the United States joined "
                 "the adoption.",
            citation="A/RES/79/1"),),
        status=_ga("https://undocs.org/A/RES/79/1", "Annex I to the Pact for the Future (A/RES/79/1): a political "
                   "commitment of Member States."),
        notes="Parsed from a third-party text extraction (the manifest marks it a conversion); "
              "extraction artefacts such as words of one line split over several lines are kept "
              "verbatim (e.g. paragraphs 7(4), 21(f), 42(b), 51). The five objectives listed in "
              "paragraph 7 are its sub-items 7(1)-7(5). Headings are containers: Objective N "
              "headings hold their thematic sub-headings.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
