"""Choosing the answer sentences: evidence weighted by rarity, the sentence's role, sources."""
from __future__ import annotations

import numpy as np

from indexer.lexical import LexicalIndex
from indexer.search import Hit, is_answered
from search_app.answer import TermWeights, compose_answer, split_sentences
from search_app.highlight import StemMatcher

MATCHER = StemMatcher()


def passage(text: str, section: str = "Pagina › Sectie", **fields) -> dict:
    return {"id": section, "title": "Pagina", "section": section, "text": text, **fields}


def answer(passages, question, weights=None):
    return [s.text for s in compose_answer(passages, MATCHER.query_stems(question), MATCHER,
                                           question=question, weights=weights)]


def test_a_title_ending_in_a_question_mark_does_not_end_the_sentence():
    text = ("Voor Wat belemmert en helpt wijkteams? (Engbersen e.a., 2021) zochten de auteurs vijf "
            "wijkteams op. Engbersen e.a. (2021) beginnen bij de decentralisatie. Werkt het? Ja.")
    assert split_sentences(text) == [
        "Voor Wat belemmert en helpt wijkteams? (Engbersen e.a., 2021) zochten de auteurs vijf wijkteams op.",
        "Engbersen e.a. (2021) beginnen bij de decentralisatie.", "Werkt het?", "Ja."]


def test_a_question_for_a_figure_gets_the_sentence_with_the_figure_not_the_echo():
    p = passage("In Gelderland-Midden evalueerde het bureau de samenwerking tussen huisartsen en wijkteams. "
                "Die samenwerking stond toen nog in de beginfase van haar ontwikkeling. "
                "De partijen verwezen een paar keer per maand naar elkaar door.",
                section="Gelderland-Midden › Bevindingen")
    texts = answer([p], "Hoe vaak verwezen huisartsen en wijkteams in Gelderland-Midden naar elkaar?")
    assert "De partijen verwezen een paar keer per maand naar elkaar door." in texts


def test_pointers_and_cross_reference_sections_are_not_quoted():
    own = passage("Het wijkteam voert de regie over de zorgaanbieders in de wijk. "
                  "Zie het dilemma over de regie van het wijkteam en de zorgaanbieders.")
    links = passage("De regie van het wijkteam over zorgaanbieders staat op vele pagina's beschreven.",
                    section="Pagina › Verder lezen", navigation=True)
    texts = answer([links, own], "Wie voert de regie over zorgaanbieders?")
    assert texts and all(not t.startswith("Zie ") for t in texts)
    assert not any("vele pagina's" in t for t in texts)
    numbers = [s.result for s in compose_answer([links, own], MATCHER.query_stems("regie zorgaanbieders"),
                                                MATCHER, question="regie zorgaanbieders")]
    assert set(numbers) == {2}  # the citation number stays that of the result in the list


def test_rare_question_words_weigh_more_than_common_ones():
    texts = ["wijkteam regie", "wijkteam privacy", "wijkteam huisarts", "wijkteam school", "zorgmail wijkteam"]
    weights = TermWeights.from_lexical(LexicalIndex.build(texts, split_compounds=False))
    assert weights.weight("zorgmail") > weights.weight("wijkteam")
    p = passage("Het wijkteam werkt in de wijk met veel partners samen aan de regie. "
                "Het wijkteam bespreekt elke week de casussen van de scholen. "
                "Het wijkteam heeft een vaste contactpersoon voor de huisarts. "
                "Een systeem als ZorgMail helpt bij het veilig verwijzen.")
    zorgmail = "Een systeem als ZorgMail helpt bij het veilig verwijzen."
    assert zorgmail in answer([p], "wijkteam ZorgMail", weights)
    assert zorgmail not in answer([p], "wijkteam ZorgMail")  # unweighted: the earlier sentences win


def test_english_questions_match_through_the_dutch_domain_words():
    p = passage("Het weer is vandaag erg wisselvallig in het hele land. "
                "Morgen wordt het droog met af en toe wat zon. "
                "Huisartsen twijfelen aan de deskundigheid van het wijkteam, zegt de LHV.")
    question = "Why do general practitioners doubt the neighbourhood team?"
    doubt = "Huisartsen twijfelen aan de deskundigheid van het wijkteam, zegt de LHV."
    assert doubt in answer([p], question)
    assert doubt not in [s.text for s in compose_answer([p], MATCHER.query_stems(question), MATCHER)]


def _hit(score: float, dense: float) -> Hit:
    return Hit({"id": "x", "text": ""}, score, dense, 0.0)


def test_english_questions_are_answered_on_the_dense_side():
    english, dutch = "How do neighbourhood teams cooperate with GPs?", "Hoe werken wijkteams samen met huisartsen?"
    low_fused_good_cosine = [_hit(0.32, 0.82)]
    assert is_answered(english, low_fused_good_cosine, 0.35, 0.79)
    assert not is_answered(dutch, low_fused_good_cosine, 0.35, 0.79)
    assert not is_answered(english, [_hit(0.32, 0.75)], 0.35, 0.79)
    assert not is_answered(english, low_fused_good_cosine, 0.35)  # without the English threshold
    assert is_answered(dutch, [_hit(0.36, 0.70)], 0.35, 0.79)
    assert not is_answered(english, [], 0.35, 0.79)


