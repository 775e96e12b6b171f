"""Test support for citations, paragraph ids and course packs: the tiny site with ids.

`with_ids` copies tests/roots/test-kbsite, lets `kb alinea-ids`'s own function give every
paragraph and list item an id, optionally edits files, and builds the site. ``BRON_PAGE`` is
a page whose finding carries a source locator ({bron}, checked against the root's seeds), so
its "bron" note shows in the HTML as on real pages.
"""
from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

from sphinx.testing.util import SphinxTestApp

from kbsite.paragraph_ids import REGISTRY_FILE, load_registry, registry_text, update_page

ROOT = Path(__file__).parent / "roots" / "test-kbsite"

BRON_PAGE = """---
type: praktijkvoorbeeld
themes: [regie]
sources: [gilsing-hermens-2016, windesheim-2016]
summary: Een voorbeeld met bronvermeldingen bij de bevindingen.
---

(basisvoorzieningen)=
# Basisvoorzieningen in Tiel

(basisvoorzieningen-bevinding)=
## Wat de evaluatie vond

Volgens de evaluatie was de regie in Tiel niet altijd duidelijk. {bron}`gilsing-hermens-2016: de regie niet altijd duidelijk is`

Een tweede alinea zonder bron, over het werk van de teams in de wijk.
"""

def add_ids(src: Path) -> None:
    """What `kb alinea-ids` does, on a copy: ids into every kb page, and the registry."""
    registry_path = src / REGISTRY_FILE
    registry = load_registry(registry_path)
    for page in sorted((src / "kb").rglob("*.md")):
        docname = page.relative_to(src).with_suffix("").as_posix()
        update = update_page(page.read_text(encoding="utf-8"), docname, registry)
        assert not update.problems, update.problems
        if update.new_source is not None:
            page.write_text(update.new_source, encoding="utf-8")
    registry_path.write_text(registry_text(registry), encoding="utf-8")


def copy_root(tmp: Path, files: dict[str, str | None] | None = None, ids: bool = True) -> Path:
    src = tmp / "src"
    shutil.copytree(ROOT, src)
    for rel, content in (files or {}).items():
        path = src / rel
        if content is None:
            path.unlink()
        else:
            path.write_text(content, encoding="utf-8")
    if ids:
        add_ids(src)
    return src


def build(src: Path, fresh: bool = True, confoverrides: dict | None = None) -> SphinxTestApp:
    app = SphinxTestApp("html", srcdir=src, builddir=src.parent / "_build", freshenv=fresh,
                        status=StringIO(), warning=StringIO(), confoverrides=confoverrides or {})
    app.build()
    return app


def with_ids(tmp: Path, files: dict[str, str | None] | None = None, **kwargs) -> SphinxTestApp:
    return build(copy_root(tmp, files), **kwargs)


def html(app: SphinxTestApp, docname: str) -> str:
    return (Path(app.outdir) / f"{docname}.html").read_text(encoding="utf-8")
