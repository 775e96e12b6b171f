"""Building the index: manifest, plain formats, incremental embedding, atomic replacement."""
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from indexer import store
from indexer.build import build_index
from indexer.cache import EmbeddingCache
from indexer.passages import embedding_text
from indexer.sentences import sentence_cuts, split_sentences
from indexer.store import load_index, sha256_file
from kbcore.errors import ContentError
from tests.indexer_testing import FIXTURE_PASSAGES, fake_embedder, kb_settings, built_index  # noqa: F401

REPO = Path(__file__).resolve().parent.parent


def test_build_writes_verified_manifest(kb_settings):
    result = build_index(kb_settings, progress=False)
    assert result["status"] == "built"
    index_dir = Path(kb_settings.index_dir)
    manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["embedder"]["id"] == "fake" and manifest["embedder"]["dim"] == 64
    assert manifest["passage_count"] == 21
    assert len(manifest["content_hash"]) == 64
    assert manifest["built_at"].endswith("+00:00")
    assert set(store.REQUIRED_FILES) <= set(manifest["files"])
    for name, digest in manifest["files"].items():
        assert sha256_file(index_dir / name) == digest
    assert sorted(p.name for p in index_dir.iterdir()) == sorted([*manifest["files"], "manifest.json"])
    loaded = load_index(index_dir)
    assert [p["id"] for p in loaded.passages][:2] == [
        json.loads(line)["id"] for line in FIXTURE_PASSAGES.read_text("utf-8").splitlines()[:2]]


def test_unchanged_passages_skip_the_build(built_index, fake_embedder):
    fake_embedder.calls.clear()
    result = build_index(built_index, progress=False)
    assert result["status"] == "unchanged"
    assert fake_embedder.calls == []