def test_a_long_dutch_question_with_is_and_of_is_not_english():
    from indexer.english import looks_english

    assert not looks_english("Ik ben Sanne, 34, en ik vraag me af of dit elders ook speelt. Is daar onderzoek naar?")
    assert looks_english("What is shadowing?")
    assert looks_english("What conditions must be met before a team can invest in prevention?")


def test_bm25_reads_a_misspelt_term_as_the_known_term_one_edit_away():
    index = LexicalIndex.build(["De ontwikkeltafel is een open dialoog.", "Privacy van inwoners.",
                                "Het wijkteam en de huisarts."], split_compounds=False)
    for typo in ("ontwikeltafel", "ontwikkeltafell", "ontwikkeltafle"):
        scores = index.scores(typo)
        assert scores[0] > 0 and scores[1] == scores[2] == 0, typo
    assert not index.scores("tafel").any()  # short or far-off words are not guessed
    index.typo_min_chars = 0
    assert not index.scores("ontwikeltafel").any()
    assert np.array_equal(index.scores("privacy"), index.scores("Privacy"))


def test_a_question_for_questions_gets_the_sentence_that_quotes_them(monkeypatch):
    import search_app.answer as answer_module

    p = passage("Het wijkteam als werkplaats beschrijft twintig dilemma's van professionals in de wijk. "
                "Volgens Vos e.a. stellen professionals in het wijkteam zich vaak vragen over hun rol. "
                "Professionals stellen vragen als “Tot hoever ga je?” en “Wie is er aan zet?”.",
                section="Het wijkteam als werkplaats › Verantwoordelijkheid")
    question = "Welke vragen stellen professionals in Het wijkteam als werkplaats?"
    quoted = "Professionals stellen vragen als “Tot hoever ga je?” en “Wie is er aan zet?”."
    assert quoted in answer([p], question)
    monkeypatch.setattr(answer_module, "ROLE_BONUS", 0.0)
    assert quoted not in answer([p], question)


def test_an_english_question_answered_by_meaning_counts_its_facets():
    from search_app.query import SearchRequest
    from search_app.results import run_search
    from search_app.service import make_snapshot
    from kbcore.settings import load_settings

    passages = [{"id": f"p{i}", "url": f"p{i}.html#a", "title": "Huisarts", "section": "Huisarts",
                 "page_type": "dilemma", "page_type_label": "Dilemma", "themes": [], "laws": [],
                 "text": "Huisartsen en wijkteams verwijzen een paar keer per maand naar elkaar door."}
                for i in range(3)]

    class Searcher:
        def search(self, query, k=5, filters=None):
            return [Hit(p, 0.30, 0.85, 0.0) for p in passages]

    class Loaded:
        manifest: dict = {}

    Loaded.passages = passages
    settings = load_settings(env={}).replace(answer_threshold=0.35, answer_threshold_en=0.79)
    snapshot = make_snapshot(Searcher(), Loaded())
    english = run_search(snapshot, SearchRequest(q="How often do GPs and neighbourhood teams refer?"), settings)
    assert english.found and english.sentences
    assert sum(f.count for f in english.facets["type"]) == 3
    dutch = run_search(snapshot, SearchRequest(q="Hoe vaak verwijzen huisartsen en wijkteams door?"), settings)
    assert not dutch.found and not dutch.sentences


def test_the_sentence_closest_in_meaning_wins_over_the_one_that_repeats_the_question():
    """Sentence vectors: of two sentences that share the question's words equally, the one
    whose own vector is closest to the question is quoted first; a sentence that shares no
    word more than the question's subject is not quoted on its words alone."""
    p = passage("Over preventie gaat deze hele sectie. "
                "Preventie wordt in de stukken vaak genoemd. "
                "Eerst moet de caseload van het wijkteam omlaag, anders blijft er geen tijd over.",
                section="Preventie › Voorwaarden")
    question = "Wat moet het wijkteam regelen voor preventie?"
    CASELOAD = "Eerst moet de caseload van het wijkteam omlaag, anders blijft er geen tijd over."
    stems = MATCHER.query_stems(question)
    without = compose_answer([p], stems, MATCHER, question=question)
    assert CASELOAD not in [s.text for s in without]
    close = np.array([0.80, 0.79, 0.93])  # cosine of the question with each sentence
    chosen = compose_answer([p], stems, MATCHER, question=question, dense=[close])
    assert CASELOAD in [s.text for s in chosen]
    far = np.array([0.80, 0.79, 0.70])
    chosen = compose_answer([p], stems, MATCHER, question=question, dense=[far])
    assert [s.text for s in chosen] == [s.text for s in without]


def test_hits_carry_the_questions_cosine_with_each_sentence_of_their_passage():
    from indexer.sentences import SentenceVectors
    rows = [np.eye(4, dtype=np.float32)[:2], np.zeros((0, 4), np.float32), np.eye(4, dtype=np.float32)[2:]]
    vectors = SentenceVectors.from_rows(rows, 4)
    question = np.array([0.0, 1.0, 0.0, 0.6], dtype=np.float32)
    hits = [Hit({"id": str(n)}, 1.0, 0.0, 0.0, number=n, meaning=(vectors, question)) for n in range(3)]
    got = [h.sentence_cosines for h in hits]
    assert np.allclose(got[0], [0.0, 1.0]) and len(got[1]) == 0 and np.allclose(got[2], [0.0, 0.6])
    assert Hit({"id": "x"}, 1.0, 0.0, 0.0).sentence_cosines is None
