"""Retrieval quality on a question set: top-1, top-5, MRR@10, per language, misses.

Question files are TSV with the columns ``id``, ``lang``, ``question``, ``patterns``
(see ../shared/eval/README.md): a passage answers a question when every ``&&``-joined
regular expression matches its text (case-insensitive). A question that no passage of the
index answers is reported apart as "not in the knowledge base": that is a content gap,
not a retrieval miss.

`evaluate` takes any ranking function (question -> passages, best first), so the fused
search, its two halves and the baselines are measured the same way on the same passages.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kennisbank.errors import ContentError

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
        results = rank(q.question)[:DEPTH]
        first = next((i for i, p in enumerate(results, start=1) if q.answered_by(p)), None)
        in_kb = any(q.answered_by(p) for p in passages)
        per_question.append({"id": q.id, "lang": q.lang, "question": q.question, "rank": first,
                             "in_kb": in_kb, "top": results[0]["id"] if results else None})
    ranks = [r["rank"] for r in per_question]
    report = {"all": _scores(ranks),
              "answerable": _scores([r["rank"] for r in per_question if r["in_kb"]]),
              "by_lang": {lang: _scores([r["rank"] for r in per_question if r["lang"] == lang])
                          for lang in sorted({q.lang for q in questions})},
              "misses": [r for r in per_question if r["in_kb"] and r["rank"] != 1],
              "not_in_kb": [r for r in per_question if not r["in_kb"]],
              "questions": per_question}
    return report
