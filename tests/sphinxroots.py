"""Build a copy of the tiny site root, optionally with edited files, for extension tests."""
from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

from sphinx.testing.util import SphinxTestApp

ROOT = Path(__file__).parent / "roots" / "test-kbsite"


def build_root(tmp: Path, files: dict[str, str | bytes | None] | None = None) -> SphinxTestApp:
    """Copy the root to ``tmp``, write/delete ``files`` (relative path -> text, bytes or None), build."""
    src = tmp / "src"
    shutil.copytree(ROOT, src)
    for rel, content in (files or {}).items():
        path = src / rel
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    app = SphinxTestApp("html", srcdir=src, builddir=tmp / "_build", freshenv=True,
                        status=StringIO(), warning=StringIO())
    app.build()
    return app
