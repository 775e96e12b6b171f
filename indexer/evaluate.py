"""Retrieval quality on a question set: top-1, top-5, MRR@10, per language, misses.

Question files are TSV with the columns ``id``, ``lang``, ``question``, ``patterns``
(see ../shared/eval/README.md): a passage answers a question when every ``&&``-joined
regular expression matches its text (case-insensitive). A question that no passage of the
index answers is reported apart as "not in the knowledge base": that is a content gap,
not a retrieval miss.

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

    def answered_by(self, passage: dict) -> bool:
        text = passage.get("text", "")
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
    if not rows or [c.strip() for c in rows[0][:4]] != ["id", "lang", "question", "patterns"]:
        raise ContentError(f"{path}, regel 1: verwacht de kolommen id, lang, question, patterns (tab-gescheiden)")
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
        questions.append(Question(qid, lang, question, compiled, path.name))
    return questions


def _scores(ranks: list[int | None]) -> dict:
    n = len(ranks)
    if n == 0:
        return {"n": 0, "top1": 0.0, "top5": 0.0, "mrr10": 0.0}
    return {"n": n,
            "top1": round(sum(r == 1 for r in ranks) / n, 4),
            "top5": round(sum(r is not None and r <= 5 for r in ranks) / n, 4),
            "mrr10": round(sum(1 / r for r in ranks if r is not None and r <= DEPTH) / n, 4)}


def evaluate(questions: list[Question], rank: Callable[[str], list[dict]],
             passages: list[dict]) -> dict:
    """Scores of ``rank`` over ``questions``; passages are the index's (for "not in the KB")."""
    per_question = []
    for q in questions:
        results = [r if isinstance(r, list) else [r] for r in rank(q.question)[:DEPTH]]
        first = next((i for i, group in enumerate(results, start=1)
                      if any(q.answered_by(p) for p in group)), None)
        in_kb = any(q.answered_by(p) for p in passages)
        per_question.append({"id": q.id, "lang": q.lang, "question": q.question, "rank": first,
                             "in_kb": in_kb, "top": results[0][0]["id"] if results else None})
    ranks = [r["rank"] for r in per_question]
    report = {"all": _scores(ranks),
              "answerable": _scores([r["rank"] for r in per_question if r["in_kb"]]),
              "by_lang": {lang: _scores([r["rank"] for r in per_question if r["lang"] == lang])
                          for lang in sorted({q.lang for q in questions})},
              "misses": [r for r in per_question if r["in_kb"] and r["rank"] != 1],
              "not_in_kb": [r for r in per_question if not r["in_kb"]],
              "questions": per_question}
    return report


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


def run_eval(settings, question_files: list[Path], off_topic_file: Path | None = None,
             baselines: bool = True) -> dict:
    """Everything `kb eval` reports: the search the API uses, its halves, and the baselines."""
    from .baselines import PlainBM25
    from .embedders import get_embedder
    from .search import Searcher
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
    report: dict = {"index": {"directory": str(index.directory),
                              "embedder": index.manifest["embedder"]["id"],
                              "passages": len(passages), "built_at": index.manifest.get("built_at")},
                    "settings": {"fusion_weight": settings.fusion_weight,
                                 "answer_threshold": settings.answer_threshold},
                    "files": {}, "unavailable": unavailable}
    refused_on_topic = []
    for path in question_files:
        questions = load_questions(path)
        per_system = {name: evaluate(questions, rank, passages) for name, rank in systems.items()}
        fused = per_system["fused"]
        report["files"][Path(path).name] = {
            "scores": {name: {k: r[k] for k in ("all", "answerable", "by_lang")} for name, r in per_system.items()},
            "misses": fused["misses"], "not_in_kb": fused["not_in_kb"]}
        for q in questions:
            hits = searcher.search(q.question, 1)
            if not hits or hits[0].score < settings.answer_threshold:
                refused_on_topic.append({"id": q.id, "question": q.question,
                                         "score": round(hits[0].score, 4) if hits else None})
    report["on_topic_refused"] = refused_on_topic
    if off_topic_file is not None:
        off = load_off_topic(off_topic_file)
        answered = []
        for q in off:
            hits = searcher.search(q.question, 1)
            if hits and hits[0].score >= settings.answer_threshold:
                answered.append({"id": q.id, "question": q.question, "score": round(hits[0].score, 4),
                                 "top": hits[0].passage["id"]})
        report["off_topic"] = {"n": len(off), "refused": len(off) - len(answered),
                               "rate": round((len(off) - len(answered)) / len(off), 4) if off else 0.0,
                               "answered": answered}
    return report
