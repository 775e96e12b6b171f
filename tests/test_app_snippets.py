"""Snippets, highlighting by stems, answer composition, and the XSS property."""
from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from markupsafe import escape

from search_app.answer import compose_answer, split_sentences
from search_app.highlight import ELLIPSIS, StemMatcher, make_snippet, passage_words
from tests.app_support import fake_factory, isolated_settings, read_passages, write_fake_manifest

MATCHER = StemMatcher()


def snippet(text: str, question: str, **kwargs):
    return make_snippet(text, MATCHER.question_words(question), MATCHER, **kwargs)


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def test_highlight_matches_stems_not_strings():
    s = snippet("Goede samenwerking tussen de samenwerkende partners helpt.", "Hoe samenwerken?")
    assert marked(str(s.html)) == ["samenwerking", "samenwerkende"]


def test_stop_words_and_question_words_are_not_marked():
    s = snippet("Wie het wijkteam belt, krijgt hulp van de consulent.", "Wie is het wijkteam en wat doet het?")
    assert marked(str(s.html)) == ["wijkteam"]


def test_accents_and_case_fold():
    s = snippet("De Cliënt kiest zelf.", "client")
    assert marked(str(s.html)) == ["Cliënt"]


def test_whole_words_only_not_a_part_of_a_compound():
    """The search counts compound parts; the highlight does not: no "school" in "Hogeschool"."""
    lexicon = frozenset({"hoge", "school", "wijkteam", "medewerker"})
    matcher = StemMatcher(lexicon)
    assert matcher.query_stems("school") < matcher.query_stems("Hogeschool")  # the search splits it

    def mark(text: str, question: str) -> list[str]:
        return marked(str(make_snippet(text, matcher.question_words(question), matcher).html))

    assert mark("De Hogeschool Windesheim onderzocht de school.", "Wat zegt de school?") == ["school"]
    assert mark("Elke wijkteammedewerker kent de buurt.", "medewerker") == []
    # nor a passage word for a part of a question word
    assert mark("De school en de medewerker.", "Hogeschool wijkteammedewerker") == []
    assert mark("Elke wijkteammedewerker kent de buurt.", "wijkteammedewerkers") == ["wijkteammedewerker"]


def test_long_passage_gives_a_window_around_the_matches():
    text = " ".join(["vulling"] * 100 + ["De", "regierol", "van", "het", "wijkteam"] + ["vulling"] * 100)
    s = snippet(text, "regierol")
    assert s.text.startswith(ELLIPSIS) and s.text.endswith(ELLIPSIS)
    assert "regierol" in s.text and len(s.text.split()) <= 34
    assert marked(str(s.html)) == ["regierol"]


def test_short_passage_is_shown_whole_with_whitespace_collapsed():
    s = snippet("Eerste alinea.\n\nTweede  alinea over regie.", "regie")
    assert s.text == "Eerste alinea. Tweede alinea over regie."
    assert s.matches == 1


def test_no_match_shows_the_opening_words():
    s = snippet(" ".join(f"woord{i}" for i in range(60)), "regie")
    assert s.text.startswith("woord0 ") and s.text.endswith(ELLIPSIS) and s.matches == 0


# -- XSS property -----------------------------------------------------------------------

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "</mark><b>", "<mark>", "&amp;",
           "&lt;", '"', "'", "\"><svg onload=alert(1)>", "javascript:alert(1)", "{{ 7*7 }}", "\u202e",
           "regie", "wijkteam", "samenwerking", "samenwerken", "cliënt", "\n\n", "  ", "…", "🙂"]
words = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=12))
texts = st.lists(words, max_size=80).map(" ".join)


def _collapse(text: str) -> str:
    return " ".join(text.split())


@given(text=texts, question=texts)
@hsettings(max_examples=400, deadline=None)
def test_snippet_is_escaped_text_plus_mark_tags_only(text, question):
    s = snippet(text, question)
    html = str(s.html)
    without_marks = html.replace("<mark>", "").replace("</mark>", "")
    assert without_marks == str(escape(s.text))
    assert "<" not in without_marks and ">" not in without_marks
    assert html.count("<mark>") == html.count("</mark>") == s.matches
    # the shown text is a piece of the passage (white space collapsed, ellipses added)
    core = s.text.removeprefix(ELLIPSIS + " ").removesuffix(" " + ELLIPSIS)
    assert _collapse(core) in _collapse(text)


@given(question=texts)
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_passages_and_questions_through_the_whole_app(tmp_path_factory, question):
    app = _hostile_app(tmp_path_factory)
    client = app.test_client()
    query = "regie wijkteam " + question.replace("\x00", "")
    api = client.get("/api/search", query_string={"q": query[:500]})
    assert api.status_code in (200, 400)
    if api.status_code == 200:
        for result in api.get_json()["results"]:
            html = result["snippet_html"]
            assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    page = Tags(client.get("/zoeken", query_string={"q": query[:500]}).get_data(as_text=True))
    assert page.scripts == ["/_huisstijl/huisstijl.js", "/_zoeken/zoeken.js"]
    assert not page.handlers
    assert page.names <= ALLOWED_TAGS, page.names - ALLOWED_TAGS


