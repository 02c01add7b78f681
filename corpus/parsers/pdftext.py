"""Text out of PDFs, shared by the PDF parsers.

pypdfium2 gives the cleanest text layer here; pypdf is the fallback when pdfium cannot
open a file. Line-end hyphens are resolved against the document's own vocabulary, so a
word split across lines ("regu-/lation") is joined while a real compound ("high-risk")
keeps its hyphen.

Further down: pages with a bold flag per line (``styled_pages``), the page-furniture-free
lines of a print (``body_lines``), and collecting lines per provision (``TextBlocks``),
all shared by several PDF parsers.
"""
from __future__ import annotations

import collections
import ctypes
import re
from dataclasses import dataclass

from corpus.model import ParseError, Provision, ProvisionTree

# Left halves that make real compounds when nothing else in the document decides.
_COMPOUND_PREFIXES = {
    "non", "cross", "self", "co", "multi", "high", "low", "well", "long", "short", "real",
    "state", "anti", "pre", "post", "inter", "sub", "human", "machine", "risk", "rights",
    "decision", "open", "third", "general", "large", "small", "medium", "end", "data",
    "privacy", "socio", "multi-stakeholder", "AI", "ex", "follow", "up", "full", "like",
}

_HYPHEN_END = re.compile(r"(\w+)[-\u00ad]$")
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, lines separated by newlines (pdfium, else pypdf)."""
    try:
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(data)
        try:
            pages = []
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                pages.append(tp.get_text_range())
                tp.close()
                page.close()
            return [normalise(p) for p in pages]
        finally:
            pdf.close()
    except Exception as pdfium_error:  # damaged or unusual file: try the other reader
        try:
            import io

            import pypdf
            reader = pypdf.PdfReader(io.BytesIO(data))
            return [normalise(p.extract_text() or "") for p in reader.pages]
        except Exception as pypdf_error:
            raise ParseError(f"not a readable PDF (pdfium: {pdfium_error}; pypdf: {pypdf_error})") from None


def normalise(text: str) -> str:
    """pdfium text with ligatures expanded, typographic and soft hyphens as "-", no-break
    spaces as spaces, and trailing blanks removed from each line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # pdfium marks soft hyphens at line ends as U+0002 or U+00AD, and form feeds between columns
    text = text.replace("\u0002", "-").replace("\ufffe", "-").replace("\x0c", "\n")
    for a, b in (("\ufb01", "fi"), ("\ufb02", "fl"), ("\ufb00", "ff"), ("\ufb03", "ffi"),
                 ("\ufb04", "ffl"), ("\u2010", "-"), ("\u2011", "-"), ("\u00a0", " ")):
        text = text.replace(a, b)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def join_lines(lines: list[str], vocabulary: collections.Counter | None = None) -> str:
    """Join text lines into running text, resolving line-end hyphens.

    ``vocabulary`` counts the words of the whole document (``document_vocabulary``); with
    it, "regu-" + "lation" becomes "regulation" because "regulation" occurs elsewhere,
    and "high-" + "risk" stays "high-risk" because the hyphenated form does. A soft
    hyphen (U+00AD) always joins.
    """
    vocab = vocabulary if vocabulary is not None else document_vocabulary(lines)
    parts: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        prev = parts[-1] if parts else ""
        # only the tail is searched: the accumulated part can be a whole page long
        m = _HYPHEN_END.search(prev[-80:]) if prev.endswith(("-", "\u00ad")) else None
        if m:
            first = re.match(r"[A-Za-z]+", line)
            if first is None:            # "AI-" + "2024": a compound with a number
                parts[-1] = prev + line
            else:
                keep = not prev.endswith("\u00ad") and _keep_hyphen(m.group(1), first.group(0), vocab)
                parts[-1] = prev[:-1] + ("-" if keep else "") + line
        else:
            parts.append(line)
    return " ".join(parts)


