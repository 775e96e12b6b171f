"""The one line `kb build` prints about provenance, read from ``provenance.json``.

The Sphinx extension writes the report (kbsite/provenance.py); the CLI only reads it, so
the counts a person sees are the ones in the file an editor can open.
"""
from __future__ import annotations

import json
from pathlib import Path


def provenance_file(site_dir: str | Path) -> Path:
    return Path(site_dir).resolve().parent / "provenance.json"


def summary_line(path: Path) -> str | None:
    """'Herkomst: …' with the counts, or a warning when the source texts were absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        counts = data["counts"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not data.get("seeds_present"):
        return (f"Let op: geen bronteksten in {data.get('seeds_dir')}: de {counts['quotes']} citaten zijn niet "
                f"gecontroleerd (zet KB_SEEDS_DIR op de map met de bronteksten).")
    return (f"Herkomst: {counts['verified']} citaten gevonden in de bronteksten, {counts['unsourced']} zinnen "
            f"die een studie noemen zonder {{bron}}, {counts['unmarked']} stappen zonder bron of redactiemerk "
            f"({path.name}).")
