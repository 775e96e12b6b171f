"""Hybrid search: ranking, filters, bad questions, the JSON shared with the API."""
import numpy as np
import pytest

from indexer import search as search_mod
from indexer.embedders import get_embedder
from indexer.search import Searcher, hit_to_json, response_json
from indexer.store import load_index
from kbcore.errors import BadQuery
from tests.indexer_testing import fake_embedder, kb_settings, built_index  # noqa: F401


@pytest.fixture
def searcher(built_index):
    return Searcher(load_index(built_index.index_dir), get_embedder(built_index), built_index)


def test_best_passage_answers(searcher):
    hits = searcher.search("Hoeveel gemeenten maken zich zorgen over privacy?", k=3)
    assert hits[0].passage["anchor"] == "ut-twente-2014-privacy"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert 0 < hits[0].score <= 1 and hits[0].lexical > 0


def test_k_and_search_all(searcher):
    assert len(searcher.search("wijkteam", k=2)) == 2
    assert searcher.search("wijkteam", k=0) == []
    everything = searcher.search_all("wijkteam")
    assert len(everything) == len(searcher.index.passages)
    assert len({h.passage["id"] for h in everything}) == len(everything)


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_single_side_modes(searcher, mode):
    hits = searcher.search("shadowing onderzoek", k=5, mode=mode)
    assert hits
    if mode == "lexical":
        assert all(h.lexical > 0 for h in hits) and all(h.dense == 0 for h in hits)


def test_unknown_words_fall_back_to_dense(searcher):
    hits = searcher.search("xyzzy qwerty", k=3)
    assert len(hits) == 3 and all(h.lexical == 0 for h in hits)


def test_filters_and_across_keys_or_within(searcher):
    hits = searcher.search_all("wijkteam", filters={"type": ["dilemma"]})
    assert hits and {h.passage["page_type"] for h in hits} == {"dilemma"}
    hits = searcher.search_all("wijkteam", filters={"type": ["dilemma", "bron"], "theme": ["eigen-kracht-en-netwerk"]})
    assert hits and all(h.passage["page_type"] == "dilemma" for h in hits)
    assert all("eigen-kracht-en-netwerk" in h.passage["themes"] for h in hits)
    assert searcher.search("wijkteam", filters={"type": [], "law": ["jeugdwet"]})
    assert searcher.search("wijkteam", filters={"type": ["bron"], "law": ["jeugdwet"]}) == []


def test_bad_filters(searcher):
    with pytest.raises(BadQuery, match="onbekend filter 'kleur'"):
        searcher.search("wijkteam", filters={"kleur": ["rood"]})
    with pytest.raises(BadQuery, match="onbekende waarde 'sport'.*regie"):
        searcher.search("wijkteam", filters={"theme": ["sport"]})


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_empty_question(searcher, question):
    with pytest.raises(BadQuery, match="leeg"):
        searcher.search(question)


def test_too_long_question(searcher, built_index):
    limit = built_index.max_query_chars
    searcher.search("a" * limit)
    with pytest.raises(BadQuery, match=f"{limit + 1} tekens.*maximum is {limit}"):
        searcher.search("a" * (limit + 1))
    with pytest.raises(BadQuery):
        searcher.search("wijkteam " * 2000)


def test_odd_characters_do_not_break_search(searcher):
    for question in ["!!!???", "\x00\x01", "ø∑©  ", "<script>alert(1)</script>", "1 januari 2015"]:
        searcher.search(question)


def test_hit_json_has_the_api_fields(searcher):
    hits = searcher.search("regierol", k=2)
    result = hit_to_json(hits[0])
    for key in ("id", "url", "title", "section", "page_type", "themes", "laws", "text", "score"):
        assert key in result
    assert result["url"].endswith("#" + result["anchor"])
    response = response_json("regierol", hits, answer_threshold=0.0)
    assert response["answered"] and response["query"] == "regierol" and len(response["results"]) == 2
    assert not response_json("regierol", hits, answer_threshold=2.0)["answered"]
    assert not response_json("regierol", [], answer_threshold=0.0)["answered"]


