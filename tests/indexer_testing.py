"""Test support for the indexer: a deterministic fake embedder and a built fixture index.

Imported by the tests/test_indexer_*.py modules (``from tests.indexer_testing import ...``);
a conftest can share it with other tests through ``pytest_plugins = ["tests.indexer_testing"]``.
The fake embedder hashes word stems into buckets (a bag of words), so similar texts get
similar vectors without any model or download (after llm's ``EmbedDemo``).
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import embedders, textproc
from kbcore.settings import Settings, load_settings

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_PASSAGES = FIXTURES / "passages.jsonl"


class FakeEmbedder(embedders.Embedder):
    """Bag of stems hashed into 64 buckets: deterministic, fast, roughly topical."""

    id = "fake"
    dim = 64

    def __init__(self, batch_size: int = 8) -> None:
        self.batch_size = batch_size
        self.calls: list[int] = []

    def embed_batch(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in textproc.stem_tokens(text) or ["<leeg>"]:
                bucket = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little")
                out[row, bucket % self.dim] += 1.0
        out += 0.01  # no zero vectors: every passage gets some cosine
        return out


@pytest.fixture(autouse=True)
def fake_embedder(monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """Register embedder "fake" for every test; returns the instance the factory hands out."""
    instance = FakeEmbedder()
    monkeypatch.setitem(embedders._FACTORIES, "fake", lambda settings: instance)
    return instance


@pytest.fixture
def kb_settings(tmp_path: Path) -> Settings:
    """Settings pointing at a copy of the fixture passages under tmp_path, fake embedder."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(FIXTURE_PASSAGES, site / "passages.jsonl")
    return load_settings(env={}, overrides={
        "site_dir": str(site), "index_dir": str(tmp_path / "index"),
        "cache_dir": str(tmp_path / "cache"), "embedder": "fake",
        # The calibrated threshold belongs to the real model; fake-embedder scores are not on that scale.
        "answer_threshold": 0.0})


@pytest.fixture
def built_index(kb_settings: Settings) -> Settings:
    """kb_settings after a successful build of the fixture index."""
    from indexer.build import build_index

    build_index(kb_settings, progress=False)
    return kb_settings
