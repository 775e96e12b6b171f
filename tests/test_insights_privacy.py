"""With insights on, none of the planted personal data reaches the disk; with it off, nothing does.

Modelled on test_app_privacy.py: the questions go through the real app (search page, API
and the feedback form), then every file under the test's directory (the SQLite file and
its -wal/-shm/-journal files included, read while the app still has them open and again
after it closed them) and everything logged are searched for every planted value.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
from pathlib import Path

import pytest

from indexer.textproc import STOP_WORDS, stem, words
from search_app import create_app
from search_app.insights_names import PARTICLES
from search_app.insights_scrub import content_stems
from tests.app_support import CANARY, fake_factory, isolated_settings, read_passages, write_fake_manifest
from tests.insights_synthetic import synthetic_questions
from tests.test_app_privacy import run_requests


def all_files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def needles(value: str, ordinary: set[str]) -> set[bytes]:
    """Byte strings that must not occur anywhere: the value as typed, without spaces, its digits,
    and its words of five letters or more that are not ``ordinary`` (in the pages or the question
    around the value: *wijkteam* in *wijkteam.example.org*)."""
    whole = {value.lower(), re.sub(r"\s", "", value).lower()}
    out = {v.encode() for v in whole if len(v) >= 4}  # "(2)" occurs in any file by chance
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 6:  # shorter digit runs occur in days and scores by chance
        out.add(digits.encode())
    for w in words(value):
        if len(w) >= 5 and w not in STOP_WORDS and w not in ordinary:
            out.add(w.encode())
    return out


@pytest.fixture
def insights_client(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything written relative to the working directory stays here
    settings = isolated_settings(tmp_path, insights=True, insights_dir=str(tmp_path / "inzichten"))
    write_fake_manifest(Path(settings.index_dir))
    app = create_app(settings, searcher_factory=fake_factory())
    yield app, app.test_client()
    app.extensions["insights"].writer.close()


def test_planted_personal_data_is_nowhere_on_disk(insights_client, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    app, client = insights_client
    questions = synthetic_questions()
    answered = 0
    for i, q in enumerate(questions):
        if i % 2:
            response = client.get("/api/search", query_string={"q": q.text})
        else:
            response = client.get("/zoeken", query_string={"q": q.text})
        assert response.status_code == 200
        if i % 2 and response.json["answer"]["found"]:
            answered += 1
            ids = [r["id"] for r in response.json["results"]]
            # the page's form posts back the question, the passages and the score
            post = client.post("/zoeken/nuttig", data={"q": q.text, "passage": ids[:2],
                                                       "score": "0.5", "nuttig": "nee"})
            assert post.status_code == 303
        response.close()
    writer = app.extensions["insights"].writer
    assert writer.flush()
    insights_dir = tmp_path / "inzichten"
    while_open = all_files(tmp_path)
    assert insights_dir / "inzichten.sqlite-wal" in while_open  # the WAL really was searched
    writer.close()
    after_close = all_files(tmp_path)

    conn = sqlite3.connect(insights_dir / "inzichten.sqlite")
    rows = conn.execute("SELECT stems FROM questions").fetchall()
    feedback = conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
    conn.close()
    assert len(rows) == len(questions) and feedback == answered > 0
    stored = [set(r[0].split()) for r in rows]
    captured = capfd.readouterr()
    logged = (caplog.text + captured.out + captured.err).encode()

    page_words = {w for p in read_passages() for w in words(f"{p['title']} {p['section']} {p['text']}")}
    problems = []
    for q, stems in zip(questions, stored):
        frame = q.text
        for p in q.planted:
            frame = frame.replace(p.value, " ")
        ordinary = set(content_stems(frame))
        for p in q.planted:
            for w in words(p.value):
                if len(w) >= 3 and w not in STOP_WORDS and w not in PARTICLES \
                        and stem(w) in stems and stem(w) not in ordinary:
                    problems.append(f"stam {stem(w)!r} van {p.value!r} bewaard")
            for needle in needles(p.value, page_words | set(words(frame))):
                for snapshot in (while_open, after_close):
                    for path, data in snapshot.items():
                        if needle in data.lower():
                            problems.append(f"{needle!r} ({p.kind}) in {path.name}")
                if needle in logged.lower():
                    problems.append(f"{needle!r} ({p.kind}) in het logboek")
    assert not problems, sorted(set(problems))[:20]
    assert {p.name for p in insights_dir.iterdir()} <= {
        "inzichten.sqlite", "inzichten.sqlite-wal", "inzichten.sqlite-shm", "inzichten.sqlite-journal"}
    assert {p.name for p in tmp_path.iterdir()} <= {"inzichten", "index"}


def test_off_by_default_writes_nothing_anywhere(tmp_path, monkeypatch, caplog, capfd):
    """The canary requests of test_app_privacy with default settings: no file, no directory."""
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    settings = isolated_settings(tmp_path)
    assert settings.insights is False
    write_fake_manifest(Path(settings.index_dir))
    before = set(all_files(tmp_path))
    app = create_app(settings, searcher_factory=fake_factory())
    client = app.test_client()
    run_requests(client)
    post = client.post("/zoeken/nuttig", data={"q": CANARY, "nuttig": "ja", "score": "0.5"})
    assert post.status_code in (404, 405)
    assert "insights" not in app.extensions
    after = all_files(tmp_path)
    assert set(after) == before  # nothing new, anywhere under the working directory
    assert not list(tmp_path.rglob("*.sqlite*"))
    assert not (tmp_path / settings.insights_dir).exists()
    assert all(CANARY.encode() not in data for data in after.values())
    captured = capfd.readouterr()
    assert CANARY not in caplog.text + captured.out + captured.err
    assert not any(t.name == "kb-inzichten" for t in __import__("threading").enumerate())


def test_the_file_is_private(insights_client, tmp_path):
    app, client = insights_client
    client.get("/zoeken", query_string={"q": "regie"}).close()
    assert app.extensions["insights"].writer.flush()
    directory = tmp_path / "inzichten"
    assert directory.stat().st_mode & 0o777 == 0o700
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
    assert os.access(directory / "inzichten.sqlite", os.R_OK)
