"""Citing pages: APA punctuation, the Citeer control, BibTeX and RIS, the history, base_url."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from kbcore.urls import is_loopback, rebase_loopback
from kbsite import apa
from kbsite.history import GENERIC_CHANGE, History
from kbsite.reference_files import bibtex, ris

from .trainers_support import build, copy_root, html

DATE = dt.date(2025, 3, 14)
URL = "https://kennisbank.example.nl/kb/dilemmas/generalist-of-specialist.html"


@pytest.mark.parametrize("title, expected", [
    ("Generalist of specialist?", "Wijkteam Kennisbank. (2025, 14 maart). Generalist of specialist? " + URL),
    ("Samen doen!", "Wijkteam Kennisbank. (2025, 14 maart). Samen doen! " + URL),
    ("De regierol van het wijkteam", "Wijkteam Kennisbank. (2025, 14 maart). De regierol van het wijkteam. " + URL),
])
def test_page_citation_keeps_one_mark_after_the_title(title, expected):
    assert apa.plain(apa.page_citation_parts(title, DATE, URL)) == expected


def test_passage_citation_names_section_and_anchor():
    parts = apa.passage_citation_parts("Generalist of specialist?", "De vraag", DATE, URL + "#p-k3x9a")
    assert apa.plain(parts) == ("Wijkteam Kennisbank. (2025, 14 maart). Generalist of specialist? "
                                "[alinea uit de sectie ‘De vraag’]. " + URL + "#p-k3x9a")
    assert parts[1] == ("Generalist of specialist?", True)  # the title in italics, nothing else
    intro = apa.plain(apa.passage_citation_parts("Tiel", None, DATE, URL + "#p-1"))
    assert "[alinea uit de inleiding]" in intro


def test_bibtex_record_escapes_and_names_the_group_author():
    record = bibtex("kosten-&-baten", "Kosten & baten: 100% maatwerk_nu?", DATE, URL)
    assert record.startswith("@online{wijkteamkennisbank-kosten---baten-2025,\n")
    assert "author       = {{Wijkteam Kennisbank}}" in record
    assert r"title        = {{Kosten \& baten: 100\% maatwerk\_nu?}}" in record
    assert "date         = {2025-03-14}" in record and "month        = mar" in record
    assert f"url          = {{{URL}}}" in record
    assert record.count("{") == record.count("}")


def test_ris_record_is_a_web_page_with_crlf():
    record = ris("Generalist of\nspecialist?", DATE, URL)
    lines = record.split("\r\n")
    assert lines[0] == "TY  - ELEC" and lines[-2] == "ER  - " and lines[-1] == ""
    assert "TI  - Generalist of specialist?" in lines and "DA  - 2025/03/14" in lines and f"UR  - {URL}" in lines
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines[:-1])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    app = build(copy_root(tmp_path_factory.mktemp("cite")))
    yield app
    app.cleanup()


def test_citeer_control_sits_under_the_title(site):
    page = html(site, "kb/dilemmas/rollen-onduidelijk")
    after_title = page.split("</h1>", 1)[1]
    assert after_title.lstrip().startswith('<div class="kb-paginakop"><details class="kb-paginacitaat"><summary>Citeer')
    block = after_title.split("</details>", 1)[0]
    assert re.search(r"Wijkteam Kennisbank\. \(\d{4}, \d{1,2} [a-z]+\)\. <em>Wie heeft welke taak\?</em> "
                     r"https://kennisbank\.test/kb/dilemmas/rollen-onduidelijk\.html", block)  # no "?."
    assert 'href="rollen-onduidelijk.bib" download' in block and 'href="rollen-onduidelijk.ris" download' in block
    assert 'data-kopieer="kb-citaat-pagina"' in block
    assert "Laatst gewijzigd: <time" in after_title.split('<div class="kb-alinea', 1)[0]


def test_bib_and_ris_files_beside_every_page(site):
    out = Path(site.outdir)
    bib = (out / "kb/dilemmas/rollen-onduidelijk.bib").read_text(encoding="utf-8")
    assert "title        = {{Wie heeft welke taak?}}" in bib
    assert "https://kennisbank.test/kb/dilemmas/rollen-onduidelijk.html" in bib
    risfile = (out / "kb/dilemmas/rollen-onduidelijk.ris").read_bytes()
    assert risfile.startswith(b"TY  - ELEC\r\n") and b"\r\nER  - \r\n" in risfile


def test_citations_json_for_course_packs(site):
    data = json.loads((Path(site.outdir) / "citations.json").read_text(encoding="utf-8"))
    assert data["base_url"] == "https://kennisbank.test/"
    page = data["pages"]["kb/aanbevelingen/regierol-wijkteam"]
    assert page["url"] == "https://kennisbank.test/kb/aanbevelingen/regierol-wijkteam.html"
    assert page["sources"][0]["key"] == "windesheim-2016"
    assert page["anchors"]["regierol-wijkteam-waarom"] == {"kind": "section", "section": "Waarom de regierol telt"}
    kinds = {a["kind"] for a in page["anchors"].values()}
    assert {"section", "paragraph"} <= kinds
    assert page["paragraph_ids"]["units"] >= 4
    assert page["paragraph_ids"]["with_id"] == page["paragraph_ids"]["units"]
    assert data["order"].index("kb/index") < data["order"].index("kb/aanbevelingen/regierol-wijkteam")


def test_internal_links_carry_their_public_address_for_print(site):
    page = html(site, "kb/aanbevelingen/regierol-wijkteam")
    assert ('href="../dilemmas/rollen-onduidelijk.html#rollen-onduidelijk" '
            'data-url="https://kennisbank.test/kb/dilemmas/rollen-onduidelijk.html#rollen-onduidelijk"') in page
    assert not re.search(r'#term-regie" data-url', page)  # glossary terms print no address


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": "2024-05-06T12:00:00", "GIT_COMMITTER_DATE": "2024-05-06T12:00:00",
           "GIT_AUTHOR_NAME": "Redactie", "GIT_AUTHOR_EMAIL": "r@example.nl",
           "GIT_COMMITTER_NAME": "Redactie", "GIT_COMMITTER_EMAIL": "r@example.nl"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def test_history_gives_last_change_and_recent_changes(tmp_path):
    src = copy_root(tmp_path, ids=False)
    _git(src, "init", "-q")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "Eerste versie van de kennisbank")
    page = src / "kb/praktijkvoorbeelden/tiel.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nNieuwe alinea.\n", encoding="utf-8")
    _git(src, "commit", "-q", "-am", "Tiel: add staffing figures",
         "-m", "Wijziging: Cijfers over de formatie in Tiel aangevuld.")
    for n in (1, 2):  # two edits without a word for readers, on the same day: listed once
        page.write_text(page.read_text(encoding="utf-8") + f"\nAlinea {n}.\n", encoding="utf-8")
        _git(src, "commit", "-q", "-am", f"Tiel: fix typo {n}")
    history = History(src)
    tiel = history.for_file(page)
    assert tiel.from_git and tiel.date == dt.date(2024, 5, 6)
    # Commit subjects are for developers; readers see the Wijziging trailer or a generic line.
    assert [c.summary for c in tiel.changes] == [GENERIC_CHANGE,
                                                 "Cijfers over de formatie in Tiel aangevuld.",
                                                 GENERIC_CHANGE]
    app = build(src)
    try:
        top = html(app, "kb/praktijkvoorbeelden/tiel").split("</h1>", 1)[1].split('<div class="kb-alinea', 1)[0]
        assert 'Laatst gewijzigd: <time datetime="2024-05-06">6 mei 2024</time>' in top
        assert "Cijfers over de formatie in Tiel aangevuld.</li>" in top
        assert "add staffing figures" not in top and "fix typo" not in top
        assert "(2024, 6 mei)" in top  # the citation has the date of the last change
    finally:
        app.cleanup()
    page.write_text(page.read_text(encoding="utf-8") + "\nNog niet vastgelegd.\n", encoding="utf-8")
    dirty = History(src).for_file(page)
    assert dirty.uncommitted and dirty.date == dt.date.today()
    assert dirty.changes[0].summary == "nog niet vastgelegde wijziging"


def test_without_history_the_file_date_and_a_note(tmp_path):
    src = copy_root(tmp_path, ids=False)  # a plain copy: no git repository
    page = src / "kb/praktijkvoorbeelden/tiel.md"
    stamp = dt.datetime(2023, 11, 2, 10, 0).timestamp()
    os.utime(page, (stamp, stamp))
    tiel = History(src).for_file(page)
    assert not tiel.from_git and tiel.date == dt.date(2023, 11, 2) and tiel.changes == []
    app = build(src)
    try:
        top = html(app, "kb/praktijkvoorbeelden/tiel").split("</h1>", 1)[1]
        assert "2 november 2023" in top and "wijzigingsgeschiedenis zit niet in deze kopie" in top
        assert "kb-wijzigingen" not in top.split('<div class="kb-alinea', 1)[0]
    finally:
        app.cleanup()


# -- base_url ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url, loopback", [
    ("http://127.0.0.1:8000/", True), ("http://localhost/", True), ("http://127.3.4.5:9/", True),
    ("http://[::1]:8000/", True), ("", True), ("https://kennisbank.example.nl/", False),
    ("http://10.0.0.5/", False), ("https://wijkteam.gemeente.nl/kb/", False)])
def test_loopback_addresses(url, loopback):
    assert is_loopback(url) is loopback


def test_rebase_moves_loopback_site_addresses():
    text = "Wijkteam Kennisbank. (2025, 14 maart). Tiel. http://127.0.0.1:8000/kb/tiel.html"
    assert rebase_loopback(text, "https://kb.example.nl") == \
        "Wijkteam Kennisbank. (2025, 14 maart). Tiel. https://kb.example.nl/kb/tiel.html"
    assert rebase_loopback("https://elders.nl/x", "https://kb.example.nl/") == "https://elders.nl/x"


PUBLIC = "https://kennisbank.example.nl/"


@pytest.fixture(scope="module")
def public_site(tmp_path_factory):
    """The tiny site with ids, built for a public base URL, sitemap included."""
    src = copy_root(tmp_path_factory.mktemp("public"))
    app = build(src, confoverrides={"html_baseurl": PUBLIC,
                                    "extensions": ["myst_parser", "sphinx_sitemap", "kbsite"],
                                    "sitemap_url_scheme": "{link}"})
    yield app
    app.cleanup()


def test_public_base_url_leaves_no_loopback_anywhere(public_site):
    out = Path(public_site.outdir)
    checked = 0
    for path in out.rglob("*"):
        if path.suffix in (".html", ".xml", ".json", ".jsonl", ".bib", ".ris"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"127\.0\.0\.1|localhost|\[::1\]", text), path
            checked += 1
    assert checked > 30
    assert f"<loc>{PUBLIC}kb/aanbevelingen/regierol-wijkteam.html</loc>" in (out / "sitemap.xml").read_text()


def test_every_citation_names_the_pages_own_url(public_site):
    out = Path(public_site.outdir)
    data = json.loads((out / "citations.json").read_text(encoding="utf-8"))
    for docname, page in data["pages"].items():
        own = f"{PUBLIC}{docname}.html"
        assert page["url"] == own
        text = (out / f"{docname}.html").read_text(encoding="utf-8")
        assert f'<link rel="canonical" href="{own}"' in text
        for citation in re.findall(r'class="kb-citaat">(.*?)</p>', text):
            assert re.search(re.escape(own) + r"(#[a-z0-9-]+)?$", citation), (docname, citation)
        assert own in (out / f"{docname}.bib").read_text(encoding="utf-8")
    for line in (out / "passages.jsonl").read_text(encoding="utf-8").splitlines():
        passage = json.loads(line)
        assert passage["citation"].endswith(f"{PUBLIC}{passage['page_url']}")
