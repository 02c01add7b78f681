"""us_nist sources (see corpus/sources/base.py for the fields)."""
from corpus.sources.base import MirrorRef, Source, Status, USRelation

_ACTION_PLAN = USRelation(
    "author", "2023-01-26",
    "Published by NIST, US Department of Commerce; the AI Action Plan (July 2025) directs NIST to revise "
    "the AI RMF to eliminate references to misinformation, DEI and climate change",
    "America's AI Action Plan, July 2025, Pillar I, 'Ensure that Frontier AI Protects Free Speech and "
    "American Values'")

SOURCES: list[Source] = [
    Source(
        id="us-nist-ai-100-1",
        title="Artificial Intelligence Risk Management Framework (AI RMF 1.0), NIST AI 100-1",
        short_title="NIST AI RMF 1.0",
        publisher="National Institute of Standards and Technology (NIST), US Department of Commerce",
        family="us",
        instrument_type="framework",
        date_adopted="2023-01-26",
        version="AI RMF 1.0, January 2023; file re-issued 2024-08",
        binding=False,
        binds="no one; a voluntary framework for organizations designing, developing, deploying or using AI systems",
        urls=("https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.100-1.pdf", "https://doi.org/10.6028/NIST.AI.100-1"),
        mirror=MirrorRef(doc="nist-ai-100-1", format="pdf"),
        parser="nist_ai_rmf_pdf",
        expected={"part": 2, "section": 8, "subsection": 13, "function": 4, "category": 19, "subcategory": 72,
                  "appendix": 4, "paragraph": 116, "item": 70, "heading": 1},
        content_type="pdf",
        us_relation=(_ACTION_PLAN,),
        status=Status(status="non-binding", checked="2026-12-05", source="https://doi.org/10.6028/NIST.AI.100-1",
                      note="A voluntary framework. The AI Action Plan (July 2025) directs NIST to revise it; "
                           "no revised edition is recorded."),
        notes="The Core (section 5) is printed as Tables 1-4; categories and subcategories are rebuilt from the "
              "table text. Sections 5.1-5.4 are the four functions. Paragraph and bullet counts depend on "
              "paragraph breaks inferred from line lengths (the text layer has no paragraph marks). Sections "
              "= Update Schedule, Executive Summary and sections 1-6; items = bullets, numbered items of "
              "Appendices C-D and the five figure captions.",
    ),
    Source(
        id="us-nist-ai-600-1",
        title="Artificial Intelligence Risk Management Framework: Generative Artificial Intelligence Profile, "
              "NIST AI 600-1",
        short_title="NIST GAI Profile",
        publisher="National Institute of Standards and Technology (NIST), US Department of Commerce",
        family="us",
        instrument_type="guidance",
        date_adopted="2024-07-26",
        version="NIST AI 600-1, July 2024",
        binding=False,
        binds="no one; voluntary guidance for organizations designing, developing, deploying or using "
              "generative AI systems",
        urls=("https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.600-1.pdf", "https://doi.org/10.6028/NIST.AI.600-1"),
        mirror=MirrorRef(doc="nist-ai-600-1", format="pdf"),
        parser="nist_genai_profile_pdf",
        expected={"section": 4, "subsection": 20, "subcategory": 49, "action": 212, "appendix": 2,
                  "paragraph": 81, "item": 209, "heading": 7, "footnote": 15},
        content_type="pdf",
        us_relation=(USRelation(
            "author", "2024-07-26",
            "Published by NIST, US Department of Commerce, under Executive Order 14110 (revoked January 2025); "
            "a profile of the AI RMF, which the AI Action Plan (July 2025) directs NIST to revise",
            "America's AI Action Plan, July 2025, Pillar I, 'Ensure that Frontier AI Protects Free Speech and "
            "American Values'"),),
        status=Status(status="non-binding", checked="2026-12-05", source="https://doi.org/10.6028/NIST.AI.600-1",
                      note="Voluntary guidance; no revised edition recorded."),
        notes="212 suggested actions under 49 AI RMF subcategories; each action's GAI risk tags are kept as "
              "printed in its heading ('GAI risks: ...'). Items = the 12 numbered risks of section 2, bullets, "
              "49 'AI Actor Tasks' lines and 101 references of Appendix B. Action 'GV4.3--001' (a typo in "
              "print) is id gv-4.3-001.",
    ),
]
OUT_OF_SCOPE: dict[str, str] = {}