ALLOWED_TAGS = {"html", "head", "meta", "title", "link", "script", "body", "a", "header", "nav", "ul",
                "li", "main", "h1", "h2", "h3", "form", "label", "div", "input", "button", "p", "em",
                "section", "ol", "article", "span", "mark", "details", "summary", "footer", "img"}


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.scripts: list[str | None] = []
        self.handlers: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        if tag == "script":
            self.scripts.append(dict(attrs).get("src"))


_HOSTILE_APP = {}


def _hostile_app(tmp_path_factory):
    if "app" not in _HOSTILE_APP:
        from search_app import create_app

        tmp = tmp_path_factory.mktemp("hostile")
        passages = read_passages()
        for i, passage in enumerate(passages):
            hostile = HOSTILE[i % 12]
            passage["text"] = f"{hostile} {passage['text']} {hostile}"
            passage["title"] = f"{passage['title']} {hostile}"
            passage["section"] = f"{passage['section']} {hostile}"
            passage["citation"] = f"{passage['citation']} {hostile}"
        write_fake_manifest(tmp / "index")
        settings = isolated_settings(tmp, answer_threshold=0.0)
        _HOSTILE_APP["app"] = create_app(settings, searcher_factory=fake_factory(passages))
    return _HOSTILE_APP["app"]


# -- sentences and the answer ---------------------------------------------------------------

def test_split_sentences_respects_abbreviations_and_initials():
    text = ("Partners zoals bijv. de huisarts doen mee. Dat zei R. Gilsing o.a. in 2016. "
            "Werkt het? Ja!\n\nNieuwe alinea zonder punt\n• In 63% van de gemeenten lukt het.\n"
            "2. Tweede punt van de lijst.")
    assert split_sentences(text) == [
        "Partners zoals bijv. de huisarts doen mee.", "Dat zei R. Gilsing o.a. in 2016.",
        "Werkt het?", "Ja!", "Nieuwe alinea zonder punt", "In 63% van de gemeenten lukt het.",
        "Tweede punt van de lijst."]


def test_answer_is_two_to_four_verbatim_sentences_in_reading_order():
    passages = read_passages()
    by_id = {p["id"]: p for p in passages}
    ranked = [by_id["kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-waarom"],
              by_id["kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-hoe"],
              by_id["kb/dilemmas/informatie-delen#informatie-delen-vraag"]]
    question = "Wie voert de regie over zorgaanbieders?"
    sentences = compose_answer(ranked, MATCHER.query_stems(question), MATCHER)
    assert 2 <= len(sentences) <= 4
    for s in sentences:
        assert s.text in ranked[s.result - 1]["text"]
    assert [(s.result, s.position) for s in sentences] == sorted((s.result, s.position) for s in sentences)
    counts = [sum(s.result == r for s in sentences) for r in (1, 2, 3)]
    assert max(counts) <= 2


def test_answer_falls_back_to_opening_sentences_when_no_word_matches():
    passages = read_passages()[:2]
    sentences = compose_answer(passages, MATCHER.query_stems("Who coordinates care providers?"), MATCHER)
    assert [s.text for s in sentences] == split_sentences(passages[0]["text"])[:2]


def test_answer_never_splits_words_or_invents_text():
    passages = read_passages()
    for passage in passages:
        stems = MATCHER.query_stems(passage["title"])
        for s in compose_answer([passage], stems, MATCHER):
            assert s.text in passage["text"]
            assert unicodedata.normalize("NFC", s.text) == s.text


def test_answer_skips_sentences_that_repeat_another_passage():
    base = read_passages()[0]
    first = dict(base, text="Het wijkteam voert de regie over alle zorgaanbieders. Daarna volgt iets anders over regie.")
    second = dict(base, text="Het wijkteam voert de regie over alle zorgaanbieders in de wijk. Regie vraagt tijd en overleg.")
    stems = MATCHER.query_stems("Wie voert de regie over zorgaanbieders?")
    texts = [s.text for s in compose_answer([first, second], stems, MATCHER)]
    assert "Het wijkteam voert de regie over alle zorgaanbieders." in texts
    assert "Het wijkteam voert de regie over alle zorgaanbieders in de wijk." not in texts
    assert 2 <= len(texts) <= 4


def test_passage_analysis_is_done_once_per_text_and_matcher():
    calls = []

    def analyse(text, matcher):
        calls.append(text)
        return (len(text), matcher.lexicon)

    matcher = StemMatcher(frozenset({"wijk", "team"}))
    assert matcher.per_passage(analyse, "wijkteam") == (8, frozenset({"wijk", "team"}))
    assert matcher.per_passage(analyse, "wijkteam") == (8, frozenset({"wijk", "team"}))
    assert calls == ["wijkteam"]
    # another index (another lexicon) analyses for itself
    assert StemMatcher(None).per_passage(analyse, "wijkteam") == (8, None)
    assert calls == ["wijkteam", "wijkteam"]
    tokens, stems = matcher.per_passage(passage_words, "Het wijkteam werkt")
    assert [t.group() for t in tokens] == ["Het", "wijkteam", "werkt"] and len(stems) == 3
