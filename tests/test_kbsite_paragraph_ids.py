"""Paragraph ids: found and added in the source, checked at build, kept through edits."""
from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from kbsite.paragraph_ids import (MYST_EXTENSIONS, REGISTRY_FILE, add_missing_ids, check_ids, entry_for,
                                  find_paragraphs, fingerprint, load_registry, registry_text, similarity,
                                  update_page)

from .trainers_support import build, copy_root, html

REPO = Path(__file__).resolve().parents[1]

PAGE = """---
type: aanbeveling
themes: [regie]
sources: [windesheim-2016]
summary: Een pagina om ids op te testen.
---

(ids-test)=
# Ids op een pagina

Eerste alinea over de regie van het wijkteam in Zwolle, met een {term}`regie` erin.

(ids-test-stappen)=
## Stappen

Het wijkteam neemt het initiatief tot afspraken met aanbieders over in- en uitvoegen. {bron}`windesheim-2016: meer hun regierol moeten`

- Spreek af wie de regie voert in een casus
  waarbij meerdere partijen betrokken zijn.
- Leg criteria vast voor op- en afschalen.

  Met een tweede alinea in hetzelfde punt.
  - Een genest punt.

:::{note}
Toelichting in een kader: ook deze alinea krijgt een id.
:::

Laatste alinea: huisartsen en wijkteams kennen elkaar vaak niet persoonlijk.
"""
DOC = "kb/aanbevelingen/ids-test"


def _ids_to_text(page_html: str) -> dict[str, str]:
    """id -> plain text of the <p> (or the first paragraph of the <li>) that carries it."""
    from bs4 import BeautifulSoup

    out = {}
    for element in BeautifulSoup(page_html, "html.parser").find_all(id=re.compile(r"^p-")):
        own = element.find("p") if element.name == "li" else element
        out[element["id"]] = " ".join(own.get_text(" ").split())
    return out


# -- the source side ------------------------------------------------------------------------

def test_myst_extensions_are_those_of_the_site():
    conf = runpy.run_path(str(REPO / "conf.py"))
    assert set(conf["myst_enable_extensions"]) == set(MYST_EXTENSIONS)


def test_paragraphs_and_list_items_are_found_with_their_text():
    paragraphs = find_paragraphs(PAGE)
    assert [p.kind for p in paragraphs] == ["alinea", "alinea", "lijstpunt", "lijstpunt", "lijstpunt",
                                            "alinea", "alinea"]
    assert paragraphs[0].text == "Eerste alinea over de regie van het wijkteam in Zwolle, met een regie erin."
    assert "meer hun regierol" not in paragraphs[1].text  # a {bron} quote is not the paragraph's text
    assert paragraphs[2].text.endswith("waarbij meerdere partijen betrokken zijn.")
    assert paragraphs[5].text.startswith("Toelichting in een kader")  # inside a directive


def test_ids_go_at_the_end_of_the_last_line_after_a_role():
    new, added = add_missing_ids(PAGE, DOC, set())
    assert len(added) == 7
    lines = new.split("\n")
    assert re.search(r"regierol moeten` \^p-[a-z0-9]{5}$", new, re.M)  # after the {bron} role
    assert re.search(r"^  waarbij meerdere partijen betrokken zijn\. \^p-", new, re.M)  # the item's last line
    assert not re.search(r"Met een tweede alinea in hetzelfde punt\. \^p-", new)  # the item is the unit
    assert "(ids-test)=" in lines and lines.count("---") == 2  # nothing else touched
    again, none = add_missing_ids(new, DOC, set())
    assert again == new and none == []


def test_new_ids_avoid_every_id_ever_issued_on_the_page():
    new, added = add_missing_ids(PAGE, DOC, set())
    issued = {p.id for p in added}
    fresh, again = add_missing_ids(PAGE, DOC, issued)  # same texts, but those ids are taken
    assert not issued & {p.id for p in again}


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéë", min_size=1, max_size=9)
PARAGRAPH = st.lists(WORDS, min_size=1, max_size=12).map(" ".join).map(lambda t: t[0].upper() + t[1:] + ".")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["p", "li"]), PARAGRAPH), min_size=1, max_size=8))
def test_adding_ids_is_idempotent_and_changes_no_text(blocks):
    source = "\n\n".join(("- " if kind == "li" else "") + text for kind, text in blocks) + "\n"
    new, added = add_missing_ids(source, DOC, set())
    before, after = find_paragraphs(source), find_paragraphs(new)
    assert [p.text for p in before] == [p.text for p in after]
    ids = [p.id for p in after]
    assert all(ids) and len(set(ids)) == len(ids)
    assert add_missing_ids(new, DOC, set())[0] == new


