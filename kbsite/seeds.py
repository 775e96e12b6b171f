"""The source texts (``../shared/seeds/*.txt``) and finding a quote in them.

A locator on a page quotes the source's own words; the build checks each quote against
the text it names. The texts were extracted from PDFs and web pages, so both sides are
brought to one canonical form first: white space collapsed, words split by a hyphen at a
line end joined again (and, because some of those hyphens are real, the form with the
hyphen kept is tried too), the OCR slips listed in the seeds' README undone (``1k`` for
*ik*, a stray ``Qe``, ``é`` for ``ë``: accents are folded on both sides), typographic
quotes and dashes unified and quotation marks ignored. Case is ignored, so a quote may
start with a capital where the source continues a sentence. ``…`` (or ``...``, ``[…]``)
in a quote marks words left out: the parts must occur in order, close together.

Pure Python, no Sphinx: the extension and the tests use it alike.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

#: Words left out of a quote: the parts around the gap must lie at most this far apart.
MAX_GAP_CHARS = 400
_GAP = re.compile(r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*")
_HYPHEN_AT_END = re.compile(r"(?<=\w)-[ \t]*\n\s*(?=\w)")
_OCR = ((re.compile(r"\b1k\b"), "ik"), (re.compile(r"(?<!\w)Qe(?!\w)"), ""))
_DROP = {"'", '"', "‘", "’", "‚", "‛", "“", "”", "„", "‟", "«", "»", "\u00ad", "\u200b"}
_DASHES = {"–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-"}
_HEADING_MAX_CHARS = 90


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote was found: the seed file, the line it starts on and its section heading."""

    seed: str
    line: int
    heading: str | None


def _sub(pattern: re.Pattern[str], repl: str, text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``pattern.sub(repl, text)`` that keeps, for every output character, its source offset."""
    out: list[str] = []
    pos: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(text[last:match.start()])
        pos.extend(offsets[last:match.start()])
        out.append(repl)
        pos.extend([offsets[match.start()] if match.start() < len(offsets) else len(offsets)] * len(repl))
        last = match.end()
    out.append(text[last:])
    pos.extend(offsets[last:])
    return "".join(out), pos


#: How a hyphen at a line end is read: a word split in two ("wor-/den"), a compound left open
#: ("jeugd-/en gezinsteams" for "jeugd- en gezinsteams"), or a hyphenated word ("e-/mail").
HYPHEN_READINGS = ("", "- ", "-")


def canonical(text: str, hyphen: str = "", offsets: list[int] | None = None) -> tuple[str, list[int]]:
    """The canonical form of ``text`` and, per character, its offset in ``text``.

    ``hyphen`` replaces a hyphen at a line end (one of HYPHEN_READINGS).
    """
    offsets = list(range(len(text))) if offsets is None else offsets
    text, offsets = _sub(_HYPHEN_AT_END, hyphen, text, offsets)
    for pattern, repl in _OCR:
        text, offsets = _sub(pattern, repl, text, offsets)
    out: list[str] = []
    pos: list[int] = []
    space = True  # drop leading white space
    for ch, off in zip(text, offsets):
        if ch in _DROP:
            continue
        ch = _DASHES.get(ch, ch)
        if ch.isspace():
            if not space:
                out.append(" ")
                pos.append(off)
            space = True
            continue
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.combining(part):
                continue
            for low in part.lower():
                out.append(low)
                pos.append(off)
        space = False
    if out and out[-1] == " ":
        out.pop()
        pos.pop()
    return "".join(out), pos


def quote_parts(quote: str) -> list[str]:
    """The canonical parts of a quote, split where it marks words left out."""
    return [part for part in (canonical(p)[0] for p in _GAP.split(quote)) if part]


def quote_words(quote: str) -> int:
    """Number of words the quote takes from the source (gap marks not counted)."""
    return sum(len(part.split()) for part in quote_parts(quote))


def _is_heading(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not (2 < len(line) <= _HEADING_MAX_CHARS) or line[-1] in ".,;:-" or not line[0].isupper():
        return False
    if not any(c.isalpha() for c in line) or len(line.split()) > 12:
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return not before and not after


def _short(line: str) -> bool:
    line = line.strip()
    return bool(line) and len(line) <= _HEADING_MAX_CHARS and line[-1] not in ".,;:"


def _headings(lines: list[str]) -> list[tuple[int, str]]:
    """Section headings: short lines standing alone; a run of questions is a list, not headings.

    The inventory lists its ten questions as separate short lines; without this rule the
    list's items would pass for section headings of the text that follows.
    """
    found = []
    for i in range(len(lines)):
        if not _is_heading(lines, i):
            continue
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        nxt = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].strip()), "")
        question = lines[i].strip().endswith("?")
        if question and any(_short(other) and other.strip().endswith("?") for other in (prev, nxt)):
            continue
        found.append((i, lines[i].strip()))
    return found


class SeedText:
    """One source text, in canonical form (once per reading of a hyphen at a line end)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.forms = [canonical(text, hyphen) for hyphen in HYPHEN_READINGS]
        lines = text.split("\n")
        self._line_starts: list[int] = []
        offset = 0
        for line in lines:
            self._line_starts.append(offset)
            offset += len(line) + 1
        self._headings = _headings(lines)

    def line_of(self, offset: int) -> int:
        """1-based line number of a character offset."""
        lo, hi = 0, len(self._line_starts)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1

    def heading_before(self, line: int) -> str | None:
        """The last heading above ``line`` (1-based), or None at the top of the text."""
        found = None
        for index, heading in self._headings:
            if index + 1 >= line:
                break
            found = heading
        return found

    def find(self, quote: str) -> QuoteMatch | None:
        """Where ``quote`` occurs, or None; parts split by a gap mark must follow closely."""
        parts = quote_parts(quote)
        if not parts:
            return None
        for canon, offsets in self.forms:
            start = canon.find(parts[0])
            while start != -1:
                end = start + len(parts[0])
                ok = True
                for part in parts[1:]:
                    nxt = canon.find(part, end)
                    if nxt == -1 or nxt - end > MAX_GAP_CHARS:
                        ok = False
                        break
                    end = nxt + len(part)
                if ok:
                    line = self.line_of(offsets[start])
                    return QuoteMatch(self.name, line, self.heading_before(line))
                start = canon.find(parts[0], start + 1)
        return None


class SeedLibrary:
    """The source texts in one directory, read lazily, by file name."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._texts: dict[str, SeedText | None] = {}

    @property
    def present(self) -> bool:
        return self.directory.is_dir() and any(self.directory.glob("*.txt"))

    def get(self, name: str) -> SeedText | None:
        """The text called ``name``, or None when the file is missing or unreadable."""
        if name not in self._texts:
            path = self.directory / name
            try:
                self._texts[name] = SeedText(name, path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self._texts[name] = None
        return self._texts[name]

    def fingerprint(self) -> str:
        """A hash of every text, so a changed source makes the build check all quotes again."""
        digest = hashlib.sha256()
        if self.directory.is_dir():
            for path in sorted(self.directory.glob("*.txt")):
                digest.update(path.name.encode())
                try:
                    digest.update(path.read_bytes())
                except OSError:
                    digest.update(b"-")
        return digest.hexdigest()
