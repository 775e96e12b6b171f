"""The index directory on disk: atomic replacement, manifest, verified loading.

Layout of ``_build/index/``: ``manifest.json`` (format version, embedder, passage count,
content hash, sha256 of every other file, build time), ``passages.jsonl``,
``dense.faiss``, the BM25 arrays (``bm25_*.npy`` + vocabulary JSON) and the sentence
vectors (``sentences.npy`` + ``sentence_offsets.npy``, `indexer.sentences`). No pickle.

Writing: a build fills a sibling temporary directory, fsyncs it, then swaps it in
(`kbcore.atomicdir.swap_directory`: one exchange of the two names on Linux, else two
``os.replace`` calls, old → ``.index.old-*``, new → ``index``); a build that fails or is
killed leaves the previous index whole, and the next build removes what is left over.
If a kill came between the two renames there is no ``index`` but a whole old one:
`recover_index` (called by `kb serve`, `kb ask`, the app's loader and the build) puts
it back once its checksums verify.

Loading: the manifest is read and every file's sha256 checked *before* FAISS or NumPy
parse it, so a truncated or tampered file gives `IndexCorrupt` instead of a crash.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kbcore import atomicdir
from kbcore.errors import IndexCorrupt, IndexMismatch, IndexNotFound, KBError

from .dense import FILE as DENSE_FILE
from .dense import DenseIndex
from .lexical import FILES as LEXICAL_FILES
from .lexical import LexicalIndex
from .passage_store import PassageStore
from .sentences import FILES as SENTENCE_FILES
from .sentences import SentenceVectors

FORMAT_VERSION = 3  # 2: float16 vectors (faiss scalar quantizer); 3: sentence vectors
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
REQUIRED_FILES = (PASSAGES, DENSE_FILE, *LEXICAL_FILES, *SENTENCE_FILES)
_RUN_BUILD = "voer `kb build` uit om de index opnieuw te maken"
log = logging.getLogger(__name__)

@dataclass
class LoadedIndex:
    """An index read from disk and verified; what `indexer.search.Searcher` queries."""

    directory: Path
    manifest: dict
    passages: Sequence[dict]  # a PassageStore: read-only, compact
    dense: DenseIndex
    lexical: LexicalIndex
    #: One vector per sentence (`indexer.sentences`); None for an index made by hand (the
    #: benchmarks' variants), whose answers then weigh words and roles only.
    sentences: SentenceVectors | None = None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(index_dir: Path) -> dict:
    """The manifest, checked for shape and format version (not yet the file checksums)."""
    index_dir = Path(index_dir)
    path = index_dir / MANIFEST
    if not index_dir.is_dir() or not path.is_file():
        raise IndexNotFound(f"geen zoekindex in {index_dir} (manifest.json ontbreekt); {_RUN_BUILD}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("geen JSON-object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorrupt(f"{path} is beschadigd ({exc}); {_RUN_BUILD}") from None
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexMismatch(
            f"de index in {index_dir} heeft formaatversie {version!r}, deze versie van kb leest "
            f"versie {FORMAT_VERSION}; {_RUN_BUILD}")
    files = manifest.get("files")
    embedder = manifest.get("embedder")
    if (not isinstance(files, dict) or not isinstance(embedder, dict)
            or not isinstance(manifest.get("passage_count"), int)
            or any(name not in files for name in REQUIRED_FILES)):
        raise IndexCorrupt(f"{path} mist velden of bestanden; {_RUN_BUILD}")
    return manifest


def verify_files(index_dir: Path, manifest: dict) -> None:
    """Check the sha256 of every file the manifest lists; IndexCorrupt names the first bad one."""
    for name, expected in manifest["files"].items():
        if "/" in name or "\\" in name or name.startswith("."):
            raise IndexCorrupt(f"{index_dir / MANIFEST}: ongeldige bestandsnaam '{name}'; {_RUN_BUILD}")
        path = Path(index_dir) / name
        if not path.is_file():
            raise IndexCorrupt(f"{path} ontbreekt; {_RUN_BUILD}")
        if sha256_file(path) != expected:
            raise IndexCorrupt(f"{path} is beschadigd of afgekapt (controlegetal klopt niet); {_RUN_BUILD}")


def load_index(index_dir: str | os.PathLike[str]) -> LoadedIndex:
    """Read and verify an index; raises IndexNotFound / IndexCorrupt / IndexMismatch."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    verify_files(index_dir, manifest)
    try:
        passages = _read_passages(index_dir / PASSAGES)
        lexical = LexicalIndex.load(index_dir, manifest.get("lexical", {}))
        dense = DenseIndex.load(index_dir / DENSE_FILE, manifest.get("dense"))
        sentences = SentenceVectors.load(index_dir)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexCorrupt(f"de index in {index_dir} is onleesbaar ({exc}); {_RUN_BUILD}") from None
    n = manifest["passage_count"]
    if not (len(passages) == n == dense.ntotal == lexical.num_docs):
        raise IndexCorrupt(
            f"de index in {index_dir} is inconsistent ({len(passages)} passages, {dense.ntotal} vectoren, "
            f"{lexical.num_docs} BM25-documenten, manifest zegt {n}); {_RUN_BUILD}")
    if dense.dim != manifest["embedder"].get("dim"):
        raise IndexCorrupt(f"de vectoren in {index_dir} hebben lengte {dense.dim}, "
                           f"het manifest zegt {manifest['embedder'].get('dim')}; {_RUN_BUILD}")
    if sentences.passage_count != n or (len(sentences.vectors) and sentences.dim != dense.dim):
        raise IndexCorrupt(
            f"de zinvectoren in {index_dir} passen niet bij de passages ({sentences.passage_count} "
            f"passages met zinnen, {n} passages; lengte {sentences.dim}, verwacht {dense.dim}); {_RUN_BUILD}")
    return LoadedIndex(index_dir, manifest, passages, dense, lexical, sentences)


