"""govkb's registered spaCy components and the helpers they share.

Importing this package registers the factories (``govkb_modality_v2``,
``govkb_addressees_v1``, ``govkb_crossrefs_v1``) with spaCy; ``nlp.pipeline.make_nlp``
assembles them. Each component's lexicon lives in a YAML file under ``nlp/data/``: a
change of behaviour is a change of that file *and* of the registered name ("_v1" ->
"_v2"), so an annotation can always be traced to the rules that produced it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def data_path(name: str) -> Path:
    """``name`` as given when absolute, else the file of that name under ``nlp/data``."""
    p = Path(name)
    return p if p.is_absolute() else DATA_DIR / p


@lru_cache(maxsize=None)
def load_data(name: str) -> dict:
    """The parsed YAML file ``name`` (see :func:`data_path`), read once per process."""
    with open(data_path(name), encoding="utf-8") as f:
        return yaml.safe_load(f)


def set_extension(cls, name: str, default=None) -> None:
    """Register ``cls._.name`` once (spaCy refuses a second registration unless forced,
    and tests build several pipelines in one process)."""
    if not cls.has_extension(name):
        cls.set_extension(name, default=default)


# Registration side effects: the factories exist as soon as the package is imported.
from nlp.components import addressees, crossrefs, modality  # noqa: E402,F401