def test_fusion_methods_rank_the_same_candidates(built_index):
    index = load_index(built_index.index_dir)
    embedder = get_embedder(built_index)
    for method in search_mod.FUSION_METHODS:
        hits = Searcher(index, embedder, built_index, method=method).search("regierol wijkteam", k=3)
        assert len(hits) == 3
    with pytest.raises(ValueError):
        Searcher(index, embedder, built_index, method="magic")


def test_fused_score_is_absolute_not_relative(searcher):
    """A question with no matching words scores lower than one that matches: thresholds can work."""
    on_topic = searcher.search("regierol van het wijkteam richting aanbieders", k=1)[0].score
    off_topic = searcher.search("voetbaluitslagen weerbericht", k=1)[0].score
    assert off_topic < on_topic


def test_scores_for_matches_search(searcher):
    vector = searcher.embedder.embed_queries(["privacy"])[0]
    scores, ids = searcher.index.dense.search(vector, 5)
    np.testing.assert_allclose(searcher.index.dense.scores_for(vector, ids), scores, rtol=1e-5)


def test_hnsw_above_threshold_finds_the_same_best_passages(kb_settings):
    from indexer.build import build_index

    exact = kb_settings.replace(index_dir=kb_settings.index_dir + "-flat")
    graph = kb_settings.replace(index_dir=kb_settings.index_dir + "-hnsw", hnsw_threshold=5)
    assert build_index(exact, progress=False)["dense"]["kind"] == "flat"
    assert build_index(graph, progress=False)["dense"]["kind"] == "hnsw"
    results = {}
    for s in (exact, graph):
        searcher = Searcher(load_index(s.index_dir), get_embedder(s), s)
        results[s.index_dir] = [h.passage["id"] for h in searcher.search("privacy van inwoners", k=3)]
        filtered = searcher.search("privacy", k=3, filters={"type": ["dilemma"]})
        assert filtered and all(h.passage["page_type"] == "dilemma" for h in filtered)
    assert results[exact.index_dir] == results[graph.index_dir]


class CountingStore:
    """A passage store that counts how often a passage is decoded."""

    def __init__(self):
        self.decoded = 0

    def __getitem__(self, i):
        self.decoded += 1
        return {"id": f"p{i}", "text": "tekst", "page_type": "dilemma", "themes": ["a"]}

    def page(self, i):
        return {"page_type": "dilemma", "themes": ["a"]}


def test_hits_decode_their_passage_once_and_only_when_asked():
    store = CountingStore()
    hit = search_mod.Hit(None, 0.9, 0.8, 1.0, store, 3)
    assert hit.page == {"page_type": "dilemma", "themes": ["a"]} and store.decoded == 0
    assert hit.passage["id"] == "p3" and hit.passage["id"] == "p3" and store.decoded == 1
    assert hit.page["page_type"] == "dilemma"  # now from the decoded passage
    given = search_mod.Hit({"id": "x"}, 0.5, 0.5, 0.0)
    assert given.passage == {"id": "x"} and given.page == {"id": "x"}
    with pytest.raises(ValueError):
        search_mod.Hit(None, 0.1, 0.1, 0.1)


def test_search_results_decode_only_the_hits_that_are_read(built_index, kb_settings):  # noqa: F811
    index = load_index(kb_settings.index_dir)
    searcher = Searcher(index, get_embedder(kb_settings), kb_settings)
    hits = searcher.search("wijkteam huisarts samenwerking", k=5)
    assert hits and all(h._passage is None for h in hits)
    assert hits[0].passage["id"] == index.passages[hits[0]._number]["id"]