def _read_passages(path: Path) -> PassageStore:
    with open(path, encoding="utf-8") as fh:
        return PassageStore(json.loads(line) for line in fh if line.strip())


def check_embedder(manifest: dict, embedder_info: dict, index_dir: Path | str = "") -> None:
    """Refuse an index built with another embedder (or other prefixes / dimension)."""
    built = manifest.get("embedder", {})
    keys = ("id", "dim", "query_prefix", "passage_prefix")
    if any(built.get(k) != embedder_info.get(k) for k in keys):
        raise IndexMismatch(
            f"de index{' in ' + str(index_dir) if index_dir else ''} is gebouwd met embedder "
            f"'{built.get('id')}' (dim {built.get('dim')}), maar ingesteld is '{embedder_info.get('id')}' "
            f"(dim {embedder_info.get('dim')}); voer `kb build` uit om de index met de ingestelde "
            f"embedder te maken, of zet de instelling embedder terug")


# --- atomic writing ------------------------------------------------------------------

def fsync_tree(directory: Path) -> None:
    atomicdir.fsync_tree(directory)


def _lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: bool = True) -> Iterator[bool]:
    """One build at a time per index directory (a second waits for the first).

    With ``wait`` off it yields False at once when a build holds the lock.
    """
    index_dir = Path(index_dir)
    with atomicdir.lock(_lock_path(index_dir), wait=wait) as held:
        yield held


def _old_indexes(index_dir: Path) -> list[Path]:
    """Indexes parked by a swap's first rename, newest first."""
    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0
    return sorted(index_dir.parent.glob(f".{index_dir.name}.old-*"), key=mtime, reverse=True)


def _is_whole(directory: Path) -> bool:
    """The manifest reads and every file's checksum matches."""
    try:
        verify_files(directory, read_manifest(directory))
    except KBError:
        return False
    except OSError:
        return False
    return True


def _put_back_whole_old(index_dir: Path) -> Path | None:
    """With the lock held: if there is no index, rename the newest whole old one to it."""
    if index_dir.exists() or index_dir.is_symlink():
        return None
    for old in _old_indexes(index_dir):
        if _is_whole(old):
            os.replace(old, index_dir)
            atomicdir.fsync_dir(index_dir.parent)
            return old
    return None


def recover_index(index_dir: str | os.PathLike[str]) -> Path | None:
    """Put back an index a kill between the two renames of a swap left aside; return where it was.

    Only when ``index_dir`` is missing and an ``.index.old-*`` beside it is complete and
    verified (manifest and every checksum). Does nothing while a build holds the lock (that
    build is swapping, or will clean up itself) or when the folder cannot be written.
    `recovery_line` says what happened, for people.
    """
    index_dir = Path(index_dir)
    try:
        if index_dir.exists() or index_dir.is_symlink() or not index_dir.parent.is_dir():
            return None
        if not _old_indexes(index_dir):
            return None
        with build_lock(index_dir, wait=False) as held:
            return _put_back_whole_old(index_dir) if held else None
    except OSError as exc:
        # e.g. a read-only service (systemd ProtectSystem): the next `kb build` puts it back;
        # debug only, the watcher calls this every few seconds
        log.debug("Zoekindex %s ontbreekt en kon niet worden hersteld (%s)", index_dir, exc)
        return None


def recovery_line(index_dir: str | os.PathLike[str], old: Path) -> str:
    """The one line `kb serve`, `kb ask`, `kb build` and the app show after `recover_index`."""
    return (f"Zoekindex hersteld: {index_dir} ontbrak (een build is afgebroken tijdens het wisselen); "
            f"de vorige, gecontroleerde index uit {old.name} is teruggezet.")


def clean_leftovers(index_dir: Path) -> tuple[Path | None, list[Path]]:
    """Tidy up after earlier, killed builds (call with the build lock held).

    If a kill came between the two renames of a swap there is no index but an old one:
    the newest old one that verifies is put back first (returned, else None). Then the
    temporary and remaining old directories are removed (the list).
    """
    index_dir = Path(index_dir)
    parent = index_dir.parent
    if not parent.is_dir():
        return None, []
    restored = _put_back_whole_old(index_dir)
    removed = []
    for path in [*parent.glob(f".{index_dir.name}.tmp-*"), *_old_indexes(index_dir)]:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return restored, removed


@contextlib.contextmanager
def atomic_directory(index_dir: Path) -> Iterator[Path]:
    """Yield an empty sibling directory; on normal exit it replaces ``index_dir`` atomically."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        fsync_tree(tmp)
        _swap(tmp, index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, index_dir: Path) -> None:
    atomicdir.swap_directory(new, index_dir)
