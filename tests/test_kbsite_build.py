"""The kbsite extension on a tiny site: listings, citation blocks, "Zie ook", passages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kennisbank.sitecheck import broken_passage_links

from .sphinxroots import build_root


def _html(app, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")


def _links(html: str) -> set[str]:
    return {href.split("#")[0] for href in re.findall(r'href="([^"]+)"', html)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    app = build_root(tmp_path_factory.mktemp("kbsite"))
    yield app
    app.cleanup()


def test_builds_without_warnings(built):
    assert built.warning.getvalue().strip() == ""


def test_type_listing_lists_every_page_of_its_type(built):
    html = _html(built, "kb/aanbevelingen/index")
    assert "regierol-wijkteam.html" in html and "gegevens-delen.html" in html
    assert "tiel.html" not in html and "rollen-onduidelijk.html" not in html
    assert "Het wijkteam pakt de regierol op" in html  # the summary is shown


def test_theme_page_lists_its_pages_grouped_by_type(built):
    html = _html(built, "kb/themas/thema-regie")
    listing = html.split('id="thema-regie-paginas"')[1]
    for page in ("regierol-wijkteam.html", "rollen-onduidelijk.html", "tiel.html"):
        assert page in listing
    assert "gegevens-delen.html" not in listing  # theme privacy only
    assert listing.index("Aanbevelingen (1)") < listing.index("Dilemma's (1)") < listing.index("Praktijkvoorbeelden (1)")


def test_themes_overview_counts_pages(built):
    html = _html(built, "kb/themas/index")
    assert "thema-regie.html" in html
    assert "(3 pagina's)" in html  # regie: aanbeveling, dilemma, voorbeeld


def test_law_listing(built):
    html = _html(built, "kb/wetten/index")
    assert "gegevens-delen.html" in html
    assert "regierol-wijkteam.html" not in html  # only wmo


def test_bibliography_lists_pages_per_study(built):
    html = _html(built, "kb/bronnen/index")
    entry = html.split('id="bron-gilsing-hermens-2016"')[1].split("</li>\n</ul>\n</li>")[0]
    assert "Gilsing, R., &amp; Hermens, N. (2016). <em>Evaluatie sociale wijkteams Tiel</em>" in html
    for page in ("gegevens-delen.html", "rollen-onduidelijk.html", "tiel.html"):
        assert page in entry
    assert "(z.d.)" in html and "Nog geen pagina" in html


def test_source_page_lists_pages_drawing_on_it(built):
    html = _html(built, "kb/bronnen/bron-windesheim-2016")
    listing = html.split('id="bron-windesheim-2016-paginas"')[1]
    assert "regierol-wijkteam.html" in listing and "rollen-onduidelijk.html" in listing


@pytest.mark.parametrize("docname", ["kb/aanbevelingen/regierol-wijkteam", "kb/dilemmas/rollen-onduidelijk",
                                     "kb/praktijkvoorbeelden/tiel", "kb/themas/thema-regie", "kb/begrippen"])
def test_every_page_has_a_citation_block(built, docname):
    html = _html(built, docname)
    block = html.split('class="kb-citeer')[1]
    assert "Citeer deze pagina" in block
    assert re.search(r"Wijkteam Kennisbank\. \(\d{4}, \d{1,2} [a-z]+\)\. <em>", block)
    assert f"https://kennisbank.test/{docname}.html" in block


def test_citation_block_cites_the_studies(built):
    block = _html(built, "kb/dilemmas/rollen-onduidelijk").split('class="kb-citeer')[1]
    assert "Gilsing, R., &amp; Hermens, N. (2016)" in block
    assert "Hogeschool Windesheim. (2016)" in block
    assert "bronnen/index.html#bron-windesheim-2016" in block


def test_see_also_uses_related_both_ways_and_shared_themes(built):
    html = _html(built, "kb/aanbevelingen/regierol-wijkteam").split('id="regierol-wijkteam-zie-ook"')[1]
    assert "tiel.html" in html  # related
    assert "rollen-onduidelijk.html" in html  # shared theme
    back = _html(built, "kb/praktijkvoorbeelden/tiel").split('id="tiel-zie-ook"')[1]
    assert "regierol-wijkteam.html" in back  # related, the other way round


def test_glossary_term_is_linked(built):
    html = _html(built, "kb/aanbevelingen/regierol-wijkteam")
    assert 'begrippen.html#term-regie' in html


def test_passages_written_with_resolving_urls(built):
    path = Path(built.outdir) / "passages.jsonl"
    passages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    ids = {p["id"] for p in passages}
    assert "kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-waarom" in ids
    assert "kb/begrippen#term-T-shaped-professional" in ids  # glossary entries on their own
    assert not any(p["page_type"] == "overzicht" for p in passages)
    assert broken_passage_links(Path(built.outdir), path) == []
    waarom = next(p for p in passages if p["anchor"] == "regierol-wijkteam-waarom")
    assert waarom["title"] == "De regierol van het wijkteam"
    assert waarom["section"] == "De regierol van het wijkteam › Waarom de regierol telt"
    assert waarom["themes"] == ["regie"] and waarom["theme_labels"] == ["Regie en rolverdeling"]
    assert waarom["laws"] == ["wmo"] and waarom["sources"] == ["windesheim-2016"]
    assert waarom["citation"].startswith("Wijkteam Kennisbank. (")
    assert "regierol moeten oppakken" in waarom["text"]
    term = next(p for p in passages if p["anchor"] == "term-T-shaped-professional")
    assert term["text"].startswith("T-shaped professional: Een professional met brede basiskennis")


def test_incremental_build_keeps_passages_of_unchanged_pages(tmp_path):
    from io import StringIO

    from sphinx.testing.util import SphinxTestApp

    first = build_root(tmp_path)
    first.cleanup()
    src = tmp_path / "src"
    page = src / "kb/praktijkvoorbeelden/tiel.md"
    page.write_text(page.read_text(encoding="utf-8").replace("3,5 fte", "3,5 fte en een nieuwe zin"),
                    encoding="utf-8")
    again = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "_build", freshenv=False,
                          status=StringIO(), warning=StringIO())
    again.build()
    try:
        passages = [json.loads(x) for x in (Path(again.outdir) / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
        assert any("nieuwe zin" in p["text"] for p in passages)
        assert any(p["anchor"] == "regierol-wijkteam-waarom" for p in passages)
        assert any(p["anchor"] == "term-regie" for p in passages)
    finally:
        again.cleanup()


def test_reference_text_in_passages_is_the_target_title(built):
    passages = [json.loads(x) for x in (Path(built.outdir) / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    hoe = next(p for p in passages if p["anchor"] == "regierol-wijkteam-hoe")
    assert "het dilemma en De vraag." in hoe["text"]  # the section title, not the label
    assert "rollen-onduidelijk" not in hoe["text"]


def test_glossary_in_a_subsection_yields_each_term_once(built):
    passages = [json.loads(x) for x in (Path(built.outdir) / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    anchors = [p["anchor"] for p in passages if p["page_type"] == "begrippen"]
    assert anchors.count("term-opschalen") == 1
    assert anchors.count("term-regie") == 1
