"""The editors' report over the insights file (`kb inzichten`): what to write next.

Four lists over the last N days: the unanswered topics (questions clustered by their
stems), the passages most often marked not useful, the share of answered questions per
week, and the themes asked about. Passage titles, addresses and themes come from the
site's ``passages.jsonl``; the insights file itself only holds ids and stems.

Topics are clustered greedily, which keeps them explainable: take the stem that most
unanswered questions share, make those questions one topic, label it with that stem and
the stems at least half of them share too, and repeat with the questions left. A stem
shared by fewer than ``min_questions`` questions never makes a topic: a name that the
scrubber missed occurs once, and so never reaches the report.
"""
from __future__ import annotations

import math
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from indexer.textproc import STOP_WORDS, stem, words

from . import insights_store as store
from .insights_store import FeedbackRecord, QuestionRecord

#: Most stems in a topic's label.
LABEL_STEMS = 4


@dataclass(frozen=True)
class Topic:
    stems: tuple[str, ...]
    questions: int
    last_day: str


def cluster_topics(stem_sets: Sequence[tuple[frozenset[str], str]], min_questions: int,
                   top: int) -> tuple[list[Topic], int]:
    """Topics of ``(stems, day)`` questions, most asked first, and how many fell in none."""
    remaining = [i for i, (stems, _day) in enumerate(stem_sets) if stems]
    topics: list[Topic] = []
    while remaining and len(topics) < top:
        counts = Counter(s for i in remaining for s in stem_sets[i][0])
        head, count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if count < min_questions:
            break
        members = [i for i in remaining if head in stem_sets[i][0]]
        shared = Counter(s for i in members for s in stem_sets[i][0] if s != head)
        needed = max(min_questions, math.ceil(len(members) / 2))
        extra = [s for s, n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])) if n >= needed]
        topics.append(Topic((head, *extra[:LABEL_STEMS - 1]), len(members),
                            max(stem_sets[i][1] for i in members)))
        member_set = set(members)
        remaining = [i for i in remaining if i not in member_set]
    return topics, len(remaining)


def readable_words(passages: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """For each stem the word the knowledge base uses most for it (*samenwerk* → *samenwerking*)."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for p in passages:
        for word in words(f"{p.get('title', '')} {p.get('text', '')}"):
            if word not in STOP_WORDS and not word.isdigit():
                seen[stem(word)][word] += 1
    return {s: min(c.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0] for s, c in seen.items()}


def iso_week(day: str) -> tuple[str, str]:
    """('2026-W48', monday as ISO date) of an ISO date."""
    d = date.fromisoformat(day)
    year, week, weekday = d.isocalendar()
    return f"{year}-W{week:02d}", (d - timedelta(days=weekday - 1)).isoformat()


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def build_report(questions: Sequence[QuestionRecord], feedback: Sequence[FeedbackRecord],
                 passages: Sequence[Mapping[str, Any]], *, days: int, today: date,
                 base_url: str = "", top: int = 10, min_questions: int = 2) -> dict[str, Any]:
    """The report as plain data (what ``kb inzichten --json`` prints)."""
    by_id = {p["id"]: p for p in passages if "id" in p}
    wordmap = readable_words(passages)
    base = base_url.rstrip("/") + "/" if base_url else ""

    answered = sum(q.answered for q in questions)
    unanswered = [(frozenset(q.stems), q.day) for q in questions if not q.answered]
    topics, other = cluster_topics(unanswered, min_questions, top)

    votes: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # id -> [not useful, useful]
    for f in feedback:
        for pid in f.passage_ids:
            votes[pid][1 if f.useful else 0] += 1
    worst = sorted(((pid, v) for pid, v in votes.items() if v[0]),
                   key=lambda kv: (-kv[1][0], kv[1][1], kv[0]))[:top]

    weeks: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for q in questions:
        weeks[iso_week(q.day)][0] += 1
        weeks[iso_week(q.day)][1] += int(q.answered)

    themes: Counter[str] = Counter()
    theme_labels: dict[str, str] = {}
    unknown_passages = 0
    for q in questions:
        if not q.passage_ids:
            continue
        first = by_id.get(q.passage_ids[0])
        if first is None:
            unknown_passages += 1
            continue
        labels = first.get("theme_labels") or []
        for i, theme in enumerate(first.get("themes") or []):
            themes[theme] += 1
            theme_labels.setdefault(theme, labels[i] if i < len(labels) else theme)

    def passage_entry(pid: str, v: list[int]) -> dict[str, Any]:
        p = by_id.get(pid, {})
        return {"id": pid, "title": p.get("title"), "section": p.get("section"),
                "url": base + p["url"] if p.get("url") else None,
                "not_useful": v[0], "useful": v[1]}

    return {
        "period": {"days": days, "from": (today - timedelta(days=days - 1)).isoformat(),
                   "to": today.isoformat()},
        "questions": {"total": len(questions), "answered": answered,
                      "share_answered": _share(answered, len(questions)),
                      "without_content_words": sum(1 for q in questions if not q.stems)},
        "feedback": {"total": len(feedback), "useful": sum(f.useful for f in feedback),
                     "not_useful": sum(not f.useful for f in feedback)},
        "unanswered_topics": [
            {"stems": list(t.stems), "words": [wordmap.get(s, s) for s in t.stems],
             "questions": t.questions, "last_day": t.last_day} for t in topics],
        "unanswered_other": other,
        "min_questions_per_topic": min_questions,
        "not_useful_passages": [passage_entry(pid, v) for pid, v in worst],
        "weeks": [{"week": week, "monday": monday, "questions": n, "answered": a,
                   "share_answered": _share(a, n)}
                  for (week, monday), (n, a) in sorted(weeks.items())],
        "themes": [{"theme": t, "label": theme_labels[t], "questions": n}
                   for t, n in sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))],
        "questions_with_unknown_passages": unknown_passages,
    }


def read_period(conn: sqlite3.Connection, days: int, today: date
                ) -> tuple[list[QuestionRecord], list[FeedbackRecord]]:
    since = (today - timedelta(days=days - 1)).isoformat()
    until = today.isoformat()
    questions = [q for q in store.read_questions(conn, since) if q.day <= until]
    feedback = [f for f in store.read_feedback(conn, since) if f.day <= until]
    return questions, feedback
