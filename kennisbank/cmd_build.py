"""`kb build`: the site with Sphinx, then the search index from the site's passages.

The index is only rebuilt after a site build without problems, so a page with an
error never replaces a good index; Sphinx runs with ``-W --keep-going`` so every
problem is listed, one line each, before the command exits with status 1.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from kbcore.errors import ContentError
from kbcore.settings import Settings
from .provenance_summary import provenance_file, summary_line
from kbcore.urls import is_loopback, loopback_warning
from .sitecheck import check_passage_links


def build_site(settings: Settings, clean: bool = False, quiet: bool = True) -> float:
    """Run Sphinx into ``settings.site_dir``; return seconds taken; raise ContentError on problems."""
    from sphinx.cmd.build import build_main

    src = Path(settings.source_dir)
    if not (src / "conf.py").is_file():
        raise ContentError(f"geen conf.py in {src.resolve()}: voer `kb build` uit in de projectmap "
                           f"of zet KB_SOURCE_DIR")
    out = Path(settings.site_dir)
    doctrees = out.parent / "doctrees"
    if clean:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(doctrees, ignore_errors=True)
    # base_url from every source (kb.toml, --config, KB_BASE_URL), not only what conf.py sees
    args = ["-W", "--keep-going", "-b", "html", "-D", f"html_baseurl={settings.base_url}",
            "-d", str(doctrees), str(src), str(out)]
    if quiet:
        args.insert(0, "-q")
    start = time.perf_counter()
    status = build_main(args)
    took = time.perf_counter() - start
    if status != 0:
        raise ContentError("de site is niet gebouwd: los de problemen hierboven op (één regel per probleem) "
                           "en voer `kb build` opnieuw uit; de bestaande index is niet aangeraakt")
    return took


@click.command()
@click.option("--site-only", is_flag=True, help="Alleen de site bouwen, niet de index.")
@click.option("--index-only", is_flag=True, help="Alleen de index bouwen uit de bestaande site.")
@click.option("--clean", is_flag=True, help="Alles opnieuw bouwen in plaats van alleen wat veranderde.")
@click.option("--verbose", "-v", is_flag=True, help="Toon de voortgang van Sphinx.")
@click.option("--embedder", default=None, metavar="NAAM", help="Embedder voor de index (overschrijft KB_EMBEDDER).")
@click.option("--pdf", is_flag=True, help="Maak ook de hele kennisbank als PDF en printklare HTML (_build/pdf/).")
@click.pass_obj
def build(settings: Settings, site_only: bool, index_only: bool, clean: bool, verbose: bool,
          embedder: str | None, pdf: bool) -> None:
    """Bouw de site (_build/html) en de zoekindex (_build/index)."""
    settings = settings.replace(embedder=embedder)
    if site_only and index_only:
        raise click.UsageError("--site-only en --index-only sluiten elkaar uit")
    if not index_only:
        if is_loopback(settings.base_url):
            click.echo(loopback_warning(settings.base_url), err=True)
        click.echo("Site bouwen met Sphinx…", err=True)
        took = build_site(settings, clean=clean, quiet=not verbose)
        count = check_passage_links(Path(settings.site_dir), settings.passages_file)
        click.echo(f"Site gebouwd in {took:.1f} s: {settings.site_dir} ({count} passages, alle links kloppen)",
                   err=True)
        line = summary_line(provenance_file(settings.site_dir))
        if line:
            click.echo(line, err=True)
    if pdf:
        from .cmd_cursus import make_whole_pack

        make_whole_pack(settings)
    if site_only:
        return
    from indexer.build import build_index

    start = time.perf_counter()
    manifest = build_index(settings, progress=True)
    click.echo(f"Index gebouwd in {time.perf_counter() - start:.1f} s: {settings.index_dir} "
               f"({manifest['passage_count']} passages, embedder {manifest['embedder']['id']})", err=True)
