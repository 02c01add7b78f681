"""Baselines of endorsed positions: load, validate, list.

A baseline is a YAML file under ``nlp/data/baselines/`` (``us-endorsed.yaml`` is the first):
an id, a title, a description and positions. Each position has an id, one of the twelve theme
ids, a stance written in the project's own words, machine-usable hints (``favours``, ``opposes``,
``affirm`` / ``oppose`` example statements, stance ``rules``) and ``citations``: provision ids
of the corpus that ground it. A different baseline is another file read by the same loader.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

BASELINE_DIR = Path(__file__).parent / "data" / "baselines"
DIVERGENCE_PARAMS = Path(__file__).parent / "data" / "divergence.yaml"


def theme_ids() -> tuple[str, ...]:
    """The twelve theme ids (the fixed interface of issue 3), read from the divergence parameters."""
    return tuple(yaml.safe_load(DIVERGENCE_PARAMS.read_text(encoding="utf-8"))["themes"])


def rule_ids() -> tuple[str, ...]:
    """The stance rules a position may name (defined in the divergence parameters)."""
    return tuple(yaml.safe_load(DIVERGENCE_PARAMS.read_text(encoding="utf-8"))["rules"])


@dataclass(frozen=True)
class Position:
    """One endorsed position on one theme."""
    id: str
    theme: str
    stance: str
    citations: tuple[str, ...]
    affirm: tuple[str, ...] = ()
    oppose: tuple[str, ...] = ()
    favours: tuple[str, ...] = ()
    opposes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Baseline:
    """A named set of positions."""
    id: str
    title: str
    description: str
    positions: tuple[Position, ...]
    source: str = ""                       # the file it was read from
    meta: dict = field(default_factory=dict, compare=False)

    def by_theme(self, theme: str) -> list[Position]:
        """The positions on ``theme``, in file order."""
        return [p for p in self.positions if p.theme == theme]

    def position(self, position_id: str) -> Position:
        """The position with this id (KeyError if none)."""
        for p in self.positions:
            if p.id == position_id:
                return p
        raise KeyError(position_id)


class BaselineError(ValueError):
    """A baseline file that does not validate; ``problems`` lists every problem found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s):\n  " + "\n  ".join(problems))


def _strings(value, where: str, key: str, problems: list[str]) -> tuple[str, ...]:
    """A list of non-empty strings, or () with a problem recorded."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: '{key}' must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


def _parse(data: dict, source: str) -> tuple[Baseline, list[str]]:
    """Build a Baseline from parsed YAML; structural problems are returned, not raised."""
    problems: list[str] = []
    if not isinstance(data, dict):
        return Baseline("", "", "", (), source), [f"{source}: not a mapping"]
    for key in ("id", "title", "description"):
        if not str(data.get(key) or "").strip():
            problems.append(f"baseline: missing field '{key}'")
    positions = []
    raw = data.get("positions")
    if not isinstance(raw, list) or not raw:
        problems.append("baseline: 'positions' must be a non-empty list")
        raw = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"position #{i + 1}: not a mapping")
            continue
        where = f"position {item.get('id') or '#' + str(i + 1)}"
        for key in ("id", "theme", "stance"):
            if not str(item.get(key) or "").strip():
                problems.append(f"{where}: missing field '{key}'")
        positions.append(Position(
            id=str(item.get("id") or "").strip(), theme=str(item.get("theme") or "").strip(),
            stance=" ".join(str(item.get("stance") or "").split()),
            citations=_strings(item.get("citations"), where, "citations", problems),
            affirm=_strings(item.get("affirm"), where, "affirm", problems),
            oppose=_strings(item.get("oppose"), where, "oppose", problems),
            favours=_strings(item.get("favours"), where, "favours", problems),
            opposes=_strings(item.get("opposes"), where, "opposes", problems),
            rules=_strings(item.get("rules"), where, "rules", problems)))
    meta = {k: v for k, v in data.items() if k not in {"id", "title", "description", "positions"}}
    return Baseline(str(data.get("id") or ""), str(data.get("title") or ""),
                    " ".join(str(data.get("description") or "").split()),
                    tuple(positions), source, meta), problems


def validate(baseline: Baseline, known_ids: set[str] | None = None) -> list[str]:
    """Every problem of ``baseline``: unknown theme or rule, duplicate position id, empty
    citations, no affirm statement, and (when ``known_ids`` is given) cited provision ids that
    are not in the corpus. An empty list means the baseline is valid."""
    problems: list[str] = []
    themes, rules = set(theme_ids()), set(rule_ids())
    seen: set[str] = set()
    for p in baseline.positions:
        if p.id in seen:
            problems.append(f"position {p.id}: duplicate position id")
        seen.add(p.id)
        if p.theme and p.theme not in themes:
            problems.append(f"position {p.id}: unknown theme '{p.theme}' (known: {', '.join(sorted(themes))})")
        if not p.citations:
            problems.append(f"position {p.id}: no citations (every position must cite the provisions that ground it)")
        if not p.affirm:
            problems.append(f"position {p.id}: no 'affirm' statement (the divergence method needs at least one)")
        for r in p.rules:
            if r not in rules:
                problems.append(f"position {p.id}: unknown rule '{r}' (known: {', '.join(sorted(rules))})")
        if known_ids is not None:
            for c in p.citations:
                if c not in known_ids:
                    problems.append(f"position {p.id}: cited provision '{c}' is not in the corpus")
    return problems


def load_baseline(path: str | Path, known_ids: set[str] | None = None) -> Baseline:
    """Read and validate a baseline file; raises BaselineError naming each position and bad value.

    ``path`` may also be a bare baseline id (``"us-endorsed"``), looked up in ``nlp/data/baselines/``.
    With ``known_ids`` (the corpus's provision ids), every citation must be one of them."""
    path = Path(path)
    if not path.suffix and not path.exists():
        path = BASELINE_DIR / f"{path.name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    baseline, problems = _parse(data, str(path))
    problems += validate(baseline, known_ids)
    if problems:
        raise BaselineError(str(path), problems)
    return baseline


def available_baselines(directory: str | Path = BASELINE_DIR) -> dict[str, Path]:
    """Baseline id -> file, for every baseline file in ``directory``."""
    out: dict[str, Path] = {}
    for f in sorted(Path(directory).glob("*.y*ml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("id"):
            out[str(data["id"])] = f
    return out
