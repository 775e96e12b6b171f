"""One search, as both the API and the search page show it.

`run_search` asks the searcher once for a pool of the best passages (enough to count
facets on), keeps ``k`` of them from ``offset`` as results (a page), adds a highlighted snippet to each and
composes the answer. The JSON of a result is `indexer.search.hit_to_json` (the same
objects `kb ask --json` prints) plus ``snippet_html``.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from indexer.search import hit_to_json, is_answered
from kbcore.settings import Settings

from .answer import Sentence, compose_answer
from .facets import FacetValue, count_facets
from .highlight import Snippet, make_snippet
from .query import MAX_RESULTS, SearchRequest, check_filters
from .sentence_links import PageTexts, sentence_link
from .service import IndexSnapshot

log = logging.getLogger(__name__)

#: Facet counts are taken over at most this many best passages (after the filters).
FACET_POOL = MAX_RESULTS


@dataclass(frozen=True)
class ResultItem:
    number: int  # 1-based rank over all pages; on the first page the citation number in the answer
    passage: dict[str, Any]
    snippet: Snippet
    data: dict[str, Any]  # the API object


@dataclass(frozen=True)
class SearchOutcome:
    request: SearchRequest
    found: bool
    sentences: list[Sentence]
    results: list[ResultItem]
    facets: dict[str, list[FacetValue]]
    best_score: float = 0.0  # of the best passage, also below the threshold (for insights)
    total: int = 0  # results reachable over all pages (what the facets count)
    pages: PageTexts | None = field(default=None, repr=False, compare=False)  # for sentence links

    @property
    def next_offset(self) -> int | None:
        """Offset of the next page, or None on the last one."""
        following = self.request.offset + self.request.k
        return following if following < self.total else None

    @property
    def previous_offset(self) -> int | None:
        """Offset of the page before, or None on the first one."""
        return max(0, self.request.offset - self.request.k) if self.request.offset > 0 else None

    def sentence_link(self, sentence: Sentence) -> str:
        """Link (relative to the site) to ``sentence`` on the page it was quoted from, marked."""
        return sentence_link(self.results[sentence.result - 1].passage.get("url", ""), sentence.text,
                             self.pages)

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.request.q,
            "answer": {"found": self.found,
                       "sentences": [{"text": s.text, "result": s.result, "link": self.sentence_link(s)}
                                     for s in self.sentences]},
            "results": [item.data for item in self.results],
            "paging": {"offset": self.request.offset, "k": self.request.k, "total": self.total,
                       "next_offset": self.next_offset},
            "facets": {key: [f.to_json() for f in values] for key, values in self.facets.items()},
        }


def reachable_hits(question: str, hits: list[Any], threshold: float, threshold_en: float | None,
                   k: int) -> list[Any]:
    """The results a search reaches over all its pages: those that answer, at least ``k``.

    The first page shows what it always showed (the ``k`` best, once the search is answered
    by the one refusal rule, ``is_answered``); further pages go on as long as passages would
    answer on their own by that rule. The facets count exactly these, so every count can be
    reached with "meer resultaten".
    """
    if not is_answered(question, hits, threshold, threshold_en):
        return []
    above = next((i for i, hit in enumerate(hits)
                  if not is_answered(question, [hit], threshold, threshold_en)), len(hits))
    return hits[:max(above, k)]


def run_search(snapshot: IndexSnapshot, request: SearchRequest, settings: Settings) -> SearchOutcome:
    """Search, compose the answer and count facets; raises BadQuery for unknown filters.

    The answer is composed from the first ``k`` results and shown with the first page only
    (``offset`` 0): a later page lists further results of the same question.
    """
    started = time.perf_counter()
    check_filters(request.filters, snapshot.vocabulary)
    hits = snapshot.search(request.q, k=MAX_RESULTS, filters=request.filters or None)
    threshold = settings.answer_threshold
    reachable = reachable_hits(request.q, hits, threshold, settings.answer_threshold_en, request.k)
    found = bool(reachable)
    matcher = snapshot.matcher
    stems = matcher.query_stems(request.q)
    marked = matcher.question_words(request.q)  # highlighting: whole words only
    results: list[ResultItem] = []
    sentences: list[Sentence] = []
    if found:
        shown = reachable[request.offset:request.offset + request.k]
        for number, hit in enumerate(shown, start=request.offset + 1):
            snippet = make_snippet(hit.passage.get("text", ""), marked, matcher)
            data = dict(hit_to_json(hit))
            data["rank"] = number
            data["snippet_html"] = str(snippet.html)
            results.append(ResultItem(number, hit.passage, snippet, data))
        sources = reachable[:request.k]
        sentences = compose_answer([hit.passage for hit in sources], stems, matcher,
                                   question=request.q, weights=snapshot.weights,
                                   dense=[getattr(hit, "sentence_cosines", None) for hit in sources])
    facets = count_facets([hit.page for hit in reachable], snapshot.vocabulary, request.filters)
    if settings.log_queries:
        log.info("Zoekvraag %r: %d resultaten, antwoord %s, %.1f ms", request.q, len(results),
                 "ja" if found else "nee", (time.perf_counter() - started) * 1000)
    return SearchOutcome(request, found and bool(sentences), sentences if request.offset == 0 else [],
                         results, facets, best_score=float(hits[0].score) if hits else 0.0,
                         total=len(reachable), pages=getattr(snapshot, "page_texts", None))
