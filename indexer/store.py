"""The index directory on disk: atomic replacement, manifest, verified loading.

Layout of ``_build/index/``: ``manifest.json`` (format version, embedder, passage count,
content hash, sha256 of every other file, build time), ``passages.jsonl``,
``dense.faiss`` and the BM25 arrays (``bm25_*.npy`` + vocabulary JSON). No pickle.

Writing: a build fills a sibling temporary directory, fsyncs it, then swaps it in with
two ``os.replace`` calls (old → ``.index.old-*``, new → ``index``); a build that fails or
is killed leaves the previous index whole, and the next build removes what is left over
(or puts the old index back if the kill came between the two renames).

Loading: the manifest is read and every file's sha256 checked *before* FAISS or NumPy
parse it, so a truncated or tampered file gives `IndexCorrupt` instead of a crash.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kbcore.errors import IndexCorrupt, IndexMismatch, IndexNotFound

from .dense import FILE as DENSE_FILE
from .dense import DenseIndex
from .lexical import FILES as LEXICAL_FILES
from .lexical import LexicalIndex
from .passage_store import PassageStore

FORMAT_VERSION = 2  # 2: float16 vectors (faiss scalar quantizer)
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
REQUIRED_FILES = (PASSAGES, DENSE_FILE, *LEXICAL_FILES)
_RUN_BUILD = "voer `kb build` uit om de index opnieuw te maken"

@dataclass
class LoadedIndex:
    """An index read from disk and verified; what `indexer.search.Searcher` queries."""

    directory: Path
    manifest: dict
    passages: Sequence[dict]  # a PassageStore: read-only, compact
    dense: DenseIndex
    lexical: LexicalIndex


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
    return LoadedIndex(index_dir, manifest, passages, dense, lexical)


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

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(directory: Path) -> None:
    for path in directory.iterdir():
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(directory)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index directory (a second waits for the first)."""
    index_dir = Path(index_dir)
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def clean_leftovers(index_dir: Path) -> list[Path]:
    """Remove temporary directories of earlier, killed builds (call with the build lock held).

    If a kill came between the two renames of a swap there is no index but a whole old
    one: that one is put back first.
    """
    index_dir = Path(index_dir)
    parent = index_dir.parent
    if not parent.is_dir():
        return []
    olds = sorted(parent.glob(f".{index_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not index_dir.exists() and olds:
        os.replace(olds.pop(), index_dir)
    removed = []
    for path in [*parent.glob(f".{index_dir.name}.tmp-*"), *olds]:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


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
    old = None
    if index_dir.exists() or index_dir.is_symlink():
        old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.replace(index_dir, old)
    try:
        os.replace(new, index_dir)
    except BaseException:
        if old is not None:
            os.replace(old, index_dir)
        raise
    _fsync_dir(index_dir.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
