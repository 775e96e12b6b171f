"""Replacing a directory that is being served, in one step, and the lock that keeps builds apart.

Both the site (``_build/html``) and the index (``_build/index``) are written into a sibling
directory and swapped in only when complete. On Linux the swap is one
``renameat2(RENAME_EXCHANGE)`` call: the two names trade places, so a server reading the
target sees either the old or the new directory and never a missing one. Where the
system cannot exchange (another OS, a file system without it) the swap falls back to two
``os.replace`` calls (old → ``.<name>.old-*``, new → ``<name>``); a kill between those two
leaves no target but a whole old directory, which `kb serve`, `kb ask` and the next build
put back (`indexer.store.recover_index`, `kennisbank.cmd_build`).
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this system or file system cannot exchange": fall back to two renames.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not glibc >= 2.28, or not Linux
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


def swap_directory(new: Path, target: Path) -> None:
    """Make the complete directory ``new`` be ``target``; the previous ``target`` is removed."""
    new, target = Path(new), Path(target)
    if not (target.exists() or target.is_symlink()):
        os.replace(new, target)
        fsync_dir(target.parent)
        return
    if exchange(new, target):
        fsync_dir(target.parent)
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
