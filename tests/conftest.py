"""Shared fixtures: Sphinx's test fixtures and the tiny site roots under tests/roots/."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOTS = Path(__file__).parent / "roots"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


SHARED = REPO.parent / "shared"
DEV_QUESTIONS = SHARED / "eval" / "dev-questions.tsv"


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    """The real knowledge base built once per test session with ``-W`` (site only)."""
    from kennisbank.cmd_build import build_site
    from kbcore.settings import load_settings

    out = tmp_path_factory.mktemp("real-site") / "html"
    settings = load_settings(env={}).replace(source_dir=str(REPO), site_dir=str(out))
    build_site(settings)
    return out


@pytest.fixture(scope="session")
def real_embedding_cache(tmp_path_factory) -> str:
    """One embedding cache for every test that indexes the real site, so it is embedded once.

    ``KB_TEST_CACHE_DIR`` names a persistent directory to reuse between runs.
    """
    import os

    return os.environ.get("KB_TEST_CACHE_DIR") or str(tmp_path_factory.mktemp("embeddings"))
