"""The scrubber: every kind of personal data the issue lists is removed, and topics survive.

The large test runs 264 synthetic questions (tests/insights_synthetic.py) and prints the
counts per kind (``pytest -s`` shows the table): planted, removed, attributed to the right
kind. It uses the words of the real knowledge base (kb/) as the known words, the hardest
case: more words count as ordinary, so fewer capitalised words are removed by default.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from indexer.textproc import STOP_WORDS, stem, words
from search_app.insights_names import PARTICLES
from search_app.insights_scrub import KINDS, KnownWords, content_stems, elfproef, question_stems, scrub
from tests.app_support import read_passages
from tests.insights_synthetic import MAKERS, SCRUB_KIND, make_bsn, make_iban, synthetic_questions

REPO = Path(__file__).resolve().parents[1]
_MYST_NOISE = re.compile(r"^---.*?^---|\(\S+\)=|\{[a-z]+\}`[^`]*`|```.*?```|<[^>]+>", re.S | re.M)


@pytest.fixture(scope="module")
def kb_known() -> KnownWords:
    """Known words of the real pages (front matter, labels and roles left out)."""
    texts = [_MYST_NOISE.sub(" ", p.read_text(encoding="utf-8")) for p in (REPO / "kb").rglob("*.md")]
    assert len(texts) > 20
    return KnownWords.from_texts(texts, ["Wmo 2015", "Jeugdwet", "Participatiewet"])


@pytest.fixture(scope="module")
def fixture_known() -> KnownWords:
    return KnownWords.from_passages(read_passages())


def removed(question: str, value: str, known: KnownWords) -> bool:
    """True when nothing of ``value`` but particles and stop words is left in the scrubbed text."""
    result = scrub(question, known)
    start = question.index(value)
    left = result.text[start:start + len(value)]
    return all(w in STOP_WORDS or w in PARTICLES for w in words(left))


@pytest.mark.parametrize("kind, question, value", [
    ("naam", "Mevrouw De Vries (82) is eenzaam.", "Mevrouw De Vries"),
    ("naam", "Ik sprak mw. A.M. Kortenhoeve gisteren.", "mw. A.M. Kortenhoeve"),
    ("naam", "De heer van der Ploeg-Rademaker belt vaak.", "heer van der Ploeg-Rademaker"),
    ("naam", "Ik heb contact met meneer wilderink over de huur.", "meneer wilderink"),
    ("naam", "jan de boer heeft schulden.", "jan de boer"),
    ("naam", "Hoe help ik Fatima El Amrani met haar aanvraag?", "Fatima El Amrani"),
    ("naam", "Het gaat over Gerdien Oosterbaan uit de wijk.", "Gerdien Oosterbaan"),
    ("naam", "JANSEN HEEFT GEEN GELD", "JANSEN"),
    ("naam", "De familie Öztürk wacht op hulp.", "familie Öztürk"),
    ("bsn", "Haar BSN is 123456782.", "123456782"),
    ("bsn", "Zie 1234.56.782 in het systeem.", "1234.56.782"),
    ("bsn", "bsn: 12345678 (zonder voorloopnul)", "12345678"),
    ("telefoon", "Bel 06-12345678 of 06 1234 5678.", "06-12345678"),
    ("telefoon", "Bereikbaar op +31 6 1234 5678.", "+31 6 1234 5678"),
    ("telefoon", "Vast nummer (020) 123 45 67.", "(020) 123 45 67"),
    ("telefoon", "Of 0031 6 12345678 of 0513-123456.", "0513-123456"),
    ("email", "Mail naar j.de.vries+zorg@example.nl graag.", "j.de.vries+zorg@example.nl"),
    ("postcode", "Woont in 1234 AB Zwolle.", "1234 AB"),
    ("postcode", "Postcode 9999zz klopt niet.", "9999zz"),
    ("adres", "Ze woont aan de Bloemstraat 12.", "Bloemstraat 12"),
    ("adres", "Adres: kerkweg 7a, eerste etage.", "kerkweg 7a"),
    ("adres", "Het huis aan de Van Goghlaan 112-3 is vervuild.", "Goghlaan 112-3"),
    ("datum", "Geboren op 12-03-1961.", "12-03-1961"),
    ("datum", "Het gesprek was op 3 mei 2024.", "3 mei 2024"),
    ("datum", "Sinds 2024-03-12 geen contact.", "2024-03-12"),
    ("leeftijd", "Een man (82) woont alleen.", "(82)"),
    ("leeftijd", "Een 16-jarige jongen vraagt om hulp.", "16-jarige"),
    ("leeftijd", "Haar zoon van 14 spijbelt.", "14"),
    ("iban", "De huur gaat van NL91 ABNA 0417 1643 00 af.", "NL91 ABNA 0417 1643 00"),
    ("iban", "Rekening nl91abna0417164300.", "nl91abna0417164300"),
    ("dossiernummer", "Zie dossiernummer 2023-0456.", "2023-0456"),
    ("dossiernummer", "Het staat onder zaaknummer Z-2024-001234.", "Z-2024-001234"),
    ("dossiernummer", "Ik verwijs naar WT-2023-0112.", "WT-2023-0112"),
    ("dossiernummer", "Ons kenmerk WT/2023/118.", "WT/2023/118"),
])
def test_each_kind_is_removed_and_named(kind, question, value, kb_known):
    assert removed(question, value, kb_known), scrub(question, kb_known).text
    assert scrub(question, kb_known).found[kind] >= 1


def test_elfproef():
    assert elfproef("123456782") and elfproef("111222333")
    assert not elfproef("123456789") and not elfproef("000000000") and not elfproef("12345678")
    # nine digits that fail the elfproef are still removed, as a long number
    result = scrub("Nummer 123456789 klopt", KnownWords())
    assert "123456789" not in result.text and result.found["nummer"] == 1 and not result.found["bsn"]


@pytest.mark.parametrize("question, kept", [
    ("Hoe werkt de Wmo 2015 bij mantelzorg?", {"wmo", "mantelzorg", "werkt"}),
    ("Groot deel van de cliënten wacht lang op de GGZ.", {"grot", "ggz", "wacht"}),
    ("Waarom is kennis van de wijk belangrijk?", {"wijk", "kennis", "belangrijk"}),
    ("Wil je weten hoe het CJG werkt?", {"cjg", "werkt"}),
    ("Een kind is te jong om alleen thuis te blijven.", {"jong", "kind", "thuis"}),
])
def test_ordinary_questions_keep_their_content_words(question, kept, kb_known):
    assert not scrub(question, kb_known).found
    assert kept <= set(question_stems(question, kb_known))


def test_content_stems_are_sorted_distinct_and_digit_free():
    stems = content_stems("Samenwerking samenwerken 2e gesprek covid19 in de wijk wijk")
    assert list(stems) == sorted(set(stems))
    assert not any(ch.isdigit() for s in stems for ch in s)
    assert "wijk" in stems and stem("gesprek") in stems


def test_synthetic_questions_cover_every_kind():
    questions = synthetic_questions()
    assert len(questions) >= 200
    per_kind = Counter(p.kind for q in questions for p in q.planted)
    assert set(per_kind) == set(MAKERS)
    assert min(per_kind.values()) >= 20
    assert all(elfproef(make_bsn(__import__("random").Random(i))) for i in range(50))
    iban = make_iban(__import__("random").Random(1))
    numeric = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    assert int(numeric) % 97 == 1


@pytest.mark.parametrize("vocabulary", ["kb", "fixture"])
def test_264_synthetic_questions_lose_all_planted_data(vocabulary, kb_known, fixture_known, capsys):
    known = kb_known if vocabulary == "kb" else fixture_known
    planted, gone, named = Counter(), Counter(), Counter()
    failures, topics_kept = [], 0
    questions = synthetic_questions()
    for q in questions:
        result = scrub(q.text, known)
        for p in q.planted:
            planted[p.kind] += 1
            if removed(q.text, p.value, known):
                gone[p.kind] += 1
            else:
                failures.append((p.kind, p.value, q.text))
        needed = Counter(SCRUB_KIND.get(p.kind, p.kind) for p in q.planted)
        for kind, n in needed.items():
            if result.found[kind] >= n:
                named[kind] += n
            else:
                failures.append(("soort", kind, q.text))
        stems = set(content_stems(result.text))
        if set(content_stems(q.topic)) <= stems:
            topics_kept += 1
        frame = q.text
        for p in q.planted:
            frame = frame.replace(p.value, " ")
        ordinary = set(content_stems(frame))  # the words around the data (*Mail gaat naar*)
        for p in q.planted:  # nothing of a planted value reaches the stems
            for w in words(p.value):
                if len(w) >= 3 and w not in STOP_WORDS and w not in PARTICLES:
                    assert stem(w) not in stems or stem(w) in ordinary, (p, q.text)
    with capsys.disabled():
        print(f"\nscrubber, {len(questions)} vragen, bekende woorden uit {vocabulary}:")
        print(f"  {'soort':<20} {'geplant':>7} {'gewist':>7}")
        for kind in MAKERS:
            print(f"  {kind:<20} {planted[kind]:>7} {gone[kind]:>7}")
        print(f"  per soort van de scrubber herkend: "
              + ", ".join(f"{KINDS[k]} {n}" for k, n in sorted(named.items())))
        print(f"  onderwerp (inhoudswoorden zonder persoonsgegevens) heel: {topics_kept}/{len(questions)}")
    assert not failures, failures[:10]
    assert topics_kept == len(questions)
