"""Which sentences of a page say what a study found: they cite it by author and year or by name.

The provenance check asks every such sentence to have a source locator in its paragraph.
A citation is recognised in three forms, the ones our pages use:

- author and year: ``Kluft (2016)``, ``Van Hoof e.a. (2015)``, ``Gilsing en Hermens (2016)``;
- in parentheses: ``(Engbersen e.a., 2021)``, ``(Movisie, NJi & Vilans, 2016)``;
- by name: the title of a study in the bibliography (``Krachten in de wijk gebundeld``) or one
  of the names an entry lists under ``names`` (``de Rekenkamer``, ``het Zwolse onderzoek``).

Pure Python, no Sphinx, so it is tested on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

_YEAR = r"(?:(?:19|20)\d\d[a-z]?|z\.d\.)"
#: "Kluft (2016)", "Van Hoof e.a. (2015)", "Schoorl (2016)" in "Van Arum en Schoorl (2016)".
_AUTHOR_YEAR = re.compile(rf"\b[A-Z][\w'’-]+(?:\s+e\.a\.)?,?\s+\({_YEAR}(?:[,;][^()]*)?\)")
#: "(Engbersen e.a., 2021)", "(Gilsing & Hermens, 2016; Spit, 2016)": a capital, a comma, a year.
_PARENTHESISED = re.compile(rf"\([^()]*?[A-Z][^()]*?,\s*{_YEAR}[^()]*\)")
#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = ("e.a.", "o.a.", "bijv.", "bv.", "d.w.z.", "m.n.", "t.a.v.", "i.p.v.", "z.d.", "nr.",
                 "mw.", "dhr.", "mevr.", "drs.", "dr.", "prof.", "ca.", "jl.", "resp.", "incl.", "excl.",
                 "etc.", "evt.", "vgl.", "p.", "pp.", "blz.", "art.", "lid.", "e.d.", "enz.", "i.s.m.")
_SPLIT = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9À-Ý])")


@dataclass(frozen=True)
class Citation:
    """One citation found in a sentence: the words that cite, and how they were recognised."""

    text: str
    kind: str  # "auteur-jaar", "tussen haakjes" or "naam"


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``: split after . ! ? … followed by a capital, not after an abbreviation.

    A question mark inside a title in italics or quotes ("Wat belemmert en helpt wijkteams?")
    followed by a parenthesis or a lower-case word does not end the sentence either.
    """
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for match in _SPLIT.finditer(text):
        head = text[start:match.start()].rstrip()
        words = head.split()
        last = words[-1].lower() if words else ""
        if last.endswith(ABBREVIATIONS) or re.fullmatch(r"[a-z]\.", last) or re.fullmatch(r"\d+\.", last):
            continue
        # The split point lies after closing quotes/brackets: keep them with this sentence.
        out.append(text[start:match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def _title_pattern(title: str) -> re.Pattern[str] | None:
    """A pattern for the leading words of a study title (at least three words, up to six)."""
    title = title.strip()
    if not title or title.startswith("["):
        return None
    words = re.findall(r"[\w'’()-]+", title.split(":")[0])
    if len(words) < 3:
        return None
    return _words_pattern(words[:6], exact=True)


def _words_pattern(words: list[str], exact: bool = False) -> re.Pattern[str]:
    """The words in order, case as written; unless ``exact``, the first letter either case.

    A title is cited with its capital ("*Doen wat nodig is*"), which keeps "teams die doen wat
    nodig is" from counting; a name may start a sentence ("Het Zwolse onderzoek").
    """
    first = words[0]
    head = re.escape(first) if exact else (
        f"[{re.escape(first[0].upper())}{re.escape(first[0].lower())}]{re.escape(first[1:])}")
    rest = [re.escape(w) for w in words[1:]]
    return re.compile(r"\b" + r"\W+".join([head] + rest) + r"(?!\w)")


class CitationFinder:
    """Finds citations of studies in sentences, with the names taken from the bibliography."""

    def __init__(self, bibliography: dict[str, dict[str, Any]]) -> None:
        self.names: list[tuple[re.Pattern[str], str]] = []
        for key, entry in bibliography.items():
            pattern = _title_pattern(str(entry.get("title") or ""))
            if pattern is not None:
                self.names.append((pattern, key))
            for name in entry.get("names") or []:
                words = str(name).split()
                if words:
                    self.names.append((_words_pattern(words), key))

    def find(self, sentence: str) -> list[Citation]:
        """Every citation in ``sentence``, in order of appearance."""
        found: list[tuple[int, Citation]] = []
        for match in _PARENTHESISED.finditer(sentence):
            found.append((match.start(), Citation(match.group(0), "tussen haakjes")))
        for match in _AUTHOR_YEAR.finditer(sentence):
            if not any(start <= match.start() < start + len(c.text) for start, c in found):
                found.append((match.start(), Citation(match.group(0), "auteur-jaar")))
        for pattern, _key in self.names:
            for match in pattern.finditer(sentence):
                found.append((match.start(), Citation(match.group(0), "naam")))
        return [c for _, c in sorted(found, key=lambda item: item[0])]

    def citing_sentences(self, text: str) -> Iterable[tuple[str, list[Citation]]]:
        """The sentences of ``text`` that cite a study, each with its citations."""
        for sentence in split_sentences(text):
            citations = self.find(sentence)
            if citations:
                yield sentence, citations
