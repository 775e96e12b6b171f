"""The insights file: retention, concurrent writers (threads and processes), kills, and a
corrupt or locked file that must never break search."""
from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest

from search_app import create_app, insights_store, insights_writer
from search_app.insights_store import FeedbackRecord, QuestionRecord, append, connect
from search_app.insights_writer import InsightsWriter
from tests.app_support import fake_factory, isolated_settings, write_fake_manifest

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2026, 12, 2)


def question(day: date, stems=("regie",), answered=True) -> QuestionRecord:
    return QuestionRecord(day.isoformat(), tuple(stems), answered, 0.5, ("kb/a#b",))


def count(path: Path, table: str = "questions") -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def make_app(tmp_path: Path, **overrides):
    settings = isolated_settings(tmp_path, insights=True, insights_dir=str(tmp_path / "inzichten"),
                                 **overrides)
    write_fake_manifest(Path(settings.index_dir))
    return create_app(settings, searcher_factory=fake_factory())


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "inzichten" / "inzichten.sqlite"


# -- retention ------------------------------------------------------------------------------

def test_retention_on_start_removes_only_older_records(tmp_path, db):
    conn = connect(db)
    days = [200, 91, 90, 10, 0]
    append(conn, [question(TODAY - timedelta(days=d)) for d in days])
    append(conn, [FeedbackRecord((TODAY - timedelta(days=d)).isoformat(), False, 0.4, ()) for d in days])
    conn.close()
    writer = InsightsWriter(db, retention_days=90, clock=lambda: TODAY)
    try:
        assert writer.flush()
        assert writer.purged == 4
    finally:
        writer.close()
    conn = sqlite3.connect(db)
    kept = [r[0] for r in conn.execute("SELECT day FROM questions ORDER BY day")]
    conn.close()
    assert kept == [(TODAY - timedelta(days=d)).isoformat() for d in (90, 10, 0)]
    assert count(db, "feedback") == 3


def test_retention_is_configurable_and_runs_daily(tmp_path):
    app = make_app(tmp_path, insights_days=7)
    insights = app.extensions["insights"]
    writer = insights.writer
    day = [TODAY]
    writer.clock = insights.clock = lambda: day[0]
    try:
        client = app.test_client()
        client.get("/zoeken", query_string={"q": "regie"}).close()
        assert writer.flush()
        db = writer.path
        assert count(db) == 1
        day[0] = TODAY + timedelta(days=7)  # seven days later: still kept
        writer.poke()
        assert count(db) == 1
        day[0] = TODAY + timedelta(days=8)  # a new day begins: the daily retention runs
        writer.poke()
        assert count(db) == 0
    finally:
        writer.close()


def test_removed_records_are_overwritten_in_the_file(db):
    conn = connect(db)
    append(conn, [question(TODAY - timedelta(days=400), stems=("geheimestamzzq",))])
    conn.close()
    writer = InsightsWriter(db, retention_days=90, clock=lambda: TODAY)
    writer.add(question(TODAY))
    assert writer.flush()
    writer.close()
    for path in db.parent.iterdir():
        assert b"geheimestamzzq" not in path.read_bytes(), path


def test_retention_days_below_one_is_refused(tmp_path):
    from kbcore.settings import SettingsError, load_settings
    with pytest.raises(SettingsError, match="insights_days' moet minstens 1"):
        load_settings(env={"KB_CONFIG": str(tmp_path / "x.toml"), "KB_INSIGHTS_DAYS": "0"})


# -- concurrency ------------------------------------------------------------------------------

