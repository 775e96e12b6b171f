"""Paragraph ids in the page source: find them, add missing ones, check them against the registry.

A paragraph or list item gets a permanent anchor written at the end of its (first) paragraph
in the Markdown source, as ``^p-k3x9a``; the build removes the marker from the text and puts
the id on the ``<p>`` or ``<li>``. Because the id lives in the source, it stays with the text
when the paragraph is reworded or others are inserted around it.

An id is never given to other text on the same page. ``kb/_data/alinea-ids.yaml`` (written
by `kb alinea-ids`, committed with the pages) remembers every id ever issued on each page,
with a fingerprint of its text: a small set of hashed word stems. The build compares the
text under each id with that fingerprint; a rewording keeps many stems, other text keeps
almost none. `kb alinea-ids` never issues an id that is in the registry, even one whose
paragraph was deleted.

Pure functions of the source text, so the `kb` command and the Sphinx extension (and tests)
find the same paragraphs with the same parser settings as the site build (MyST's
markdown-it configuration with the extensions of conf.py).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import yaml

#: MyST syntax extensions of the site (conf.py ``myst_enable_extensions``; a test keeps them equal).
MYST_EXTENSIONS = ("colon_fence", "deflist")
#: Directives whose content is Markdown with paragraphs of its own.
MARKDOWN_DIRECTIVES = {"redactie", "verwijzingen", "note", "tip", "hint", "important", "warning", "attention",
                       "caution", "danger", "error", "seealso", "admonition", "topic", "div"}
REGISTRY_FILE = "kb/_data/alinea-ids.yaml"

ID_PATTERN = r"p-[a-z0-9]+(?:-[a-z0-9]+)*"
#: The marker at the very end of a paragraph (after any role such as {bron}).
END_MARKER = re.compile(r"(?:^|(?<=\s))\^(" + ID_PATTERN + r")\s*$")
#: A marker anywhere (to report one that is not at the end).
ANY_MARKER = re.compile(r"(?:^|(?<=\s))\^(" + ID_PATTERN + r")(?![a-z0-9-])")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 5

#: Stems kept per fingerprint (a bottom-k sketch: the k smallest hashes).
SKETCH_SIZE = 24
#: Below this (estimated Jaccard) similarity the text under an id counts as other text.
OTHER_TEXT_BELOW = 0.2
_WORD = re.compile(r"[^\W_]+")
_ROLE_TARGET = re.compile(r"^(.*?)\s*<[^<>]+>\s*$", re.S)
#: Roles that add no words to the paragraph (the lead's source locator).
SILENT_ROLES = {"bron"}


@dataclass
class Paragraph:
    """One paragraph or list item of a page source (lines are 0-based, ``end`` exclusive)."""

    kind: str  # "alinea" or "lijstpunt"
    start: int
    end: int
    text: str  # plain words, markup and marker removed
    id: str | None = None

    @property
    def last_line(self) -> int:
        return self.end - 1

    @property
    def line(self) -> int:
        """1-based line of the marker (the paragraph's last line), for messages."""
        return self.end


@dataclass
class RegistryEntry:
    fingerprint: list[str]
    begin: str  # the first words, so a person reading the file sees which text it was

    def to_yaml(self) -> str:
        return "{v: %s, tekst: %s}" % (json.dumps(" ".join(self.fingerprint)),
                                       json.dumps(self.begin, ensure_ascii=False))


Registry = dict[str, dict[str, RegistryEntry]]


# -- parsing -----------------------------------------------------------------------------

def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions=set(MYST_EXTENSIONS)), RendererHTML)


_PARSER = None


def _tokens(text: str) -> list[Any]:
    global _PARSER
    if _PARSER is None:
        _PARSER = _parser()
    return _PARSER.parse(text)


def plain_text(inline: Any) -> str:
    """The words a reader sees in an inline token: text, link texts, role texts; no marker."""
    words: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            words.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            words.append(" ")
        elif child.type == "image":
            words.append(child.content or "")
        elif child.type == "myst_role":
            if child.meta.get("name") in SILENT_ROLES:
                continue
            shown = _ROLE_TARGET.match(child.content)
            words.append(shown.group(1) if shown else child.content)
    text = re.sub(r"\s+", " ", "".join(words)).strip()
    return END_MARKER.sub("", text).strip()


def _directive(token: Any) -> str | None:
    match = re.match(r"\{([\w:-]+)\}", token.info.strip())
    return match.group(1) if match else None


