"""Retrieval and answer quality on a question set: top-1, top-5, MRR@10, answer score.

Question files are TSV with the columns ``id``, ``lang``, ``question``, ``patterns``
(see ../shared/eval/README.md) and optionally ``kind`` (what sort of question: ``case``,
``keywords``, ``typo``, ``paraphrase``, ``en``; a file without the column has no kinds):
a passage answers a question when every ``&&``-joined regular expression matches its text
(case-insensitive). A question that no passage of the index answers is reported apart as
"not in the knowledge base": that is a content gap, not a retrieval miss.

The **answer score** asks the same of what a professional reads first: the answer
sentences, joined, must match the patterns. Answers come from an ``answerer`` (question ->
shown sentences, empty when refused) that the caller supplies: the indexer does not know
the app, and `kb eval` passes the app's own code path (`search_app.evaluation`).

`evaluate` takes any ranking function (question -> passages, best first; an item may be a
list of passages, e.g. a whole page from Sphinx's search, which then answers if any of them
does), so the fused search, its two halves and the baselines are measured the same way on
the same passages. `run_eval` is what `kb eval` prints.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kbcore.errors import ContentError

DEPTH = 10


@dataclass
class Question:
    id: str
    lang: str
    question: str
    patterns: list[re.Pattern] = field(repr=False)
    source: str = ""
    kind: str = ""

    def answered_by(self, passage: dict) -> bool:
        return self.matches(passage.get("text", ""))

    def matches(self, text: str) -> bool:
        return all(p.search(text) for p in self.patterns)


def load_questions(path: str | Path) -> list[Question]:
    """Read a question TSV; ContentError names the file and line of a bad row."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path} bestaat niet; geef een TSV met vragen (id, lang, question, patterns)") from None
    except UnicodeDecodeError:
        raise ContentError(f"{path} is geen UTF-8; sla het bestand op als UTF-8") from None
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    header = [c.strip() for c in rows[0]] if rows else []
    if header[:4] != ["id", "lang", "question", "patterns"]:
        raise ContentError(f"{path}, regel 1: verwacht de kolommen id, lang, question, patterns (tab-gescheiden)")
    kind_column = header.index("kind") if "kind" in header else None
    questions = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) < 4:
            raise ContentError(f"{path}, regel {lineno}: verwacht 4 kolommen, kreeg {len(row)}")
        qid, lang, question, patterns = (c.strip() for c in row[:4])
        try:
            compiled = [re.compile(p.strip(), re.IGNORECASE) for p in patterns.split("&&") if p.strip()]
        except re.error as exc:
            raise ContentError(f"{path}, regel {lineno}: ongeldige reguliere expressie ({exc})") from None
        if not compiled or not question:
            raise ContentError(f"{path}, regel {lineno}: vraag of patronen ontbreken")
        kind = row[kind_column].strip() if kind_column is not None and kind_column < len(row) else ""
        questions.append(Question(qid, lang, question, compiled, path.name, kind))
    return questions


def _scores(ranks: list[int | None]) -> dict:
    n = len(ranks)
    if n == 0:
        return {"n": 0, "top1": 0.0, "top5": 0.0, "mrr10": 0.0}
    return {"n": n,
            "top1": round(sum(r == 1 for r in ranks) / n, 4),
            "top5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
            "mrr10": round(sum(1 / r for r in ranks if r is not None and r <= DEPTH) / n, 4)}


def _groups(items: list[dict], key: str) -> list[str]:
    return sorted({item[key] for item in items if item[key]})


def evaluate(questions: list[Question], rank: Callable[[str], list[dict]],
             passages: list[dict]) -> dict:
    """Scores of ``rank`` over ``questions``; passages are the index's (for "not in the KB")."""
    per_question = []
    for q in questions:
        results = [r if isinstance(r, list) else [r] for r in rank(q.question)[:DEPTH]]
        first = next((i for i, group in enumerate(results, start=1)
                      if any(q.answered_by(p) for p in group)), None)
        in_kb = any(q.answered_by(p) for p in passages)
        per_question.append({"id": q.id, "lang": q.lang, "kind": q.kind, "question": q.question,
                             "rank": first, "in_kb": in_kb,
                             "top": results[0][0]["id"] if results else None})
    ranks = [r["rank"] for r in per_question]
    report = {"all": _scores(ranks),
              "answerable": _scores([r["rank"] for r in per_question if r["in_kb"]]),
              "by_lang": {lang: _scores([r["rank"] for r in per_question if r["lang"] == lang])
                          for lang in _groups(per_question, "lang")},
              "by_kind": {kind: _scores([r["rank"] for r in per_question if r["kind"] == kind])
                          for kind in _groups(per_question, "kind")},
              "misses": [r for r in per_question if r["in_kb"] and r["rank"] != 1],
              "not_in_kb": [r for r in per_question if not r["in_kb"]],
              "questions": per_question}
    return report


#: Answers a question with the sentences a professional reads first (empty: refused).
Answerer = Callable[[str], list[str]]


def _answer_scores(rows: list[dict]) -> dict:
    n = len(rows)
    return {"n": n, "score": round(sum(r["answered"] for r in rows) / n, 4) if n else 0.0,
            "refused": sum(not r["sentences"] for r in rows)}


