"""Verified loading: a missing, truncated, corrupted or foreign index gives a typed error."""
import json
from pathlib import Path

import pytest

from indexer.embedders import get_embedder
from indexer.search import Searcher
from indexer.store import FORMAT_VERSION, load_index, sha256_file
from kbcore.errors import IndexCorrupt, IndexMismatch, IndexNotFound
from tests.indexer_testing import FakeEmbedder, fake_embedder, kb_settings, built_index  # noqa: F401

INDEX_FILES = ["passages.jsonl", "dense.faiss", "bm25_data.npy", "bm25_indices.npy",
               "bm25_indptr.npy", "bm25_vocab.json", "sentences.npy", "sentence_offsets.npy"]


def manifest_of(settings) -> tuple[Path, dict]:
    path = Path(settings.index_dir) / "manifest.json"
    return path, json.loads(path.read_text("utf-8"))


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexNotFound, match="kb build"):
        load_index(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFound, match="manifest.json"):
        load_index(tmp_path / "empty")


@pytest.mark.parametrize("name", INDEX_FILES)
def test_truncated_file_is_corrupt(built_index, name):
    path = Path(built_index.index_dir) / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorrupt, match=f"{name} is beschadigd.*kb build"):
        load_index(built_index.index_dir)


@pytest.mark.parametrize("name", INDEX_FILES)
def test_missing_file_is_corrupt(built_index, name):
    (Path(built_index.index_dir) / name).unlink()
    with pytest.raises(IndexCorrupt, match=f"{name} ontbreekt"):
        load_index(built_index.index_dir)


def test_flipped_byte_in_faiss_is_caught_before_faiss_reads_it(built_index, monkeypatch):
    path = Path(built_index.index_dir) / "dense.faiss"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    monkeypatch.setattr("faiss.read_index", lambda *a: pytest.fail("read_index before checksum"))
    with pytest.raises(IndexCorrupt, match="dense.faiss"):
        load_index(built_index.index_dir)


def test_garbage_faiss_with_matching_checksum_is_still_corrupt(built_index):
    """Someone 'fixes' the manifest by hand: parsing errors still become IndexCorrupt."""
    index_dir = Path(built_index.index_dir)
    (index_dir / "dense.faiss").write_bytes(b"not a faiss index at all")
    path, manifest = manifest_of(built_index)
    manifest["files"]["dense.faiss"] = sha256_file(index_dir / "dense.faiss")
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match="onleesbaar"):
        load_index(index_dir)


def test_inconsistent_counts_are_corrupt(built_index):
    path, manifest = manifest_of(built_index)
    manifest["passage_count"] = 3
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        load_index(built_index.index_dir)


@pytest.mark.parametrize("content", ["{", "[]", '{"format_version": %d}' % FORMAT_VERSION])
def test_broken_manifest_is_corrupt(built_index, content):
    path, _ = manifest_of(built_index)
    path.write_text(content, "utf-8")
    with pytest.raises(IndexCorrupt, match="kb build"):
        load_index(built_index.index_dir)


def test_manifest_cannot_point_outside_the_index(built_index):
    path, manifest = manifest_of(built_index)
    manifest["files"]["../../etc/passwd"] = "0" * 64
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match="ongeldige bestandsnaam"):
        load_index(built_index.index_dir)


def test_other_format_version_is_mismatch(built_index):
    path, manifest = manifest_of(built_index)
    manifest["format_version"] = 99
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexMismatch, match="formaatversie 99.*kb build"):
        load_index(built_index.index_dir)


def test_other_embedder_is_refused_with_what_to_do(built_index):
    class Other(FakeEmbedder):
        id = "other-model"

    index = load_index(built_index.index_dir)
    with pytest.raises(IndexMismatch, match="gebouwd met embedder 'fake'.*'other-model'.*kb build"):
        Searcher(index, Other(), built_index)
    Searcher(index, get_embedder(built_index), built_index)  # the right one is fine


def test_other_prefix_is_refused(built_index):
    class Prefixed(FakeEmbedder):
        query_prefix = "query: "

    with pytest.raises(IndexMismatch):
        Searcher(load_index(built_index.index_dir), Prefixed(), built_index)


def test_loaded_passages_share_page_level_strings(built_index):
    passages = load_index(built_index.index_dir).passages
    same_page = [p for p in passages if p["page_url"] == passages[0]["page_url"]]
    assert len(same_page) > 1
    assert same_page[0]["summary"] is same_page[1]["summary"]
    assert same_page[0]["themes"] is same_page[1]["themes"]


def test_passage_store_round_trips_every_passage():
    from indexer.passage_store import PassageStore
    from tests.indexer_testing import FIXTURE_PASSAGES

    original = [json.loads(line) for line in FIXTURE_PASSAGES.read_text("utf-8").splitlines()]
    odd = dict(original[1], summary="afwijkende samenvatting")  # a field that differs within a page
    original.insert(2, {**odd, "id": odd["id"] + "~2", "url": odd["url"] + "~2"})
    store = PassageStore(original)
    assert len(store) == len(original)
    assert list(store) == original
    assert store[-1] == original[-1] and store[1:3] == original[1:3]
    assert store.page(0)["title"] == original[0]["title"]
    with pytest.raises(IndexError):
        store[len(original)]


def test_sentence_offsets_that_do_not_fit_the_passages_are_corrupt(built_index):
    """A hand-made or mixed-up sentence file with a matching checksum is still refused."""
    import numpy as np
    index_dir = Path(built_index.index_dir)
    offsets = np.load(index_dir / "sentence_offsets.npy")
    np.save(index_dir / "sentence_offsets.npy", offsets[:-1], allow_pickle=False)
    path, manifest = manifest_of(built_index)
    manifest["files"]["sentence_offsets.npy"] = sha256_file(index_dir / "sentence_offsets.npy")
    path.write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexCorrupt, match="onleesbaar|zinvectoren"):
        load_index(index_dir)
