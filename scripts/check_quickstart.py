"""Check what the README's first command left in OUT, as a new user would find it: the site's
front page, the provisions export, an answer to `govkb search "Article 50"` (the AI Act's
Article 50 first), and no page showing a literal entity such as "&minus;1".

    python scripts/check_quickstart.py out

Exit status 0 when all hold; 1 with one line per problem. CI runs it right after the build.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});")


def problems(out: Path) -> list[str]:
    """Everything that is not as the README promises."""
    from bs4 import BeautifulSoup
    found = []
    for rel in ("site/index.html", "export/provisions.jsonl", "export/documents.jsonl"):
        if not (out / rel).is_file():
            found.append(f"{out / rel} is missing")
    if found:
        return found
    with (out / "export" / "provisions.jsonl").open(encoding="utf-8") as f:
        first = json.loads(f.readline())
    if not {"id", "pinpoint", "text", "source_url", "sha256"} <= first.keys():
        found.append(f"provisions.jsonl lacks fields: {first.keys()}")
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", "search", "Article 50", "--out", str(out), "--json",
                           "-k", "3"], capture_output=True, text=True)
    if proc.returncode != 0:
        found.append(f'govkb search "Article 50" failed: {proc.stderr.strip()}')
    elif not json.loads(proc.stdout) or json.loads(proc.stdout)[0]["id"] != "eu-ai-act/art-50":
        found.append(f'govkb search "Article 50" did not put the AI Act\'s Article 50 first: {proc.stdout[:300]}')
    for page in (out / "site").rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for node in soup.find_all(string=True):
            if node.parent.name not in ("script", "style") and ENTITY.search(str(node)):
                found.append(f"{page.relative_to(out)} shows a literal entity: {str(node).strip()[:80]!r}")
                break
    return found


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out")
    found = problems(out)
    for p in found:
        print(f"quick start: {p}", file=sys.stderr)
    if not found:
        print(f"quick start: {out}/site/index.html, {out}/export/provisions.jsonl and the first search are as the README says")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
