"""Content problems: one line per problem, naming the file, the line and the field.

The extension never raises for a content error; it reports each problem as a Sphinx
warning with a location, so `kb build` (which runs with ``-W --keep-going``) lists them
all and exits 1 instead of showing a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass

from sphinx.util import logging

logger = logging.getLogger("kbsite")


@dataclass(frozen=True)
class Problem:
    """A content problem found in ``path`` (at ``line`` when known)."""

    path: str
    message: str
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" [{self.field}]" if self.field else ""
        return f"{where}:{field} {self.message}"


def report(problem: Problem) -> None:
    """Emit ``problem`` as one Sphinx warning located at its file and line."""
    # A "path:line" string is passed through by Sphinx as is (a tuple would be read
    # as a docname, which the YAML data files are not).
    location = f"{problem.path}:{problem.line or 1}"
    field = f"{problem.field}: " if problem.field else ""
    logger.warning(f"{field}{problem.message}", location=location, type="kb", subtype="content")
