"""Source locators and the editors' text: checked at build, shown as "bron" notes, in passages."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .sphinxroots import ROOT, build_root

TIEL = "kb/praktijkvoorbeelden/tiel.md"
REGIE = "kb/aanbevelingen/regierol-wijkteam.md"


def _tiel(body: str) -> dict[str, str]:
    front = (ROOT / TIEL).read_text(encoding="utf-8").split("(tiel-context)=")[0]
    return {TIEL: front + "(tiel-context)=\n## Context\n\n" + body + "\n"}


def _build(tmp_path: Path, files: dict | None = None):
    app = build_root(tmp_path, files)
    warnings = [line for line in app.warning.getvalue().splitlines() if "WARNING" in line]
    report = json.loads((tmp_path / "_build" / "provenance.json").read_text(encoding="utf-8"))
    return app, warnings, report


def test_good_locators_are_verified_and_reported(tmp_path):
    app, warnings, report = _build(tmp_path)
    try:
        assert warnings == []
        assert report["seeds_present"] is True
        assert report["counts"]["quotes"] == report["counts"]["verified"] == 4
        assert report["unsourced"] == []
        by_quote = {q["quote"]: q for q in report["quotes"]}
        tiel = by_quote["had het wijkteam 3,5 fte"]
        assert tiel["page"] == TIEL and tiel["key"] == "gilsing-hermens-2016"
        assert tiel["seed"] == "tiel.txt" and tiel["line"] == 14  # the line of the role in the page
        # A quote across a hyphen at a line end, with an OCR slip nearby, is found.
        zwolle = by_quote["zouden de sociale wijkteams meer hun regierol moeten oppakken"]
        assert zwolle["seed"] == "zwolle.txt" and zwolle["heading"] == "Aanbevelingen"
    finally:
        app.cleanup()


def test_every_quote_shows_on_its_page_as_a_note(tmp_path):
    app, _, report = _build(tmp_path)
    try:
        for quote in report["quotes"]:
            html = (tmp_path / "_build" / "html" / quote["page"].replace(".md", ".html")).read_text(encoding="utf-8")
            assert f"<p>“{quote['quote']}”</p>" in html
        html = (tmp_path / "_build" / "html" / "kb/praktijkvoorbeelden/tiel.html").read_text(encoding="utf-8")
        note = html[html.index('<details class="kb-bron" id="kb-bron-1">'):]
        note = note[:note.index("</details>")]
        assert "<summary>bron 1: Gilsing &amp; Hermens (2016)</summary>" in note
        assert 'href="../bronnen/index.html#bron-gilsing-hermens-2016"' in note  # the study, in APA
        assert "Aangehaald in Movisie e.a. (2016), onder “Tiel”" in note  # the seed that reports it
        # The quote is not inside the paragraph's own text, and no " ." is left where the role stood.
        paragraph = html[html.index("<p>In Tiel"):]
        paragraph = paragraph[:paragraph.index("</p>")]
        assert "fte`" not in paragraph and "3,5 fte (Gilsing" in paragraph and " ." not in paragraph
    finally:
        app.cleanup()


def test_a_locator_on_its_own_line_joins_no_words_elsewhere_in_the_paragraph(tmp_path):
    """A role that starts a line is taken out with its line break, not the paragraph's first one."""
    body = ("In Tiel had het\nwijkteam 3,5 fte, zo staat in de\nevaluatie\n"
            "{bron}`gilsing-hermens-2016: had het wijkteam 3,5 fte`. Het lijkt erop dat de regie\n"
            "niet altijd duidelijk is\n{bron}`gilsing-hermens-2016: Het lijkt erop dat de regie niet altijd duidelijk is`.")
    app, warnings, _ = _build(tmp_path, _tiel(body))
    try:
        assert warnings == []
        html = (tmp_path / "_build" / "html" / "kb/praktijkvoorbeelden/tiel.html").read_text(encoding="utf-8")
        paragraph = html[html.index("<p>In Tiel"):]
        paragraph = " ".join(paragraph[:paragraph.index("</p>")].split())
        ref = '<sup class="kb-bron-ref"><a href="#kb-bron-{0}" aria-label="bron {0}">{0}</a></sup>'
        assert paragraph == (f"<p>In Tiel had het wijkteam 3,5 fte, zo staat in de evaluatie{ref.format(1)}. "
                             f"Het lijkt erop dat de regie niet altijd duidelijk is{ref.format(2)}.")
    finally:
        app.cleanup()


