"""Insights for editors: what is asked (scrubbed), and whether answers helped (#15).

Off by default (setting ``insights``). When off, `init_insights` does nothing at all: no
route, no form, no thread, no file. When on, every search of the page and the API hands
the writer one `QuestionRecord` (the scrubbed stems, the day, answered or not, the best
score, the ids of the passages shown), and the form under an answer ("Was dit antwoord
nuttig? ja / nee") posts to ``/zoeken/nuttig`` and adds one `FeedbackRecord`.

The question itself is scrubbed and reduced to stems here, in the request, before any
record exists: the raw text never reaches the writer's queue or the file.

The form works without JavaScript (POST, then a 303 back to the same results with
``nuttig=ja|nee``, which shows the thanks and is not counted as a new question);
``static/inzichten.js`` sends it in the background instead when scripts run.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, request

from kbcore.errors import BadQuery
from kbcore.settings import Settings

from .errors import HTTPError
from .insights_scrub import KnownWords, question_stems
from .insights_store import FeedbackRecord, QuestionRecord, insights_file
from .insights_writer import InsightsWriter
from .query import MAX_K, parse_search_request
from .results import SearchOutcome

log = logging.getLogger(__name__)

bp = Blueprint("insights", __name__)

#: URL parameter of the page after feedback without JavaScript: shows the thanks, not counted.
THANKS_PARAM = "nuttig"
ANSWERS = {"ja": True, "nee": False}
_PASSAGE_ID = re.compile(r"[\w./-]{1,200}#[\w.-]{1,200}")
#: Seconds between checks whether the site's passages changed (new known words).
KNOWN_WORDS_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class FeedbackForm:
    """What the form under an answer sends back: the answer's passages and score."""

    passage_ids: tuple[str, ...]
    score: float
    thanks: str | None  # "ja" / "nee" after the feedback was given


class Insights:
    """Turns searches and feedback into records for the writer."""

    def __init__(self, settings: Settings, writer: InsightsWriter,
                 clock: Callable[[], date] = date.today) -> None:
        self.settings = settings
        self.writer = writer
        self.clock = clock
        self._passages_file = settings.passages_file
        self._known = KnownWords()
        self._known_signature: tuple[int, int, int] | None = None
        self._known_checked = float("-inf")
        self._known_lock = threading.Lock()

    # -- the words the knowledge base uses (so a capitalised one is not taken for a name) --
    def known_words(self) -> KnownWords:
        now = time.monotonic()
        if now - self._known_checked < KNOWN_WORDS_CHECK_SECONDS:
            return self._known
        with self._known_lock:
            self._known_checked = now
            try:
                st = os.stat(self._passages_file)
                signature = (st.st_ino, st.st_mtime_ns, st.st_size)
            except OSError:
                return self._known
            if signature != self._known_signature:
                self._known = _read_known_words(self._passages_file, self._known)
                self._known_signature = signature
        return self._known

    # -- records -----------------------------------------------------------------------
    def record_search(self, outcome: SearchOutcome) -> None:
        """One question record for a search just shown.

        Not for the page after feedback, and not for "meer resultaten" (a page with an
        offset): that is the same question, asked once, read further.
        """
        if request.args.get(THANKS_PARAM) in ANSWERS or outcome.request.offset > 0:
            return
        try:
            stems = question_stems(outcome.request.q, self.known_words())
            record = QuestionRecord(
                day=self.clock().isoformat(), stems=stems, answered=outcome.found,
                best_score=round(float(outcome.best_score), 4),
                passage_ids=tuple(item.passage.get("id", "") for item in outcome.results))
        except Exception as exc:  # insights must never break a search
            log.error("Inzichten: vraag niet vastgelegd (%s)", type(exc).__name__)
            return
        self.writer.add(record)

    def record_feedback(self, useful: bool, score: float, passage_ids: tuple[str, ...]) -> None:
        self.writer.add(FeedbackRecord(self.clock().isoformat(), useful, round(score, 4), passage_ids))

    def feedback_form(self, outcome: SearchOutcome | None) -> FeedbackForm | None:
        """The form's content for an answer, or None when there is no answer to rate."""
        if outcome is None or not outcome.found or not outcome.results:
            return None
        cited = sorted({s.result for s in outcome.sentences})
        ids = tuple(outcome.results[n - 1].passage.get("id", "") for n in cited
                    if 0 < n <= len(outcome.results))
        thanks = request.args.get(THANKS_PARAM)
        return FeedbackForm(ids, round(float(outcome.best_score), 4),
                            thanks if thanks in ANSWERS else None)


