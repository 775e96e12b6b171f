"""APA 7 references in Dutch: for the studies in the bibliography and for our own pages.

Returns (plain, parts) pairs: plain text for passages and the search app, and a list of
(text, italic) parts so the Sphinx side can render the title in italics without HTML strings.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

SITE_NAME = "Wijkteam Kennisbank"
MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
             "september", "oktober", "november", "december")

Parts = list[tuple[str, bool]]


def format_authors(authors: list[str]) -> str:
    """APA 7 author list: 'A', 'A, & B', 'A, B, & C'."""
    names = [a.strip() for a in authors if a.strip()]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) == 2 and not all("," in n for n in names):
        # Surnames only (the sources often give no initials): "Gilsing & Hermens".
        return f"{names[0]} & {names[1]}"
    return ", ".join(names[:-1]) + ", & " + names[-1]


_MARKS = (".", "?", "!")


def _end(text: str) -> str:
    return text if text.endswith(_MARKS) else text + "."


def reference_parts(entry: dict[str, Any]) -> Parts:
    """APA 7 reference of a study: Auteurs. (Jaar). *Titel*. Uitgever. URL"""
    authors = format_authors(entry.get("authors") or [])
    year = entry.get("year")
    parts: Parts = [(f"{_end(authors)} ({year if year else 'z.d.'}). ", False)]
    title = str(entry.get("title", "")).strip()
    if title.startswith("["):
        parts.append((_end(title) + " ", False))
    else:
        parts.append((title, True))
        parts.append((". " if not title.endswith(_MARKS) else " ", False))
    publisher = str(entry.get("publisher") or "").strip()
    if publisher and publisher not in authors:
        parts.append((_end(publisher) + " ", False))
    note = str(entry.get("note") or "").strip()
    if note:
        parts.append((_end(note) + " ", False))
    url = str(entry.get("url") or "").strip()
    if url:
        parts.append((url, False))
    return _strip_end(parts)


def date_stamp(date: dt.date) -> str:
    """The date as APA 7 writes it for a web page, in Dutch: '2025, 14 maart'."""
    return f"{date.year}, {date.day} {MONTHS_NL[date.month - 1]}"


def long_date(date: dt.date) -> str:
    """'14 maart 2025', for "Laatst gewijzigd" and course packs."""
    return f"{date.day} {MONTHS_NL[date.month - 1]} {date.year}"


def page_citation_parts(title: str, date: dt.date, url: str) -> Parts:
    """APA 7 reference of one of our pages; the site is the group author.

    A title that ends in '?' or '!' keeps its own mark and gets no full stop after it.
    """
    title = title.strip()
    return [(f"{SITE_NAME}. ({date_stamp(date)}). ", False), (title, True),
            (" " if title.endswith(_MARKS) else ". ", False), (url, False)]


def passage_citation_parts(title: str, section: str | None, date: dt.date, url: str,
                           kind: str = "alinea") -> Parts:
    """APA 7 reference of one paragraph or section of a page.

    The part is described in square brackets after the title, as APA 7 does for the form
    of a work ('[alinea uit de sectie ‘Waarom de regierol telt’]'); the URL carries the
    anchor. ``kind`` is 'alinea', 'sectie' or 'begrip'; ``section`` is None for the page's opening.
    """
    title = title.strip()
    if kind == "sectie":
        what = f"sectie ‘{section}’" if section else "sectie"
    elif kind == "begrip":
        what = f"begrip ‘{section}’"
    elif section:
        what = f"alinea uit de sectie ‘{section}’"
    else:
        what = "alinea uit de inleiding"
    return [(f"{SITE_NAME}. ({date_stamp(date)}). ", False), (title, True),
            (f" [{what}]. ", False), (url, False)]


def _strip_end(parts: Parts) -> Parts:
    if parts:
        text, italic = parts[-1]
        parts[-1] = (text.rstrip(), italic)
    return parts


def plain(parts: Parts) -> str:
    return "".join(text for text, _ in parts)


def short_citation(entry: dict[str, Any]) -> str:
    """In-text citation of a study, APA 7: 'Kluft (2016)', 'Gilsing & Hermens (2016)', 'Engbersen e.a. (2021)'."""
    names = [a.strip().split(",")[0].strip() for a in entry.get("authors") or [] if a.strip()]
    year = entry.get("year") or "z.d."
    if not names:
        return f"({year})"
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    else:
        who = f"{names[0]} e.a."
    return f"{who} ({year})"