def _searcher_over(kb_settings, passages: list[dict]) -> Searcher:
    """A searcher over an index built from ``passages`` (with the fake embedder)."""
    import json
    from indexer.build import build_index
    kb_settings.passages_file.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages), "utf-8")
    build_index(kb_settings, progress=False)
    return Searcher(load_index(kb_settings.index_dir), get_embedder(kb_settings), kb_settings)


def test_a_question_that_names_a_list_prefers_the_passage_with_the_list(kb_settings):
    """"De tien aandachtsgebieden": the passage that lists them beats the one that only
    announces them; a question that names no list is ranked as before."""
    from indexer.search import LIST_QUESTION
    assert LIST_QUESTION.search("Wat zijn de tien vraagstukken rond samenwerken?")
    assert LIST_QUESTION.search("Wat is de eerste van de aandachtsgebieden?")
    assert not LIST_QUESTION.search("Ik werk al twaalf jaar in de ggz; wat doet het wijkteam?")
    base = {"title": "Tien aandachtsgebieden", "page_type": "bron", "themes": [], "laws": [], "sources": []}
    passages = [
        {**base, "id": "bron#wat", "url": "bron.html#wat", "section": "Tien aandachtsgebieden › Wat",
         "text": "Wat zijn de tien aandachtsgebieden van het wijkteam? Het rapport geeft ze."},
        {**base, "id": "bron#lijst", "url": "bron.html#lijst", "section": "Tien aandachtsgebieden › Lijst",
         "text": "De tien aandachtsgebieden van het wijkteam:\n\n• Opdracht\n• Werkwijze\n"
                 "• Ketenpartners\n• Bereikbaarheid"},
        {**base, "id": "ander#x", "url": "ander.html#x", "title": "Schulden", "section": "Schulden",
         "text": "Het wijkteam helpt bij schulden en verwijst naar de schuldhulp."},
    ]
    searcher = _searcher_over(kb_settings, passages)
    assert list(searcher._list_passages()) == [0.0, 1.0, 0.0]
    question = "Wat zijn de tien aandachtsgebieden van het wijkteam?"
    searcher.list_bonus = 0.0
    plain = {h.passage["id"]: h.score for h in searcher.search(question, 3)}
    # the announcing passage repeats the question's words and wins without the bonus
    # (fake-embedder scores: a larger bonus than the real model's LIST_BONUS)
    assert 0 < plain["bron#wat"] - plain["bron#lijst"] < 0.3
    searcher.list_bonus = 0.3
    boosted = searcher.search(question, 3)
    assert boosted[0].passage["id"] == "bron#lijst"
    assert boosted[0].score == pytest.approx(plain["bron#lijst"] + 0.3)
    assert {h.passage["id"]: h.score for h in boosted}["bron#wat"] == pytest.approx(plain["bron#wat"])
    other = "Wat doet het wijkteam bij schulden?"
    searcher.list_bonus = 0.0
    before = [(h.passage["id"], h.score) for h in searcher.search(other, 3)]
    searcher.list_bonus = 0.3
    assert [(h.passage["id"], h.score) for h in searcher.search(other, 3)] == before


