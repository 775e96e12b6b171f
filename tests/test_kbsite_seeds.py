"""Finding a quote in an OCR'd source text, and recognising sentences that cite a study."""
from __future__ import annotations

from kbsite.claims import CitationFinder, split_sentences
from kbsite.seeds import SeedText, quote_words

SOURCE = """Introductie

In de afgelopen jaren zijn in veel gemeenten sociale wijkteams van
start gegaan. Zij zorgen ervoor dat kwetsbare bewoners geholpen wor-
den'’. Volgens 1k de onderzoekers is dat ‘belangrijk’ voor de financiéle kant.

Jeugd- en gezinsteams

De jeugd-
en gezinsteams werken Qe samen met het onderwijs.
"""


def test_quote_found_across_hyphenation_quotes_and_ocr_slips():
    text = SeedText("bron.txt", SOURCE)
    assert text.find("kwetsbare bewoners geholpen worden") is not None  # hyphen at a line end joined
    assert text.find("Volgens ik de onderzoekers is dat 'belangrijk'") is not None  # 1k, curly quotes
    assert text.find("voor de financiële kant") is not None  # é for ë
    assert text.find("De jeugd- en gezinsteams werken samen") is not None  # a real hyphen kept; stray Qe
    match = text.find("werken samen met het onderwijs")
    assert match.line == 10 and match.heading == "Jeugd- en gezinsteams"
    assert text.find("in veel gemeenten").heading == "Introductie"


def test_quote_with_words_left_out_and_quotes_that_are_not_there():
    text = SeedText("bron.txt", SOURCE)
    assert text.find("sociale wijkteams … gegaan") is not None
    assert text.find("sociale wijkteams [...] start gegaan") is not None
    assert text.find("gegaan … sociale wijkteams") is None  # parts out of order
    assert text.find("kwetsbare bewoners worden geholpen") is None
    assert text.find("") is None
    assert quote_words("sociale wijkteams … start gegaan") == 4


def test_sentences_split_at_full_stops_not_at_abbreviations_or_titles():
    text = ("Voor *Wat belemmert en helpt wijkteams?* (Engbersen e.a., 2021) liepen onderzoekers mee. "
            "Dat is o.a. in Tiel gedaan. Werkt het? Ja, zegt het rapport.")
    assert split_sentences(text) == [
        "Voor *Wat belemmert en helpt wijkteams?* (Engbersen e.a., 2021) liepen onderzoekers mee.",
        "Dat is o.a. in Tiel gedaan.", "Werkt het?", "Ja, zegt het rapport."]


def test_citations_by_author_year_in_parentheses_and_by_name():
    finder = CitationFinder({
        "windesheim-2016": {"title": "Krachten in de wijk gebundeld: een onderzoek", "names": ["het Zwolse onderzoek"]},
        "city-deal": {"title": "Doen wat nodig is"},
    })
    found = lambda s: [c.text for c in finder.find(s)]  # noqa: E731
    assert found("Volgens Kluft (2016) helpt het.") == ["Kluft (2016)"]
    assert found("Van Hoof e.a. (2015) pleiten ervoor.") == ["Hoof e.a. (2015)"]
    assert found("Dat blijkt (Gilsing & Hermens, 2016; Spit, 2016).") == ["(Gilsing & Hermens, 2016; Spit, 2016)"]
    assert found("Zo staat het in het rapport (Integraal werken in de wijk, z.d.).") == [
        "(Integraal werken in de wijk, z.d.)"]
    assert found("In *Krachten in de wijk gebundeld* staat het.") == ["Krachten in de wijk gebundeld"]
    assert found("Het Zwolse onderzoek zegt het ook.") == ["Het Zwolse onderzoek"]
    assert found("In *Doen wat nodig is* staat het.") == ["Doen wat nodig is"]
    # Not citations: a law with its year, a date, a title's words in another sense.
    assert found("Sinds de Wmo 2015 en per 1 januari 2015 (de decentralisatie) veranderde veel.") == []
    assert found("Teams die doen wat nodig is, werken zo.") == []


def test_a_list_of_questions_is_not_taken_for_section_headings():
    text = SeedText("bron.txt", "Leeswijzer\n\nDe vragen zijn:\n\nHoe maak ik ruimte?\n\nHoe kan ik anderen ontmoeten?\n"
                                "Wie heeft welke taak?\n\nVolle takenpakketten\n\nTekst over takenpakketten.\n")
    assert text.find("Wie heeft welke taak?").heading == "Leeswijzer"
    assert text.find("Tekst over takenpakketten").heading == "Volle takenpakketten"
