"""BibTeX and RIS records of our pages, for reference managers (Zotero, EndNote, Mendeley).

Same facts as the APA citation (kbsite/apa.py): the site as group author, the page title,
the date of the page's last change and its permanent URL.
"""
from __future__ import annotations

import datetime as dt
import re

from .apa import SITE_NAME, long_date

_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in text)


def bibtex_key(label: str, date: dt.date) -> str:
    return "wijkteamkennisbank-" + re.sub(r"[^A-Za-z0-9-]", "-", label) + f"-{date.year}"


def bibtex(label: str, title: str, date: dt.date, url: str) -> str:
    """A biblatex ``@online`` entry (classic BibTeX reads the fields it knows)."""
    fields = [
        ("author", "{" + bibtex_escape(SITE_NAME) + "}"),  # double braces: a group author, not a person
        ("title", "{" + bibtex_escape(title) + "}"),
        ("year", str(date.year)),
        ("month", _MONTHS[date.month - 1]),
        ("date", date.isoformat()),
        ("url", url),
        ("howpublished", "\\url{" + url + "}"),
        ("organization", bibtex_escape(SITE_NAME)),
        ("langid", "dutch"),
        ("note", "Laatst gewijzigd op " + long_date(date)),
    ]
    body = ",\n".join(f"  {name:<12} = {value if name == 'month' else '{' + value + '}'}" for name, value in fields)
    return f"@online{{{bibtex_key(label, date)},\n{body}\n}}\n"


def ris(title: str, date: dt.date, url: str) -> str:
    """An RIS record of type ELEC (web page), CRLF line ends as the format expects."""
    one_line = " ".join(title.split())
    lines = [
        ("TY", "ELEC"),
        ("AU", SITE_NAME),
        ("TI", one_line),
        ("PY", str(date.year)),
        ("DA", date.strftime("%Y/%m/%d")),
        ("PB", SITE_NAME),
        ("UR", url),
        ("LA", "nl"),
        ("N1", "Laatst gewijzigd op " + long_date(date)),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)
