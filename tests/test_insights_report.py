"""`kb inzichten`: the report on a recorded session, the clustering, and clear errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kennisbank.cli import cli
from search_app import create_app
from search_app.insights_report import cluster_topics, iso_week, readable_words
from tests.app_support import SITE_DIR, fake_factory, isolated_settings, write_fake_manifest

TODAY = date.today()
REGIE = "Wie voert de regie bij samenwerking met zorgaanbieders?"
DELEN = "Mag ik informatie delen zonder toestemming?"
WAT = "kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-wat"
WAAROM = "kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-waarom"

#: (days ago, question) of the recorded session; the unanswered ones carry personal data too.
SESSION = [
    (0, REGIE), (0, "Hoe regel ik schuldhulpverlening voor jongeren van mevrouw Jansen?"),
    (1, "schuldhulpverlening jongeren 18-"), (1, DELEN),
    (2, "Welke schuldhulpverlening is er voor jongeren met een BSN 123456782?"),
    (8, REGIE), (8, "Dagbesteding bij dementie van meneer Kortenhoeve (82)"),
    (9, "dagbesteding dementie Bloemstraat 12"), (9, "appeltaart bakken"),
    (15, DELEN), (15, "Kan Gerdien Wilderink naar dagbesteding?"),
    (40, REGIE),  # outside --dagen 30
]


@pytest.fixture
def recorded(tmp_path) -> dict:
    """Drive the app through SESSION (and some feedback) with insights on; return the env."""
    settings = isolated_settings(tmp_path, insights=True, insights_dir=str(tmp_path / "inzichten"))
    write_fake_manifest(Path(settings.index_dir))
    app = create_app(settings, searcher_factory=fake_factory())
    insights = app.extensions["insights"]
    client = app.test_client()
    day = [TODAY]
    insights.clock = lambda: day[0]
    for days_ago, question in SESSION:
        day[0] = TODAY - timedelta(days=days_ago)
        client.get("/zoeken", query_string={"q": question}).close()
    day[0] = TODAY
    for useful, ids in [("nee", [WAT, WAAROM]), ("nee", [WAT]), ("ja", [WAAROM]), ("nee", ["kb/weg#oud"])]:
        r = client.post("/zoeken/nuttig", data={"q": REGIE, "passage": ids, "score": "0.57",
                                                "nuttig": useful})
        assert r.status_code == 303
    insights.writer.close()
    return {"KB_CONFIG": str(tmp_path / "geen-kb.toml"), "KB_INSIGHTS": "1",
            "KB_INSIGHTS_DIR": settings.insights_dir, "KB_SITE_DIR": str(SITE_DIR)}


def run_report(env: dict, *args: str):
    result = CliRunner().invoke(cli, ["inzichten", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_kb_inzichten_json_on_a_recorded_session(recorded):
    report = json.loads(run_report(recorded, "--json").output)
    assert report["period"] == {"days": 30, "from": (TODAY - timedelta(days=29)).isoformat(),
                                "to": TODAY.isoformat()}
    assert report["questions"] == {"total": 11, "answered": 4, "share_answered": round(4 / 11, 4),
                                   "without_content_words": 0}
    assert report["feedback"] == {"total": 4, "useful": 1, "not_useful": 3}
    topics = report["unanswered_topics"]
    assert [t["questions"] for t in topics] == [3, 3]
    dag, schuld = topics  # equal counts: alphabetical by the stem they share
    assert dag["stems"] == ["dagbested", "dementie"]
    assert schuld["stems"] == ["jonger", "schuldhulpverlen"]
    assert schuld["words"] == schuld["stems"]  # the fixture pages know neither word: stems shown
    assert schuld["last_day"] == TODAY.isoformat()
    assert dag["last_day"] == (TODAY - timedelta(days=8)).isoformat()
    assert report["unanswered_other"] == 1  # appeltaart: asked once, no topic
    for t in topics:  # nothing of the planted personal data
        assert not {"jans", "kortenhoev", "gerdien", "wilderink", "bloemstrat"} & set(t["stems"])
    assert [(p["id"], p["not_useful"], p["useful"]) for p in report["not_useful_passages"]] == [
        (WAT, 2, 0), ("kb/weg#oud", 1, 0), (WAAROM, 1, 1)]  # most "nee" first, then fewest "ja"
    assert report["not_useful_passages"][0]["url"].endswith(
        "kb/aanbevelingen/regierol-wijkteam.html#regierol-wijkteam-wat")
    assert report["not_useful_passages"][1]["title"] is None  # no longer in the site
    weeks = {}
    for days_ago, question in SESSION:
        if days_ago < 30:
            week = iso_week((TODAY - timedelta(days=days_ago)).isoformat())
            weeks.setdefault(week, [0, 0])
            weeks[week][0] += 1
            weeks[week][1] += question in (REGIE, DELEN)
    assert [(w["week"], w["questions"], w["answered"]) for w in report["weeks"]] == [
        (week, n, a) for (week, _monday), (n, a) in sorted(weeks.items())]
    assert {t["theme"]: t["questions"] for t in report["themes"]} == {
        "regie": 2, "samenwerking": 4, "privacy-en-gegevensdeling": 2}
    assert report["themes"][0] == {"theme": "samenwerking", "label": "Samenwerking", "questions": 4}


def test_more_days_and_a_lower_minimum(recorded):
    report = json.loads(run_report(recorded, "--json", "--dagen", "90", "--minimaal", "1").output)
    assert report["questions"]["total"] == 12
    assert report["unanswered_other"] == 0
    assert any(t["stems"] == ["appeltaart", "bak"] for t in report["unanswered_topics"])


def test_the_text_report_is_dutch(recorded):
    out = run_report(recorded).output
    assert "Inzichten over de laatste 30 dagen" in out
    assert "Vragen: 11, waarvan 4 met een antwoord (36 %)" in out
    assert "Onbeantwoorde onderwerpen" in out and "jonger · schuldhulpverlen  —  3 vragen" in out
    assert "en 1 onbeantwoorde vragen over andere onderwerpen" in out
    assert "Wat de aanbeveling inhoudt  —  niet nuttig 2, nuttig 0" in out
    assert "kb/weg#oud (bestaat niet meer in de site)" in out
    assert "Samenwerking" in out and "week van" in out


def test_stems_are_shown_as_the_word_the_pages_use_most():
    words = readable_words([{"title": "Samenwerking", "text": "De samenwerking; samenwerken, samenwerking"}])
    assert words["samenwerk"] == "samenwerking"


def test_clustering_takes_the_most_shared_stem_first():
    q = [(frozenset(s.split()), d) for s, d in [
        ("schuld jonger hulp", "2026-11-01"), ("schuld jonger", "2026-11-03"),
        ("schuld huur", "2026-11-02"), ("dementie dagbested", "2026-11-01"),
        ("dementie dagbested vervoer", "2026-11-05"), ("kwartet", "2026-11-05"), ("", "2026-11-05")]]
    topics, other = cluster_topics(q, min_questions=2, top=10)
    assert [(t.stems, t.questions, t.last_day) for t in topics] == [
        (("schuld", "jonger"), 3, "2026-11-03"), (("dagbested", "dementie"), 2, "2026-11-05")]
    assert other == 1
    assert cluster_topics(q, min_questions=2, top=1)[0][0].stems == ("schuld", "jonger")


def test_no_file_yet_gives_a_clear_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    env.update(KB_CONFIG=str(tmp_path / "geen.toml"), KB_INSIGHTS_DIR=str(tmp_path / "leeg"),
               KB_SITE_DIR=str(SITE_DIR), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    result = subprocess.run([sys.executable, "-m", "kennisbank", "inzichten"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1
    assert "Fout:" in result.stderr and "geen inzichtenbestand" in result.stderr
    assert "KB_INSIGHTS=1" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "leeg").exists()  # the report never creates the file
    (tmp_path / "leeg").mkdir()
    (tmp_path / "leeg" / "inzichten.sqlite").write_bytes(b"kapot" * 100)
    result = subprocess.run([sys.executable, "-m", "kennisbank", "inzichten", "--json"], env=env,
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 1 and "geen leesbaar inzichtenbestand" in result.stderr
    assert "Traceback" not in result.stderr
