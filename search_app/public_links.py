"""Full URLs in what the app shows: copy links and citations that resolve for the reader.

The public address is ``base_url``. While it is still the loopback default (nobody set it),
the app uses the address the reader is on instead, so a copied link or citation works for
whoever reads it; citations written into the index with a loopback address are moved to
that base as well.
"""
from __future__ import annotations

from flask import request

from kbcore.settings import Settings
from kbcore.urls import is_loopback, rebase_loopback, with_slash


def link_base(settings: Settings) -> str:
    """The base for full URLs in this response, ending in '/'."""
    if is_loopback(settings.base_url):
        return with_slash(request.host_url)
    return with_slash(settings.base_url)


def public_citation(citation: str, base: str) -> str:
    """The citation with any loopback site address replaced by ``base``."""
    return rebase_loopback(citation, base) if citation else citation