def test_a_passage_of_only_our_own_explanation_ranks_below_the_sourced_finding(kb_settings):
    """A passage without a source locator whose text is (nearly) all {redactie} ranks
    EDITORIAL_PENALTY lower; sourced passages keep their score."""
    base = {"title": "ZorgMail", "page_type": "praktijkvoorbeeld", "themes": [], "laws": [], "sources": []}
    text = "Veilig verwijzen tussen huisarts en wijkteam gaat met een systeem als ZorgMail."
    passages = [
        {**base, "id": "p#lessen", "url": "p.html#lessen", "section": "ZorgMail › Lessen", "text": text,
         "editorial": [text], "locators": []},
        {**base, "id": "p#bevinding", "url": "p.html#bevinding", "section": "ZorgMail › Bevinding", "text": text,
         "editorial": [], "locators": [{"source": "amphi-2015", "quote": "ZorgMail"}]},
        {**base, "id": "p#half", "url": "p.html#half", "section": "ZorgMail › Half", "text": text + " " + text,
         "editorial": [text], "locators": []},
    ]
    searcher = _searcher_over(kb_settings, passages)
    assert list(searcher._editorial_passages()) == [1.0, 0.0, 0.0]
    question = "Welk systeem voor veilig verwijzen tussen huisarts en wijkteam?"
    searcher.editorial_penalty = 0.0
    plain = {h.passage["id"]: h.score for h in searcher.search(question, 3)}
    searcher.editorial_penalty = 0.08
    ranked = searcher.search(question, 3)
    scores = {h.passage["id"]: h.score for h in ranked}
    assert scores["p#lessen"] == pytest.approx(plain["p#lessen"] - 0.08)
    assert scores["p#bevinding"] == pytest.approx(plain["p#bevinding"])
    assert [h.passage["id"] for h in ranked].index("p#bevinding") < [h.passage["id"] for h in ranked].index("p#lessen")


def test_a_long_question_keeps_its_words_telling_passages_apart(kb_settings):
    """BM25 adds up over a question's terms: for a long case description every candidate
    gets a high sum. Above LEXICAL_TERMS known terms the half point of the saturation grows
    with the number of terms, so the lexical side still separates the passages; a short
    question is scored as before."""
    from indexer.search import LEXICAL_HALF, LEXICAL_TERMS
    base = {"title": "Huisarts", "page_type": "dilemma", "themes": [], "laws": [], "sources": []}
    passages = [
        {**base, "id": "a#1", "url": "a.html#1", "section": "Huisarts › Overleg",
         "text": "De huisarts en het wijkteam plannen overleg over verwijzen, terugkoppelen en vertrouwen."},
        {**base, "id": "a#2", "url": "a.html#2", "section": "Huisarts › Tijd",
         "text": "De huisarts heeft weinig tijd voor overleg met het wijkteam."},
        {**base, "id": "b#1", "url": "b.html#1", "title": "Schulden", "section": "Schulden",
         "text": "Het wijkteam helpt bij schulden en verwijst naar de schuldhulp."},
    ]
    searcher = _searcher_over(kb_settings, passages)
    lexical = searcher.index.lexical
    long_question = ("Ik coördineer een team in een dorp; wat is bekend over verwijzen, terugkoppelen, "
                     "vertrouwen en overleg tussen huisarts en wijkteam?")
    short_question = "huisarts overleg"
    n_long = len(lexical.term_ids(long_question))
    assert n_long > LEXICAL_TERMS >= len(lexical.term_ids(short_question))

    def lexical_scores(question: str) -> dict[str, tuple[float, float]]:
        return {h.passage["id"]: (h.score, h.lexical) for h in searcher.search(question, 3, mode="lexical")}

    for pid, (score, raw) in lexical_scores(short_question).items():
        assert score == pytest.approx(raw / (raw + LEXICAL_HALF), rel=1e-5)
    scaled = lexical_scores(long_question)
    half = LEXICAL_HALF * n_long / LEXICAL_TERMS
    for pid, (score, raw) in scaled.items():
        assert score == pytest.approx(raw / (raw + half), rel=1e-5)
    # the passage with all the question's words leads by a larger factor than with the fixed
    # half point, where both would saturate towards 1
    (best, raw_best), (second, raw_second) = scaled["a#1"], scaled["a#2"]
    fixed_ratio = (raw_best / (raw_best + LEXICAL_HALF)) / (raw_second / (raw_second + LEXICAL_HALF))
    assert best / second > fixed_ratio > 1
    searcher.lexical_terms = 0  # switched off: the fixed half point again
    for pid, (score, raw) in lexical_scores(long_question).items():
        assert score == pytest.approx(raw / (raw + LEXICAL_HALF), rel=1e-5)