def _keep_hyphen(left: str, right: str, vocab: collections.Counter) -> bool:
    hyph = f"{left}-{right}".lower()
    joined = f"{left}{right}".lower()
    if vocab[hyph] or vocab[joined]:
        return vocab[hyph] >= vocab[joined]
    if right[:1].isupper() or left.isupper() or left.isdigit():
        return True
    if left.lower() in _COMPOUND_PREFIXES:
        return True
    # a document that writes "AI-related" and "security-related" means "deepfake-related"
    tail = "-" + right.lower()
    return len(right) >= 4 and sum(1 for w in vocab if w.endswith(tail)) >= 2


def document_vocabulary(lines_or_text) -> collections.Counter:
    """Lower-cased word counts of a document, hyphenated compounds counted whole; words
    broken at a line end are not counted (they are what we are trying to decide)."""
    text = lines_or_text if isinstance(lines_or_text, str) else "\n".join(lines_or_text)
    text = re.sub(r"\w+[-\u00ad]\n\s*\w+", " ", text)
    return collections.Counter(w.lower().strip("-") for w in _WORD.findall(text))


# Running headers and footers sit in the first or last lines of a page; looking only
# there keeps a body line that merely recurs ("Article 5 ...") from being stripped.
_EDGE_LINES = 3


def _edges(page: str) -> list[tuple[int, str]]:
    lines = [(i, l) for i, l in enumerate(page.split("\n")) if l.strip()]
    return lines[:_EDGE_LINES] + lines[_EDGE_LINES:][-_EDGE_LINES:]


def repeated_lines(pages: list[str], min_share: float = 0.5) -> set[str]:
    """Shapes (digits blanked) of lines at the top or bottom of at least ``min_share`` of
    the pages: running headers and footers, to be stripped before parsing."""
    if len(pages) < 3:
        return set()
    seen: collections.Counter = collections.Counter()
    for page in pages:
        seen.update({_shape(l) for _, l in _edges(page)})
    cutoff = max(2, int(len(pages) * min_share))
    return {s for s, n in seen.items() if n >= cutoff}


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def strip_repeated(pages: list[str], min_share: float = 0.5) -> list[str]:
    """Pages without their running headers/footers and bare page numbers (both only at
    the top or bottom of a page)."""
    furniture = repeated_lines(pages, min_share)
    out = []
    for page in pages:
        lines = page.split("\n")
        drop = {i for i, l in _edges(page)
                if _shape(l) in furniture or re.fullmatch(r"\s*(-\s*)?\d{1,3}(\s*-)?\s*", l)}
        out.append("\n".join(l for i, l in enumerate(lines) if i not in drop))
    return out


# --- layout helpers shared by the PDF parsers ------------------------------------------

@dataclass
class Line:
    """One text line of a PDF page and whether it is set (almost) entirely in bold."""

    text: str
    bold: bool


def styled_pages(data: bytes) -> list[list[Line]]:
    """``pdf_pages`` lines with a bold flag per line.

    Headings in some prints (OECD, G7) are told apart from body text only by their bold
    face (a wrapped heading line looks like any other line), so the font of each character
    is read from pdfium. The flags are aligned with the lines of ``pdf_pages``; where the
    two disagree (pdfium could not read the file and pypdf was used), no line is bold
    and callers must cope.
    """
    pages = pdf_pages(data)
    flags: list[list[bool]] = []
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as raw
        pdf = pdfium.PdfDocument(data)
        try:
            buf = ctypes.create_string_buffer(128)
            flag_int = ctypes.c_int()
            for i in range(len(pdf)):
                page = pdf[i]
                tp = page.get_textpage()
                n = tp.count_chars()
                line_flags: list[bool] = []
                bold = total = 0
                for ci in range(n):
                    ch = chr(raw.FPDFText_GetUnicode(tp.raw, ci))
                    if ch in "\n\x0c":
                        line_flags.append(total > 0 and bold / total >= 0.9)
                        bold = total = 0
                        continue
                    if ch.isspace() or ch == "\r":
                        continue
                    raw.FPDFText_GetFontInfo(tp.raw, ci, buf, 128, ctypes.byref(flag_int))
                    total += 1
                    if b"Bold" in buf.value or raw.FPDFText_GetFontWeight(tp.raw, ci) >= 600:
                        bold += 1
                line_flags.append(total > 0 and bold / total >= 0.9)
                tp.close()
                page.close()
                flags.append(line_flags)
        finally:
            pdf.close()
    except Exception:  # unreadable by pdfium: text came from pypdf, styles unknown
        flags = []
    out = []
    for i, page in enumerate(pages):
        lines = page.split("\n")
        f = flags[i] if i < len(flags) and len(flags[i]) == len(lines) else [False] * len(lines)
        out.append([Line(t, b) for t, b in zip(lines, f)])
    return out


