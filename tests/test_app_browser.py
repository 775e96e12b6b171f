"""A real browser (Debian's Chromium through Playwright) against `kb serve`.

From a site page, type a Dutch question in the search box, get an answer with citations,
follow a citation and land on the section it names. Also checks that the page's own
JavaScript runs under the Content-Security-Policy (copy buttons appear) and that the
policy blocks nothing the page needs.
"""
from __future__ import annotations

import re
import shutil

import pytest

from tests.app_support import served_kb  # noqa: F401

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


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


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    # CSP violations and script errors show up as console errors; failed loads as responses
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.console_errors = problems  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        context.close()


def test_question_from_a_site_page_to_the_cited_section(served_kb, page):
    page.goto(served_kb.url + "/kb/praktijkvoorbeelden/tiel.html")
    box = page.get_by_label("Stel een vraag aan de kennisbank")
    box.fill("Mag ik informatie over een gezin delen met de huisarts?")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/zoeken\?q="))

    assert page.get_by_role("heading", name="Antwoord", exact=True).is_visible()
    citations = page.locator("a.bronnummer")
    assert 2 <= citations.count() <= 4
    assert page.locator("mark").count() > 0

    href = citations.first.get_attribute("href")
    anchor = href.split("#", 1)[1].split(":~:", 1)[0]  # then the text fragment of the sentence
    citations.first.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    section = page.locator(f"[id='{anchor}']")
    assert section.count() == 1
    assert section.is_visible()
    assert section.evaluate("el => { const r = el.getBoundingClientRect();"
                            " return r.top >= -1 && r.top < window.innerHeight; }")
    assert page.console_errors == []  # nothing blocked by the CSP, no script errors


def test_search_page_works_by_keyboard_and_js_enhances_copy(served_kb, page):
    page.goto(served_kb.url + "/zoeken")
    assert page.evaluate("document.activeElement.id") == "q"  # the empty page focuses the box
    page.keyboard.type("Wie voert de regie?")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/zoeken\?q="))
    page.keyboard.press("Tab")  # on a result page the skip link comes first
    assert page.evaluate("document.activeElement.className") == "kb-skiplink"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    # tabbing reaches the citations, and keyboard focus is visible (an outline)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('bronnummer')"):
            break
    else:
        raise AssertionError("geen bronnummer bereikt met Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)") >= 2
    # the optional script ran under the CSP: copy buttons are shown
    page.get_by_text("Kopieer link").first.click()
    assert page.locator("button.kopieer").first.is_visible()
    # a facet link narrows the search and the URL says so
    page.locator("nav.facetten a").first.click()
    page.wait_for_url(re.compile(r"(type|theme|law)="))
    assert page.locator("a.gekozen").count() == 1
    assert page.console_errors == []


def test_usable_on_a_phone(served_kb, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(served_kb.url + "/zoeken?q=Wie+voert+de+regie%3F")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1  # no sideways scrolling
        assert page.get_by_role("heading", name="Antwoord", exact=True).is_visible()
    finally:
        context.close()