def test_many_requests_at_once_lose_no_record(tmp_path):
    app = make_app(tmp_path)
    writer = app.extensions["insights"].writer
    questions = ["regie samenwerking", "informatie delen huisarts", "appeltaart recept",
                 "zorgaanbieders regie wijkteam", "preventie gezin"]

    def one(i: int) -> int:
        client = app.test_client()
        if i % 4 == 3:
            r = client.post("/zoeken/nuttig", data={"q": "regie", "passage": ["kb/x#y"],
                                                    "score": "0.5", "nuttig": "ja"})
        elif i % 2:
            r = client.get("/api/search", query_string={"q": questions[i % 5]})
        else:
            r = client.get("/zoeken", query_string={"q": questions[i % 5]})
        r.close()
        return r.status_code

    try:
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(one, range(400)))
        assert writer.flush()
    finally:
        writer.close()
    assert statuses.count(303) == 100 and statuses.count(200) == 300
    conn = sqlite3.connect(writer.path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT day, stems, answered, best_score, passage_ids FROM questions").fetchall()
    assert conn.execute("SELECT count(*) FROM feedback").fetchone()[0] == 100
    conn.close()
    assert len(rows) == 300
    for day, stems, answered, score, ids in rows:
        date.fromisoformat(day)
        assert stems and not any(ch.isdigit() for ch in stems)
        assert isinstance(json.loads(ids), list) and 0 <= score <= 1
    assert sum(1 for r in rows if r[1] == "appeltaart recept") == 60  # the unanswered ones


_WRITER_SCRIPT = """
import sys
from datetime import date
sys.path.insert(0, sys.argv[3])
from search_app.insights_store import QuestionRecord
from search_app.insights_writer import InsightsWriter
path, n = sys.argv[1], int(sys.argv[2])
writer = InsightsWriter(path, 90)
for i in range(n):
    writer.add(QuestionRecord(date.today().isoformat(), ("proces", "w%d" % i), i % 2 == 0, 0.5, ()))
ok = writer.flush(60)
writer.close()
print("ok" if ok else "niet gelukt", writer.written)
"""


def test_worker_processes_write_to_one_file_at_once(db):
    processes = [subprocess.Popen([sys.executable, "-c", _WRITER_SCRIPT, str(db), "300", str(REPO)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    assert all(out.split()[0] == "ok" for out, _err in outputs), outputs
    assert count(db) == 1200
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


_KILL_SCRIPT = """
import sys
from datetime import date
sys.path.insert(0, sys.argv[2])
from search_app.insights_store import QuestionRecord, append, connect
conn = connect(sys.argv[1])
i = 0
while True:
    append(conn, [QuestionRecord(date.today().isoformat(), ("kill", "r%d" % i), True, 0.5, ("kb/a#b",))] * 3)
    i += 1
    if i == 50:
        print("bezig", flush=True)
"""


def test_a_killed_writer_leaves_every_committed_record_whole(db):
    process = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(db), str(REPO)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "bezig"
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = conn.execute("SELECT stems, passage_ids FROM questions").fetchall()
    conn.close()
    assert len(rows) >= 150 and len(rows) % 3 == 0  # whole transactions only
    assert all(stems.startswith("kill r") and json.loads(ids) == ["kb/a#b"] for stems, ids in rows)
    writer = InsightsWriter(db, 90)  # and the app goes on writing to it
    writer.add(question(date.today()))
    assert writer.flush()
    writer.close()


# -- a corrupt or locked file never breaks search --------------------------------------------

def insights_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "Inzichten" in r.getMessage()]


@pytest.mark.parametrize("content", [b"dit is geen sqlite-bestand\n" * 200, b""])
def test_a_corrupt_file_logs_one_line_and_search_goes_on(tmp_path, caplog, content):
    path = tmp_path / "inzichten" / "inzichten.sqlite"
    path.parent.mkdir()
    path.write_bytes(content or b"SQLite format 3\x00" + b"\xff" * 4000)
    before = path.read_bytes()
    caplog.set_level(logging.INFO)
    app = make_app(tmp_path)
    writer = app.extensions["insights"].writer
    try:
        client = app.test_client()
        for _ in range(20):
            response = client.get("/zoeken", query_string={"q": "Wie voert de regie bij samenwerking?"})
            assert response.status_code == 200 and "Antwoord" in response.get_data(as_text=True)
            response.close()
            assert client.get("/api/search", query_string={"q": "regie"}).status_code == 200
        assert not writer.flush(timeout=5)
    finally:
        writer.close()
    lines = insights_lines(caplog)
    assert len(lines) == 1 and "niet bruikbaar" in lines[0] and str(path) in lines[0], lines
    assert path.read_bytes() == before  # left as it was, for whoever wants to look at it


def test_a_file_of_a_newer_version_is_left_alone(tmp_path, db, caplog):
    conn = connect(db)
    conn.execute("PRAGMA user_version=99")
    conn.close()
    caplog.set_level(logging.INFO)
    writer = InsightsWriter(db, 90)
    writer.add(question(date.today()))
    assert not writer.flush(timeout=5)
    writer.close()
    assert writer.state == "uit" and count(db) == 0
    assert "nieuwer" in insights_lines(caplog)[0]


def test_a_locked_file_delays_no_request_and_loses_no_record(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(insights_store, "BUSY_SECONDS", 0.2)
    monkeypatch.setattr(insights_writer, "RETRY_SECONDS", 0.2)
    caplog.set_level(logging.INFO)
    app = make_app(tmp_path)
    writer = app.extensions["insights"].writer
    assert writer.flush()
    blocker = sqlite3.connect(writer.path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
    try:
        client = app.test_client()
        slowest = 0.0
        for i in range(30):
            start = time.perf_counter()
            response = client.get("/zoeken", query_string={"q": f"regie samenwerking {i}"})
            slowest = max(slowest, time.perf_counter() - start)
            assert response.status_code == 200
            response.close()
        assert not writer.flush(timeout=2)
        assert writer.state == "bezet"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert writer.flush(timeout=10)
    writer.close()
    assert count(writer.path) == 30  # nothing lost: written once the lock was gone
    lines = insights_lines(caplog)
    assert len(lines) == 1 and "bezet" in lines[0], lines
    assert slowest < 1.0  # requests never wait on the file (the lock wait is 0.2 s per try)


def test_an_unwritable_directory_logs_one_line(tmp_path, caplog):
    blocked = tmp_path / "bestand"
    blocked.write_text("een bestand, geen map")
    caplog.set_level(logging.INFO)
    writer = InsightsWriter(blocked / "inzichten.sqlite", 90)
    writer.add(question(date.today()))
    assert not writer.flush(timeout=5)
    writer.close()
    assert writer.state == "uit" and len(insights_lines(caplog)) == 1


def test_the_writer_stops_cleanly(db):
    writer = InsightsWriter(db, 90)
    writer.add(question(date.today()))
    writer.close()  # writes what was queued before stopping
    assert not any(t.name == "kb-inzichten" and t.is_alive() for t in threading.enumerate()
                   if t is writer._thread)
    assert count(db) == 1
    assert os.path.exists(db)
