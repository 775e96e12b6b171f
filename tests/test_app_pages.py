"""The search page, the static site and the security headers on every response."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from search_app.security import CSP_APP, CSP_SITE, SITE_INLINE_SCRIPTS, script_hash
from tests.app_support import SITE_DIR, app, client, settings  # noqa: F401

QUESTION = "Wie voert de regie bij samenwerking met zorgaanbieders?"


class Page(HTMLParser):
    """Collects what the tests look at: ids, links, scripts, labels, inputs."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[dict[str, str]] = []
        self.inline_scripts = 0
        self.label_for: set[str] = set()
        self.inputs: list[dict[str, str]] = []
        self.inline_styles = 0
        self.event_handlers: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if "style" in a:
            self.inline_styles += 1
        self.event_handlers += [k for k in a if k.startswith("on")]
        if tag == "a" and "href" in a:
            self.links.append((a["href"], a))
        if tag == "script":
            self.scripts.append(a)
            self._in_script = "src" not in a
        if tag == "label" and "for" in a:
            self.label_for.add(a["for"])
        if tag in {"input", "select", "textarea"}:
            self.inputs.append(a)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def get_page(client, url: str, status: int = 200, **kwargs) -> tuple[str, Page]:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.data[:500]
    html = response.get_data(as_text=True)
    return html, Page(html)


def test_search_page_without_question_shows_the_form(client):
    html, page = get_page(client, "/zoeken")
    assert '<html lang="nl">' in html
    assert 'name="q"' in html and "q" in page.label_for
    assert 'id="antwoord-kop"' not in html


def test_answer_with_numbered_citations_linking_to_passages(client):
    html, page = get_page(client, "/zoeken", query_string={"q": QUESTION})
    assert "<h2 id=\"antwoord-kop\">Antwoord</h2>" in html
    citations = [(href, a) for href, a in page.links if "bronnummer" in a.get("class", "")]
    assert 2 <= len(citations) <= 4
    answer = client.get("/api/search", query_string={"q": QUESTION}).get_json()["answer"]["sentences"]
    for (href, _), sentence in zip(citations, answer, strict=True):
        parts = urlsplit(href)
        anchor, _, directive = parts.fragment.partition(":~:")
        assert parts.path.startswith("/kb/") and parts.path.endswith(".html") and anchor
        target = (SITE_DIR / parts.path.lstrip("/")).read_text(encoding="utf-8")
        assert f'id="{anchor}"' in target  # the citation lands on the section it names
        # ... and names the sentence it quotes: for the site's script and as a text fragment
        assert parse_qs(parts.query) == {"markeer": [sentence["text"]]}
        assert directive.startswith("text=") and href == "/" + sentence["link"]
        words = sentence["text"].rstrip(".").split()
        assert unquote(directive[5:].split(",")[0]).startswith(" ".join(words[:3]))
    assert "[1]" in html


def test_results_show_title_section_badge_themes_snippet_and_actions(client):
    html, page = get_page(client, "/zoeken", query_string={"q": QUESTION})
    assert "De regierol van het wijkteam" in html
    assert "De regierol van het wijkteam › Waarom het helpt" in html
    assert 'class="badge badge-aanbeveling">Aanbeveling<' in html
    assert '<span class="thema">Regie en rolverdeling</span>' in html
    assert "<mark>" in html
    # kopieer link: the absolute deep link, selectable without JavaScript (base_url is the
    # loopback default here, so the link uses the address the reader is on: the test client's)
    links = [i for i in page.inputs if i.get("id", "").startswith("link-")]
    assert links and links[0]["value"] == (
        "http://localhost/kb/aanbevelingen/regierol-wijkteam.html#regierol-wijkteam-waarom")
    assert all(i["id"] in page.label_for for i in links)
    assert "readonly" in links[0]
    # citeer: the APA citation from the passage
    assert "Wijkteam Kennisbank. (2026, 23 november). De regierol van het wijkteam." in html
    assert "<summary>Citeer</summary>" in html and "<summary>Kopieer link</summary>" in html


