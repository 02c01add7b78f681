"""unesco sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status, USRelation

SOURCES: list[Source] = [
    Source(
        id="unesco-ai-ethics",
        title="Recommendation on the Ethics of Artificial Intelligence",
        short_title="UNESCO Recommendation on the Ethics of AI",
        publisher="UNESCO (General Conference)",
        family="unesco",
        instrument_type="recommendation",
        date_adopted="2021-11-23",
        version="SHS/BIO/REC-AIETHICS/2021, as adopted by the General Conference at its 41st "
                "session (Paris, 9-24 November 2021); UNESDOC PDF, 21 pages",
        binding=False,
        binds="no one: Member States are invited to apply it on a voluntary basis and to "
              "report on the measures they take",
        urls=("https://unesdoc.unesco.org/ark:/48223/pf0000380455",),
        mirror=MirrorRef(doc="recommendation-ethics-ai-2021", format="pdf"),
        parser="unesco_recommendation_pdf",
        expected={
            "heading": 15,              # the title line + 14 value/principle subheadings in III.1-III.2
            "preamble": 1,
            "preambular-paragraph": 21,
            "adoption-clause": 3,
            "section": 8,
            "subsection": 2,
            "policy-area": 11,
            "paragraph": 141,
            "point": 29,
            "subpoint": 2,
        },
        content_type="pdf",
        us_relation=(
            USRelation(
                relation="not a member",
                date="2018-12-31",
                note="The United States announced its withdrawal from UNESCO in October 2017, "
                     "effective 31 December 2018, and so took no part in adopting the "
                     "Recommendation in November 2021.",
                citation="US Department of State, press statement 'The United States Withdraws "
                         "From UNESCO', 12 October 2017"),
            USRelation(
                relation="member",
                date="2023-07-10",
                note="The United States rejoined UNESCO by accepting its Constitution on 10 July "
                     "2023; it did not thereby adopt the Recommendation, which is addressed to "
                     "all Member States.",
                citation="UNESCO press release 'The United States becomes the 194th Member State "
                         "of UNESCO', 11 July 2023"),
            USRelation(
                relation="withdrew",
                date="2025-07-22",
                note="The United States announced its withdrawal from UNESCO again, effective "
                     "31 December 2026; it remains a member until then.",
                citation="https://www.state.gov/releases/office-of-the-spokesperson/2025/07/"
                         "the-united-states-withdraws-from-the-united-nations-educational-"
                         "scientific-and-cultural-organization-unesco"),
        ),
        status=Status(status="non-binding", checked="2026-12-05",
                      source="https://unesdoc.unesco.org/ark:/48223/pf0000380455",
                      note="A UNESCO Recommendation: Member States are invited to apply it; no revised text "
                           "recorded."),
        notes="Ids: adoption clauses are adopt-1..3, body paragraphs par-1..141 (both print as "
              "'1.'); preambular paragraphs are unnumbered in print and numbered pp-N in order. "
              "Subheadings of III.1/III.2 are unnumbered in print: h-N in order within the "
              "subsection. Lettered items written inline in a paragraph (26(a)-(c), 49(1)-(2)) "
              "are not split out: they stay in the paragraph's text. The live URL is UNESDOC's "
              "landing page for the PDF.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
