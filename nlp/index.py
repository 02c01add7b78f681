"""The FAISS index over provision vectors, with a manifest that says what it holds.

Exact inner product (``flat-ip``) by default: vectors are L2-normalised, so scores are
cosine similarities and every search is exact. ``hnsw`` trades exactness for speed on
very large corpora.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import faiss
import numpy as np

from corpus.archive import write_atomic

INDEX_TYPES = ("flat-ip", "hnsw")


def corpus_hash(ids: list[str], text_hashes: list[str]) -> str:
    """A hash of what was indexed: ids and their texts, in order."""
    h = hashlib.sha256()
    for i, t in zip(ids, text_hashes):
        h.update(f"{i}\t{t}\n".encode())
    return h.hexdigest()


class VectorIndex:
    """Provision ids, their vectors' FAISS index and the manifest."""

    def __init__(self, index: faiss.Index, ids: list[str], manifest: dict):
        self.index = index
        self.ids = ids
        self.manifest = manifest
        self.pos = {i: n for n, i in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], vectors: np.ndarray, *, model: str, model_hash: str,
              text_hashes: list[str], index_type: str = "flat-ip") -> "VectorIndex":
        """Index ``vectors`` (one row per id)."""
        if index_type not in INDEX_TYPES:
            raise ValueError(f"unknown index type {index_type!r}; choose from {', '.join(INDEX_TYPES)}")
        dim = int(vectors.shape[1])
        index = faiss.IndexFlatIP(dim) if index_type == "flat-ip" else faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        if len(ids):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        manifest = {"model": model, "model_hash": model_hash, "dim": dim, "count": len(ids),
                    "index_type": index_type, "corpus_hash": corpus_hash(ids, text_hashes)}
        return cls(index, list(ids), manifest)

    def save(self, directory: Path) -> None:
        """Write ``provisions.faiss``, ``ids.json`` and ``manifest.json``."""
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(directory / "provisions.faiss", faiss.serialize_index(self.index).tobytes())
        write_atomic(directory / "ids.json", json.dumps(self.ids))
        write_atomic(directory / "manifest.json", json.dumps(self.manifest, indent=2, sort_keys=True))

    @classmethod
    def load(cls, directory: Path, model_hash: str | None = None) -> "VectorIndex":
        """Read an index; refuse one built with another model than ``model_hash``."""
        manifest = json.loads((directory / "manifest.json").read_text())
        if model_hash and manifest["model_hash"] != model_hash:
            raise RuntimeError(f"{directory}: index built with model {manifest['model_hash'][:12]}, "
                               f"not the configured {model_hash[:12]}; rebuild with `govkb build`")
        index = faiss.deserialize_index(np.frombuffer((directory / "provisions.faiss").read_bytes(), dtype=np.uint8))
        ids = json.loads((directory / "ids.json").read_text())
        if len(ids) != index.ntotal or index.d != manifest["dim"]:
            raise RuntimeError(f"{directory}: index and ids disagree ({index.ntotal} vectors, {len(ids)} ids)")
        return cls(index, ids, manifest)

    def vector(self, prov_id: str) -> np.ndarray:
        """The stored vector of one provision."""
        return self.index.reconstruct(self.pos[prov_id])

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """The ``k`` nearest ids (with cosine scores) for each query row."""
        if not self.ids:
            return [[] for _ in range(len(queries))]
        scores, idx = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, len(self.ids)))
        return [[(self.ids[j], float(s)) for j, s in zip(row_i, row_s) if j >= 0]
                for row_i, row_s in zip(idx, scores)]
