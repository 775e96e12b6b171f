"""Incremental builds (kbsite/incremental.py): an edit rewrites only the pages whose output changes.

A sentence changed in a page body rewrites that page (and the page whose table of contents
includes it), not the listings; a changed summary or title rewrites every page, so the
listings and "Zie ook" show it; the sitemap and passages.jsonl stay complete either way.
"""
from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

from sphinx.testing.util import SphinxTestApp

from .sphinxroots import build_root

TIEL = "kb/praktijkvoorbeelden/tiel.md"


def _mtimes(outdir: Path) -> dict[str, int]:
    return {str(p.relative_to(outdir)): p.stat().st_mtime_ns for p in outdir.rglob("*.html")}


def _rebuild(tmp_path: Path, edits: dict[str, tuple[str, str]], conf_extra: str = "") -> SphinxTestApp:
    src = tmp_path / "src"
    for rel, (old, new) in edits.items():
        page = src / rel
        text = page.read_text(encoding="utf-8")
        assert old in text
        page.write_text(text.replace(old, new), encoding="utf-8")
    app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "_build", freshenv=False,
                        status=StringIO(), warning=StringIO())
    app.build()
    return app


def _first_build(tmp_path: Path, with_sitemap: bool = False) -> tuple[Path, dict[str, int]]:
    files = {}
    if with_sitemap:
        conf = (Path(__file__).parent / "roots" / "test-kbsite" / "conf.py").read_text(encoding="utf-8")
        files["conf.py"] = conf.replace('extensions = ["myst_parser", "kbsite"]',
                                        'extensions = ["myst_parser", "sphinx_sitemap", "kbsite"]\n'
                                        'sitemap_url_scheme = "{link}"')
    first = build_root(tmp_path, files)
    outdir = Path(first.outdir)
    assert first.warning.getvalue().strip() == ""
    first.cleanup()
    return outdir, _mtimes(outdir)


def _sitemap_pages(outdir: Path) -> set[str]:
    return set(re.findall(r"<loc>https://kennisbank\.test/([^<]+)</loc>", (outdir / "sitemap.xml").read_text("utf-8")))


def test_a_sentence_edit_rewrites_only_that_page(tmp_path):
    outdir, before = _first_build(tmp_path, with_sitemap=True)
    sitemap_before = _sitemap_pages(outdir)
    assert "kb/praktijkvoorbeelden/tiel.html" in sitemap_before and len(sitemap_before) >= 15
    again = _rebuild(tmp_path, {TIEL: ("In Tiel had", "In de gemeente Tiel had")})
    try:
        assert again.warning.getvalue().strip() == ""
        after = _mtimes(outdir)
        rewritten = {page for page in before if after[page] != before[page]}
        assert "kb/praktijkvoorbeelden/tiel.html" in rewritten
        # the listings and the other content pages were not written again
        for page in ("kb/aanbevelingen/index.html", "kb/themas/thema-regie.html",
                     "kb/aanbevelingen/regierol-wijkteam.html", "kb/dilemmas/rollen-onduidelijk.html",
                     "kb/begrippen.html"):
            assert page not in rewritten, page
        assert "In de gemeente Tiel had" in (outdir / "kb/praktijkvoorbeelden/tiel.html").read_text("utf-8")
        # outputs made from all pages are still complete
        assert _sitemap_pages(outdir) == sitemap_before
        passages = [json.loads(x) for x in (outdir / "passages.jsonl").read_text("utf-8").splitlines()]
        assert any("In de gemeente Tiel had" in p["text"] for p in passages)
        assert any(p["anchor"] == "regierol-wijkteam-waarom" for p in passages)
        # the glossary's index entries in Sphinx's own search index (its page was not written)
        assert "term-regie" in (outdir / "searchindex.js").read_text("utf-8")
    finally:
        again.cleanup()


def test_a_changed_summary_or_title_reaches_the_listings_and_see_also(tmp_path):
    outdir, before = _first_build(tmp_path)
    again = _rebuild(tmp_path, {TIEL: ("summary: De evaluatie van de sociale wijkteams in Tiel.",
                                       "summary: Een geheel nieuwe samenvatting over Tiel.")})
    again.cleanup()
    theme = (outdir / "kb/themas/thema-regie.html").read_text("utf-8")
    assert "Een geheel nieuwe samenvatting over Tiel." in theme
    assert "De evaluatie van de sociale wijkteams in Tiel." not in theme
    listing = (outdir / "kb/praktijkvoorbeelden/index.html").read_text("utf-8")
    assert "Een geheel nieuwe samenvatting over Tiel." in listing

    again = _rebuild(tmp_path, {TIEL: ("# Tiel\n", "# Tiel aan de Waal\n")})
    try:
        assert again.warning.getvalue().strip() == ""
        # "Zie ook" of a page sharing the theme, and the theme listing, show the new title
        for page in ("kb/aanbevelingen/regierol-wijkteam.html", "kb/themas/thema-regie.html"):
            assert "Tiel aan de Waal" in (outdir / page).read_text("utf-8"), page
    finally:
        again.cleanup()


def test_a_removed_page_leaves_the_listings(tmp_path):
    outdir, _ = _first_build(tmp_path)
    assert "tiel.html" in (outdir / "kb/themas/thema-regie.html").read_text("utf-8")
    (tmp_path / "src" / TIEL).unlink()
    index = tmp_path / "src" / "kb/praktijkvoorbeelden/index.md"
    index.write_text(re.sub(r"(?m)^tiel\n", "", index.read_text("utf-8")), encoding="utf-8")
    again = _rebuild(tmp_path, {})
    try:
        assert "tiel.html" not in (outdir / "kb/themas/thema-regie.html").read_text("utf-8")
    finally:
        again.cleanup()
