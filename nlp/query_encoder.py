"""A light encoder for search queries: the same vectors as ``nlp.embed.Embedder`` without
importing PyTorch or sentence-transformers.

Loading those libraries costs about 4.5 s on 2 cores, which is nearly all of a one-off
`govkb search` from the command line; encoding one query then takes milliseconds. This module
runs the model's forward pass (BERT encoder, mean pooling, L2 normalisation, as the model's
``modules.json`` prescribes) in NumPy on the same safetensors weights and the same tokenizer
file, for the few texts a query needs. Builds keep using ``Embedder`` (batched, faster for
thousands of texts); a test checks both give the same vectors to 1e-4.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


class QueryEncoder:
    """Encode a few texts with a BERT-type sentence-transformers model in NumPy."""

    def __init__(self, model_path: str | Path):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        path = Path(model_path)
        cfg = json.loads((path / "config.json").read_text())
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        if (cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu"
                or modules != ["Transformer", "Pooling", "Normalize"] or not pooling.get("pooling_mode_mean_tokens")):
            raise ValueError(f"{path}: not a BERT model with mean pooling and normalisation; use nlp.embed")
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        st = json.loads((path / "sentence_bert_config.json").read_text())
        self.max_len = int(st.get("max_seq_length", 256))
        self.tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tok.enable_truncation(self.max_len)
        self.tok.no_padding()
        w = load_file(str(path / "model.safetensors"))
        # checkpoints name the weights with or without the "bert." prefix
        self.w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in w.items()}

    def _ln(self, x: np.ndarray, name: str) -> np.ndarray:
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[f"{name}.weight"] + self.w[f"{name}.bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _one(self, text: str) -> np.ndarray:
        enc = self.tok.encode(text)
        ids, types = np.array(enc.ids), np.array(enc.type_ids)
        w, n = self.w, len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][types])
        x = self._ln(x, "embeddings.LayerNorm")
        d = x.shape[1] // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (self._dense(x, f"{p}.attention.self.{m}").reshape(n, self.heads, d).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            att = q @ k.transpose(0, 2, 1) / math.sqrt(d)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(n, -1)
            x = self._ln(x + self._dense(ctx, f"{p}.attention.output.dense"), f"{p}.attention.output.LayerNorm")
            h = self._dense(x, f"{p}.intermediate.dense")
            h = (h * 0.5 * (1.0 + _erf(h / math.sqrt(2.0)).astype(np.float32))).astype(np.float32)   # exact GELU
            x = self._ln(x + self._dense(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        v = x.mean(0)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text."""
        return np.vstack([self._one(t) for t in texts]).astype(np.float32)


class QueryEmbedder:
    """What search needs of an embedder (``model_id``, ``encode``) at the cost of NumPy: the
    engine's default, so a one-off query never imports PyTorch."""

    def __init__(self, model_path: str | Path | None = None):
        from nlp.embed import default_model_path, model_hash
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.model_id = model_hash(self.model_path)
        self._enc: QueryEncoder | None = None

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """L2-normalised vectors, one row per text (the same as ``Embedder.encode``)."""
        if self._enc is None:
            self._enc = QueryEncoder(self.model_path)
        return self._enc.encode(texts)
