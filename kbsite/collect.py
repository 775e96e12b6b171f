"""Reading side of the extension: validate front matter and labels, remember page data.

Page data lives in ``env.kb_pages`` (docname -> dict) so listings, citations and
passages of unchanged pages survive an incremental build.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .history import History, PageHistory
from .pagemodel import parse_page
from .problems import Problem, report
from .vocabulary import BIBLIOGRAPHY_FILE, VOCABULARY_FILE, Vocabulary, load_vocabulary

KB_PREFIX = "kb/"


def is_kb_doc(docname: str) -> bool:
    return docname.startswith(KB_PREFIX)


def vocabulary(app: Sphinx) -> Vocabulary:
    return app.env.kb_vocab  # type: ignore[attr-defined]


def _vocab_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for rel in (VOCABULARY_FILE, BIBLIOGRAPHY_FILE):
        try:
            digest.update((root / rel).read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()


def on_builder_inited(app: Sphinx) -> None:
    env = app.env
    root = Path(app.srcdir)
    vocab, problems = load_vocabulary(root)
    env.kb_vocab = vocab  # type: ignore[attr-defined]
    for problem in problems:
        report(problem)
    if not hasattr(env, "kb_pages"):
        env.kb_pages = {}  # type: ignore[attr-defined]
    new_hash = _vocab_hash(root)
    env.kb_vocab_changed = getattr(env, "kb_vocab_hash", None) != new_hash  # type: ignore[attr-defined]
    env.kb_vocab_hash = new_hash  # type: ignore[attr-defined]


def on_env_get_outdated(app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str],
                        removed: set[str]) -> list[str]:
    """A changed vocabulary or bibliography is checked against every page again.

    An edited page is read alone; the pages that show something of it (listings, "Zie ook")
    are written again without being read when that something changed (kbsite/incremental.py).
    """
    if getattr(env, "kb_vocab_changed", False):
        return sorted(d for d in env.found_docs if is_kb_doc(d) and d not in added | changed)
    return []


def page_history(app: Sphinx, path: Path) -> PageHistory:
    """Last change and recent changes of a source file (see kbsite/history.py)."""
    history = getattr(app, "kb_history", None)
    if history is None:
        history = app.kb_history = History(Path(app.srcdir))  # type: ignore[attr-defined]
    return history.for_file(path)


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if not is_kb_doc(docname):
        return
    env = app.env
    path = env.doc2path(docname, False)
    meta, problems = parse_page(source[0], str(path), docname, vocabulary(app))
    for problem in problems:
        report(problem)
    env.kb_pages.pop(docname, None)  # type: ignore[attr-defined]
    if meta is not None:
        record: dict[str, Any] = asdict(meta)
        history = page_history(app, Path(app.srcdir) / path)
        record["date"] = history.date.isoformat()
        record["changes"] = [(c.date.isoformat(), c.summary) for c in history.changes]
        record["history_known"] = history.from_git
        env.kb_pages[docname] = record  # type: ignore[attr-defined]


def _is_explicit(doctree: nodes.document, section: nodes.section) -> bool:
    return any(doctree.nametypes.get(name) for name in section["names"])


def check_labels(app: Sphinx, doctree: nodes.document, docname: str) -> str | None:
    """Every heading needs an explicit label; the page label equals the file name.

    Returns the page label (the explicit id of the first section), or None.
    """
    path = str(app.env.doc2path(docname, False))
    sections = list(doctree.findall(nodes.section))
    if not sections:
        report(Problem(path, "pagina zonder kop: begin met '(label)=' en '# Titel'", 1, "label"))
        return None
    stem = docname.rsplit("/", 1)[-1]
    page_label = None
    for i, section in enumerate(sections):
        line = section[0].line if len(section) and section[0].line else None
        title = section[0].astext() if len(section) else "?"
        if not _is_explicit(doctree, section):
            suggestion = stem if i == 0 else f"{page_label or stem}-..."
            report(Problem(path, f"kop '{title}' heeft geen expliciet label; zet '({suggestion})=' op de regel erboven",
                           line, "label"))
            continue
        label = section["ids"][0]
        if i == 0:
            page_label = label
            if stem != "index" and label != stem:
                report(Problem(path, f"paginalabel '{label}' moet gelijk zijn aan de bestandsnaam '{stem}'", line, "label"))
        elif page_label and not label.startswith(page_label + "-"):
            report(Problem(path, f"sectielabel '{label}' moet beginnen met '{page_label}-'", line, "label"))
    return page_label


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not is_kb_doc(docname):
        return
    label = check_labels(app, doctree, docname)
    record = app.env.kb_pages.get(docname)  # type: ignore[attr-defined]
    if record is None:
        return
    title = app.env.titles.get(docname)
    record["title"] = title.astext() if title is not None else docname
    record["label"] = label


def on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    getattr(env, "kb_pages", {}).pop(docname, None)


def on_env_merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    theirs = getattr(other, "kb_pages", {})
    for docname in docnames:
        if docname in theirs:
            env.kb_pages[docname] = theirs[docname]  # type: ignore[attr-defined]


def on_env_check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    """Cross-page checks: every `related` label must name an existing page or section."""
    labels = env.domains.standard_domain.labels
    for docname, record in sorted(env.kb_pages.items()):  # type: ignore[attr-defined]
        path = str(env.doc2path(docname, False))
        for target in record.get("related", []):
            if target not in labels:
                report(Problem(path, f"onbekend paginalabel '{target}'", record["related_lines"].get(target), "related"))


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Sphinx stops with a traceback on a page that is not UTF-8: report it and skip the page."""
    for docname in list(docnames):
        path = Path(env.doc2path(docname))
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raw = path.read_bytes()
            line = raw[: exc.start].count(b"\n") + 1
            report(Problem(str(env.doc2path(docname, False)),
                           f"het bestand is geen geldige UTF-8 (byte 0x{raw[exc.start]:02x}); sla het op als UTF-8",
                           line, "codering"))
            docnames.remove(docname)
            env.project.docnames.discard(docname)  # so the writer does not look for it either
        except OSError:
            continue