def evaluate_answers(questions: list[Question], answer: Answerer) -> dict:
    """Answer score of ``answer``: share of questions whose joined sentences match the patterns.

    Overall, per language and per kind; ``failures`` lists the questions whose answer does
    not state the fact, with the sentences shown (to read, not to tune one question on).
    """
    rows = []
    for q in questions:
        sentences = list(answer(q.question))
        rows.append({"id": q.id, "lang": q.lang, "kind": q.kind, "question": q.question,
                     "answered": bool(sentences) and q.matches(" ".join(sentences)),
                     "sentences": sentences})
    return {"all": _answer_scores(rows),
            "by_lang": {lang: _answer_scores([r for r in rows if r["lang"] == lang])
                        for lang in _groups(rows, "lang")},
            "by_kind": {kind: _answer_scores([r for r in rows if r["kind"] == kind])
                        for kind in _groups(rows, "kind")},
            "failures": [r for r in rows if not r["answered"]]}


def load_off_topic(path: str | Path) -> list[Question]:
    """Questions the knowledge base must refuse: the same TSV, ``patterns`` left empty or ``-``."""
    path = Path(path)
    try:
        rows = list(csv.reader(path.read_text("utf-8").splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    except (FileNotFoundError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path} is niet leesbaar ({exc.__class__.__name__}); geef een UTF-8 TSV") from None
    out = []
    for lineno, row in enumerate(rows[1:], start=2):
        if len(row) >= 3 and row[2].strip() and not row[0].startswith("#"):
            out.append(Question(row[0].strip(), row[1].strip(), row[2].strip(), [], path.name))
        elif "".join(row).strip():
            raise ContentError(f"{path}, regel {lineno}: verwacht id, lang, question")
    return out


#: Makes the answerers to measure from the loaded searcher: name -> Answerer. `kb eval`
#: passes `search_app.evaluation.answerers` (the API's code path, and BM25 feeding it).
AnswererFactory = Callable[..., dict[str, Answerer]]


def run_eval(settings, question_files: list[Path], off_topic_file: Path | None = None,
             baselines: bool = True, answerers: AnswererFactory | None = None) -> dict:
    """Everything `kb eval` reports: the search the API uses, its halves, and the baselines.

    With ``answerers`` also the answer score of each answerer it makes (called as
    ``answerers(searcher, index, settings, baselines=...)``).
    """
    from .baselines import PlainBM25
    from .embedders import get_embedder
    from .search import Searcher, is_answered
    from .sphinx_search import SphinxSearch, passages_for_results
    from .store import load_index

    index = load_index(settings.index_dir)
    searcher = Searcher(index, get_embedder(settings), settings)
    passages = index.passages
    systems: dict[str, Callable[[str], list]] = {
        "fused": lambda q: [h.passage for h in searcher.search(q, DEPTH)]}
    unavailable = {}
    if baselines:
        systems["dense"] = lambda q: [h.passage for h in searcher.search(q, DEPTH, mode="dense")]
        systems["lexical"] = lambda q: [h.passage for h in searcher.search(q, DEPTH, mode="lexical")]
        plain = PlainBM25([p["text"] for p in passages])
        systems["bm25"] = lambda q: [passages[i] for i in plain.top(q, DEPTH)]
        try:
            sphinx = SphinxSearch(Path(settings.site_dir))
            systems["sphinx"] = lambda q: passages_for_results(sphinx.search(q), passages)[:DEPTH]
        except ContentError as exc:
            unavailable["sphinx"] = str(exc)
    answer_systems = answerers(searcher, index, settings, baselines=baselines) if answerers else {}
    report: dict = {"index": {"directory": str(index.directory),
                              "embedder": index.manifest["embedder"]["id"],
                              "passages": len(passages), "built_at": index.manifest.get("built_at")},
                    "settings": {"fusion_weight": settings.fusion_weight,
                                 "answer_threshold": settings.answer_threshold,
                                 "answer_threshold_en": settings.answer_threshold_en},
                    "files": {}, "unavailable": unavailable}
    refused_on_topic = []
    for path in question_files:
        questions = load_questions(path)
        per_system = {name: evaluate(questions, rank, passages) for name, rank in systems.items()}
        fused = per_system["fused"]
        answers = {name: evaluate_answers(questions, answer) for name, answer in answer_systems.items()}
        report["files"][Path(path).name] = {
            "scores": {name: {k: r[k] for k in ("all", "answerable", "by_lang", "by_kind")}
                       for name, r in per_system.items()},
            "answer": {name: {k: r[k] for k in ("all", "by_lang", "by_kind")} for name, r in answers.items()},
            "answer_failures": answers["fused"]["failures"] if "fused" in answers else [],
            "misses": fused["misses"], "not_in_kb": fused["not_in_kb"]}
        for q in questions:
            hits = searcher.search(q.question, 1)
            if not is_answered(q.question, hits, settings.answer_threshold, settings.answer_threshold_en):
                refused_on_topic.append({"id": q.id, "question": q.question,
                                         "score": round(hits[0].score, 4) if hits else None})
    report["on_topic_refused"] = refused_on_topic
    if off_topic_file is not None:
        off = load_off_topic(off_topic_file)
        answered = []
        for q in off:
            hits = searcher.search(q.question, 1)
            if is_answered(q.question, hits, settings.answer_threshold, settings.answer_threshold_en):
                answered.append({"id": q.id, "question": q.question, "score": round(hits[0].score, 4),
                                 "top": hits[0].passage["id"]})
        report["off_topic"] = {"n": len(off), "refused": len(off) - len(answered),
                               "rate": round((len(off) - len(answered)) / len(off), 4) if off else 0.0,
                               "answered": answered}
    return report
