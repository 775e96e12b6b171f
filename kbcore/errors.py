"""Typed errors shared by the indexer and the app.

Library code raises these; only the CLI and HTTP edges turn them into messages for
people (``str(error)`` is that message, in Dutch, saying what is wrong and what to do).
"""


class KBError(Exception):
    """Base of every error the tool reports to a person instead of a traceback."""

    exit_code = 1


class ContentError(KBError):
    """The knowledge-base pages could not be built (a page, the vocabulary or a link)."""


class IndexNotFound(KBError):
    """No index directory, or no manifest in it."""


class IndexCorrupt(KBError):
    """An index file is missing, truncated or does not match its checksum."""


class IndexMismatch(KBError):
    """The index was made by another format version or another embedder."""


class EmbedderUnavailable(KBError):
    """The configured embedding model cannot be loaded (not cached, no network, bad path)."""


class BadQuery(KBError):
    """A question or filter the search cannot take (empty, too long, unknown filter value)."""


class CoursePackError(KBError):
    """A course pack cannot be made (unknown item, bad list, unwritable output, no PDF tool)."""


class ServeError(KBError):
    """`kb serve` cannot listen where it was asked to (port in use, unknown host, no permission)."""
