"""`kb alinea-ids`: give every paragraph and list item of the knowledge base a permanent id.

Adds a ``^p-…`` marker at the end of each paragraph or list item that has none, and keeps
the registry ``kb/_data/alinea-ids.yaml`` (every id ever issued per page, with a fingerprint
of its text) up to date. A page with a problem (an id used twice, or an id now under other
text) is not changed; the command names it and exits 1. Pages are written atomically.
"""
from __future__ import annotations

from pathlib import Path

import click

from kbcore.errors import ContentError
from kbcore.settings import Settings
from kbsite.paragraph_ids import (REGISTRY_FILE, PageUpdate, RegistryError, load_registry, registry_text,
                                  update_page, write_atomically)


def _pages(root: Path, paths: tuple[str, ...]) -> list[Path]:
    kb = root / "kb"
    chosen: list[Path] = []
    for raw in paths or (str(kb),):
        path = Path(raw)
        if not path.is_absolute():
            path = (Path.cwd() / path) if (Path.cwd() / path).exists() else root / path
        if path.is_dir():
            chosen += sorted(p for p in path.rglob("*.md") if "_data" not in p.relative_to(path).parts)
        elif path.is_file() and path.suffix == ".md":
            chosen.append(path)
        else:
            raise click.UsageError(f"'{raw}' is geen pagina (.md) of map onder kb/")
        if not path.resolve().is_relative_to(kb.resolve()):
            raise click.UsageError(f"'{raw}' ligt niet onder {kb}: alleen pagina's van de kennisbank krijgen alinea-ids")
    return chosen


def _rewritten(values: tuple[str, ...]) -> dict[str, set[str]]:
    """``pagina#p-id`` → {docname: {ids}}; the page may be a docname, file or label-less path."""
    out: dict[str, set[str]] = {}
    for value in values:
        page, sep, pid = value.partition("#")
        if not sep or not pid.startswith("p-"):
            raise click.UsageError(f"--herschreven '{value}': geef pagina#id, bijvoorbeeld "
                                   "kb/aanbevelingen/regierol-wijkteam#p-k3x9a")
        docname = page.removesuffix(".md").removesuffix(".html").lstrip("/")
        out.setdefault(docname, set()).add(pid)
    return out


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") if whole else "100,0"


@click.command("alinea-ids")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--controleer", is_flag=True,
              help="Niets veranderen: tel de ids en meld problemen (exit 1 bij een probleem).")
@click.option("--herschreven", multiple=True, metavar="PAGINA#ID",
              help="Deze alinea is herschreven maar is dezelfde alinea: neem de nieuwe tekst aan (herhaalbaar).")
@click.pass_obj
def alinea_ids(settings: Settings, paths: tuple[str, ...], controleer: bool, herschreven: tuple[str, ...]) -> None:
    """Geef elke alinea en elk lijstpunt van de kennisbank een vast id (^p-…).

    Zonder PADEN: alle pagina's onder kb/. Een id staat aan het eind van de alinea in de
    bron en blijft bij de tekst, ook als je die herformuleert of er alinea's omheen zet.
    """
    root = Path(settings.source_dir)
    if not (root / "kb").is_dir():
        raise ContentError(f"geen map kb/ in {root.resolve()}: voer het commando uit in de projectmap of zet KB_SOURCE_DIR")
    registry_path = root / REGISTRY_FILE
    try:
        registry = load_registry(registry_path)
    except RegistryError as exc:
        raise ContentError(str(exc)) from None
    forced = _rewritten(herschreven)
    updates: list[tuple[Path, PageUpdate]] = []
    for path in _pages(root, paths):
        docname = path.resolve().relative_to(root.resolve()).with_suffix("").as_posix()
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ContentError(f"{path}: kan de pagina niet lezen ({exc})") from None
        updates.append((path, update_page(source, docname, registry, forced.pop(docname, set()), add=not controleer)))
    if forced:
        raise click.UsageError(f"--herschreven: pagina '{next(iter(forced))}' hoort niet bij de gekozen pagina's")
    problems = [(path, p) for path, u in updates for p in u.problems]
    for path, problem in problems:
        click.echo(f"{path}:{problem.line}: {problem.message}", err=True)
    if not controleer:
        changed = [(path, u) for path, u in updates if u.new_source is not None]
        for path, update in changed:
            write_atomically(path, update.new_source)  # type: ignore[arg-type]
        registry_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(registry_path, registry_text(registry))
        added = sum(len(u.added) for _, u in changed)
        click.echo(f"{added} id's toegevoegd op {len(changed)} pagina's; register: {registry_path}", err=True)
    total = sum(u.total for _, u in updates)
    with_id = sum(u.with_id for _, u in updates)
    click.echo(f"{len(updates)} pagina's: {with_id} van {total} alinea's en lijstpunten hebben een id "
               f"({_percent(with_id, total)}%)", err=True)
    if problems:
        raise ContentError(f"{len(problems)} probleem/problemen met alinea-ids (hierboven); "
                           "die pagina's zijn niet veranderd")
