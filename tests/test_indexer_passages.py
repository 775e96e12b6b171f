"""passages.jsonl from the site build: strict reading, messages that name the line."""
import json

import pytest

from indexer import passages as passages_mod
from indexer.passages import embedding_text, read_passages
from tests.indexer_testing import FIXTURE_PASSAGES
from kbcore.errors import ContentError


def write_lines(path, lines):
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")
    return path


def fixture_lines():
    return [json.loads(line) for line in FIXTURE_PASSAGES.read_text("utf-8").splitlines()]


def test_fixture_reads_and_has_interface_fields():
    passages, raw = read_passages(FIXTURE_PASSAGES)
    assert len(passages) >= 20
    assert raw == FIXTURE_PASSAGES.read_bytes()
    for p in passages:
        assert p["url"] == f"{p['page_url']}#{p['anchor']}"
        assert p["id"].split("#")[1] == p["anchor"]
        assert p["section"].startswith(p["title"])
    assert any(p["page_type"] == "begrippen" and p["anchor"].startswith("term-") for p in passages)


def test_missing_file_says_to_build(tmp_path):
    with pytest.raises(ContentError, match="kb build"):
        read_passages(tmp_path / "passages.jsonl")


def test_empty_file(tmp_path):
    path = tmp_path / "passages.jsonl"
    path.write_text("\n\n", "utf-8")
    with pytest.raises(ContentError, match="geen passages"):
        read_passages(path)


def test_non_utf8_names_the_line(tmp_path):
    path = write_lines(tmp_path / "passages.jsonl", fixture_lines()[:2])
    path.write_bytes(path.read_bytes() + '{"id": "x", "text": "caf\xe9"}\n'.encode("latin-1"))
    with pytest.raises(ContentError, match="regel 3: geen geldige UTF-8"):
        read_passages(path)


def test_bad_json_and_missing_field_name_the_line(tmp_path):
    path = tmp_path / "passages.jsonl"
    path.write_text('{"id": "a",\n', "utf-8")
    with pytest.raises(ContentError, match="regel 1: geen geldige JSON"):
        read_passages(path)
    lines = fixture_lines()[:3]
    del lines[2]["url"]
    with pytest.raises(ContentError, match="regel 3: veld 'url'"):
        read_passages(write_lines(path, lines))


def test_wrong_list_type_and_duplicate_id(tmp_path):
    lines = fixture_lines()[:2]
    lines[1]["themes"] = "regie"
    with pytest.raises(ContentError, match="'themes' moet een lijst"):
        read_passages(write_lines(tmp_path / "p.jsonl", lines))
    lines = fixture_lines()[:2]
    lines[1]["id"] = lines[0]["id"]
    with pytest.raises(ContentError, match="staat ook op regel 1"):
        read_passages(write_lines(tmp_path / "p.jsonl", lines))


def test_huge_file_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(passages_mod, "MAX_PASSAGES_BYTES", 100)
    with pytest.raises(ContentError, match="grens"):
        read_passages(FIXTURE_PASSAGES)


def test_huge_passage_is_accepted_and_minimal_fields_defaulted(tmp_path):
    path = write_lines(tmp_path / "p.jsonl", [{"id": "a#b", "url": "a.html#b", "title": "T",
                                               "text": "woord " * 50_000}])
    (passage,), _ = read_passages(path)
    assert passage["themes"] == [] and passage["section"] == "T"
    assert embedding_text(passage).startswith("T\n")
