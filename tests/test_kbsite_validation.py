"""Bad content fails the build with one clear line per problem: file, line, field, what is allowed."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .sphinxroots import ROOT, build_root

PAGE = "kb/aanbevelingen/gegevens-delen.md"


def _page(front: str, body: str | None = None) -> str:
    body = body if body is not None else (
        "(gegevens-delen)=\n# Afspraken over gegevens delen\n\n"
        "(gegevens-delen-wat)=\n## Wat de aanbeveling inhoudt\n\nTekst.\n")
    return f"---\n{front}\n---\n\n{body}"


GOOD_FRONT = ("type: aanbeveling\nthemes: [privacy]\nsources: [gilsing-hermens-2016]\n"
              "summary: Maak afspraken.")


def _warnings(tmp_path: Path, files: dict) -> list[str]:
    app = build_root(tmp_path, files)
    try:
        return [line for line in app.warning.getvalue().splitlines() if "WARNING" in line]
    finally:
        app.cleanup()


CASES = {
    "kapotte yaml": (
        {PAGE: _page("type: aanbeveling\nthemes: [privacy\nsummary: x")},
        ["gegevens-delen.md:", "ongeldige YAML"]),
    "onbekend thema": (
        {PAGE: _page(GOOD_FRONT.replace("[privacy]", "[privacy, weer]"))},
        ["gegevens-delen.md:3:", "themes: onbekende waarde 'weer' (toegestaan: privacy, regie)"]),
    "onbekende bron": (
        {PAGE: _page(GOOD_FRONT.replace("gilsing-hermens-2016", "jansen-2020"))},
        ["gegevens-delen.md:4:", "sources: onbekende waarde 'jansen-2020'"]),
    "onbekend type": (
        {PAGE: _page(GOOD_FRONT.replace("aanbeveling", "nieuwsbericht"))},
        ["gegevens-delen.md:2:", "type: onbekend type 'nieuwsbericht' (toegestaan: aanbeveling, begrippen, bron"]),
    "onbekende wet": (
        {PAGE: _page(GOOD_FRONT + "\nlaws: [wlz]")},
        ["laws: onbekende waarde 'wlz' (toegestaan: jeugdwet, wmo)"]),
    "onbekend veld": (
        {PAGE: _page(GOOD_FRONT + "\nauteur: Piet")},
        ["gegevens-delen.md:6:", "auteur: onbekend veld (toegestaan:"]),
    "samenvatting ontbreekt": (
        {PAGE: _page(GOOD_FRONT.replace("\nsummary: Maak afspraken.", ""))},
        ["summary: verplicht veld ontbreekt"]),
    "thema's ontbreken": (
        {PAGE: _page(GOOD_FRONT.replace("themes: [privacy]\n", ""))},
        ["themes: verplicht voor type 'aanbeveling'"]),
    "geen front matter": (
        {PAGE: "(gegevens-delen)=\n# Titel\n"},
        ["gegevens-delen.md:1:", "front matter ontbreekt"]),
    "label wijkt af van bestandsnaam": (
        {PAGE: _page(GOOD_FRONT, "(iets-anders)=\n# Titel\n\nTekst.\n")},
        ["label: paginalabel 'iets-anders' moet gelijk zijn aan de bestandsnaam 'gegevens-delen'"]),
    "kop zonder label": (
        {PAGE: _page(GOOD_FRONT, "(gegevens-delen)=\n# Titel\n\n## Een kop\n\nTekst.\n")},
        ["label: kop 'Een kop' heeft geen expliciet label"]),
    "dubbel label": (
        {PAGE: _page(GOOD_FRONT, "(gegevens-delen)=\n# Titel\n\n(tiel-context)=\n## Kop\n\nTekst.\n")},
        ["duplicate label tiel-context"]),
    "kapotte link": (
        {PAGE: _page(GOOD_FRONT, "(gegevens-delen)=\n# Titel\n\nZie {ref}`bestaat-niet`.\n")},
        ["gegevens-delen.md:", "undefined label: 'bestaat-niet'"]),
    "onbekend gerelateerd label": (
        {PAGE: _page(GOOD_FRONT + "\nrelated: [bestaat-niet]")},
        ["gegevens-delen.md:6:", "related: onbekend paginalabel 'bestaat-niet'"]),
    "onbekend begrip": (
        {PAGE: _page(GOOD_FRONT, "(gegevens-delen)=\n# Titel\n\nDe {term}`zorgmijder`.\n")},
        ["term not in glossary: 'zorgmijder'"]),
    "dubbele bron in bibliografie": (
        {"kb/_data/bibliografie.yaml": (ROOT / "kb/_data/bibliografie.yaml").read_text(encoding="utf-8")
         + "tiel-dubbel:\n  authors: [A]\n  year: 2016\n  title: T\ngilsing-hermens-2016:\n  authors: [B]\n  year: 2016\n  title: T\n"},
        ["kb/_data/bibliografie.yaml:", "sleutel 'gilsing-hermens-2016' komt dubbel voor"]),
    "onbekend veld in bibliografie": (
        {"kb/_data/bibliografie.yaml": (ROOT / "kb/_data/bibliografie.yaml").read_text(encoding="utf-8")
         + "nieuw-2020:\n  authors: [A]\n  year: 2020\n  title: T\n  pages: 12\n"},
        ["bron 'nieuw-2020': onbekend veld 'pages'"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_content_gives_a_clear_warning(tmp_path, case):
    files, expected = CASES[case]
    warnings = _warnings(tmp_path, files)
    assert warnings, f"{case}: no warning"
    joined = "\n".join(warnings)
    for fragment in expected:
        assert fragment in joined, f"{case}: {fragment!r} not in:\n{joined}"
    assert "Traceback" not in joined


def test_each_problem_gets_its_own_line(tmp_path):
    front = GOOD_FRONT.replace("[privacy]", "[weer, wind]") + "\nauteur: Piet"
    warnings = _warnings(tmp_path, {PAGE: _page(front)})
    kb_lines = [w for w in warnings if "gegevens-delen.md" in w]
    assert len([w for w in kb_lines if "'weer'" in w]) == 1
    assert len([w for w in kb_lines if "'wind'" in w]) == 1
    assert len([w for w in kb_lines if "auteur" in w]) == 1


def test_non_utf8_page_is_reported_not_crashing(tmp_path):
    raw = _page(GOOD_FRONT).replace("Tekst.", "Caf\u00e9.").encode("latin-1")
    warnings = _warnings(tmp_path, {PAGE: raw})
    assert any("gegevens-delen" in w for w in warnings)


def test_kb_build_exits_1_without_traceback(tmp_path):
    src = tmp_path / "src"
    import shutil
    shutil.copytree(ROOT, src)
    (src / PAGE).write_text(_page(GOOD_FRONT.replace("[privacy]", "[weer]")), encoding="utf-8")
    env = {**os.environ, "KB_SOURCE_DIR": str(src), "KB_SITE_DIR": str(tmp_path / "out" / "html"),
           "KB_INDEX_DIR": str(tmp_path / "out" / "index")}
    result = subprocess.run([sys.executable, "-m", "kennisbank", "build", "--site-only"], env=env,
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.returncode == 1
    assert "themes: onbekende waarde 'weer' (toegestaan: privacy, regie)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out" / "index").exists()
