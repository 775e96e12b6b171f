"""Public addresses: is a base URL this machine only, and moving a URL to another base.

Citations and copied links must resolve for the reader. A site built with the default
``base_url`` (http://127.0.0.1:8000/) writes this machine's address into every citation;
`kb build` warns about that, and the search app then uses the address the reader is on.
"""
from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

#: The scheme and host of a loopback URL at the start of a string (for rewriting).
LOOPBACK_PREFIX = re.compile(r"https?://(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?/", re.I)


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine only (localhost, 127.0.0.0/8, ::1) or has no host."""
    host = (urlsplit(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def with_slash(base: str) -> str:
    return base if base.endswith("/") else base + "/"


def rebase_loopback(text: str, base: str) -> str:
    """Replace every loopback site address in ``text`` by ``base`` (which ends in '/')."""
    return LOOPBACK_PREFIX.sub(lambda _: with_slash(base), text)


def loopback_warning(base_url: str) -> str:
    """The one Dutch line `kb build` and `kb cursus` print for a loopback ``base_url``."""
    return (f"Let op: base_url is {base_url}, het adres van deze computer. Citaties, links om te kopiëren, "
            "de sitemap en cursusmateriaal wijzen daardoor naar deze machine en werken niet voor anderen. "
            "Zet het publieke adres, bijvoorbeeld KB_BASE_URL=https://kennisbank.gemeente.nl/ "
            "(of base_url in kb.toml), en bouw opnieuw.")
