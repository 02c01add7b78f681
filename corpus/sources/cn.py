"""cn sources (see corpus/sources/base.py for the fields).

The English translations/conversions are parsed; every text here is an unofficial
translation or a third-party conversion, never the original (the mirror's kind column is
carried through by the pipeline).
"""
from corpus.sources.base import MirrorRef, Source, Status

SOURCES: list[Source] = [
    Source(
        id="cn-genai-interim-measures-2023",
        title="Interim Measures for the Management of Generative Artificial Intelligence Services",
        short_title="Interim Measures for Generative AI Services", family="cn",
        publisher="Cyberspace Administration of China (with NDRC, MOE, MOST, MIIT, MPS, NRTA)",
        instrument_type="measures", date_adopted="2023-07-10",
        version="Order No. 15, adopted 10 July 2023, promulgated 13 July 2023, effective 15 August 2023; "
                "unofficial English translation by CASI (In Their Own Words, 7 Aug 2023)",
        binding=True, binds="providers of generative AI services to the public in the PRC",
        urls=("https://www.cac.gov.cn/2023-07/13/c_1690898327029107.htm",),
        mirror=MirrorRef(doc="genai-interim-measures-2023", format="markdown", lang="en"),
        parser="cn_measures_markdown", live_parser=None,  # live: the Chinese original
        expected={"preamble": 1, "signature": 1, "heading": 1, "chapter": 5, "article": 24,
                  "item": 13, "footnote": 6},
        content_type="html",
        status=Status(status="in force", checked="2026-12-05",
                      source="https://www.cac.gov.cn/2023-07/13/c_1690898327029107.htm (Article 24: effective "
                             "15 August 2023)",
                      note="In force since 15 August 2023; no amending or repealing measure recorded."),
        notes="Unofficial English translation by CASI (marker-pdf markdown of the CASI PDF). CASI "
              "renders the chapters (章) as 'Section N'; they are chapters cpt-N here. The CASI series "
              "cover and disclaimer are not body; translator's notes ii-vii are footnotes. The live "
              "URL serves the Chinese original, which the English parser cannot read.",
    ),
    Source(
        id="cn-ai-labeling-measures-2025",
        title="Measures for Labeling of AI-Generated Synthetic Content",
        short_title="AI Content Labeling Measures", family="cn",
        publisher="Cyberspace Administration of China, MIIT, MPS, NRTA",
        instrument_type="measures", date_adopted="2025-03-14",
        version="Issued 14 March 2025, effective 1 September 2025; unofficial English translation "
                "(AGORA/CSET text), without the CAC issuing notice",
        binding=True, binds="network information service providers in the PRC",
        urls=("https://www.cac.gov.cn/",),
        mirror=MirrorRef(doc="ai-labeling-measures-2025", format="text", lang="en"),
        parser="cn_measures_text", live_parser=None, expected={"heading": 1, "article": 14, "item": 10},
        content_type="text",
        status=Status(status="in force", checked="2026-12-05",
                      source="the Measures, Article 14 (effective 1 September 2025), as issued by the CAC: "
                             "https://www.cac.gov.cn/",
                      note="In force since 1 September 2025; no amending measure recorded."),
        notes="Unofficial English translation (AGORA/CSET). The exact CAC page is not known: the URL "
              "is the CAC site; the Chinese original is not in the mirror.",
    ),
    Source(
        id="cn-global-ai-governance-initiative-2023",
        title="Global AI Governance Initiative", short_title="Global AI Governance Initiative",
        family="cn", publisher="Cyberspace Administration of China / Ministry of Foreign Affairs of the PRC",
        instrument_type="declaration", date_adopted="2023-10-18",
        version="Announced 18 October 2023 at the third Belt and Road Forum; official English text "
                "on the CAC page (zh + en)",
        binding=False, binds="no one (political initiative)",
        urls=("https://www.cac.gov.cn/",),
        mirror=MirrorRef(doc="global-ai-governance-initiative-2023", format="html", lang="zh+en"),
        parser="cn_gaigi_html", expected={"heading": 1, "paragraph": 4, "proposal": 11},
        content_type="html",
        status=Status(status="non-binding", checked="2026-12-05", source="https://www.cac.gov.cn/",
                      note="A political initiative."),
        notes="Only the English part of the bilingual page is parsed (body_text is that part); the "
              "Chinese text is the same Initiative. Proposals are unnumbered in print and numbered "
              "1-11 in print order. Page address on cac.gov.cn not known exactly: URL is the site.",
    ),
    Source(
        id="cn-tc260-ai-safety-framework-2024",
        title="AI Safety Governance Framework (V1.0)", short_title="TC260 AI Safety Governance Framework",
        family="cn", publisher="National Technical Committee 260 on Cybersecurity of SAC (TC260)",
        instrument_type="framework", date_adopted="2024-09-09",
        version="Version 1.0, 9 September 2024; English text (AGORA conversion)",
        binding=False, binds="no one (technical guidance)",
        urls=("https://www.tc260.org.cn/front/postDetail.html?id=20240909102807",),
        mirror=MirrorRef(doc="tc260-ai-safety-governance-framework-v1", format="text", lang="en"),
        parser="cn_tc260_text", live_parser=None,
        expected={"heading": 2, "preamble": 1, "section": 6, "subsection": 40, "item": 82},
        content_type="text",
        status=Status(status="non-binding", checked="2026-12-05",
                      source="https://www.tc260.org.cn/front/postDetail.html?id=20240909102807",
                      note="Technical guidance. A version 2.0 of the Framework was reported in September 2025; "
                           "it is not verified here, so no superseding text is recorded: check TC260's site."),
        notes="English AGORA conversion. The closing risk-to-measures table is '[Omitted.]' in the "
              "source (kept as a heading provision with that marker). The conversion drops the "
              "heading of section 4.2.2; its two items are attached to an untitled sec-4.2.2. "
              "The live URL serves the Chinese original.",
    ),
]

OUT_OF_SCOPE: dict[str, str] = {
    "cn/genai-interim-measures-2023/genai-interim-measures.zh.cac.html":
        "Chinese original; the English translation by CASI (genai-interim-measures.en.casi-itow.md) is parsed",
    "cn/global-ai-governance-initiative-2023/gaigi.en.agora-1144.txt":
        "partial conversion (introduction omitted) superseded by the CAC page with the official English text",
    "cn/tc260-ai-safety-governance-framework-v1/ai-safety-governance-framework-v1.0.zh.pdf":
        "Chinese original; the English text ai-safety-governance-framework-v1.en.agora-1802.txt is parsed",
    "cn/tc260-pg-20233a-genai-content-labeling/tc260-pg-20233a.zh.pdf":
        "Chinese-only, no English version in the mirror; parsing Chinese is out of scope for the "
        "English-language pipeline",
}