def test_facets_are_links_with_counts_and_shareable_urls(client):
    html, page = get_page(client, "/zoeken", query_string={"q": "wijkteam"})
    facet_links = [href for href, _ in page.links if href.startswith("/zoeken?")]
    dilemma = next(h for h in facet_links if "type=dilemma" in h)
    assert parse_qs(urlsplit(dilemma).query) == {"q": ["wijkteam"], "type": ["dilemma"]}
    assert re.search(r"Dilemma\s*<span class=\"aantal\">\(1\)</span>", html)
    html2, page2 = get_page(client, dilemma)  # the shared URL reproduces the narrowed search
    assert "Informatie delen zonder toestemming?" in html2
    assert "Tiel: één gezin, één plan" not in html2
    assert 'aria-current="true"' in html2
    off = next(h for h, a in page2.links if a.get("class") == "gekozen")
    assert parse_qs(urlsplit(off).query) == {"q": ["wijkteam"]}  # clicking again removes it
    assert "Alle filters wissen" in html2


def test_no_answer_links_to_theme_pages_not_random_passages(client):
    html, page = get_page(client, "/zoeken", query_string={"q": "recept appeltaart kaneel regie"})
    assert "Geen passend antwoord gevonden" in html
    hrefs = [h for h, _ in page.links]
    assert "/kb/themas/index.html" in hrefs
    assert "/kb/themas/regie.html" in hrefs and "/kb/themas/samenwerking.html" in hrefs
    assert "Bronpassages" not in html and "<mark>" not in html


@pytest.mark.parametrize("q,status,message", [
    ("   ", 400, "leeg"), ("a" * 600, 400, "te lang"), ("regie\x00", 400, "NUL")])
def test_bad_questions_show_the_form_with_a_message(client, q, status, message):
    html, page = get_page(client, "/zoeken", status=status, query_string={"q": q})
    assert message in html and 'role="alert"' in html and 'aria-invalid="true"' in html
    assert "q" in page.label_for


def test_unknown_filter_on_the_page_is_400(client):
    html, _ = get_page(client, "/zoeken?q=regie&theme=%3Cscript%3E", status=400)
    assert "Kies uit" in html and "<script>" not in html and "&lt;script&gt;" in html


def test_page_has_no_inline_script_or_handlers_and_only_own_assets(client):
    for url in ["/zoeken", f"/zoeken?q={QUESTION}", "/zoeken?q=appeltaart", "/bestaat-niet"]:
        response = client.get(url)
        page = Page(response.get_data(as_text=True))
        assert page.inline_scripts == 0 and not page.event_handlers and page.inline_styles == 0
        assert [s["src"] for s in page.scripts] == ["/_huisstijl/huisstijl.js", "/_zoeken/zoeken.js"]
    css = client.get("/_huisstijl/huisstijl.css")  # the look shared with the site
    assert css.status_code == 200 and ":focus-visible" in css.get_data(as_text=True)
    css.close()
    css = client.get("/_zoeken/zoeken.css")
    assert css.status_code == 200 and ".antwoord" in css.get_data(as_text=True)
    css.close()
    js = client.get("/_zoeken/zoeken.js")
    assert js.status_code == 200 and "clipboard" in js.get_data(as_text=True)
    js.close()


def test_page_is_usable_on_a_phone_and_by_keyboard(client):
    html, page = get_page(client, "/zoeken", query_string={"q": QUESTION})
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert 'class="kb-skiplink" href="#inhoud"' in html and "inhoud" in page.ids
    assert 'tabindex="' not in html.replace('tabindex="-1"', "")  # natural tab order only
    for field in page.inputs:
        if field.get("type") != "hidden":
            assert field.get("id") in page.label_for
    ids = [m for m in re.findall(r'\bid="([^"]+)"', html)]
    assert len(ids) == len(set(ids))  # unique ids


# -- the static site ---------------------------------------------------------------------

def test_site_pages_are_served(client):
    for url, needle in [("/", "Wijkteam Kennisbank"), ("/index.html", "Testsite"),
                        ("/kb/aanbevelingen/regierol-wijkteam.html", 'id="regierol-wijkteam-waarom"')]:
        with client.get(url) as response:
            assert response.status_code == 200
            assert needle in response.get_data(as_text=True)


def test_site_directory_redirects_to_its_index(client):
    response = client.get("/kb/themas")
    assert response.status_code == 308 and response.headers["Location"].endswith("/kb/themas/")
    with client.get("/kb/themas/") as response:
        assert response.status_code == 200


