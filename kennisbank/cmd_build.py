"""`kb build`: the site with Sphinx, then the search index from the site's passages.

The index is only rebuilt after a site build without problems, so a page with an
error never replaces a good index; Sphinx runs with ``-W --keep-going`` so every
problem is listed, one line each, before the command exits with status 1.
"""
from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path

import click

from kbcore import atomicdir
from kbcore.errors import ContentError
from kbcore.settings import Settings
from .provenance_summary import provenance_file, summary_line
from kbcore.urls import is_loopback, loopback_warning
from .sitecheck import check_passage_links, passage_count


_KEPT = "de site, de passages en de index die nu gebruikt worden zijn niet vervangen"


def build_site(settings: Settings, clean: bool = False, quiet: bool = True) -> float:
    """Build the site with Sphinx and swap it in; return seconds taken; raise ContentError on problems.

    Sphinx writes into a staging directory beside ``settings.site_dir``
    (``.html.tmp-*/``: ``html/``, ``doctrees/`` and ``provenance.json``), seeded with a
    copy of the served site and doctrees (times kept), so its incremental build still
    rewrites only what changed. Only when Sphinx reports no problem and every passage link
    resolves do the three replace the served ones: the site directory in one exchange
    (`kbcore.atomicdir`), then ``provenance.json``, then the doctrees. The site and its
    doctrees go together; after a failed build both are as before, so the next build
    finds the same problems again instead of building on half a result.
    """
    from sphinx.cmd.build import build_main

    src = Path(settings.source_dir)
    if not (src / "conf.py").is_file():
        raise ContentError(f"geen conf.py in {src.resolve()}: voer `kb build` uit in de projectmap "
                           f"of zet KB_SOURCE_DIR")
    out = Path(settings.site_dir)
    doctrees = out.parent / "doctrees"
    provenance = provenance_file(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with atomicdir.lock(out.parent / f".{out.name}.lock"):
        _remove_leftovers(out, doctrees)
        stage = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        stage.mkdir()
        try:
            if not clean:
                _seed(out, stage / "html")
                _seed(doctrees, stage / "doctrees")
            # base_url from every source (kb.toml, --config, KB_BASE_URL), not only what conf.py sees
            args = ["-W", "--keep-going", "-b", "html", "-D", f"html_baseurl={settings.base_url}",
                    "-d", str(stage / "doctrees"), str(src), str(stage / "html")]
            if quiet:
                args.insert(0, "-q")
            if build_main(args) != 0:
                raise ContentError("de site is niet gebouwd: los de problemen hierboven op (één regel per "
                                   f"probleem) en voer `kb build` opnieuw uit; {_KEPT}")
            try:
                check_passage_links(stage / "html", stage / "html" / settings.passages_file.name)
            except ContentError as exc:
                raise ContentError(f"{exc}\n{_KEPT}") from None
            atomicdir.fsync_tree(stage)
            atomicdir.swap_directory(stage / "html", out)  # first: see the docstring
            if (stage / "provenance.json").is_file():
                os.replace(stage / "provenance.json", provenance)
            atomicdir.swap_directory(stage / "doctrees", doctrees)
            took = time.perf_counter() - start
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    return took


def _seed(served: Path, staged: Path) -> None:
    """Copy what is served into the staging directory, with its times, for Sphinx to build on."""
    if served.is_dir():
        shutil.copytree(served, staged, symlinks=True)


def _remove_leftovers(out: Path, doctrees: Path) -> None:
    """Staging directories of killed builds, and whatever a two-rename swap left aside (lock held)."""
    for name in (out.name, doctrees.name):
        for path in [*out.parent.glob(f".{name}.tmp-*"), *out.parent.glob(f".{name}.old-*")]:
            shutil.rmtree(path, ignore_errors=True)


@click.command()
@click.option("--site-only", is_flag=True, help="Alleen de site bouwen, niet de index.")
@click.option("--index-only", is_flag=True, help="Alleen de index bouwen uit de bestaande site.")
@click.option("--clean", is_flag=True,
              help="Site en index helemaal opnieuw bouwen, ook wat niet veranderde (de embeddingcache "
                   "blijft: ongewijzigde passages worden niet opnieuw ingebed).")
@click.option("--verbose", "-v", is_flag=True, help="Toon de voortgang van Sphinx.")
@click.option("--embedder", default=None, metavar="NAAM", help="Embedder voor de index (overschrijft KB_EMBEDDER).")
@click.option("--pdf", is_flag=True, help="Maak ook de hele kennisbank als PDF en printklare HTML (_build/pdf/).")
@click.pass_obj
def build(settings: Settings, site_only: bool, index_only: bool, clean: bool, verbose: bool,
          embedder: str | None, pdf: bool) -> None:
    """Bouw de site (_build/html) en de zoekindex (_build/index).

    De nieuwe site vervangt de gebruikte pas als hij zonder problemen gebouwd is; een
    mislukte build laat site, passages en index zoals ze waren.
    """
    settings = settings.replace(embedder=embedder)
    if site_only and index_only:
        raise click.UsageError("--site-only en --index-only sluiten elkaar uit")
    if not index_only:
        if is_loopback(settings.base_url):
            click.echo(loopback_warning(settings.base_url), err=True)
        click.echo("Site helemaal opnieuw bouwen met Sphinx…" if clean else "Site bouwen met Sphinx…", err=True)
        took = build_site(settings, clean=clean, quiet=not verbose)
        count = passage_count(settings.passages_file)
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
    from indexer.store import recovery_line

    start = time.perf_counter()
    manifest = build_index(settings, progress=True, force=clean)
    if manifest.get("recovered") is not None:
        click.echo(recovery_line(settings.index_dir, manifest["recovered"]), err=True)
    seconds = time.perf_counter() - start
    if manifest["status"] == "unchanged":
        click.echo(f"Index ongewijzigd ({seconds:.1f} s): {settings.index_dir} klopt al met de passages "
                   f"({manifest['passage_count']} passages, embedder {manifest['embedder']['id']})", err=True)
        return
    stats = manifest.get("stats", {})
    click.echo(f"Index gebouwd in {seconds:.1f} s: {settings.index_dir} "
               f"({manifest['passage_count']} passages, {stats.get('embedded', 0)} nieuw ingebed, "
               f"embedder {manifest['embedder']['id']})", err=True)
