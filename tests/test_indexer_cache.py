"""The embedding cache: exact keys (also those ending in NUL bytes), old files, left-over temp files."""
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from indexer.cache import EmbeddingCache, text_key

REPO = Path(__file__).resolve().parent.parent
INFO = {"id": "fake", "dim": 4, "query_prefix": "", "passage_prefix": "passage: "}
#: A real text whose sha256 ends in 0x00 (found by trying numbers; checked below).
NUL_TEXT = "passage: Het wijkteam bespreekt casus 175 met de huisarts."


def test_a_key_that_ends_in_a_nul_byte_is_found_again(tmp_path):
    key = text_key(NUL_TEXT)
    assert key.hex() == "50fd2f22c6bb008d4af3bf3929570174941354f9b0b02574e9a032c01eee8a00"
    assert key.endswith(b"\x00") and len(key) == 32
    other = text_key("passage: Een gewone zin.")
    EmbeddingCache(tmp_path, INFO).save([key, other], np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.float32))
    vectors, missing = EmbeddingCache(tmp_path, INFO).lookup([key, other])
    assert missing == []
    assert vectors.tolist() == [[1, 2, 3, 4], [5, 6, 7, 8]]


def test_a_cache_in_the_old_format_is_read_without_losing_keys(tmp_path):
    """Files written with ``S32`` keys lost trailing NULs; they are padded back, not re-embedded."""
    cache = EmbeddingCache(tmp_path, INFO)
    key, other = text_key(NUL_TEXT), text_key("passage: Een gewone zin.")
    old = np.empty(2, dtype=[("key", "S32"), ("vector", "<f4", (4,))])
    old[0] = (key, np.ones(4, np.float32))
    old[1] = (other, np.full(4, 2, np.float32))
    assert old[0]["key"] != key  # what went wrong: NumPy strips the trailing NUL
    cache.path.parent.mkdir(parents=True)
    np.save(cache.path, old, allow_pickle=False)
    reread = EmbeddingCache(tmp_path, INFO)
    vectors, missing = reread.lookup([key, other])
    assert missing == [] and vectors[:, 0].tolist() == [1, 2]
    reread.save([key, other], vectors)  # saved again: in the new format
    table = np.load(cache.path, allow_pickle=False)
    assert table.dtype != old.dtype
    assert EmbeddingCache(tmp_path, INFO).lookup([key])[1] == []


def test_temp_files_of_a_killed_save_are_removed(tmp_path):
    cache = EmbeddingCache(tmp_path, INFO)
    folder = cache.path.parent
    folder.mkdir(parents=True)
    leftover = folder / ".tmp-abc123.npy"
    leftover.write_bytes(b"half a file")
    EmbeddingCache(tmp_path, INFO)  # loading cleans up
    assert not leftover.exists()
    leftover.write_bytes(b"half a file")
    cache.save([text_key("passage: x")], np.ones((1, 4), np.float32))  # and so does saving
    assert not leftover.exists()
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".lock") == [cache.path.name]


KILLED_SAVE = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    import numpy as np
    import indexer.cache as cache_module
    from indexer.cache import EmbeddingCache

    real_save = np.save
    def slow_save(fh, table, allow_pickle=False):
        real_save(fh, table[: len(table) // 2], allow_pickle=allow_pickle)
        fh.flush()
        print("WRITING", flush=True)
        time.sleep(60)
    cache_module.np.save = slow_save
    EmbeddingCache({root!r}, {info!r}).save([b"k" * 32, b"l" * 32], np.ones((2, 4), np.float32))
""")


def test_a_save_killed_halfway_leaves_the_cache_usable_and_the_next_save_cleans_up(tmp_path):
    key = text_key(NUL_TEXT)
    EmbeddingCache(tmp_path, INFO).save([key], np.ones((1, 4), np.float32))
    script = KILLED_SAVE.format(repo=str(REPO), root=str(tmp_path), info=INFO)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    folder = EmbeddingCache(tmp_path, INFO).path.parent
    cache = EmbeddingCache(tmp_path, INFO)
    assert cache.lookup([key])[1] == []  # the old file is whole
    assert not list(folder.glob(".tmp-*"))