def test_passages_keep_locators_but_not_the_quotes(tmp_path):
    app, _, _ = _build(tmp_path)
    try:
        passages = [json.loads(line) for line in
                    (tmp_path / "_build" / "html" / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
        tiel = next(p for p in passages if p["id"] == "kb/praktijkvoorbeelden/tiel#tiel-context")
        assert [loc["quote"] for loc in tiel["locators"]] == [
            "had het wijkteam 3,5 fte", "Het lijkt erop dat de regie niet altijd duidelijk is"]
        assert tiel["locators"][0]["sentence"].startswith("In Tiel had het wijkteam 3,5 fte")
        assert "bron" not in tiel["text"] and "`" not in tiel["text"]
        regie = next(p for p in passages if p["id"].endswith("#regierol-wijkteam-hoe"))
        assert regie["editorial"] == ["Begin met een kort overleg: dat is het advies van de redactie."]
        assert "Toelichting van de redactie" not in regie["text"]
    finally:
        app.cleanup()


def test_editorial_block_is_marked_on_the_page(tmp_path):
    app, _, _ = _build(tmp_path)
    try:
        html = (tmp_path / "_build" / "html" / "kb/aanbevelingen/regierol-wijkteam.html").read_text(encoding="utf-8")
        assert ('<div class="kb-redactie" role="note"><p class="kb-redactie-kop">Toelichting van de redactie</p>'
                in html)
    finally:
        app.cleanup()


BAD = {
    "onbekende sleutel": (
        "Het lijkt zo {bron}`jansen-2020: Het lijkt erop`.",
        ["tiel.md:14:", "onbekende bronsleutel 'jansen-2020' (toegestaan: de sleutels in kb/_data/bibliografie.yaml"]),
    "citaat niet gevonden": (
        "Er was 4 fte {bron}`gilsing-hermens-2016: had het wijkteam 4 fte`.",
        ["tiel.md:14:", "citaat bij 'gilsing-hermens-2016' niet gevonden in tiel.txt: \"had het wijkteam 4 fte\""]),
    "sleutel zonder brontekst": (
        "Niemand gebruikt dit {bron}`ongebruikt-2014: iets`.",
        ["tiel.md:14:", "bron 'ongebruikt-2014' heeft geen brontekst", "'seed'", "'found_in'"]),
    "leeg citaat": (
        "Er was 3,5 fte {bron}`gilsing-hermens-2016:`.",
        ["tiel.md:14:", "'gilsing-hermens-2016' zonder citaat: schrijf {bron}`sleutel: letterlijke woorden"]),
    "geen dubbele punt": (
        "Er was 3,5 fte {bron}`gilsing-hermens-2016`.",
        ["tiel.md:14:", "{bron} zonder bronsleutel: schrijf {bron}`sleutel: letterlijke woorden"]),
    "te lang citaat": (
        "Er was 3,5 fte {bron}`gilsing-hermens-2016: " + " ".join(["woord"] * 31) + "`.",
        ["tiel.md:14:", "citaat van 31 woorden bij 'gilsing-hermens-2016' (hoogstens 30)"]),
    "zin zonder bron": (
        "In Tiel had het wijkteam 3,5 fte (Gilsing & Hermens, 2016).",
        ["tiel.md:14:", "zin noemt een studie ((Gilsing & Hermens, 2016)) maar de alinea heeft geen {bron}"]),
    "studie bij naam zonder bron": (
        "Het Zwolse onderzoek vindt dat ook.",
        ["tiel.md:14:", "zin noemt een studie (Het Zwolse onderzoek)"]),
    "redactie noemt een studie": (
        ":::{redactie}\nVolgens Kluft (2016) helpt overleg.\n:::",
        ["tiel.md:15:", "toelichting van de redactie noemt een studie (Kluft (2016))"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_locator_is_one_line_naming_file_line_and_what_is_allowed(tmp_path, case):
    body, expected = BAD[case]
    app, warnings, _ = _build(tmp_path, _tiel(body))
    try:
        assert len(warnings) == 1, warnings
        for part in expected:
            assert part in warnings[0], (part, warnings[0])
        assert "Traceback" not in app.warning.getvalue()
    finally:
        app.cleanup()


def test_unsourced_sentences_are_listed_in_the_report(tmp_path):
    app, warnings, report = _build(tmp_path, _tiel("Volgens Kluft (2016) helpt overleg. Dat is alles."))
    try:
        # strict (the default, and the real site's setting): one line naming file:line and the way out
        assert len(warnings) == 1 and f"{TIEL}:14" in warnings[0]
        assert "zin noemt een studie (Kluft (2016)) maar de alinea heeft geen {bron}" in warnings[0]
        assert report["unsourced"] == [{"page": TIEL, "line": 14, "text": "Volgens Kluft (2016) helpt overleg.",
                                        "cites": ["Kluft (2016)"]}]
        assert report["counts"]["unsourced"] == 1
    finally:
        app.cleanup()


def test_steps_of_how_to_sections_need_a_locator_or_the_editors_mark(tmp_path):
    front = (ROOT / REGIE).read_text(encoding="utf-8").split("(regierol-wijkteam-hoe)=")[0]
    page = front + ("(regierol-wijkteam-hoe)=\n## Hoe pak je de regierol aan?\n\n"
                    "- Maak afspraken {bron}`windesheim-2016: in de samenwerking met de zorgaanbieders`.\n"
                    "- Bel elkaar elke week.\n")
    app, warnings, report = _build(tmp_path, {REGIE: page})
    try:
        assert len(warnings) == 1 and "in 'Hoe pak je de regierol aan?' heeft elke alinea of stap" in warnings[0]
        assert "Bel elkaar elke week." in warnings[0]
        assert [u["text"] for u in report["unmarked"]] == ["Bel elkaar elke week."]
    finally:
        app.cleanup()


def test_without_source_texts_the_build_says_so_and_builds(tmp_path):
    app, warnings, report = _build(tmp_path, {"seeds/zwolle.txt": None, "seeds/tiel.txt": None})
    try:
        assert warnings == []
        assert report["seeds_present"] is False
        assert report["counts"]["quotes"] == 4 and report["counts"]["verified"] == 0
        html = (tmp_path / "_build" / "html" / "kb/praktijkvoorbeelden/tiel.html").read_text(encoding="utf-8")
        assert "Niet gecontroleerd" in html
    finally:
        app.cleanup()


def test_cross_reference_sections_are_marked_as_navigation(tmp_path):
    app, warnings, _ = _build(tmp_path)
    try:
        assert warnings == []
        passages = [json.loads(line) for line in
                    (tmp_path / "_build" / "html" / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
        by_id = {p["id"]: p for p in passages}
        assert by_id["kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-verder"]["navigation"] is True
        assert "Tiel" in by_id["kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-verder"]["text"]
        assert by_id["kb/aanbevelingen/regierol-wijkteam#regierol-wijkteam-hoe"]["navigation"] is False
        html = (tmp_path / "_build" / "html" / "kb/aanbevelingen/regierol-wijkteam.html").read_text(encoding="utf-8")
        assert '<section class="kb-verwijzingen" id="regierol-wijkteam-verder">' in html
    finally:
        app.cleanup()
