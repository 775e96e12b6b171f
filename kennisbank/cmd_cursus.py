"""`kb cursus`: a course pack (PDF and print-ready HTML) of chosen pages, sections and paragraphs.

The parts come from the command line or from a small YAML file with a title and an
introduction; `kb cursus --alles` (and `kb build --pdf`) makes the whole knowledge base into
one pack with the same machinery (kennisbank/coursepack.py).
"""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import click

from kbcore.settings import Settings
from kbcore.urls import is_loopback, loopback_warning

from .coursepack import Catalog, PackSpec, check_writable, compose, load_spec, load_weasyprint, write_pack

WHOLE_PACK = Path("pdf") / "kennisbank"
SKIPPED_IN_WHOLE = {"overzicht"}  # listing pages: the pack has its own contents and bibliography


def _slug(title: str) -> str:
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "cursus"


def _target(settings: Settings, out: str | None, default: Path) -> Path:
    if out:
        path = Path(out)
        if path.suffix.lower() in (".pdf", ".html"):
            path = path.with_suffix("")
        return path
    return Path(settings.site_dir).parent / default


def make_pack(settings: Settings, spec: PackSpec, target: Path, pdf: bool = True) -> list[Path]:
    """Compose and write one pack; every problem is a CoursePackError before anything is written."""
    catalog = Catalog.load(Path(settings.site_dir))
    if is_loopback(catalog.base_url):
        click.echo(loopback_warning(catalog.base_url or "(leeg)"), err=True)
    check_writable(target)
    if pdf:
        load_weasyprint()  # a missing PDF tool is reported before the work, not after
    html = compose(spec, catalog)
    return write_pack(html, target, catalog, pdf=pdf)


def whole_spec(catalog: Catalog) -> PackSpec:
    items = [d for d in catalog.order if catalog.pages[d]["type"] not in SKIPPED_IN_WHOLE]
    return PackSpec(title="Wijkteam Kennisbank", subtitle="De hele kennisbank, om te printen",
                    introduction="Alle aanbevelingen, dilemma's, praktijkvoorbeelden, thema's, feiten en "
                                 "begrippen van de kennisbank, elk met het adres op de site en hoe je het citeert.",
                    items=items)


def make_whole_pack(settings: Settings, out: str | None = None, pdf: bool = True) -> list[Path]:
    catalog = Catalog.load(Path(settings.site_dir))
    started = time.perf_counter()
    click.echo(f"De hele kennisbank als PDF maken ({len(whole_spec(catalog).items)} pagina's)…", err=True)
    written = make_pack(settings, whole_spec(catalog), _target(settings, out, WHOLE_PACK), pdf=pdf)
    click.echo(f"Klaar in {time.perf_counter() - started:.0f} s: " + ", ".join(map(str, written)), err=True)
    return written


@click.command()
@click.argument("onderdelen", nargs=-1)
@click.option("--lijst", "-l", "lijst", type=click.Path(dir_okay=False), default=None,
              help="YAML-bestand met titel, inleiding en onderdelen.")
@click.option("--titel", default=None, metavar="TITEL", help="Titel op het titelblad (overschrijft die in de lijst).")
@click.option("--inleiding", default=None, metavar="TEKST", help="Inleidende tekst op het titelblad.")
@click.option("--uit", "-o", "uit", default=None, metavar="PAD",
              help="Pad van de uitvoer zonder extensie (er komen .pdf en .html); standaard _build/cursus/<titel>.")
@click.option("--alles", is_flag=True, help="De hele kennisbank (standaard naar _build/pdf/kennisbank.pdf).")
@click.option("--geen-pdf", is_flag=True, help="Alleen de printklare HTML maken.")
@click.pass_obj
def cursus(settings: Settings, onderdelen: tuple[str, ...], lijst: str | None, titel: str | None,
           inleiding: str | None, uit: str | None, alles: bool, geen_pdf: bool) -> None:
    """Maak cursusmateriaal (PDF en printklare HTML) van pagina's, secties en alinea's.

    ONDERDELEN zijn paginalabels (regierol-wijkteam), pagina#anker (regierol-wijkteam#p-k3x9a)
    of links van de site. Bouw eerst de site met `kb build --site-only`.
    """
    if alles:
        if onderdelen or lijst:
            raise click.UsageError("--alles neemt de hele kennisbank: geef dan geen onderdelen of --lijst")
        make_whole_pack(settings, uit, pdf=not geen_pdf)
        return
    if lijst:
        spec = load_spec(Path(lijst))
        spec.items += list(onderdelen)
    elif onderdelen:
        spec = PackSpec(title="Cursusmateriaal", items=list(onderdelen))
    else:
        raise click.UsageError("geef onderdelen (bijvoorbeeld regierol-wijkteam of regierol-wijkteam#p-k3x9a), "
                               "een --lijst cursus.yaml, of --alles")
    if titel:
        spec.title = titel.strip()
    if inleiding:
        spec.introduction = inleiding.strip()
    target = _target(settings, uit, Path("cursus") / _slug(spec.title))
    started = time.perf_counter()
    written = make_pack(settings, spec, target, pdf=not geen_pdf)
    click.echo(f"Cursusmateriaal met {len(spec.items)} onderdelen gemaakt in {time.perf_counter() - started:.1f} s: "
               + ", ".join(map(str, written)), err=True)
