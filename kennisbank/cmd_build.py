"""`kb build`: the site with Sphinx, then the search index from the site's passages.

The index is only rebuilt after a site build without problems, so a page with an
error never replaces a good index; Sphinx runs with ``-W --keep-going`` so every
problem is listed, one line each, before the command exits with status 1.
"""
from __future__ import annotations

import os
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

    Sphinx writes into a staging directory beside ``settings.site_dir`` (``.html.stage/``
    with ``html/``, ``doctrees/`` and ``provenance.json``), first made equal to the served
    site and doctrees by copying only the files that differ (times kept), so its
    incremental build still rewrites only what changed. Only when Sphinx reports no
    problem and every passage link resolves do they replace the served ones: the site
    directory in one exchange of names (`kbcore.atomicdir`; the server never sees it
    missing), then ``provenance.json``, then the doctrees. The previous generation stays
    in the staging directory for the next build to bring up to date (a double buffer:
    no full copy, no full delete per build). The site and its doctrees go together;
    after a failed build both are as before, so the next build finds the same problems
    again instead of building on half a result.
    """
    from sphinx.cmd.build import build_main

    src = Path(settings.source_dir)
    if not (src / "conf.py").is_file():
        raise ContentError(f"geen conf.py in {src.resolve()}: voer `kb build` uit in de projectmap "
                           f"of zet KB_SOURCE_DIR")
    # resolved: a site_dir that is a symlink is followed, as the app does (search_app.app),
    # so the exchange replaces the directory the server reads
    out = Path(settings.site_dir).resolve()
    doctrees = out.parent / "doctrees"
    stage = out.parent / f".{out.name}.stage"
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with atomicdir.lock(out.parent / f".{out.name}.lock"):
        since_ns = time.time_ns()
        _tidy(out, doctrees, stage, clean)
        mirror = atomicdir.Mirror(stage / "trash")
        if not clean:  # --clean: Sphinx starts from an empty stage
            _seed(mirror, out, stage / "html")
            _seed(mirror, doctrees, stage / "doctrees")
        cleaner = mirror.remove_trash_in_background()  # while Sphinx computes
        # base_url from every source (kb.toml, --config, KB_BASE_URL), not only what conf.py sees
        args = ["-W", "--keep-going", "-b", "html", "-D", f"html_baseurl={settings.base_url}",
                "-d", str(stage / "doctrees"), str(src), str(stage / "html")]
        if quiet:
            args.insert(0, "-q")
        status = build_main(args)
        cleaner.join()
        if status != 0:
            raise ContentError("de site is niet gebouwd: los de problemen hierboven op (één regel per "
                               f"probleem) en voer `kb build` opnieuw uit; {_KEPT}")
        try:
            check_passage_links(stage / "html", stage / "html" / settings.passages_file.name)
        except ContentError as exc:
            raise ContentError(f"{exc}\n{_KEPT}") from None
        atomicdir.sync_written(stage, since_ns)
        atomicdir.swap_directory(stage / "html", out, keep_old=True)  # first: see the docstring
        if (stage / "provenance.json").is_file():
            os.replace(stage / "provenance.json", provenance_file(out))
        atomicdir.swap_directory(stage / "doctrees", doctrees, keep_old=True)
    return time.perf_counter() - start


def _seed(mirror: atomicdir.Mirror, served: Path, staged: Path) -> None:
    """Make the staged copy equal to what is served (only differing files are copied)."""
    if served.is_dir():
        mirror.run(served, staged)
    elif staged.exists():  # nothing served yet: build from nothing, not on a failed earlier attempt
        shutil.rmtree(staged, ignore_errors=True)


def _tidy(out: Path, doctrees: Path, stage: Path, clean: bool) -> None:
    """With the lock held: undo what a killed build left, and empty the stage for ``--clean``.

    A kill between the two renames of a swap without exchange leaves no served site but
    a whole old one in ``.html.old-*``: that one is put back; other leftovers go.
    """
    for target in (out, doctrees):
        olds = sorted(out.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
        if olds and not target.exists():
            os.replace(olds.pop(), target)
        for path in [*olds, *out.parent.glob(f".{target.name}.tmp-*")]:
            shutil.rmtree(path, ignore_errors=True)
    if clean:
        shutil.rmtree(stage, ignore_errors=True)
    shutil.rmtree(stage / "trash", ignore_errors=True)  # of a killed build
    stage.mkdir(exist_ok=True)
    (stage / "provenance.json").unlink(missing_ok=True)


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
               f"({manifest['passage_count']} passages en {manifest.get('sentence_count', 0)} zinnen; "
               f"nieuw ingebed: {stats.get('passages_encoded', stats.get('embedded', 0))} passages met hun zinnen; "
               f"embedder {manifest['embedder']['id']})", err=True)