def ends_paragraph(line: str, width: int) -> bool:
    """The text layer has no paragraph marks: a paragraph (or list item) ends at a line
    that closes a sentence or item and stops well short of the full text width."""
    return bool(re.search(r"[.;:]$", line)) and len(line) < 0.8 * width


def fix_spaced_hyphens(lines: list[str]) -> list[str]:
    """Word processors sometimes print "capacity -" at a line end for "capacity-"; drop
    the stray space so that ``join_lines`` can decide about the hyphen."""
    return [re.sub(r"(\w) -$", r"\1-", l.rstrip()) for l in lines]


_PAGE_NUMBER = re.compile(r"[\u2013-]?\s*\d{1,3}\s*[\u2013-]?")


def body_lines(data: bytes, drop: re.Pattern | None = None) -> list[str]:
    """The document's text lines in reading order, without running headers/footers,
    bare page numbers, blank lines, and lines matching ``drop`` (furniture that
    appears on too few pages for ``strip_repeated`` to catch it)."""
    pages = strip_repeated(pdf_pages(data))
    lines = []
    for page in pages:
        kept = [l.strip() for l in page.split("\n") if l.strip()]
        # strip_repeated looks at two lines per page edge; the CETS header takes three
        # (title, rule, page number), so a page number can survive at the top.
        while kept and _PAGE_NUMBER.fullmatch(kept[0]):
            kept.pop(0)
        while kept and _PAGE_NUMBER.fullmatch(kept[-1]):
            kept.pop()
        lines.extend(l for l in kept if not (drop is not None and drop.match(l)))
    if not lines:
        raise ParseError("the PDF has no text layer (expected the printed text of the instrument)")
    return lines


class TextBlocks:
    """Lines collected per provision, joined (with de-hyphenation against the
    document's vocabulary) into each provision's text at the end.

    Lines go to the provision last ``open``ed; ``reopen`` sends later lines back to an
    earlier provision (text that resumes a list item after its sub-items)."""

    def __init__(self, tree: ProvisionTree, vocabulary):
        self.tree = tree
        self.vocabulary = vocabulary
        self.lines: dict[str, list[str]] = {}
        self.provs: dict[str, Provision] = {}
        self.current: Provision | None = None

    def open(self, prov: Provision, first_line: str = "") -> Provision:
        """Make ``prov`` the receiver of the following lines (``first_line`` included)."""
        self.provs[prov.id] = prov
        self.lines.setdefault(prov.id, [])
        self.current = prov
        if first_line:
            self.lines[prov.id].append(first_line)
        return prov

    reopen = open

    def add(self, line: str) -> None:
        """Append a line to the current provision."""
        if self.current is None:
            raise ParseError(f"text before any structure was recognised: {line[:60]!r}")
        self.lines[self.current.id].append(line)

    def last_line(self) -> str:
        """The last line given to the current provision ("" if none)."""
        if self.current is None:
            return ""
        got = self.lines[self.current.id]
        return got[-1] if got else ""

    def finish(self) -> None:
        """Write the joined text into every provision."""
        for pid, lines in self.lines.items():
            if lines:
                self.tree.append_text(self.provs[pid], join_lines(lines, self.vocabulary))
