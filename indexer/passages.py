"""Reading the site build's passages.jsonl, strictly, with messages that name the line.

The indexer only reads what the site build wrote; a broken file must stop the build
before anything is replaced, and the message must say which line and what to do.
Also decides which text of a passage is embedded and which is counted by BM25.
"""
from __future__ import annotations

import json
from pathlib import Path

from kbcore.errors import ContentError

#: A passages file larger than this is refused rather than read into memory: the real
#: knowledge base writes about a megabyte; this is a runaway build, not content.
MAX_PASSAGES_BYTES = 256 * 1024 * 1024

REQUIRED_TEXT_FIELDS = ("id", "url", "title", "text")
LIST_FIELDS = ("themes", "laws", "sources", "theme_labels", "law_labels", "section_path")
_REBUILD_HINT = "voer `kb build` uit om de site en passages.jsonl opnieuw te maken"


def read_passages(path: Path) -> tuple[list[dict], bytes]:
    """Parse and check ``path``; returns the passages and the raw bytes (for the content hash)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ContentError(f"{path} bestaat niet; {_REBUILD_HINT}") from None
    if size > MAX_PASSAGES_BYTES:
        raise ContentError(
            f"{path} is {size // (1024 * 1024)} MB, meer dan de grens van "
            f"{MAX_PASSAGES_BYTES // (1024 * 1024)} MB; controleer de site-build (kb/) en {_REBUILD_HINT}")
    raw = path.read_bytes()
    passages: list[dict] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(
                f"{path}, regel {lineno}: geen geldige UTF-8 (byte {exc.start + 1}); "
                f"sla de bronpagina op als UTF-8 en {_REBUILD_HINT}") from None
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContentError(f"{path}, regel {lineno}: geen geldige JSON ({exc.msg}); {_REBUILD_HINT}") from None
        passage = _check_passage(obj, path, lineno)
        if passage["id"] in seen:
            raise ContentError(
                f"{path}, regel {lineno}: id '{passage['id']}' staat ook op regel {seen[passage['id']]}; "
                "elke passage heeft een eigen id nodig (controleer de labels in kb/)")
        seen[passage["id"]] = lineno
        passages.append(passage)
    if not passages:
        raise ContentError(f"{path} bevat geen passages; controleer of kb/ pagina's met secties heeft en {_REBUILD_HINT}")
    return passages, raw


def _check_passage(obj: object, path: Path, lineno: int) -> dict:
    where = f"{path}, regel {lineno}"
    if not isinstance(obj, dict):
        raise ContentError(f"{where}: verwacht een JSON-object per regel; {_REBUILD_HINT}")
    for field in REQUIRED_TEXT_FIELDS:
        value = obj.get(field)
        if not isinstance(value, str) or (field != "text" and not value.strip()):
            raise ContentError(f"{where}: veld '{field}' ontbreekt of is geen tekst; {_REBUILD_HINT}")
    for field in LIST_FIELDS:
        value = obj.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ContentError(f"{where}: veld '{field}' moet een lijst met teksten zijn; {_REBUILD_HINT}")
    passage = dict(obj)
    for field in LIST_FIELDS:
        passage.setdefault(field, [])
    passage.setdefault("section", passage["title"])
    passage.setdefault("page_type", "")
    if not isinstance(passage["section"], str) or not isinstance(passage["page_type"], str):
        raise ContentError(f"{where}: 'section' en 'page_type' moeten tekst zijn; {_REBUILD_HINT}")
    return passage


def heading(passage: dict) -> str:
    """Title and section path as one line: "Titel › Sectie" (the section already starts with the title)."""
    section = passage.get("section") or ""
    title = passage["title"]
    return section if section.startswith(title) else f"{title} › {section}" if section else title


def embedding_text(passage: dict) -> str:
    """What the dense model reads: the heading path gives a short passage its subject."""
    return f"{heading(passage)}\n{passage['text']}"


def lexical_text(passage: dict) -> str:
    """What BM25 counts: heading path and text (titles carry the words people search for)."""
    return f"{heading(passage)}\n{passage['text']}"