def _read_known_words(path: Path, fallback: KnownWords) -> KnownWords:
    try:
        with path.open(encoding="utf-8") as fh:
            passages = [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        log.warning("Inzichten: %s niet gelezen (%s); namen worden strenger gewist", path,
                    type(exc).__name__)
        return fallback
    return KnownWords.from_passages(passages)


def current_insights() -> Insights | None:
    return current_app.extensions.get("insights")


def record_search(outcome: SearchOutcome) -> None:
    """Called by the search page and the API after each search; does nothing when off."""
    insights = current_insights()
    if insights is not None:
        insights.record_search(outcome)


# -- the feedback route -------------------------------------------------------------------

def _same_site() -> bool:
    """Refuse posts from other sites (a browser says where a form came from)."""
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}


def _parse_feedback() -> tuple[bool, float, tuple[str, ...]]:
    form = request.form
    answer = form.get("nuttig", "")
    if answer not in ANSWERS:
        raise HTTPError(400, "Kies 'ja' of 'nee' bij 'Was dit antwoord nuttig?'.")
    ids = tuple(dict.fromkeys(form.getlist("passage")))
    if len(ids) > MAX_K or not all(_PASSAGE_ID.fullmatch(i) for i in ids):
        raise HTTPError(400, "Ongeldige passages in de reactie. Zoek opnieuw en probeer het nog eens.")
    try:
        score = float(form.get("score", ""))
    except ValueError:
        score = float("nan")
    if not 0.0 <= score <= 10.0:  # also false for NaN
        raise HTTPError(400, "Ongeldige score in de reactie. Zoek opnieuw en probeer het nog eens.")
    return ANSWERS[answer], score, ids


@bp.post("/zoeken/nuttig")
def feedback() -> Response:
    if not _same_site():
        raise HTTPError(403, "Een reactie kan alleen via de zoekpagina van deze site.")
    useful, score, ids = _parse_feedback()
    insights = current_insights()
    assert insights is not None  # the blueprint is only registered with insights on
    insights.record_feedback(useful, score, ids)
    answer = "ja" if useful else "nee"
    if request.accept_mimetypes.best == "application/json":
        response = jsonify(ok=True, message="Bedankt voor je reactie.")
    else:
        try:
            back = parse_search_request(request.form, current_app.config["KB_SETTINGS"].max_query_chars)
            target = f"/zoeken?{back.url_params()}&{THANKS_PARAM}={answer}#nuttig"
        except BadQuery:
            target = "/zoeken"
        response = redirect(target, code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/zoeken/nuttig")
def feedback_get() -> Response:
    """A reaction is posted by the form; opening the address goes to the search page."""
    return redirect("/zoeken", code=303)


def init_insights(app: Flask, settings: Settings,
                  clock: Callable[[], date] = date.today) -> Insights | None:
    """Start collecting insights when the setting is on; otherwise touch nothing."""
    if not settings.insights:
        return None
    writer = InsightsWriter(insights_file(settings), settings.insights_days, clock=clock)
    insights = Insights(settings, writer, clock=clock)
    app.extensions["insights"] = insights
    app.register_blueprint(bp)
    app.context_processor(lambda: {"nuttig_form": insights.feedback_form})
    return insights

