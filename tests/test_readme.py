"""The README's commands do what the README says.

- CI runs the quick start exactly as written (`.ci/run` holds both lines verbatim);
- every line of the "Commands" block names a real command and real options;
- every line of the "For counsel" block, run as written against a small build, answers
  with the output its comment promises.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

from tests.conftest import G7_BASELINE as BASELINE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COUNSEL_DOCS = ("eu-ai-act", "eu-gdpr", "g7-hiroshima-code", "cn-ai-labeling-measures-2025")


def block(heading: str) -> list[str]:
    """The command lines of the first ```sh block under a README heading."""
    part = README[README.index(f"## {heading}\n"):]
    body = part[part.index("```sh\n") + 6:]
    return [l for l in body[:body.index("```")].splitlines() if l.strip()]


def test_ci_runs_the_quick_start_as_written():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    quick = block("Quick start")
    assert len(quick) == 2
    for line in quick:
        assert line in ci, f".ci/run does not run the README's {line!r}"
    assert ci.index(quick[0]) < ci.index(quick[1])


def help_of(args: list[str]) -> str:
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", *args, "--help"], capture_output=True, text=True)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout


def test_commands_block_names_real_commands_and_options():
    seen = 0
    for line in block("Commands"):
        for part in line.split("#")[0].split(" | "):
            words = part.split()
            if not words or words[0] != "govkb":
                continue
            cmd = [w for w in words[1:] if re.fullmatch(r"[a-z][a-z-]*", w)][:2]
            if cmd and "|" in cmd[-1]:
                cmd = cmd[:-1]
            # a group's subcommands are written "review queue|check|pin|stats"
            alts = re.search(r"\b([a-z]+(?:\|[a-z]+)+)\b", part)
            if alts and cmd and alts.group(1).startswith(cmd[-1]):
                subs, cmd = alts.group(1).split("|"), cmd[:-1]
            else:
                subs = [None]
            for sub in subs:
                args = cmd + ([sub] if sub else [])
                while args and f"  {args[-1]}" not in help_of(args[:-1]) and len(args) > 1:
                    args = args[:-1]   # "govkb search QUERY": QUERY is an argument, not a command
                text = help_of(args) if args else help_of([])
                for opt in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", part):
                    assert opt in text, f"README line {line!r}: {' '.join(args)} has no option {opt}"
                seen += 1
    assert seen >= 15


@pytest.fixture(scope="module")
def small_build(subset_kb):
    return subset_kb("readme", COUNSEL_DOCS, BASELINE)


def run_line(line: str, out) -> tuple[str, str]:
    """Run one README line as a shell would (quotes, a redirection), reading ``out``."""
    cmd = line.split("  #")[0].strip()
    target = None
    if " > " in cmd:
        cmd, target = cmd.split(" > ")
    argv = shlex.split(cmd)
    assert argv[0] == "govkb"
    proc = subprocess.run([sys.executable, "-m", "govkb.cli", *argv[1:]], capture_output=True, text=True,
                          env={**os.environ, "GOVKB_OUT": str(out)}, timeout=300)
    assert proc.returncode == 0, (line, proc.stderr)
    assert proc.stdout.strip(), f"README line {line!r} printed nothing"
    return proc.stdout, proc.stderr


def test_for_counsel_examples_do_what_they_say(small_build):
    lines = [l for l in block("For counsel") if not l.startswith("govkb serve-api")]   # a server: test_cli_paths
    assert len(lines) == 9
    outputs = {l.split("  #")[0].strip(): run_line(l, small_build) for l in lines}
    get = lambda start: next(v for k, v in outputs.items() if k.startswith(start))

    out, _ = get('govkb search "Article 50"')
    assert out.splitlines()[0].startswith("  1. EU AI Act, Article 50 ") and "pinpoint match" in out
    out, _ = get("govkb search '\"synthetic audio\" OR watermark*'")
    assert "BM25" in out and ("«synthetic» «audio»" in out or "«watermark" in out)
    out, _ = get('govkb search "duty to tell users')
    assert "cosine" in out and len(re.findall(r"^\s+\d+\. ", out, re.M)) == 10
    assert "«to»" not in out and "«a»" not in out      # stopwords are not marked in a search by meaning
    out, err = get('govkb search "labelling of AI-generated content"')
    assert "not valid FTS5" not in err
    hits = re.findall(r"^\s+\d+\. ([^,]+),", out, re.M)
    assert hits and set(hits) <= {"EU AI Act", "GDPR", "AI Content Labeling Measures"}
    assert "modality: obligation" in out and "source: https://" in out
    out, _ = get('govkb search "risk management"')
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and all(r["binding"] == "True" and "accountability" in r["themes"] for r in rows)
    out, _ = get('govkb search "tell people they are interacting with an AI system" --group')
    assert out.splitlines()[0].startswith("  1. EU AI Act, Article 50(1) ")
    assert re.search(r"also in Article 50:\n(\s+Article 50.*\n)*\s+Article 50\(5\): ", out)
    where = re.findall(r"^\s+\d+\. (.+?)   ", out, re.M)
    articles = [re.sub(r"(\(\d+\)|, point).*$", "", w) for w in where]     # Article 50(1) -> Article 50
    assert len(articles) == len(set(articles)) == len(where), where        # one result per article
    assert all(len(re.findall(r"^ {7}\S", b, re.M)) <= 6 for b in re.split(r"^\s+\d+\. ", out, flags=re.M))
    out, _ = get("govkb show eu-ai-act/art-50/par-2")
    assert out.startswith("EU AI Act, Article 50(2)") and "source: https://eur-lex.europa.eu" in out
    out, _ = get("govkb align eu-ai-act/art-50/par-2 --doc g7-hiroshima-code")
    assert "Hiroshima Code of Conduct, Action 7" in out
    out, _ = get("govkb align eu-ai-act/art-99/par-8 -k 3")
    first = out.split("\n\n", 1)[1].splitlines()
    assert "conflicts" in first[0] and "GDPR, Article 83(7)" in first[0] and "vs “" in out


def test_readme_example_outputs_are_not_stale(small_build):
    """The JSON form of the first example has the fields the README lists."""
    out, _ = run_line('govkb search "Article 50" --json', small_build)
    row = json.loads(out)[0]
    assert {"id", "doc_id", "pinpoint", "score", "text", "highlight", "source_url", "aligned"} <= row.keys()
