"""`kb eval`: question files, scores, baselines (plain BM25, a faithful port of Sphinx search)."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.english import dutch_terms, looks_english
from indexer.evaluate import evaluate, load_off_topic, load_questions, run_eval
from kbcore.errors import ContentError
from tests.indexer_testing import FIXTURES, fake_embedder, kb_settings, built_index  # noqa: F401

TSV_HEADER = "id\tlang\tquestion\tpatterns\n"


def write_tsv(path: Path, rows: list[str]) -> Path:
    path.write_text(TSV_HEADER + "".join(r + "\n" for r in rows), "utf-8")
    return path


def test_load_questions_and_patterns(tmp_path):
    path = write_tsv(tmp_path / "q.tsv", ["q1\tnl\tWat is shadowing?\tshadowing&&volgt|volgen", "", "# commentaar"])
    (q,) = load_questions(path)
    assert q.id == "q1" and q.lang == "nl" and len(q.patterns) == 2
    assert q.answered_by({"text": "Shadowing: een onderzoeker VOLGT professionals."})
    assert not q.answered_by({"text": "Shadowing is een methode."})


@pytest.mark.parametrize("content, message", [
    ("id\tvraag\n", "regel 1: verwacht de kolommen"),
    (TSV_HEADER + "q1\tnl\tvraag\n", "regel 2: verwacht 4 kolommen"),
    (TSV_HEADER + "q1\tnl\tvraag\t(\n", "regel 2: ongeldige reguliere expressie"),
    (TSV_HEADER + "q1\tnl\t\tx\n", "regel 2: vraag of patronen ontbreken"),
])
def test_bad_question_files_name_the_line(tmp_path, content, message):
    path = tmp_path / "q.tsv"
    path.write_text(content, "utf-8")
    with pytest.raises(ContentError, match=message):
        load_questions(path)


def test_scores_per_language_misses_and_not_in_kb(tmp_path):
    path = write_tsv(tmp_path / "q.tsv", ["a\tnl\tA?\talfa", "b\tnl\tB?\tbeta", "c\ten\tC?\tgamma", "d\ten\tD?\tdelta"])
    passages = [{"id": name, "text": name} for name in ("alfa", "beta", "gamma", "x1", "x2", "x3")]
    ranked = {"A?": ["alfa"], "B?": ["x1", "x2", "beta"], "C?": [["x1", "gamma"]], "D?": ["x3"]}

    def rank(question):
        return [[passages_by_id[i] for i in item] if isinstance(item, list) else passages_by_id[item]
                for item in ranked[question]]

    passages_by_id = {p["id"]: p for p in passages}
    report = evaluate(load_questions(path), rank, passages)
    assert report["all"] == {"n": 4, "top1": 0.5, "top5": 0.75, "mrr10": round((1 + 1 / 3 + 1) / 4, 4)}
    assert report["answerable"]["n"] == 3 and report["answerable"]["top1"] == round(2 / 3, 4)
    assert report["by_lang"]["en"]["top1"] == 0.5 and report["by_lang"]["nl"]["top5"] == 1.0
    assert [m["id"] for m in report["misses"]] == ["b"]
    assert [m["id"] for m in report["not_in_kb"]] == ["d"]


def test_off_topic_file(tmp_path):
    path = write_tsv(tmp_path / "off.tsv", ["x1\tnl\tWat voor weer wordt het?\t-", "x2\ten\tWho won?\t"])
    assert [q.id for q in load_off_topic(path)] == ["x1", "x2"]


def test_run_eval_on_fixture_index(built_index, tmp_path):
    questions = write_tsv(tmp_path / "q.tsv", [
        "q1\tnl\tHoeveel gemeenten maken zich zorgen over privacy?\t11 van de 26",
        "q2\ten\tWhat is shadowing?\tshadowing",
        "q3\tnl\tWat is de hoofdstad van Peru?\tLima"])
    off = write_tsv(tmp_path / "off.tsv", ["x1\tnl\tWie won de Tour de France?\t-"])
    report = run_eval(built_index.replace(answer_threshold=0.2), [questions], off)
    scores = report["files"]["q.tsv"]["scores"]
    assert set(scores) == {"fused", "dense", "lexical", "bm25"}
    assert "sphinx" in report["unavailable"]  # the fixture has no searchindex.js
    assert scores["fused"]["answerable"]["top1"] == 1.0
    assert [q["id"] for q in report["files"]["q.tsv"]["not_in_kb"]] == ["q3"]
    assert report["off_topic"]["n"] == 1


def test_kb_eval_command(built_index, tmp_path, monkeypatch, capsys):
    from kennisbank.cli import main

    questions = write_tsv(tmp_path / "q.tsv", ["q1\tnl\tWat is shadowing?\tshadowing"])
    for name in ("site_dir", "index_dir", "cache_dir", "embedder"):
        monkeypatch.setenv(f"KB_{name.upper()}", str(getattr(built_index, name)))
    monkeypatch.setattr(sys, "argv", ["kb", "eval", str(questions), "--json"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"]["q.tsv"]["scores"]["fused"]["all"]["top1"] == 1.0
    monkeypatch.setattr(sys, "argv", ["kb", "eval", str(questions)])
    with pytest.raises(SystemExit):
        main()
    out = capsys.readouterr().out
    assert "zoekassistent" in out and "baseline: BM25" in out and "Antwoordscore" in out


def test_english_questions_get_dutch_domain_words():
    assert looks_english("Which safe referral system do GPs use?")
    assert not looks_english("Wat is de regierol van het wijkteam?")
    assert dutch_terms("Which safe referral system do GPs and neighbourhood teams use?") == \
        "veilig doorverwijzen verwijzing systeem huisartsen wijkteam"
    assert dutch_terms("Wat doet de huisarts?") == ""


# --- Sphinx's search: the port against the real searchtools.js ---------------------------

NODE = Path(sys.executable).parent.parent / "lib" / "python3.11" / "site-packages" / "playwright" / "driver" / "node"
QUERIES = ["wijkteam", "regierol van het wijkteam", "Wat is een smoelenboek?", "huisarts privacy",
           "samenwerk", "wijkteam -zwolle", "Begrippen", "1 januari 2015", "onbekendwoord", "de"]


@pytest.fixture(scope="module")
def tiny_sphinx_site(tmp_path_factory):
    from sphinx.cmd.build import build_main

    src = tmp_path_factory.mktemp("sphinx-src")
    (src / "conf.py").write_text('language = "nl"\nproject = "t"\n', "utf-8")
    (src / "index.rst").write_text(
        "Wijkteams\n=========\n\n.. toctree::\n\n   regie\n   privacy\n   begrippen\n\n"
        "Sociale wijkteams helpen inwoners sinds 1 januari 2015.\n", "utf-8")
    (src / "regie.rst").write_text(
        "De regierol van het wijkteam\n============================\n\n"
        "Het wijkteam neemt de regie in de samenwerking met aanbieders in Zwolle.\n\n"
        "Smoelenboek\n-----------\n\nEen smoelenboek met foto's helpt professionals elkaar te vinden.\n", "utf-8")
    (src / "privacy.rst").write_text(
        "Privacy\n=======\n\nDe huisarts en het wijkteam delen gegevens alleen met toestemming.\n"
        "Samenwerking vraagt vertrouwen.\n", "utf-8")
    (src / "begrippen.rst").write_text(
        "Begrippen\n=========\n\n.. glossary::\n\n   regierol\n      Het wijkteam coördineert de hulp.\n", "utf-8")
    out = tmp_path_factory.mktemp("sphinx-out")
    assert build_main(["-q", "-b", "html", str(src), str(out)]) == 0
    return out


def test_sphinx_port_matches_searchtools_js(tiny_sphinx_site):
    from indexer.sphinx_search import SphinxSearch

    node = str(NODE) if NODE.exists() else shutil.which("node")
    if not node:
        pytest.skip("no node binary (Playwright's driver or system node) to run searchtools.js")
    js = json.loads(subprocess.run([node, str(FIXTURES / "sphinx_harness.js"), str(tiny_sphinx_site)],
                                   input=json.dumps(QUERIES), capture_output=True, text=True,
                                   check=True, timeout=60).stdout)
    port = SphinxSearch(tiny_sphinx_site)
    for query, expected in zip(QUERIES, js):
        assert [list(r) for r in port.search(query)] == expected, query
    assert any(expected for expected in js)


def test_sphinx_results_map_to_passages(tiny_sphinx_site):
    from indexer.sphinx_search import SphinxSearch, passages_for_results

    passages = [{"id": "regie#a", "url": "regie.html#smoelenboek", "page_url": "regie.html",
                 "anchor": "smoelenboek", "text": "smoelenboek"},
                {"id": "regie#b", "url": "regie.html#x", "page_url": "regie.html", "anchor": "x", "text": "x"}]
    results = passages_for_results(SphinxSearch(tiny_sphinx_site).search("smoelenboek"), passages)
    assert results and all(isinstance(group, list) for group in results)
    assert results[0][0]["id"] in {"regie#a", "regie#b"}


# --- kinds of question and the answer score -----------------------------------------------

def test_kind_column_is_optional(tmp_path):
    with_kind = tmp_path / "k.tsv"
    with_kind.write_text("id\tlang\tquestion\tpatterns\tkind\n"
                         "a\tnl\tA?\talfa\ttypo\nb\tnl\tB?\tbeta\n", "utf-8")
    assert [(q.id, q.kind) for q in load_questions(with_kind)] == [("a", "typo"), ("b", "")]
    plain = write_tsv(tmp_path / "p.tsv", ["a\tnl\tA?\talfa"])
    assert load_questions(plain)[0].kind == ""


def test_answer_score_joins_the_sentences_and_groups_by_kind(tmp_path):
    from indexer.evaluate import evaluate_answers

    path = tmp_path / "k.tsv"
    path.write_text("id\tlang\tquestion\tpatterns\tkind\n"
                    "a\tnl\tA?\talfa&&beta\tcase\n"
                    "b\ten\tB?\tgamma\ten\n"
                    "c\tnl\tC?\tdelta\tcase\n", "utf-8")
    shown = {"A?": ["Eerst alfa.", "Dan beta."],  # the fact spans two sentences: joined, it counts
             "B?": [],                             # refused
             "C?": ["Iets anders."]}
    report = evaluate_answers(load_questions(path), lambda q: shown[q])
    assert report["all"] == {"n": 3, "score": round(1 / 3, 4), "refused": 1}
    assert report["by_kind"]["case"]["score"] == 0.5 and report["by_kind"]["en"]["score"] == 0.0
    assert report["by_lang"]["en"]["refused"] == 1
    assert [f["id"] for f in report["failures"]] == ["b", "c"]
    assert report["failures"][1]["sentences"] == ["Iets anders."]


def test_run_eval_measures_the_api_answer(built_index, tmp_path):
    from search_app.evaluation import answerers

    questions = write_tsv(tmp_path / "q.tsv", [
        "q1\tnl\tHoeveel gemeenten maken zich zorgen over privacy?\t11 van de 26",
        "q2\tnl\tWat is de hoofdstad van Peru?\tLima"])
    report = run_eval(built_index, [questions], None, answerers=answerers)
    answer = report["files"]["q.tsv"]["answer"]
    assert set(answer) == {"fused", "lexical", "bm25"}
    assert answer["fused"]["all"]["n"] == 2
    assert answer["fused"]["all"]["score"] == 0.5  # the fact is in the answer for q1 only
    assert [f["id"] for f in report["files"]["q.tsv"]["answer_failures"]] == ["q2"]
