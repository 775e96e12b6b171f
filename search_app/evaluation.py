"""The answer as the API gives it, for `kb eval`: question -> the sentences shown first.

`answerers` makes one answerer per system measured. ``fused`` is exactly the API's code
path (`search_app.results.run_search` on a snapshot of the loaded index, with the answer
threshold, so a refused question has no sentences). The baselines feed the same answer
code with other retrieval: ``lexical`` (our BM25 half) and ``bm25`` (plain Snowball BM25
over the passage text), both without a threshold (their scores are on another scale), so
the comparison shows what the retrieval adds to the answer.
"""
from __future__ import annotations

from typing import Any

from indexer.baselines import PlainBM25
from indexer.search import Hit
from kbcore.settings import Settings

from .query import SearchRequest
from .results import run_search
from .service import make_snapshot

#: Results an answer is composed from, as the API's default ``k``.
ANSWER_K = 5


class _ModeSearcher:
    """The loaded searcher restricted to one of its halves (for a baseline)."""

    def __init__(self, searcher: Any, mode: str) -> None:
        self.searcher, self.mode, self.index = searcher, mode, searcher.index

    def search(self, query: str, k: int = 5, filters: dict[str, list[str]] | None = None) -> list[Hit]:
        return self.searcher.search(query, k, filters, mode=self.mode)


class _PlainBM25Searcher:
    """Plain BM25 (Snowball, text only) over the same passages, as hits."""

    def __init__(self, searcher: Any, passages: list[dict[str, Any]]) -> None:
        self.index, self.passages = searcher.index, passages
        self.bm25 = PlainBM25([p["text"] for p in passages])

    def search(self, query: str, k: int = 5, filters: dict[str, list[str]] | None = None) -> list[Hit]:
        return [Hit(self.passages[i], 1.0, 0.0, 1.0) for i in self.bm25.top(query, k)]


def answerers(searcher: Any, index: Any, settings: Settings, baselines: bool = True) -> dict:
    """name -> (question -> sentences shown, empty when refused)."""
    systems = {"fused": (searcher, settings)}
    if baselines:
        open_settings = settings.replace(answer_threshold=0.0)
        systems["lexical"] = (_ModeSearcher(searcher, "lexical"), open_settings)
        systems["bm25"] = (_PlainBM25Searcher(searcher, list(index.passages)), open_settings)
    out = {}
    for name, (system, system_settings) in systems.items():
        snapshot = make_snapshot(system, index)

        def answer(question: str, snapshot=snapshot, system_settings=system_settings) -> list[str]:
            request = SearchRequest(q=question, k=ANSWER_K)
            outcome = run_search(snapshot, request, system_settings)
            return [s.text for s in outcome.sentences] if outcome.found else []

        out[name] = answer
    return out
