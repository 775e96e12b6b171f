"""Check that every passage links to an element that exists in the built site.

The search app hands these links to professionals and trainers; a link that lands
on the top of a page instead of the passage is a bug, so `kb build` refuses it.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from kbcore.errors import ContentError

_ID = re.compile(r'\sid="([^"]+)"')


def ids_in(html_file: Path) -> set[str]:
    return set(_ID.findall(html_file.read_text(encoding="utf-8")))


def broken_passage_links(site_dir: Path, passages_file: Path) -> list[str]:
    """URLs in ``passages_file`` whose file or anchor does not exist under ``site_dir``."""
    cache: dict[str, set[str] | None] = {}
    broken = []
    with open(passages_file, encoding="utf-8") as fh:
        for line in fh:
            url = json.loads(line)["url"]
            page, _, anchor = url.partition("#")
            if page not in cache:
                path = site_dir / page
                cache[page] = ids_in(path) if path.is_file() else None
            ids = cache[page]
            if ids is None or (anchor and anchor not in ids):
                broken.append(url)
    return broken


def check_passage_links(site_dir: Path, passages_file: Path) -> int:
    """Raise ContentError naming the broken links; return the number of passages checked."""
    if not passages_file.is_file():
        raise ContentError(f"{passages_file} ontbreekt: de site-build heeft geen passages geschreven")
    broken = broken_passage_links(site_dir, passages_file)
    if broken:
        shown = "\n  ".join(broken[:20])
        raise ContentError(f"{len(broken)} passagelink(s) wijzen niet naar een bestaand anker:\n  {shown}")
    return passage_count(passages_file)


def passage_count(passages_file: Path) -> int:
    """Lines of ``passages.jsonl``: one passage each."""
    with open(passages_file, encoding="utf-8") as fh:
        return sum(1 for _ in fh)
