"""Links from an answer sentence to the sentence on its page: the text fragment and ``markeer``."""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from search_app.sentence_links import PageTexts, fragment_term, sentence_link, text_directive

LONG = ("De inventarisatie van de tien vraagstukken (Movisie, NJi & Vilans, 2016) geeft een voorbeeld "
        "voor wie tijd wil maken voor afstemming met de huisarts.")


def terms(directive: str) -> list[str]:
    assert directive.startswith("text=")
    return [unquote(t) for t in directive[5:].split(",")]


def test_terms_are_encoded_for_the_directive_syntax():
    assert fragment_term("in- en uitvoegen, NJi & Vilans") == "in%2D%20en%20uitvoegen%2C%20NJi%20%26%20Vilans"
    assert terms(text_directive("Kort, met-streepje & zo.")) == ["Kort, met-streepje & zo"]


def test_a_short_sentence_goes_whole_without_its_full_stop():
    assert terms(text_directive("Het wijkteam neemt de regie.")) == ["Het wijkteam neemt de regie"]


def test_a_long_sentence_as_start_and_end_when_the_start_is_unique_on_the_page():
    page = PageTexts([{"page_url": "a.html", "section": "Kop", "text": "Iets anders. " + LONG}])
    assert terms(text_directive(LONG, page.key("a.html"))) == ["De inventarisatie van de", "afstemming met de huisarts"]


def test_the_start_grows_until_it_occurs_once_on_the_page():
    # the page opens another finding with the same words: "De inventarisatie van de tien ..."
    other = "De inventarisatie van de tien vraagstukken (Movisie, NJi & Vilans, 2016) noemt ook de drukte."
    page = PageTexts([{"page_url": "a.html", "text": other},
                      {"page_url": "a.html", "text": LONG},
                      {"page_url": "b.html", "text": LONG}])  # other pages do not count
    start, end = terms(text_directive(LONG, page.key("a.html")))
    assert start == "De inventarisatie van de tien vraagstukken (Movisie, NJi & Vilans, 2016) geeft"
    assert LONG.rstrip(".").endswith(end) and len(end.split()) == len(start.split())
    # the quotes in the source notes are on the page too
    quoted = PageTexts([{"page_url": "a.html", "text": LONG,
                         "locators": [{"quote": "De inventarisatie van de tien vraagstukken"}]}])
    assert len(terms(text_directive(LONG, quoted.key("a.html")))[0].split()) > 6


def test_no_unique_start_or_no_page_text_means_the_whole_sentence():
    page = PageTexts([{"page_url": "a.html", "text": LONG + " " + LONG}])
    assert terms(text_directive(LONG, page.key("a.html"))) == [LONG.rstrip(".")]
    assert terms(text_directive(LONG)) == [LONG.rstrip(".")]


def test_the_end_words_occur_once_in_the_sentence():
    sentence = ("Met de huisarts overleggen kost tijd, en toch is overleg met de huisarts de snelste "
                "weg naar afspraken met de huisarts.")
    page = PageTexts([{"page_url": "a.html", "text": sentence}])
    start, end = terms(text_directive(sentence, page.key("a.html")))
    assert sentence.rstrip(".").count(end) == 1 and sentence.startswith(start)


def test_the_link_has_the_anchor_the_sentence_and_the_fragment():
    link = sentence_link("kb/feiten.html#feiten-huisarts", LONG)
    parts = urlsplit(link)
    assert parts.path == "kb/feiten.html"
    assert parse_qs(parts.query) == {"markeer": [LONG]}
    anchor, _, directive = parts.fragment.partition(":~:")
    assert anchor == "feiten-huisarts" and directive.startswith("text=")