def test_fingerprint_tells_rewording_from_other_text():
    old = "Volgens het onderzoek in Zwolle zouden de wijkteams meer hun regierol moeten oppakken."
    reworded = "Het onderzoek in Zwolle laat zien dat de wijkteams hun regierol sterker moeten oppakken."
    other = "Huisartsen en jeugdartsen verwijzen maar een paar keer per maand naar elkaar door."
    assert similarity(fingerprint(old), fingerprint(reworded)) >= 0.5
    assert similarity(fingerprint(old), fingerprint(other)) < 0.2


def test_check_reports_a_duplicate_and_an_id_under_other_text():
    new, added = add_missing_ids(PAGE, DOC, set())
    first = added[0].id
    duplicated = new.replace(f"^{added[1].id}", f"^{first}")
    problems = check_ids(find_paragraphs(duplicated), None)
    assert len(problems) == 1 and f"'{first}' staat al op regel" in problems[0].message
    known = {first: entry_for("Huisartsen en jeugdartsen verwijzen maar een paar keer per maand door.")}
    problems = check_ids(find_paragraphs(new), known)
    assert len(problems) == 1 and "hoorde bij andere tekst" in problems[0].message
    assert problems[0].line == added[0].end


def test_registry_round_trip_and_rewritten(tmp_path):
    registry: dict = {}
    update = update_page(PAGE, DOC, registry)
    assert update.total == update.with_id == 7 and not update.problems
    path = tmp_path / "alinea-ids.yaml"
    path.write_text(registry_text(registry), encoding="utf-8")
    loaded = load_registry(path)
    assert {k: v.fingerprint for k, v in loaded[DOC].items()} == {k: v.fingerprint for k, v in registry[DOC].items()}
    first = update.added[0]
    lines = update.new_source.split("\n")
    lines[first.start] = f"Een heel andere tekst over budgetten en schotten. ^{first.id}"
    rewritten_source = "\n".join(lines)
    assert update_page(rewritten_source, DOC, loaded).problems  # refused ...
    forced = update_page(rewritten_source, DOC, loaded, rewritten={first.id})
    assert not forced.problems  # ... unless the editor says it is the same paragraph
    assert similarity(loaded[DOC][first.id].fingerprint, fingerprint("Een heel andere tekst over budgetten en schotten.")) == 1


# -- the build side -------------------------------------------------------------------------

@pytest.fixture
def page_src(tmp_path) -> Path:
    return copy_root(tmp_path, {f"{DOC}.md": PAGE})


def test_build_puts_ids_on_paragraphs_and_list_items_and_removes_markers(page_src):
    app = build(page_src)
    try:
        assert app.warning.getvalue().strip() == ""
        page = html(app, DOC)
        assert "^p-" not in page
        ids = _ids_to_text(page)
        assert len(ids) == 7
        assert re.search(r'<li class="kb-alinea" id="p-[a-z0-9]+"><p>Spreek af wie de regie voert', page)
        counts = app.env.kb_id_counts[DOC]
        assert counts == (7, 7)
        assert {d: c for d, c in app.env.kb_id_counts.items() if c[0] != c[1]} == {}  # every page: 100%
        source_ids = {p.id for p in find_paragraphs((page_src / f"{DOC}.md").read_text(encoding="utf-8"))}
        assert source_ids == set(ids)
    finally:
        app.cleanup()


def test_rewording_and_inserting_keep_the_old_ids_on_the_same_texts(page_src):
    first = build(page_src)
    before = _ids_to_text(html(first, DOC))
    first.cleanup()
    path = page_src / f"{DOC}.md"
    source = path.read_text(encoding="utf-8")
    # reword the paragraph under "Stappen" and insert a new one above it
    reworded = source.replace("Het wijkteam neemt het initiatief tot afspraken met aanbieders over in- en uitvoegen.",
                              "Een nieuwe alinea vooraf, over iets anders: de wachtlijsten bij de ggz.\n\n"
                              "Het wijkteam neemt zelf het initiatief voor afspraken met de aanbieders over het "
                              "in- en uitvoegen.")
    assert reworded != source
    path.write_text(reworded, encoding="utf-8")
    registry = load_registry(page_src / REGISTRY_FILE)
    update = update_page(reworded, DOC, registry)  # what `kb alinea-ids` does next
    assert not update.problems and len(update.added) == 1
    path.write_text(update.new_source, encoding="utf-8")
    (page_src / REGISTRY_FILE).write_text(registry_text(registry), encoding="utf-8")
    again = build(page_src)
    try:
        assert again.warning.getvalue().strip() == ""
        after = _ids_to_text(html(again, DOC))
        new_id = update.added[0].id
        assert new_id not in before and after[new_id].startswith("Een nieuwe alinea vooraf")
        for pid, text in before.items():
            if text.startswith("Het wijkteam neemt"):
                assert after[pid].startswith("Het wijkteam neemt zelf het initiatief")  # reworded, same id
            else:
                assert after[pid] == text  # every other id on exactly its old text
    finally:
        again.cleanup()