def _directive_body(content: str) -> tuple[str, int]:
    """Directive content without its options; returns the body and its first line offset."""
    lines = content.split("\n")
    skip = 0
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                skip = i + 1
                break
    else:
        while skip < len(lines) and re.match(r"^:[\w-]+:", lines[skip]):
            skip += 1
    return "\n".join(lines[skip:]), skip


def _walk(tokens: list[Any], offset: int, lines: list[str]) -> Iterator[Paragraph]:
    depth = 0  # list items we are inside
    first_para_pending: list[bool] = []
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            depth += 1
            first_para_pending.append(True)
        elif token.type == "list_item_close":
            depth -= 1
            first_para_pending.pop()
        elif token.type == "paragraph_open" and token.map:
            inline = tokens[i + 1]
            if depth and first_para_pending[-1]:
                first_para_pending[-1] = False
                kind = "lijstpunt"
            elif depth:
                continue  # a further paragraph of a list item: the item is the unit
            else:
                kind = "alinea"
            start, end = token.map[0] + offset, token.map[1] + offset
            # markdown-it counts a paragraph up to the next block; trailing blank lines are not its text
            while end - 1 > start and not lines[end - 1].strip():
                end -= 1
            marker = END_MARKER.search(lines[end - 1]) if end - 1 < len(lines) else None
            yield Paragraph(kind, start, end, plain_text(inline), marker.group(1) if marker else None)
        elif token.type in ("colon_fence", "fence") and token.map and _directive(token) in MARKDOWN_DIRECTIVES:
            if depth:
                # inside a list item the item is the unit; an item that opens with a
                # directive has no paragraph end to carry its marker
                first_para_pending[-1] = False
                continue
            body, skipped = _directive_body(token.content)
            yield from _walk(_tokens(body), offset + token.map[0] + 1 + skipped, lines)


def find_paragraphs(source: str) -> list[Paragraph]:
    """Every paragraph and list item of a page source, in order, with its id if it has one."""
    return list(_walk(_tokens(source), 0, source.split("\n")))


# -- fingerprints -------------------------------------------------------------------------

def fingerprint(text: str, size: int = SKETCH_SIZE) -> list[str]:
    """A bottom-k sketch of the text's word stems (words of four letters or more, or numbers).

    A stem is the first six letters: crude, but enough for Dutch inflection ("wijkteams",
    "wijkteam") and stable across Python versions and machines (sha1, not ``hash``).
    """
    stems = {w[:6] for w in _WORD.findall(text.lower()) if len(w) >= 4 or w.isdigit()}
    hashes = sorted({hashlib.sha1(s.encode("utf-8")).hexdigest()[:4] for s in stems})
    return hashes[:size]


def similarity(a: list[str], b: list[str], size: int = SKETCH_SIZE) -> float:
    """Estimated Jaccard similarity of two sketches (exact when both texts are short)."""
    if not a and not b:
        return 1.0
    union = sorted(set(a) | set(b))[:size]
    both = set(a) & set(b)
    return sum(1 for h in union if h in both) / len(union)


