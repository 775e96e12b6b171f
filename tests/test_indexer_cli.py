"""`kb ask`: the command line over the same search path as the API."""
import json
import re
import sys

import pytest

from kennisbank.cli import main
from tests.indexer_testing import fake_embedder, kb_settings, built_index  # noqa: F401


def run_kb(monkeypatch, capsys, settings, *args):
    for name in ("site_dir", "index_dir", "cache_dir", "embedder", "answer_threshold"):
        monkeypatch.setenv(f"KB_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setattr(sys, "argv", ["kb", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def test_ask_json_has_the_api_shape(monkeypatch, capsys, built_index):
    code, out, _ = run_kb(monkeypatch, capsys, built_index, "ask", "Wat is shadowing?", "-k", "2", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["query"] == "Wat is shadowing?" and len(data["results"]) == 2
    first = data["results"][0]
    assert first["anchor"] == "term-shadowing" and first["url"] == "kb/begrippen.html#term-shadowing"
    assert {"id", "url", "title", "section", "page_type", "themes", "text", "score"} <= set(first)


def test_ask_human_output_and_filter(monkeypatch, capsys, built_index):
    code, out, _ = run_kb(monkeypatch, capsys, built_index, "ask", "regierol", "-k", "1", "--type", "aanbeveling")
    assert code == 0
    assert "\n1. De regierol van het wijkteam" in out
    assert "http://127.0.0.1:8000/kb/aanbevelingen/regierol-wijkteam.html#" in out


def test_ask_prints_the_answer_sentences_with_their_numbers_above_the_passages(monkeypatch, capsys, built_index):
    question = "Wie voert de regie bij meerdere zorgaanbieders?"
    code, out, _ = run_kb(monkeypatch, capsys, built_index, "ask", question, "-k", "3", "--json")
    answer = json.loads(out)["answer"]
    assert code == 0 and answer["found"] and 2 <= len(answer["sentences"]) <= 4
    code, out, _ = run_kb(monkeypatch, capsys, built_index, "ask", question, "-k", "3")
    assert code == 0
    head, _, passages = out.partition("Bronpassages:")
    assert head.startswith("Antwoord (letterlijke zinnen uit de kennisbank")
    flat = " ".join(head.split())
    for sentence in answer["sentences"]:  # each sentence, verbatim, with its citation number
        assert f"{' '.join(sentence['text'].split())} [{sentence['result']}]" in flat
    assert passages.lstrip().startswith("1. ")
    blocks = re.split(r"^(\d+)\. ", passages, flags=re.M)[1:]
    shown = {int(n): block for n, block in zip(blocks[::2], blocks[1::2])}
    for sentence in answer["sentences"]:  # the number names the passage shown under it
        assert "/" + sentence["link"].split("?")[0] + "#" in shown[sentence["result"]]


@pytest.mark.parametrize("question, message", [("", "de vraag is leeg"), ("x" * 5000, "5000 tekens")])
def test_ask_bad_question_is_one_line_and_exit_1(monkeypatch, capsys, built_index, question, message):
    code, out, err = run_kb(monkeypatch, capsys, built_index, "ask", question)
    assert code == 1 and out == ""
    assert err.startswith("Fout: ") and message in err and err.count("\n") == 1


def test_ask_without_index_says_to_build(monkeypatch, capsys, kb_settings):
    code, _, err = run_kb(monkeypatch, capsys, kb_settings, "ask", "regierol")
    assert code == 1 and "kb build" in err and "Traceback" not in err


def test_ask_unknown_filter_value(monkeypatch, capsys, built_index):
    code, _, err = run_kb(monkeypatch, capsys, built_index, "ask", "regierol", "--theme", "sport")
    assert code == 1 and "onbekende waarde 'sport'" in err