def _warnings(src: Path) -> str:
    app = build(src)
    try:
        return app.warning.getvalue()
    finally:
        app.cleanup()


def test_build_reports_an_id_used_twice(page_src):
    path = page_src / f"{DOC}.md"
    text = path.read_text(encoding="utf-8")
    ids = re.findall(r"\^(p-[a-z0-9]+)", text)
    path.write_text(text.replace(f"^{ids[1]}", f"^{ids[0]}"), encoding="utf-8")
    warnings = _warnings(page_src)
    assert f"alinea-id '{ids[0]}' staat al op regel" in warnings and "ids-test.md:" in warnings


def test_build_reports_an_id_reused_for_other_text(page_src):
    path = page_src / f"{DOC}.md"
    text = path.read_text(encoding="utf-8")
    pid = re.search(r"Laatste alinea.*\^(p-[a-z0-9]+)", text).group(1)
    path.write_text(re.sub(r"Laatste alinea:.*\^" + pid, "Budgetten en financiële schotten remmen maatwerk. ^" + pid,
                           text), encoding="utf-8")
    warnings = _warnings(page_src)
    assert f"alinea-id '{pid}' hoorde bij andere tekst" in warnings


def test_build_reports_a_marker_not_at_the_end(page_src):
    path = page_src / f"{DOC}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Laatste alinea:", "Laatste ^p-midden alinea:"), encoding="utf-8")
    assert "alinea-id '^p-midden' staat niet aan het eind" in _warnings(page_src)


def test_missing_ids_are_no_build_error(tmp_path):
    src = copy_root(tmp_path, {f"{DOC}.md": PAGE.replace("{bron}`windesheim-2016: meer hun regierol moeten`", "")},
                    ids=False)
    app = build(src)
    try:
        assert app.warning.getvalue().strip() == ""
        assert app.env.kb_id_counts[DOC] == (7, 0)
        assert "kb-alinea-citeer" not in html(app, DOC)
    finally:
        app.cleanup()


def test_each_paragraph_has_a_link_and_cite_control(page_src):
    app = build(page_src)
    try:
        page = html(app, DOC)
        pid = re.search(r'<p id="(p-[a-z0-9]+)">Eerste alinea', page).group(1)
        control = page.split(f'<p id="{pid}">', 1)[1].split("</details>", 1)[0]
        assert f'href="#{pid}"' in control
        assert f'value="https://kennisbank.test/{DOC}.html#{pid}"' in control
        assert re.search(r"Wijkteam Kennisbank\. \(\d{4}, \d{1,2} [a-z]+\)\. <em>Ids op een pagina</em> "
                         r"\[alinea uit de inleiding\]\. https://kennisbank\.test/kb/aanbevelingen/ids-test\.html#"
                         + pid, control)
        stappen = re.search(r'<p id="(p-[a-z0-9]+)">Het wijkteam neemt', page).group(1)
        assert "[alinea uit de sectie ‘Stappen’]" in page.split(f'<p id="{stappen}">', 1)[1].split("</details>")[0]
        assert "kb-citeer.js" in page
    finally:
        app.cleanup()


def test_passages_carry_no_markers_or_controls(page_src):
    app = build(page_src)
    try:
        passages = (Path(app.outdir) / "passages.jsonl").read_text(encoding="utf-8")
        assert "^p-" not in passages and "Link naar deze alinea" not in passages and "¶" not in passages
    finally:
        app.cleanup()


def test_real_pages_all_get_ids_on_a_copy(tmp_path):
    """The command over a copy of kb/ (never the real pages) reaches every paragraph and item."""
    import shutil

    shutil.copytree(REPO / "kb", tmp_path / "kb")
    registry: dict = {}
    total = with_id = 0
    for page in sorted((tmp_path / "kb").rglob("*.md")):
        docname = page.relative_to(tmp_path).with_suffix("").as_posix()
        update = update_page(page.read_text(encoding="utf-8"), docname, registry)
        assert not update.problems
        total += update.total
        with_id += update.with_id
    assert total > 500 and with_id / total >= 0.95
