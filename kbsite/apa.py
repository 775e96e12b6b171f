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


def _end(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


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
        parts.append((". " if not title.endswith((".", "?", "!")) else " ", False))
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


def page_citation_parts(title: str, date: dt.date, url: str) -> Parts:
    """APA 7 reference of one of our pages; the site is the group author."""
    stamp = f"{date.year}, {date.day} {MONTHS_NL[date.month - 1]}"
    return [(f"{SITE_NAME}. ({stamp}). ", False), (title, True), (". ", False), (url, False)]


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
