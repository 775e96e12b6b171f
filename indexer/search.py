"""Hybrid search over a loaded index: dense (FAISS) + Dutch BM25, fused into one score.

The app and `kb ask` both call `Searcher.search` and turn hits into JSON with
`hit_to_json`, so the command line, the API and `kb eval` all measure the same path.

Fusion: candidates are the best passages of either side; each side's score is mapped to
[0, 1] and the fused score is ``w · dense + (1 - w) · lexical`` with
``w = settings.fusion_weight``. The mapping does not depend on the other candidates
(cosine stretched between fixed bounds, BM25 saturated as s / (s + k)), so a
question about something the knowledge base does not hold gets a low score and
``settings.answer_threshold`` can refuse it. Method and weight were chosen by
measurement on the dev questions (docs/quality.md).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from kbcore.errors import BadQuery
from kbcore.settings import Settings

from .embedders import Embedder
from .english import dutch_terms, looks_english
from .store import LoadedIndex, check_embedder

#: How many passages each side proposes before fusion.
CANDIDATES = 100
#: Dense side, method "weighted": the cosine stretched from [DENSE_FLOOR, DENSE_CEIL] to
#: [0, 1]; e5 puts a question and any Dutch passage at 0.75-0.85, a passage that answers
#: at 0.85-0.95. Fixed bounds keep the score comparable across questions (for the threshold).
DENSE_FLOOR = 0.70
DENSE_CEIL = 0.95
#: Method "weighted-background" (measured, not chosen): the cosine minus the question's
#: background (median cosine with a fixed sample of passages), divided by DENSE_SCALE.
DENSE_SCALE = 0.12
BACKGROUND_SAMPLE = 1024
#: BM25 score at which the lexical side counts half (saturation s / (s + k)).
LEXICAL_HALF = 8.0
#: BM25 adds up over the question's terms, so a long question (a case description) gives
#: every candidate a high sum and a fixed LEXICAL_HALF saturates them all near 1: the words
#: stop telling passages apart. Above LEXICAL_TERMS known terms the half point grows in
#: proportion (measured, docs/quality.md: professionals' case and paraphrase questions).
LEXICAL_TERMS = 5
FUSION_METHODS = ("weighted", "weighted-background", "rrf", "minmax")
RRF_K = 60
#: Add Dutch domain words to English questions for BM25 (indexer.english; measured).
EXPAND_ENGLISH = True
#: Fused score of a passage of a cross-reference section ("Verder lezen", "Welke dilemma's
#: deze aanbeveling beantwoordt"): it restates other pages in a line each (measured).
NAVIGATION_FACTOR = 1.0
#: A question that asks for a list ("de tien vraagstukken", "het eerste van …", "noem …") is
#: answered by the passage that holds the list, not by the one that announces it; such
#: passages (LIST_ITEMS list lines or more) get LIST_BONUS on their fused score (measured:
#: docs/quality.md; only questions that name a list are affected).
LIST_QUESTION = re.compile(
    r"\b(?:noem|opsomming|lijst|overzicht|list)\b"
    r"|\bde (?:drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf)\b"
    r"|\b(?:eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste|negende|tiende|laatste) van\b",
    re.IGNORECASE)
LIST_BONUS = 0.1
LIST_ITEMS = 3
#: A passage that is only our own explanation (no source locator, EDITORIAL_SHARE of its
#: text or more in the page's {redactie} blocks) ranks EDITORIAL_PENALTY lower: for a
#: question of fact the passage with the study's finding is the better first result, and
#: our summary of it stays in the list (measured: docs/quality.md).
EDITORIAL_PENALTY = 0.08
EDITORIAL_SHARE = 0.9
_LIST_LINE = re.compile(r"(?m)^\s*(?:[•·*–-]|\d{1,2}[.)])\s+")
FILTER_FIELDS = {"type": "page_type", "theme": "themes", "law": "laws"}
MODES = ("fused", "dense", "lexical")


class Hit:
    """One passage in a result list; ``score`` is the fused score (higher is better).

    The passage is decoded from the index's store on first use of ``passage``: the app asks
    for 50 hits to count facets, which need only the page fields (``page``), and decoding
    all 50 cost about as much as the rest of ranking.
    """

    __slots__ = ("score", "dense", "lexical", "_passage", "_store", "_number", "_meaning")

    def __init__(self, passage: dict | None, score: float, dense: float, lexical: float,
                 store: Any = None, number: int = -1, meaning: Any = None) -> None:
        if passage is None and store is None:
            raise ValueError("Hit needs a passage or a store and a number")
        self.score, self.dense, self.lexical = score, dense, lexical
        self._passage, self._store, self._number = passage, store, number
        self._meaning = meaning  # (SentenceVectors, question vector), or None

    @property
    def sentence_cosines(self) -> np.ndarray | None:
        """The question's cosine with each sentence of the passage (`indexer.sentences`), or
        None without sentence vectors; computed on use: only the answer's sources need it."""
        if self._meaning is None or self._number < 0:
            return None
        sentences, vector = self._meaning
        return sentences.cosines(vector, [self._number])[0]

    @property
    def passage(self) -> dict:
        if self._passage is None:
            self._passage = self._store[self._number]
        return self._passage

    @property
    def page(self) -> Mapping[str, Any]:
        """The page fields (title, type, themes, laws...) without decoding the passage."""
        if self._passage is None and hasattr(self._store, "page"):
            return self._store.page(self._number)
        return self.passage

    def __repr__(self) -> str:
        return f"Hit(score={self.score:.3f}, passage={self.passage.get('id')!r})"


