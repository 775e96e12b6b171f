"""Sphinx configuration of the Wijkteam Kennisbank site.

Settings that also matter outside Sphinx (the public base URL used in citations and
the sitemap) come from the one settings object: kb.toml < KB_* environment variables.
"""
from __future__ import annotations

import datetime as _dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kbcore.settings import load_settings  # noqa: E402
from kbsite.translations import LOCALE_DIR  # noqa: E402

_settings = load_settings()

project = "Wijkteam Kennisbank"
author = "Redactie Wijkteam Kennisbank"
copyright = f"{_dt.date.today().year}, {author}"
language = "nl"
root_doc = "index"

extensions = [
    "myst_parser",
    "sphinx_sitemap",
    "kbsite",
]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 0
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", ".venv", "README.md", "tests", "benchmarks", ".plan", ".pytest_cache", "**/.pytest_cache", ".hypothesis",
                    "kb/_data", "build", "*.egg-info", ".ci", "node_modules"]

# Our own theme (kbsite/theme/kennisbank): Dutch throughout, the header and footer of the
# search page (kbcore/huisstijl), no inline script.
html_theme = "kennisbank"
html_title = "Wijkteam Kennisbank"
html_short_title = "Wijkteam Kennisbank"
html_baseurl = _settings.base_url
html_static_path: list[str] = []
html_copy_source = False
html_show_sourcelink = False
html_permalinks_icon = "#"
# /favicon.ico at the root of the site, for browsers and tools that ask for it there.
html_extra_path = [str(Path(__file__).parent / "kbcore" / "huisstijl" / "static" / "favicon.ico")]
# Our Dutch corrections of Sphinx's own strings (compiled by Sphinx at every build).
locale_dirs = [str(LOCALE_DIR)]
kb_max_query_chars = _settings.max_query_chars

# Provenance (kbsite/provenance.py): every {bron} quote is checked against these texts.
kb_seeds_dir = _settings.seeds_dir
# Every sentence that names a study needs a {bron}; every step a {bron} or a {redactie} mark:
# otherwise the build fails with file:line (the default of kbsite; stated here to be explicit).
kb_provenance_strict = True

sitemap_url_scheme = "{link}"
sitemap_locales = [None]
suppress_warnings: list[str] = []