def test_editing_one_page_embeds_only_its_passages(built_index, fake_embedder):
    path = built_index.passages_file
    lines = path.read_text("utf-8").splitlines()
    edited = json.loads(lines[3])
    edited["text"] += " Een nieuwe zin over de huisarts."
    lines[3] = json.dumps(edited, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    fake_embedder.calls.clear()
    result = build_index(built_index, progress=False)
    assert result["status"] == "built"
    assert result["stats"]["embedded"] == 1 and result["stats"]["from_cache"] == 20
    # only the edited passage is encoded again, with its parts (heading + each sentence)
    parts = 1 + len(split_sentences(edited["text"]))
    assert result["stats"]["passages_encoded"] == 1
    assert result["stats"]["sentences_embedded"] == parts - 1
    assert sum(fake_embedder.calls) == 1 + parts
    index = load_index(built_index.index_dir)
    assert "huisarts" in index.passages[3]["text"]
    assert len(index.sentences.cosines(np.ones(index.dense.dim), [3])[0]) == parts - 1


def test_sentence_vectors_are_the_sentences_of_each_passage(built_index, fake_embedder):
    """Row j of passage i is the vector of its sentence j, as `split_sentences` gives them,
    so the app's answer can score the sentences it splits itself (the fake embedder has no
    late chunking: each part is embedded on its own, the base class's way)."""
    index = load_index(built_index.index_dir)
    assert index.manifest["sentence_count"] == len(index.sentences.vectors) > len(index.passages)
    for i in (0, 5, len(index.passages) - 1):
        passage = index.passages[i]
        text = embedding_text(passage)
        raw, cuts = text.encode(), sentence_cuts(passage)
        parts = [raw[a:b].decode() for a, b in zip([0, *cuts], [*cuts, len(raw)])][1:]
        assert [" ".join(p.split()) for p in parts] == split_sentences(passage["text"])
        expected = fake_embedder.embed_passages(parts)
        got = index.sentences.vectors[index.sentences.offsets[i]:index.sentences.offsets[i + 1]]
        assert np.allclose(got.astype(np.float32), expected, atol=2e-3)


def test_other_embedder_settings_rebuild(built_index, monkeypatch):
    from indexer import embedders
    from tests.indexer_testing import FakeEmbedder

    class Other(FakeEmbedder):
        id = "fake-2"

    monkeypatch.setitem(embedders._FACTORIES, "fake2", lambda s: Other())
    result = build_index(built_index.replace(embedder="fake2"), progress=False)
    assert result["status"] == "built" and result["stats"]["embedded"] == 21
    assert load_index(built_index.index_dir).manifest["embedder"]["id"] == "fake-2"


def _no_pickle_in(path: Path) -> None:
    data = path.read_bytes()
    if path.suffix == ".npy":
        array = np.load(path, allow_pickle=False)  # raises if the file needs pickle
        assert array.dtype != object
    elif path.suffix == ".json":
        json.loads(data)
    elif path.suffix == ".jsonl":
        for line in data.decode("utf-8").splitlines():
            json.loads(line)
    elif path.suffix == ".lock":  # the embedding cache's save lock: an empty file
        assert data == b""
    elif path.suffix == ".faiss":
        import faiss
        assert faiss.read_index(str(path)).ntotal > 0
    else:
        raise AssertionError(f"unexpected file {path}")
    assert not data.startswith(b"\x80"), f"{path} looks like a pickle"


def test_no_pickle_anywhere(built_index):
    files = [p for root in (built_index.index_dir, built_index.cache_dir)
             for p in Path(root).rglob("*") if p.is_file()]
    assert any(p.suffix == ".npy" for p in files)
    assert not [p for p in files if p.suffix in {".pkl", ".pickle", ".joblib"}]
    for path in files:
        _no_pickle_in(path)


def test_cache_is_per_embedder_and_ignores_damage(tmp_path, caplog):
    info = {"id": "fake", "dim": 4, "query_prefix": "", "passage_prefix": ""}
    cache = EmbeddingCache(tmp_path, info)
    cache.save([b"a" * 32], np.ones((1, 4), np.float32))
    vectors, missing = EmbeddingCache(tmp_path, info).lookup([b"a" * 32, b"b" * 32])
    assert missing == [1] and vectors[0].tolist() == [1, 1, 1, 1]
    assert EmbeddingCache(tmp_path, {**info, "id": "other"}).lookup([b"a" * 32])[1] == [0]
    cache.path.write_bytes(b"garbage")
    assert EmbeddingCache(tmp_path, info).lookup([b"a" * 32])[1] == [0]
    assert "genegeerd" in caplog.text


@pytest.mark.parametrize("bad", ["empty", "non-utf8", "broken-json"])
def test_bad_passages_leave_old_index_untouched(built_index, bad):
    before = (Path(built_index.index_dir) / "manifest.json").read_bytes()
    path = built_index.passages_file
    if bad == "empty":
        path.write_bytes(b"")
    elif bad == "non-utf8":
        path.write_bytes(path.read_bytes() + b'{"id": "\xff"}\n')
    else:
        path.write_bytes(path.read_bytes() + b"{nope\n")
    with pytest.raises(ContentError):
        build_index(built_index, progress=False)
    assert (Path(built_index.index_dir) / "manifest.json").read_bytes() == before
    assert load_index(built_index.index_dir).manifest["passage_count"] == 21


def _edit_all(settings) -> None:
    path = settings.passages_file
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    for line in lines:
        line["text"] += " Bewerkt."
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", "utf-8")


def test_failure_while_writing_keeps_old_index(built_index, monkeypatch):
    before = load_index(built_index.index_dir).manifest
    _edit_all(built_index)

    def crash(self, path):
        raise OSError("schijf vol")

    monkeypatch.setattr("indexer.dense.DenseIndex.save", crash)
    with pytest.raises(OSError, match="schijf vol"):
        build_index(built_index, progress=False)
    assert load_index(built_index.index_dir).manifest == before
    parent = Path(built_index.index_dir).parent
    assert not list(parent.glob(".index.tmp-*")) and not list(parent.glob(".index.old-*"))


KILLED_BUILD = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from indexer import embedders
    from tests.indexer_testing import FakeEmbedder
    from kbcore.settings import load_settings
    from indexer.build import build_index

    def slow_save(self, path, _orig=__import__("indexer.dense", fromlist=["x"]).DenseIndex.save):
        _orig(self, path)
        print("WRITING", flush=True)
        time.sleep(60)

    import indexer.dense
    indexer.dense.DenseIndex.save = slow_save
    embedders.register_embedder("fake", lambda s: FakeEmbedder())
    build_index(load_settings(env={{}}, overrides={overrides!r}), progress=False)
""")


def test_killed_build_leaves_old_index_loadable(built_index):
    before = load_index(built_index.index_dir).manifest
    _edit_all(built_index)
    overrides = {k: getattr(built_index, k) for k in ("site_dir", "index_dir", "cache_dir", "embedder")}
    script = KILLED_BUILD.format(repo=str(REPO), overrides=overrides)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "WRITING"
        parent = Path(built_index.index_dir).parent
        assert list(parent.glob(".index.tmp-*")), "the build should be writing a temporary directory"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stdout.close()
    assert load_index(built_index.index_dir).manifest == before
    assert list(parent.glob(".index.tmp-*"))  # left over by the kill ...
    result = build_index(built_index, progress=False)
    assert result["status"] == "built"
    assert not list(parent.glob(".index.tmp-*"))  # ... and cleaned by the next build
    assert load_index(built_index.index_dir).passages[0]["text"].endswith("Bewerkt.")


def test_kill_between_renames_restores_old_index(built_index):
    index_dir = Path(built_index.index_dir)
    before = load_index(index_dir).manifest
    old = index_dir.parent / ".index.old-123-abcd"
    os.replace(index_dir, old)  # as if killed right after the first rename
    (index_dir.parent / ".index.tmp-123-abcd").mkdir()
    store.clean_leftovers(index_dir)
    assert load_index(index_dir).manifest == before
    assert not old.exists()


def test_progress_bar_for_embedding(kb_settings, capsys):
    build_index(kb_settings, progress=True)
    assert "Embeddings" in capsys.readouterr().err