def check_query(query: str, max_chars: int) -> str:
    """The question with runs of white space collapsed; BadQuery if empty or too long.

    The one length and emptiness check for the API, the search page and `kb ask`.
    Messages never repeat the question (it may hold personal details).
    """
    cleaned = " ".join((query or "").split())
    if not cleaned:
        raise BadQuery("de vraag is leeg; typ een vraag, bijvoorbeeld: Wat is de regierol van het wijkteam?")
    if len(cleaned) > max_chars:
        raise BadQuery(f"de vraag is te lang: {len(cleaned)} tekens, het maximum is {max_chars}. "
                       "Stel een kortere vraag (instelling max_query_chars).")
    return cleaned


def is_answered(query: str, hits: list[Hit], answer_threshold: float,
                answer_threshold_en: float | None = None) -> bool:
    """Whether the knowledge base answers ``query``: the one refusal rule of API, CLI and eval.

    The fused score of the best passage must reach ``answer_threshold``. An English
    question is also answered when the best passage's cosine reaches
    ``answer_threshold_en``: its words hardly occur in the Dutch text, so the BM25 half of
    the fused score stays low even when the passages found by meaning are the right ones
    (measured, docs/quality.md).
    """
    if not hits:
        return False
    if hits[0].score >= answer_threshold:
        return True
    return answer_threshold_en is not None and looks_english(query) and hits[0].dense >= answer_threshold_en


def response_json(query: str, hits: list[Hit], answer_threshold: float,
                  answer_threshold_en: float | None = None) -> dict:
    """``{"query", "answered", "results"}``: answered is False when `is_answered` says so."""
    answered = is_answered(query, hits, answer_threshold, answer_threshold_en)
    return {"query": query, "answered": answered, "results": [hit_to_json(h) for h in hits]}


def hit_to_json(hit: Hit) -> dict:
    """The result object shared by `kb ask --json` and the app's /api/search."""
    p = hit.passage
    return {
        "id": p["id"], "url": p["url"], "page_url": p.get("page_url", p["url"].split("#")[0]),
        "anchor": p.get("anchor", ""), "title": p["title"], "section": p.get("section", ""),
        "page_type": p.get("page_type", ""), "page_type_label": p.get("page_type_label", ""),
        "themes": p.get("themes", []), "theme_labels": p.get("theme_labels", []),
        "laws": p.get("laws", []), "law_labels": p.get("law_labels", []),
        "sources": p.get("sources", []), "citation": p.get("citation", ""),
        "text": p["text"],
        "score": round(float(hit.score), 4), "dense": round(float(hit.dense), 4),
        "lexical": round(float(hit.lexical), 4),
    }


