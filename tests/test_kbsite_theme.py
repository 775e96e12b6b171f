"""The site's theme (kbsite/theme/kennisbank) and what the extension adds to every page.

On the tiny test site built in our theme: no inline script (the CSP allows none), Sphinx's
Dutch for its scripts without ``new Function``, meta descriptions from ``summary``, Dutch
labels, the glossary's A-Z, the menus, the home page's question box. On the real site: every
page has a description, the guides for editors and IT staff stay out of the menu, and
``/favicon.ico`` exists.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest

from kbsite.translations import LOCALE_DIR

from kbsite.pagecontext import description, section_of

ROOT = Path(__file__).parent / "roots" / "test-kbsite"


@pytest.fixture(scope="module")
def themed(tmp_path_factory):
    from sphinx.testing.util import SphinxTestApp

    tmp = tmp_path_factory.mktemp("themed")
    src = tmp / "src"
    shutil.copytree(ROOT, src)
    app = SphinxTestApp("html", srcdir=src, builddir=tmp / "_build", freshenv=True,
                        confoverrides={"html_theme": "kennisbank", "locale_dirs": [str(LOCALE_DIR)]}, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()  # restores docutils' node registry for the next Sphinx build in this process
    return app


def read(app, page: str) -> str:
    return (Path(app.outdir) / page).read_text(encoding="utf-8")


def test_builds_in_our_theme_without_warnings(themed):
    assert themed.warning.getvalue().strip() == ""


def test_no_inline_script_on_any_page(themed):
    for path in Path(themed.outdir).rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text(encoding="utf-8")):
            assert "src=" in tag, (path.name, tag)
        assert not re.search(r"\son[a-z]+=", path.read_text(encoding="utf-8")), path.name


def test_translations_js_sets_dutch_without_compiling_code(themed):
    script = read(themed, "_static/translations.js")
    assert "new Function" not in script and "addTranslations" not in script and "eval(" not in script
    node = shutil.which("node")
    if node is None:
        pytest.skip("node ontbreekt")
    harness = ("const Documentation = {TRANSLATIONS: {}, gettext: (s) => { const t = Documentation.TRANSLATIONS[s];"
               " return t === undefined ? s : (typeof t === 'string' ? t : t[0]); },"
               " ngettext: (a, b, n) => { const t = Documentation.TRANSLATIONS[a];"
               " return t === undefined ? (n === 1 ? a : b) : t[Documentation.PLURAL_EXPR(n)]; }};\n"
               + script +
               "\nprocess.stdout.write(JSON.stringify([Documentation.LOCALE, Documentation.gettext('Searching'),"
               " Documentation.ngettext('Search finished, found one page matching the search query.', '', 1),"
               " Documentation.ngettext('Search finished, found one page matching the search query.', '', 3),"
               " Documentation.gettext(\"Your search did not match any documents. Please make sure that all words"
               " are spelled correctly and that you've selected enough categories.\")]));")
    out = json.loads(subprocess.run([node, "-e", harness], capture_output=True, text=True, check=True).stdout)
    assert out[0] == "nl" and out[1] == "Bezig met zoeken"
    assert out[2] == "Klaar met zoeken: één pagina gevonden."
    assert out[3] == "Klaar met zoeken: ${resultCount} pagina's gevonden."
    assert "je vraag" in out[4] and " u " not in f" {out[4]} "


def test_meta_description_is_the_summary(themed):
    page = read(themed, "kb/praktijkvoorbeelden/tiel.html")
    summary = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert summary and len(html.unescape(summary.group(1))) > 20
    source = (ROOT / "kb" / "praktijkvoorbeelden" / "tiel.md").read_text(encoding="utf-8")
    expected = re.search(r"^summary: (.*)$", source, flags=re.M).group(1).strip()
    assert html.unescape(summary.group(1)) == description(expected)


def test_theme_labels_are_dutch(themed):
    page = read(themed, "kb/aanbevelingen/regierol-wijkteam.html")
    assert 'title="Link naar dit kopje"' in page and "Link to this" not in page
    for label in ("Naar de inhoud", 'aria-label="Hoofdmenu"', 'aria-label="Kruimelpad"', "Op deze pagina",
                  "Stel een vraag aan de kennisbank", ">Zoeken</button>"):
        assert label in page
    search = read(themed, "search.html")
    assert "Zet JavaScript aan" in search and "Please activate" not in search


def test_menu_and_section_menu_mark_where_you_are(themed):
    page = read(themed, "kb/aanbevelingen/regierol-wijkteam.html")
    menu = re.search(r'<nav id="kb-hoofdmenu".*?</nav>', page, flags=re.S).group(0)
    assert re.search(r'href="(\.\./aanbevelingen/)?index.html" aria-current="true">Aanbevelingen', menu)
    section = re.search(r'<nav class="kb-sectienav".*?</nav>', page, flags=re.S).group(0)
    assert re.search(r'aria-current="page">De regierol van het wijkteam</a>', section)
    assert 'aria-label="In dit onderdeel: Overzicht aanbevelingen"' in section


def test_glossary_gets_an_a_to_z(themed):
    page = read(themed, "kb/begrippen.html")
    nav = re.search(r'<nav class="kb-az" aria-label="Begrippen van A tot Z">.*?</nav>', page, flags=re.S).group(0)
    assert '<a href="#letter-r">R</a>' in nav and '<a href="#letter-t">T</a>' in nav
    assert '<li class="kb-az-leeg"><span>A</span></li>' in nav
    after_r = page[page.index('id="letter-r"'):]
    assert re.match(r'id="letter-r">R</h2>\s*<dl class="simple glossary">\s*<dt id="term-regie">', after_r)
    assert 'id="term-T-shaped-professional"' in page  # the term's own id (and its links) unchanged


def test_description_keeps_whole_sentences():
    text = "Eerste zin is kort. " + "Tweede zin " * 40 + "eindigt hier."
    assert description(text, limit=60) == "Eerste zin is kort."
    assert description("één woord " * 50, limit=40).endswith("…")
    assert description("Kort.") == "Kort."


@pytest.mark.parametrize("docname,key", [("index", "start"), ("kb/aanbevelingen/tiel", "aanbevelingen"),
                                         ("kb/begrippen", "begrippen"), ("docs/professionals", "hulp"),
                                         ("docs/beheer", "handleidingen")])
def test_section_of_a_page(docname, key):
    assert section_of(docname)[0] == key


# -- the real site ---------------------------------------------------------------------

def test_every_real_page_has_a_description_and_the_favicon_exists(real_site):
    assert (real_site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert (real_site / "_static" / "favicon.svg").is_file()
    for path in real_site.rglob("*.html"):
        if path.name in ("genindex.html",) or "_static" in path.parts:
            continue
        match = re.search(r'<meta name="description" content="([^"]+)"', path.read_text(encoding="utf-8"))
        assert match and len(match.group(1)) >= 20, path


def test_home_page_is_for_professionals(real_site):
    page = (real_site / "index.html").read_text(encoding="utf-8")
    box = re.search(r'<section class="kb-vraagvak".*?</section>', page, flags=re.S).group(0)
    assert 'action="zoeken"' in box and ">Zoeken</button>" in box
    assert len(re.findall(r'href="zoeken\?q=', box)) >= 3  # example questions, each a link
    menu = re.search(r'<nav id="kb-hoofdmenu".*?</nav>', page, flags=re.S).group(0)
    article = re.search(r"<article.*?</article>", page, flags=re.S).group(0)
    for guide in ("docs/beheer.html", "docs/api.html", "docs/benchmarks.html", "docs/quality.html",
                  "docs/redacteuren.html"):
        assert guide not in menu and guide not in article  # not in the professionals' way
        assert (real_site / guide).is_file()  # but their URLs still work
    footer = re.search(r'<footer class="kb-voet">.*?</footer>', page, flags=re.S).group(0)
    assert 'href="docs/index.html"' in footer
    for heading in ("Blader per thema", "Per soort pagina", "Per wet", "Over de kennisbank"):
        assert heading in article
