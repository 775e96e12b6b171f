"""`kb cursus` and `kb alinea-ids` as a trainer and an editor run them (real `kb` processes)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kennisbank.coursepack import Catalog, cited_in, resolve
from kbcore.errors import CoursePackError

from .serve_process import REPO, kb_command
from .trainers_support import BRON_PAGE, build, copy_root

PDFTOTEXT = shutil.which("pdftotext")
BRON_DOC = "kb/praktijkvoorbeelden/basisvoorzieningen"


def kb(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KB_")}
    clean.update({"KB_CONFIG": str(cwd / "geen-kb.toml"),
                  "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))})
    clean.update(env or {})
    return subprocess.run([*kb_command(), *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The tiny site with ids and a page whose findings have "bron" notes; returns its output dir."""
    tmp = tmp_path_factory.mktemp("cursus")
    app = build(copy_root(tmp, {f"{BRON_DOC}.md": BRON_PAGE}))
    assert app.warning.getvalue().strip() == ""
    out = Path(app.outdir)
    app.cleanup()
    return out


def _pdf_text(path: Path) -> str:
    done = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _anchor(site: Path, docname: str, starts: str) -> str:
    page = (site / f"{docname}.html").read_text(encoding="utf-8")
    return re.search(r'<p id="(p-[a-z0-9]+)">' + re.escape(starts), page).group(1)


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext ontbreekt (bash scripts/setup.sh --test installeert poppler-utils)")
def test_pack_of_three_pages_and_two_paragraphs(site, tmp_path):
    first = _anchor(site, BRON_DOC, "Volgens de evaluatie was de regie")
    second = _anchor(site, "kb/aanbevelingen/regierol-wijkteam", "Zie ook")
    lijst = tmp_path / "cursus.yaml"
    lijst.write_text(f"""titel: Regie in de wijk
ondertitel: Tweede bijeenkomst
inleiding: |
  Lees dit voor de bijeenkomst.

  Neem je vragen mee.
onderdelen:
  - tiel
  - kb/dilemmas/rollen-onduidelijk
  - https://kennisbank.test/kb/aanbevelingen/gegevens-delen.html
  - basisvoorzieningen#{first}
  - regierol-wijkteam#{second}
""", encoding="utf-8")
    done = kb("cursus", "--lijst", str(lijst), "--uit", str(tmp_path / "uit" / "regie"), cwd=tmp_path,
              env={"KB_SITE_DIR": str(site)})
    assert done.returncode == 0, done.stderr
    assert "Let op: base_url" not in done.stderr  # the site has a public address
    text = _pdf_text(tmp_path / "uit" / "regie.pdf")
    dense = text.replace(" ", "")  # long URLs wrap over lines; compare them without spaces
    html = (tmp_path / "uit" / "regie.html").read_text(encoding="utf-8")
    # title page and contents
    assert "Regie in de wijk" in text and "Tweede bijeenkomst" in text and "Neem je vragen mee." in text
    assert "Inhoud" in text and re.search(r"Tiel \.+ ?\d", text)
    # the headings of the parts and their texts
    for heading in ("Tiel", "Wie heeft welke taak?", "Afspraken over gegevens delen", "Wat de evaluatie vond", "Hoe je de regierol oppakt"):
        assert heading in text
    assert "In Tiel had het wijkteam 3,5 fte (Gilsing & Hermens, 2016)." in text
    assert "Volgens de evaluatie was de regie in Tiel niet altijd duidelijk." in text
    assert "Een tweede alinea zonder bron" not in text  # only the chosen paragraph
    # the bron note of the finding, open, with its quote
    assert re.search(r"bron( \d+)?: Gilsing & Hermens \(2016\)", text) and "de regie niet altijd duidelijk is" in text
    # a citation under each part, with the page's own URL (and the anchor)
    assert text.count("Citeer als:") == 5
    assert re.search(r"Citeerals:WijkteamKennisbank\.\(\d{4},\d{1,2}[a-z]+\)\.Wieheeftwelketaak\?"
                     r"https://kennisbank\.test/kb/dilemmas/rollen-onduidelijk\.html", dense)
    assert ("[aline auitdesectie‘Hoejederegierolopp akt’].https://kennisbank.test/kb/aanbevelingen/regierol-wijkteam.html#"
            .replace(" ", "") + second) in dense
    # the bibliography: every study the pack draws on, once
    literature = text.split("Literatuur De studies waarop")[1]
    assert literature.count("Gilsing, R., & Hermens, N. (2016)") == 1
    assert "Hogeschool Windesheim. (2016)" in literature
    assert "ongebruikt" not in literature.lower()
    # links printed as URLs, page numbers, A4
    assert "(https://kennisbank.test/kb/dilemmas/rollen-onduidelijk.html#rollen-onduidelijk)" in dense
    assert "Zie ook het dilemma (" in text
    assert re.search(r"pagina 2 van \d+", text)
    info = subprocess.run(["pdfinfo", str(tmp_path / "uit" / "regie.pdf")], capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info
    assert "kb-alinea-citeer" not in html and "Kopieer" not in html and "<details" not in html
    assert list((tmp_path / "uit").iterdir()) == sorted((tmp_path / "uit").iterdir()) and \
        {p.name for p in (tmp_path / "uit").iterdir()} == {"regie.pdf", "regie.html"}


def test_items_resolve_in_every_form_a_trainer_has(site):
    catalog = Catalog.load(site)
    section = resolve("regierol-wijkteam-waarom", catalog)
    assert (section.docname, section.anchor, section.kind) == ("kb/aanbevelingen/regierol-wijkteam",
                                                              "regierol-wijkteam-waarom", "section")
    for form in ("regierol-wijkteam", "kb/aanbevelingen/regierol-wijkteam", "kb/aanbevelingen/regierol-wijkteam.md",
                 "https://kennisbank.test/kb/aanbevelingen/regierol-wijkteam.html"):
        assert resolve(form, catalog).kind == "page"
    term = resolve("begrippen#term-regie", catalog)
    assert term.kind == "term"
    with pytest.raises(CoursePackError, match="Bedoel je: regierol-wijkteam"):
        resolve("regierol-wijkteem", catalog)


def test_studies_cited_in_a_text():
    sources = [{"key": "g", "reference": "Gilsing, R., & Hermens, N. (2016). Evaluatie."},
               {"key": "w", "reference": "Hogeschool Windesheim. (2016). Krachten."},
               {"key": "i", "reference": "Integraal werken in de wijk. (z.d.). Tien aandachtsgebieden."}]
    found = cited_in("Zo blijkt uit Tiel (Gilsing & Hermens, 2016) en de tien gebieden (Integraal werken in de wijk, z.d.).",
                     sources)
    assert [s["key"] for s in found] == ["g", "i"]


# -- bad input: one Dutch line, exit 1, nothing written ----------------------------------------

def _fails(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("Let op")]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Fout: ") and "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def _nothing_in(folder: Path) -> None:
    assert not folder.exists() or list(folder.iterdir()) == []


def test_unknown_page(site, tmp_path):
    done = kb("cursus", "tiel", "regierol-wijkteem", "--uit", str(tmp_path / "uit" / "x"), cwd=tmp_path,
              env={"KB_SITE_DIR": str(site)})
    _fails(done, "onbekend onderdeel 'regierol-wijkteem'", "paginalabel", "Bedoel je: regierol-wijkteam")
    _nothing_in(tmp_path / "uit")


def test_unknown_anchor(site, tmp_path):
    done = kb("cursus", "tiel#p-bestaatniet", "--uit", str(tmp_path / "uit" / "x"), cwd=tmp_path,
              env={"KB_SITE_DIR": str(site)})
    _fails(done, "onbekend anker 'p-bestaatniet'", "alinea-id")
    _nothing_in(tmp_path / "uit")


@pytest.mark.parametrize("text, words", [
    ("titel: Regie\nonderdelen: [tiel\n", ("cursus.yaml, regel", "ongeldige YAML")),
    ("titel: Regie\nonderdeel: [tiel]\n", ("onbekend veld 'onderdeel'", "toegestaan: titel")),
    ("titel: Regie\nonderdelen: []\n", ("'onderdelen' moet een niet-lege lijst",)),
    ("- tiel\n", ("verwacht velden",)),
])
def test_bad_list_file(site, tmp_path, text, words):
    lijst = tmp_path / "cursus.yaml"
    lijst.write_text(text, encoding="utf-8")
    done = kb("cursus", "--lijst", str(lijst), "--uit", str(tmp_path / "uit" / "x"), cwd=tmp_path,
              env={"KB_SITE_DIR": str(site)})
    _fails(done, *words)
    _nothing_in(tmp_path / "uit")


def test_unwritable_output(site, tmp_path):
    """A folder nobody may write in; /proc refuses even root (CI runs as root)."""
    locked = tmp_path / "dicht"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked if os.geteuid() != 0 else Path("/proc")
    try:
        done = kb("cursus", "tiel", "--uit", str(target / "x"), cwd=tmp_path, env={"KB_SITE_DIR": str(site)})
        _fails(done, "kan niet schrijven in", str(target))
    finally:
        locked.chmod(0o700)


def test_output_in_a_path_that_cannot_be_a_folder(site, tmp_path):
    blocker = tmp_path / "bestand"
    blocker.write_text("geen map", encoding="utf-8")
    done = kb("cursus", "tiel", "--uit", str(blocker / "x"), cwd=tmp_path, env={"KB_SITE_DIR": str(site)})
    _fails(done, "kan niet schrijven in", str(blocker))
    assert blocker.read_text(encoding="utf-8") == "geen map"


def test_missing_pdf_tool(site, tmp_path):
    """WeasyPrint that cannot load (as without Pango): the message says what to do."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "weasyprint.py").write_text("raise OSError(\"cannot load library 'libpango-1.0-0'\")\n", encoding="utf-8")
    env = {"KB_SITE_DIR": str(site), "PYTHONPATH": os.pathsep.join([str(shadow), str(REPO)])}
    done = kb("cursus", "tiel", "--uit", str(tmp_path / "uit" / "x"), cwd=tmp_path, env=env)
    _fails(done, "PDF maken kan niet", "libpango", "scripts/setup.sh", "--geen-pdf")
    _nothing_in(tmp_path / "uit")
    only_html = kb("cursus", "tiel", "--geen-pdf", "--uit", str(tmp_path / "uit" / "x"), cwd=tmp_path, env=env)
    assert only_html.returncode == 0, only_html.stderr
    assert {p.name for p in (tmp_path / "uit").iterdir()} == {"x.html"}


def test_no_built_site(tmp_path):
    done = kb("cursus", "tiel", cwd=tmp_path, env={"KB_SITE_DIR": str(tmp_path / "nergens")})
    _fails(done, "geen gebouwde site", "kb build --site-only")


def test_loopback_site_warns_once(tmp_path):
    app = build(copy_root(tmp_path), confoverrides={"html_baseurl": "http://127.0.0.1:8000/"})
    out = Path(app.outdir)
    app.cleanup()
    done = kb("cursus", "tiel", "--geen-pdf", "--uit", str(tmp_path / "x"), cwd=tmp_path, env={"KB_SITE_DIR": str(out)})
    assert done.returncode == 0
    assert done.stderr.count("Let op: base_url is http://127.0.0.1:8000/") == 1 and "KB_BASE_URL" in done.stderr


# -- kb alinea-ids ----------------------------------------------------------------------------------

def test_alinea_ids_command_adds_checks_and_reports(tmp_path):
    src = copy_root(tmp_path, ids=False)
    check = kb("alinea-ids", "--controleer", cwd=src)
    found = re.search(r"(\d+) pagina's: 0 van (\d+) alinea's en lijstpunten hebben een id \(0,0%\)", check.stderr)
    assert check.returncode == 0 and found, check.stderr
    total = int(found.group(2))
    tiel_path = src / "kb/praktijkvoorbeelden/tiel.md"
    assert "^p-" not in tiel_path.read_text(encoding="utf-8")
    done = kb("alinea-ids", cwd=src)
    assert done.returncode == 0, done.stderr
    assert f"{total} id's toegevoegd" in done.stderr and f"{total} van {total}" in done.stderr
    assert "(100,0%)" in done.stderr
    tiel = tiel_path.read_text(encoding="utf-8")
    assert re.search(r"niet altijd duidelijk is`\. \^p-[a-z0-9]{5}\n", tiel)  # after the {bron} role
    registry = (src / "kb/_data/alinea-ids.yaml").read_text(encoding="utf-8")
    assert "kb/praktijkvoorbeelden/tiel:" in registry
    again = kb("alinea-ids", cwd=src)
    assert "0 id's toegevoegd" in again.stderr
    assert tiel_path.read_text(encoding="utf-8") == tiel
    # reuse an id for other text: refused, named, that page unchanged; the other page is done
    pid = re.search(r"\^(p-[a-z0-9]+)", tiel).group(1)
    other = re.sub(r"In Tiel had het wijkteam.*?\^" + pid, "Budgetten en schotten remmen maatwerk. ^" + pid, tiel, flags=re.S)
    tiel_path.write_text(other, encoding="utf-8")
    gegevens = src / "kb/aanbevelingen/gegevens-delen.md"
    gegevens.write_text(gegevens.read_text(encoding="utf-8") + "\nEen nieuwe alinea.\n", encoding="utf-8")
    refused = kb("alinea-ids", cwd=src)
    assert refused.returncode == 1
    assert "tiel.md:" in refused.stderr and f"alinea-id '{pid}' hoorde bij andere tekst" in refused.stderr
    assert "1 id's toegevoegd op 1 pagina's" in refused.stderr
    assert tiel_path.read_text(encoding="utf-8") == other
    accepted = kb("alinea-ids", "--herschreven", f"kb/praktijkvoorbeelden/tiel#{pid}", cwd=src)
    assert accepted.returncode == 0, accepted.stderr
    assert "0 id's toegevoegd" in accepted.stderr and f"{total + 1} van {total + 1}" in accepted.stderr
    assert kb("alinea-ids", "--controleer", cwd=src).returncode == 0  # the new text is now the id's text


def test_alinea_ids_refuses_paths_outside_kb(tmp_path):
    src = copy_root(tmp_path, ids=False)
    done = kb("alinea-ids", "index.md", cwd=src)
    assert done.returncode == 2 and "ligt niet onder" in done.stderr
