"""When each page last changed, and its recent changes, from the git history.

Trainers cite a page with the date of its last change and want to see whether it changed
since they cited it, so every page shows "Laatst gewijzigd" and a short list of changes.
The whole history is read with one ``git log`` per build, not one call per page.

Commit subjects are written for developers (often in English) and do not belong on a
reader's page. A commit speaks to readers through a ``Wijziging:`` trailer in its message
(one Dutch sentence, e.g. ``Wijziging: Cijfers over de formatie in Tiel aangevuld.``);
a commit without one is listed as a generic edit, and generic edits on the same day are
listed once.

Without git history (a tarball, an export, git not installed) the date is the file's
modification time and the list of changes is empty; the page then says that the history
is not available in this copy.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

#: How many changes a page lists.
MAX_CHANGES = 5
_GIT_TIMEOUT = 30
_RECORD, _FIELD = "\x1e", "\x1f"
#: What a change without a ``Wijziging:`` trailer says to readers.
GENERIC_CHANGE = "tekst bewerkt door de redactie"


@dataclass(frozen=True)
class Change:
    date: dt.date
    summary: str


@dataclass
class PageHistory:
    """What the history says about one source file."""

    date: dt.date
    changes: list[Change] = field(default_factory=list)
    from_git: bool = False
    uncommitted: bool = False


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              timeout=_GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


class History:
    """The git history of a source tree, read once; ``for_file`` answers per page."""

    def __init__(self, srcdir: Path) -> None:
        self.srcdir = Path(srcdir).resolve()
        self._log: dict[str, list[Change]] = {}
        self._dirty: set[str] = set()
        self.available = False
        top = _git(self.srcdir, "rev-parse", "--show-toplevel")
        if top is None:
            return
        self.toplevel = Path(top.strip()).resolve()
        log = _git(self.srcdir, "log", "--no-merges", f"--format={_RECORD}%cs{_FIELD}%(trailers:key=Wijziging,valueonly,separator=%x20)",
                   "--name-only", "--", ".")
        status = _git(self.srcdir, "status", "--porcelain", "--untracked-files=all", "--", ".")
        if log is None or status is None:
            return
        self.available = bool(log.strip())
        for record in log.split(_RECORD)[1:]:
            head, _, names = record.partition("\n")
            stamp, _, summary = head.partition(_FIELD)
            try:
                change = Change(dt.date.fromisoformat(stamp.strip()), summary.strip() or GENERIC_CHANGE)
            except ValueError:
                continue
            for name in names.splitlines():
                if name.strip():
                    changes = self._log.setdefault(name.strip(), [])
                    if not (changes and change.summary == GENERIC_CHANGE and changes[-1] == change):
                        changes.append(change)
        for line in status.splitlines():
            path = line[3:].split(" -> ")[-1].strip().strip('"')
            if path:
                self._dirty.add(path)

    def for_file(self, path: Path) -> PageHistory:
        """History of ``path`` (absolute, or relative to the source directory)."""
        full = (self.srcdir / path).resolve()
        today = dt.date.today()
        if not self.available:
            try:
                mtime = dt.date.fromtimestamp(full.stat().st_mtime)
            except OSError:
                mtime = today
            return PageHistory(date=mtime)
        try:
            rel = full.relative_to(self.toplevel).as_posix()
        except ValueError:
            return PageHistory(date=today)
        changes = self._log.get(rel, [])
        if rel in self._dirty or not changes:
            # New or edited since the last commit: it changes today, as far as anyone knows.
            pending = Change(today, "nog niet vastgelegde wijziging")
            return PageHistory(date=today, changes=[pending, *changes][:MAX_CHANGES],
                               from_git=True, uncommitted=True)
        return PageHistory(date=changes[0].date, changes=changes[:MAX_CHANGES], from_git=True)