def _begin(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def entry_for(text: str) -> RegistryEntry:
    return RegistryEntry(fingerprint(text), _begin(text))


# -- new ids ------------------------------------------------------------------------------

def new_id(docname: str, text: str, taken: set[str]) -> str:
    """A short id derived from the page and the text, avoiding every id in ``taken``.

    Derived, not random: the same source gives the same ids on every machine.
    """
    for attempt in range(10_000):
        digest = hashlib.sha1(f"{docname}\n{text}\n{attempt}".encode("utf-8")).digest()
        number = int.from_bytes(digest[:8], "big")
        chars = []
        for _ in range(ID_LENGTH):
            number, rest = divmod(number, len(_ALPHABET))
            chars.append(_ALPHABET[rest])
        candidate = "p-" + "".join(chars)
        if candidate not in taken:
            return candidate
    raise RuntimeError("no free paragraph id")  # 36**5 ids; a page has a few hundred


def add_missing_ids(source: str, docname: str, issued: set[str]) -> tuple[str, list[Paragraph]]:
    """Return the source with a marker added to every paragraph and list item that lacks one.

    ``issued`` holds the ids ever issued on this page (the registry); none of them is reused.
    The returned paragraphs are the ones that got a new id.
    """
    lines = source.split("\n")
    paragraphs = find_paragraphs(source)
    taken = set(issued) | {p.id for p in paragraphs if p.id}
    added = []
    for para in paragraphs:
        if para.id is not None or para.last_line >= len(lines):
            continue
        para.id = new_id(docname, para.text, taken)
        taken.add(para.id)
        lines[para.last_line] = lines[para.last_line].rstrip() + f" ^{para.id}"
        added.append(para)
    return "\n".join(lines), added


# -- checks -------------------------------------------------------------------------------

@dataclass
class IdProblem:
    line: int  # 1-based
    message: str


def check_ids(paragraphs: list[Paragraph], known: dict[str, RegistryEntry] | None) -> list[IdProblem]:
    """Ids used twice on the page, or given to other text than the registry remembers."""
    problems: list[IdProblem] = []
    first_line: dict[str, int] = {}
    for para in paragraphs:
        if para.id is None:
            continue
        if para.id in first_line:
            problems.append(IdProblem(para.line, f"alinea-id '{para.id}' staat al op regel {first_line[para.id]} van "
                                      "deze pagina; een id hoort bij één alinea: haal '^" + para.id + "' hier weg "
                                      "en voer `kb alinea-ids` uit voor een nieuw id"))
            continue
        first_line[para.id] = para.line
        entry = (known or {}).get(para.id)
        if entry is not None and similarity(entry.fingerprint, fingerprint(para.text)) < OTHER_TEXT_BELOW:
            problems.append(IdProblem(para.line, f"alinea-id '{para.id}' hoorde bij andere tekst (‘{entry.begin}’); "
                                      "een id wordt nooit voor andere tekst gebruikt: haal '^" + para.id + "' weg "
                                      "en voer `kb alinea-ids` uit, of, als dit dezelfde alinea in nieuwe woorden is, "
                                      f"`kb alinea-ids --herschreven <pagina>#{para.id}`"))
    return problems


@dataclass
class PageUpdate:
    """What `kb alinea-ids` does to one page."""

    docname: str
    added: list[Paragraph] = field(default_factory=list)
    problems: list[IdProblem] = field(default_factory=list)
    total: int = 0
    with_id: int = 0
    new_source: str | None = None


def update_page(source: str, docname: str, registry: Registry, rewritten: set[str] = frozenset(),
                add: bool = True) -> PageUpdate:
    """Check a page, add missing ids (``add``) and bring its registry entries up to date.

    Registry entries follow gradual rewording (the fingerprint is renewed while the text is
    still similar); an id in ``rewritten`` takes its new text whatever the similarity.
    """
    known = registry.setdefault(docname, {})
    paragraphs = find_paragraphs(source)
    forced = {p.id for p in paragraphs if p.id in rewritten}
    checked = [p for p in paragraphs if p.id not in forced]
    update = PageUpdate(docname, problems=check_ids(checked, known))
    if add and not update.problems:
        new_source, update.added = add_missing_ids(source, docname, set(known))
        if update.added:
            update.new_source = new_source
            paragraphs = find_paragraphs(new_source)
    if not update.problems:  # a page with a problem changes nothing, not even the registry
        for para in paragraphs:
            if para.id:
                known[para.id] = entry_for(para.text)
    update.total = len(paragraphs)
    update.with_id = sum(1 for p in paragraphs if p.id)
    return update


# -- the registry file --------------------------------------------------------------------

_HEADER = ("# Alinea-ids per pagina, bijgehouden door `kb alinea-ids`; niet met de hand bewerken.\n"
           "# Elk id dat ooit op een pagina is uitgegeven blijft hier staan (ook als de alinea weg is),\n"
           "# met een vingerafdruk (v) van de tekst, zodat het nooit voor andere tekst wordt gebruikt.\n")


class RegistryError(ValueError):
    """The registry file cannot be read."""


def load_registry(path: Path) -> Registry:
    """The registry, or an empty one when the file does not exist (no ids issued yet)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: kan het register van alinea-ids niet lezen: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: verwacht per pagina een lijst van ids")
    registry: Registry = {}
    for docname, ids in data.items():
        if not isinstance(ids, dict):
            raise RegistryError(f"{path}: pagina '{docname}' moet ids met hun vingerafdruk bevatten")
        page = registry.setdefault(str(docname), {})
        for pid, value in ids.items():
            if not isinstance(value, dict) or not isinstance(value.get("v", ""), str):
                raise RegistryError(f"{path}: id '{pid}' van '{docname}' heeft geen geldige vingerafdruk")
            page[str(pid)] = RegistryEntry(str(value.get("v", "")).split(), str(value.get("tekst", "")))
    return registry


def registry_text(registry: Registry) -> str:
    out = [_HEADER]
    for docname in sorted(registry):
        if not registry[docname]:
            continue
        out.append(f"{docname}:\n")
        for pid in sorted(registry[docname]):
            out.append(f"  {pid}: {registry[docname][pid].to_yaml()}\n")
    return "".join(out)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a sibling temporary file: never half a file."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
