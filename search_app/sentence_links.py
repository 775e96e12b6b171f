"""Links from an answer sentence to that very sentence on its page, marked.

A citation number in the answer opens the passage the sentence was quoted from. The link
carries the sentence twice, for two kinds of browser:

- a text fragment (``#anchor:~:text=…``, https://wicg.github.io/scroll-to-text-fragment/):
  browsers that know it scroll to the sentence and highlight it themselves, also without
  JavaScript. Short sentences go whole (``text=…``); long ones as their first and last
  words (``text=start,end``), which keeps the address short and still covers the sentence.
  The browser highlights from the *first* place its start words occur on the page to the
  end words after it, so the start words must occur once on the page (pages repeat
  openings such as "De inventarisatie van de tien vraagstukken"): `PageTexts` holds each
  page's text as the index has it, and the start grows word by word until it is unique.
  When no short start is unique, the sentence goes whole;
- the parameter ``markeer`` with the sentence itself: the site's own small script
  (``kbsite/static/kb-markeer.js``) marks it with ``<mark class="kb-markeer">`` and jumps
  there at once, in every browser with JavaScript (with or without text fragments).

A browser that knows neither still opens the page; one without text fragments sees
``#anchor:~:text=…`` as an anchor that does not exist, so the script does the jump.
The sentence is text of the knowledge base, never the question, so nothing a professional
typed ends up in the address.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

#: URL parameter with the sentence to mark (read by kbsite/static/kb-markeer.js).
MARK_PARAM = "markeer"
#: Sentences up to this many characters go whole into the text fragment.
EXACT_MAX_CHARS = 80
#: Words of the sentence's start and end in the ``text=start,end`` form: at least this many,
#: more when needed to be unique, but never more than half the sentence.
TERM_WORDS = 4
_LETTERS = re.compile(r"[^\W_]+")


def _words_key(text: str) -> str:
    """Letters and digits in lower case, one space between words (how the terms are compared)."""
    return " ".join(_LETTERS.findall(text.casefold()))


def _occurrences(term: str, text: str) -> int:
    """0, 1 or 2 (two or more): how often ``term`` occurs in ``text`` as whole words.

    Both are `_words_key` forms (words of letters and digits, one space between), so a word
    boundary is a space or an end: two plain ``str.find`` calls instead of a regular
    expression compiled per term (that cost about 2 ms per answer, measured).
    """
    padded, needle = f" {text} ", f" {term} "
    first = padded.find(needle)
    if first < 0:
        return 0
    return 1 if padded.find(needle, first + 1) < 0 else 2


class PageTexts:
    """The text of every page as the index holds it (headings, texts, quotes in the notes).

    Built once per loaded index from the page fields of the passages; a page's text is
    put together when a link to it is first made (the last pages used are kept).
    """

    CACHE_PAGES = 256

    def __init__(self, passages: Sequence[Mapping[str, Any]], pages: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._passages = passages
        if pages is None:  # the index's passage store has the page fields without decoding texts
            page = getattr(passages, "page", None)
            pages = [page(i) for i in range(len(passages))] if callable(page) else passages
        ids: dict[str, list[int]] = {}
        for i, page in enumerate(pages):
            url = str(page.get("page_url") or str(page.get("url", "")).split("#")[0])
            ids.setdefault(url, []).append(i)
        self._ids = {url: tuple(v) for url, v in ids.items()}
        self.key = lru_cache(maxsize=self.CACHE_PAGES)(self._key)

    def _key(self, page_url: str) -> str:
        parts: list[str] = []
        for i in self._ids.get(page_url, ()):
            passage = self._passages[i]
            parts += [str(passage.get("section", "")), str(passage.get("text", ""))]
            # the source notes on the page quote the studies, often in the sentence's own words
            parts += [str(loc.get("quote", "")) for loc in passage.get("locators") or ()
                      if isinstance(loc, Mapping)]
        return _words_key(" \n ".join(parts))


def fragment_term(text: str) -> str:
    """``text`` percent-encoded for a text directive: also ``-``, ``,`` and ``&`` (its syntax)."""
    return quote(text, safe="").replace("-", "%2D")


def text_directive(sentence: str, page_key: str | None = None) -> str:
    """``text=…`` for ``sentence``: whole when short, ``start,end`` when long.

    ``page_key``: the page's text (`PageTexts.key`); the start words must occur there once
    and the end words once in the sentence. Without it only the whole sentence is safe.
    The full stop at the end is left out: on the page a source note number often sits
    between the last word and the stop ("(Spit e.a., 2016)¹."), which would stop a match.
    """
    words = sentence.rstrip(".!?…").split()
    whole = "text=" + fragment_term(" ".join(words))
    if len(" ".join(words)) <= EXACT_MAX_CHARS or len(words) <= 2 * TERM_WORDS or page_key is None:
        return whole
    sentence_key = _words_key(" ".join(words))
    for n in range(TERM_WORDS, len(words) // 2 + 1):
        start, end = " ".join(words[:n]), " ".join(words[-n:])
        start_key, end_key = _words_key(start), _words_key(end)
        if (start_key and end_key and _occurrences(start_key, page_key) == 1
                and _occurrences(end_key, sentence_key) == 1):
            return f"text={fragment_term(start)},{fragment_term(end)}"
    return whole


def sentence_link(url: str, sentence: str, pages: PageTexts | None = None) -> str:
    """The link (relative to the site, like ``url``) that opens ``url`` at ``sentence``, marked."""
    path, _, anchor = str(url).partition("#")
    text = " ".join(sentence.split())
    page_key = pages.key(path) if pages is not None else None
    return f"{path}?{MARK_PARAM}={quote(text, safe='')}#{anchor}:~:{text_directive(text, page_key)}"
