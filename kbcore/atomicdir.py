"""Replacing a directory that is being served, in one step, and the lock that keeps builds apart.

Both the site (``_build/html``) and the index (``_build/index``) are written into a sibling
directory and swapped in only when complete. On Linux the swap is one
``renameat2(RENAME_EXCHANGE)`` call: the two names trade places, so a server reading the
target sees either the old or the new directory and never a missing one. Where the
system cannot exchange (another OS, a file system without it) the swap falls back to two
``os.replace`` calls (old → ``.<name>.old-*``, new → ``<name>``); a kill between those two
leaves no target but a whole old directory, which `kb serve`, `kb ask` and the next build
put back (`indexer.store.recover_index`, `kennisbank.cmd_build`).

For the site, which Sphinx builds incrementally, the staging directory is a second copy
kept between builds and brought up to date with `Mirror` (only differing files), and
made durable with one ``syncfs`` (`sync_written`) instead of an fsync per page.
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this system or file system cannot exchange": fall back to two renames.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _libc_function(name: str):
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None


def _renameat2():
    function = _libc_function("renameat2")  # glibc >= 2.28 on Linux
    if function is None:
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` atomically; False when the system cannot (nothing changed)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(directory: Path) -> None:
    """fsync every file below ``directory`` and every directory, so a swap publishes whole files."""
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with open(os.path.join(root, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(Path(root))


def old_name(target: Path) -> Path:
    """Where the two-rename fallback parks the previous ``target`` (``.<name>.old-<pid>-<hex>``)."""
    return target.parent / f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}"


_SYNCFS = _libc_function("syncfs")


def sync_written(directory: Path, since_ns: int) -> None:
    """Make what was written below ``directory`` durable before it is swapped in.

    On Linux one ``syncfs`` call writes out the whole file system at once: a build
    rewrites hundreds of pages, and one fsync per file cost 1.3-1.7 s here against a few
    tenths for one syncfs. Elsewhere: fsync of each file written since ``since_ns``.
    """
    if _SYNCFS is not None:
        fd = os.open(directory, os.O_RDONLY)
        try:
            if _SYNCFS(fd) == 0:
                return
        finally:
            os.close(fd)
    fsync_changed(directory, since_ns)


def fsync_changed(directory: Path, since_ns: int) -> int:
    """fsync the files below ``directory`` written (or copied) since ``since_ns``, and every directory.

    The rest was made durable by the build that wrote it. Returns the number of files.
    """
    count = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            if os.lstat(path).st_ctime_ns >= since_ns:
                with open(path, "rb") as fh:
                    os.fsync(fh.fileno())
                count += 1
        fsync_dir(Path(root))
    return count


class Mirror:
    """Make ``dst`` a copy of ``src``, copying only the files whose size or time differ.

    Like ``rsync -a --delete`` for a build's output: times are copied too, so to Sphinx
    the copy looks exactly as old as the original. Replaced and surplus entries are not
    deleted on the spot but moved into ``trash`` (a rename) and deleted by
    `remove_trash_in_background`: freeing the blocks of a few hundred files that are
    already on disk cost 0.7-1.2 s here, time the build can spend computing instead.
    """

    def __init__(self, trash: Path) -> None:
        self.trash = Path(trash)
        self.copied = 0
        self._discarded = 0

    def run(self, src: Path, dst: Path) -> int:
        """Mirror ``src`` into ``dst``; returns the number of files copied so far."""
        src, dst = Path(src), Path(dst)
        if dst.is_symlink() or (dst.exists() and not dst.is_dir()):
            self._discard(dst)
        dst.mkdir(parents=True, exist_ok=True)
        wanted: set[str] = set()
        with os.scandir(src) as entries:
            for entry in entries:
                wanted.add(entry.name)
                self._entry(entry, dst / entry.name)
        with os.scandir(dst) as entries:
            surplus = [Path(entry.path) for entry in entries if entry.name not in wanted]
        for path in surplus:
            self._discard(path)
        return self.copied

    def _entry(self, entry: os.DirEntry, target: Path) -> None:
        want = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(want.st_mode):
            self.run(Path(entry.path), target)
            return
        have = _lstat(target)
        if have is not None:
            if (have.st_mode, have.st_size, have.st_mtime_ns) == (want.st_mode, want.st_size, want.st_mtime_ns):
                return  # same kind, size and time: the same file for a build's output
            self._discard(target)
        if stat.S_ISLNK(want.st_mode):
            os.symlink(os.readlink(entry.path), target)
        else:
            shutil.copy2(entry.path, target)
        self.copied += 1

    def _discard(self, path: Path) -> None:
        self.trash.mkdir(parents=True, exist_ok=True)
        self._discarded += 1
        os.replace(path, self.trash / str(self._discarded))

    def remove_trash_in_background(self) -> threading.Thread:
        """Delete the trash on a thread; join it before the build returns."""
        thread = threading.Thread(target=shutil.rmtree, args=(self.trash, True), name="kb-trash", daemon=True)
        thread.start()
        return thread


def mirror_tree(src: Path, dst: Path) -> int:
    """`Mirror` with the trash deleted at once; returns the number of files copied."""
    trash = Path(dst).parent / f".{Path(dst).name}.trash-{os.getpid()}-{secrets.token_hex(4)}"
    mirror = Mirror(trash)
    try:
        return mirror.run(src, dst)
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def swap_directory(new: Path, target: Path, keep_old: bool = False) -> None:
    """Make the complete directory ``new`` be ``target``.

    The previous ``target`` is removed, or with ``keep_old`` left under the name ``new``
    (a double buffer: the next build brings it up to date instead of copying everything).
    """
    new, target = Path(new), Path(target)
    if not (target.exists() or target.is_symlink()):
        os.replace(new, target)
        fsync_dir(target.parent)
        return
    if exchange(new, target):
        fsync_dir(target.parent)
        if new.parent != target.parent:
            fsync_dir(new.parent)
        if not keep_old:
            shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the previous directory
        return
    old = old_name(target)
    os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        os.replace(old, target)
        raise
    fsync_dir(target.parent)
    if keep_old:
        os.replace(old, new)
    else:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def lock(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold the lock file ``path`` (True); with ``wait`` off, yield False at once when it is taken.

    The lock goes with the process: a build that is killed holds it no longer.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