class Searcher:
    """Answers questions from one loaded index with the embedder that built it."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, settings: Settings,
                 method: str = "weighted") -> None:
        check_embedder(index.manifest, embedder.describe(), index.directory)
        if method not in FUSION_METHODS:
            raise ValueError(f"unknown fusion method {method!r}")
        self.index = index
        self.embedder = embedder
        self.weight = float(settings.fusion_weight)
        self.max_query_chars = int(settings.max_query_chars)
        self.method = method
        self.dense_scale = DENSE_SCALE
        self.lexical_half = LEXICAL_HALF
        self.lexical_terms = LEXICAL_TERMS
        self.expand_english = EXPAND_ENGLISH
        self.expand_english_dense = False
        self._background = None
        if method == "weighted-background":
            step = max(1, index.dense.ntotal // BACKGROUND_SAMPLE)
            sample = np.arange(0, index.dense.ntotal, step, dtype=np.int64)[:BACKGROUND_SAMPLE]
            self._background = index.dense.index.reconstruct_batch(sample)
        self.facets = {key: self._values(field) for key, field in FILTER_FIELDS.items()}
        self.navigation_factor = NAVIGATION_FACTOR
        self.list_bonus = LIST_BONUS
        self.editorial_penalty = EDITORIAL_PENALTY
        # once per loaded index, not on a question: which passages are navigation, hold a list,
        # or are only our own explanation
        self._navigation, self._lists, self._editorial = passage_kinds(index.passages)

    def _values(self, field: str) -> dict[str, np.ndarray]:
        passages = self.index.passages
        page = getattr(passages, "page", None)  # PassageStore: no need to decode the texts
        ids: dict[str, list[int]] = {}
        for i in range(len(passages)):
            value = (page(i) if page and field in page(i) else passages[i]).get(field)
            for v in value if isinstance(value, list) else [value]:
                if v:
                    ids.setdefault(v, []).append(i)
        return {v: np.asarray(sorted(i), dtype=np.int64) for v, i in ids.items()}

    def check_query(self, query: str) -> str:
        return check_query(query, self.max_query_chars)

    def allowed_ids(self, filters: dict[str, list[str]] | None) -> np.ndarray | None:
        """Passage ids that pass the filters (OR within a key, AND across keys), or None."""
        if not filters:
            return None
        allowed: np.ndarray | None = None
        for key, values in filters.items():
            if key not in self.facets:
                raise BadQuery(f"onbekend filter '{key}'; gebruik {', '.join(FILTER_FIELDS)}")
            values = [v for v in (values or []) if v]
            if not values:
                continue
            unknown = [v for v in values if v not in self.facets[key]]
            if unknown:
                known = ", ".join(sorted(self.facets[key]))
                raise BadQuery(f"onbekende waarde '{unknown[0]}' voor filter '{key}'; kies uit: {known}")
            ids = np.unique(np.concatenate([self.facets[key][v] for v in values]))
            allowed = ids if allowed is None else np.intersect1d(allowed, ids)
        return allowed

    def search(self, query: str, k: int = 5, filters: dict[str, list[str]] | None = None,
               mode: str = "fused") -> list[Hit]:
        """The ``k`` best passages for ``query``; ``mode`` "dense"/"lexical" for baselines."""
        return self._search(query, filters, mode, max(0, int(k)))

    def search_all(self, query: str, filters: dict[str, list[str]] | None = None,
                   mode: str = "fused") -> list[Hit]:
        """Every candidate passage (both sides' best), best first; for facet counts."""
        return self._search(query, filters, mode, None)

    def _search(self, query: str, filters: dict[str, list[str]] | None, mode: str,
                limit: int | None) -> list[Hit]:
        query = self.check_query(query)
        allowed = self.allowed_ids(filters)
        if limit == 0:
            return []
        if mode == "lexical":
            vector = None
        elif self.expand_english_dense and dutch_terms(query):
            vector = self.embedder.embed_queries([f"{query} ({dutch_terms(query)})"])[0]
        else:
            vector = self.embedder.embed_queries([query])[0]
        return self.rank(query, vector, allowed, mode, limit)

    def rank(self, query: str, vector: np.ndarray | None, allowed: np.ndarray | None = None,
             mode: str = "fused", limit: int | None = None) -> list[Hit]:
        """Retrieval proper, for a question already checked and embedded (benchmarks time this).

        Only the first ``limit`` hits get their passage decoded.
        """
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if allowed is not None and len(allowed) == 0:
            return []
        lexical_query = f"{query} {dutch_terms(query)}" if self.expand_english else query
        term_ids = getattr(self.index.lexical, "term_ids", None)
        terms = term_ids(lexical_query) if term_ids else None
        lexical_all = (self.index.lexical.scores(lexical_query, terms) if terms is not None
                       else self.index.lexical.scores(lexical_query))
        half = self.lexical_half * max(1.0, len(terms) / self.lexical_terms) if terms and self.lexical_terms else None
        if allowed is not None:
            mask = np.zeros(len(lexical_all), dtype=bool)
            mask[allowed] = True
            lexical_all = np.where(mask, lexical_all, 0.0)
        candidates = _top_nonzero(lexical_all, CANDIDATES) if mode != "dense" else np.zeros(0, np.int64)
        dense_ids = np.zeros(0, np.int64)
        dense_scores = np.zeros(0, np.float32)
        if mode != "lexical":
            dense_scores, dense_ids = self.index.dense.search(vector, CANDIDATES, allowed)
        ids = np.union1d(dense_ids, candidates).astype(np.int64)
        if len(ids) == 0:
            return []
        dense = np.zeros(len(ids), dtype=np.float32)
        if mode != "lexical":
            # FAISS's scores where it has them, exact cosines for the lexical-only candidates
            # (``ids`` is sorted: union1d), without a Python loop over the candidates
            found = np.searchsorted(ids, dense_ids)
            dense[found] = dense_scores
            missing = np.ones(len(ids), dtype=bool)
            missing[found] = False
            if missing.any():
                dense[missing] = self.index.dense.scores_for(vector, ids[missing])
        lexical = lexical_all[ids]
        fused = self.fuse(dense, lexical, mode, self.background(vector) if vector is not None else 0.0, half)
        if self.navigation_factor != 1.0:
            fused = np.where(self._navigation[ids], fused * self.navigation_factor, fused)
        if mode == "fused" and self.list_bonus and LIST_QUESTION.search(query):
            fused = fused + self.list_bonus * self._lists[ids]
        if mode == "fused" and self.editorial_penalty:
            fused = fused - self.editorial_penalty * self._editorial[ids]
        order = np.lexsort((ids, -fused))[:limit]
        passages = self.index.passages
        sentences = getattr(self.index, "sentences", None)
        meaning = (sentences, vector) if sentences is not None and vector is not None else None
        return [Hit(None, float(fused[j]), float(dense[j]), float(lexical[j]), passages, int(ids[j]), meaning)
                for j in order]

    def _list_passages(self) -> np.ndarray:
        """Which passages hold LIST_ITEMS list lines or more (as 0.0 / 1.0)."""
        return self._lists.astype(np.float64)

    def _editorial_passages(self) -> np.ndarray:
        """Which passages are only editorial text without a source (as 0.0 / 1.0)."""
        return self._editorial.astype(np.float64)

    def background(self, vector: np.ndarray) -> float:
        """Median cosine of the question with a fixed sample of passages."""
        if self._background is None:
            return 0.0
        return float(np.median(self._background @ vector))

    def fuse(self, dense: np.ndarray, lexical: np.ndarray, mode: str = "fused",
             background: float = 0.0, half: float | None = None) -> np.ndarray:
        """Fused scores in [0, 1] (RRF: its own scale) for candidates of one question.

        ``half``: the lexical half point for this question (LEXICAL_TERMS), default
        ``lexical_half``."""
        if self.method == "weighted-background":
            d = np.clip((dense - background) / self.dense_scale, 0.0, 1.0)
        else:
            d = np.clip((dense - DENSE_FLOOR) / (DENSE_CEIL - DENSE_FLOOR), 0.0, 1.0)
        lex = lexical / (lexical + (half or self.lexical_half))
        if mode == "dense":
            return d if self.method != "minmax" else _minmax(dense)
        if mode == "lexical":
            return lex
        if self.method == "rrf":
            return (1.0 / (RRF_K + _ranks(dense)) + np.where(lexical > 0, 1.0 / (RRF_K + _ranks(lexical)), 0))
        if self.method == "minmax":
            d = _minmax(dense)
            lex = lexical / lexical.max() if lexical.max() > 0 else lexical
        return self.weight * d + (1.0 - self.weight) * lex


def passage_kinds(passages: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per passage, in one pass: navigation (a cross-reference section), holds a list
    (LIST_ITEMS list lines or more), only editorial (no source locator and EDITORIAL_SHARE
    of its text or more in {redactie} blocks). Boolean arrays."""
    n = len(passages)
    navigation, lists, editorial = (np.zeros(n, dtype=bool) for _ in range(3))
    for i in range(n):
        p = passages[i]
        text = p.get("text", "")
        navigation[i] = bool(p.get("navigation"))
        lists[i] = len(_LIST_LINE.findall(text)) >= LIST_ITEMS
        own = sum(len(t) for t in p.get("editorial") or [])
        editorial[i] = bool(text) and not p.get("locators") and own >= EDITORIAL_SHARE * len(text)
    return navigation, lists, editorial


def _top_nonzero(scores: np.ndarray, k: int) -> np.ndarray:
    nonzero = np.flatnonzero(scores > 0)
    if len(nonzero) > k:
        nonzero = nonzero[np.argpartition(-scores[nonzero], k - 1)[:k]]
    return nonzero.astype(np.int64)


def _ranks(scores: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return ranks


def _minmax(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.ones_like(values)