@pytest.mark.parametrize("url", ["/../app_support.py", "/kb/../../test_app_api.py", "/%2e%2e/conftest.py",
                                 "/.hidden", "/kb/.git/config", "/..%2f..%2fetc/passwd"])
def test_no_path_traversal_or_hidden_files(client, url):
    response = client.get(url)
    assert response.status_code in (404, 308)
    assert b"import" not in response.data and b"root:" not in response.data


def test_without_a_built_site_home_leads_to_search(tmp_path):
    from search_app import create_app
    from tests.app_support import fake_factory, isolated_settings, write_fake_manifest

    settings = isolated_settings(tmp_path, site_dir=str(tmp_path / "geen-site"))
    write_fake_manifest(tmp_path / "index")
    client = create_app(settings, searcher_factory=fake_factory()).test_client()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/zoeken")


# -- headers ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/zoeken", "/zoeken?q=regie", "/api/search?q=regie", "/api/search",
                                 "/healthz", "/", "/kb/themas/index.html", "/bestaat-niet",
                                 "/_zoeken/zoeken.css"])
def test_security_headers_everywhere(client, url):
    with client.get(url) as response:
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        sources = directives["script-src"].split()
        assert sources[0] == "'self'"
        # only the site's known inline script, by hash; never inline or eval in general
        assert set(sources[1:]) <= {script_hash(s) for s in SITE_INLINE_SCRIPTS}
        assert "unsafe-inline" not in directives["script-src"] and "unsafe-eval" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"


def test_app_pages_allow_no_inline_script_or_style_at_all(client):
    csp = client.get("/zoeken").headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "sha256" not in csp


def test_site_pages_allow_no_inline_script():
    # Our theme keeps every script in _static; the site's CSP therefore allows only 'self'
    # (tests/test_kb_content.py checks that the real built site has no inline script).
    directives = dict(d.strip().split(" ", 1) for d in CSP_SITE.split(";"))
    assert directives["script-src"] == "'self'"
    assert SITE_INLINE_SCRIPTS == ()


def test_never_debug(app):
    assert app.debug is False
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024


def test_more_results_without_javascript_up_to_what_the_facets_count(client):
    """ "Meer resultaten" is a plain link with an offset; following it reaches every counted result."""
    html, page = get_page(client, "/zoeken", query_string={"q": "wijkteam", "k": "3"})
    assert "Resultaten 1–3 van 8" in html  # 8 fixture passages mention "wijkteam"
    facet_total = sum(int(n) for n in re.findall(
        r'<a href="/zoeken\?[^"]*type=[^"]*">\s*[^<]*<span class="aantal">\((\d+)\)', html))
    seen = len(re.findall(r'<li id="bron-\d+" class="resultaat">', html))
    numbers = re.findall(r'<li id="bron-(\d+)"', html)
    while True:
        more = [href for href, a in page.links if a.get("class") == "meer"]
        if not more:
            break
        assert len(more) == 1 and "offset=" in more[0] and more[0].endswith("#bronnen-kop")
        html, page = get_page(client, more[0].split("#")[0])
        assert "Meer resultaten" in html and 'id="antwoord-kop"' in html
        assert "antwoordtekst" not in html  # the answer belongs to the first page
        assert any(a.get("class") == "vorige" for _, a in page.links)
        # facet links start the narrowed search at its first page
        facet_links = re.findall(r'<nav class="facetten".*?</nav>', html, re.S)[0]
        assert "offset=" not in facet_links
        seen += len(re.findall(r'<li id="bron-\d+" class="resultaat">', html))
        numbers += re.findall(r'<li id="bron-(\d+)"', html)
    assert seen == facet_total == 8
    assert numbers == [str(n) for n in range(1, 9)]  # numbered across the pages


def test_an_offset_past_the_end_says_so_and_a_bad_offset_is_400(client):
    html, _ = get_page(client, "/zoeken", query_string={"q": "wijkteam", "offset": "40"})
    assert "Er zijn geen verdere resultaten" in html and "Terug naar het antwoord" in html
    html, _ = get_page(client, "/zoeken", 400, query_string={"q": "wijkteam", "offset": "-3"})
    assert "Ongeldige waarde voor offset" in html
