"""Dutch analysis: the same terms for index, query and highlighting."""
from indexer import textproc


def test_stop_words_removed_and_stems_shared():
    assert textproc.stem_tokens("Wat is de regierol van het wijkteam?") == ["regierol", "wijkteam"]
    assert textproc.stem_tokens("wijkteams") == textproc.stem_tokens("wijkteam")


def test_accents_folded_so_client_matches_client():
    assert textproc.stem_tokens("cliënten") == textproc.stem_tokens("clienten")
    assert textproc.words("Financiële Schotten") == ["financiele", "schotten"]


def test_hyphens_split_words():
    assert textproc.words("in- en uitvoegen, ggz-medewerker") == ["in", "en", "uitvoegen", "ggz", "medewerker"]


def test_compound_split_with_and_without_linking_s():
    lexicon = frozenset({"wijkteam", "medewerker", "samenwerking", "proces"})
    assert textproc.split_compound("wijkteammedewerker", lexicon) == ["wijkteam", "medewerker"]
    assert textproc.split_compound("samenwerkingsproces", lexicon) == ["samenwerking", "proces"]
    assert textproc.split_compound("jeugdzorg", lexicon) is None


def test_compound_parts_added_next_to_whole_word():
    lexicon = textproc.Lexicon({"wijkteam", "medewerker"})
    terms = textproc.stem_tokens("wijkteammedewerkers", lexicon)
    assert terms[0] == textproc.stem("wijkteammedewerkers")
    assert set(textproc.stem_tokens("wijkteam medewerker")) <= set(terms)


def test_lexicon_needs_repeated_words():
    lexicon = textproc.build_lexicon(["Het wijkteam en de medewerker", "Een wijkteam belt", "medewerker"])
    assert {"wijkteam", "medewerker"} <= lexicon.words
    assert "belt" not in lexicon


def test_equal_lexicons_do_not_share_or_compare_caches():
    a, b = textproc.Lexicon({"wijkteam", "medewerker"}), textproc.Lexicon({"wijkteam", "medewerker"})
    assert a == b and a.split("wijkteammedewerker") == ["wijkteam", "medewerker"]
    assert b.split("wijkteamleider") is None
    assert isinstance(a, frozenset)  # code that expects a frozenset keeps working


def test_plain_frozenset_lexicon_still_works():
    terms = textproc.stem_tokens("wijkteammedewerkers", frozenset({"wijkteam", "medewerker"}))
    assert "wijkteam" in terms


def test_empty_and_punctuation_only_text():
    assert textproc.stem_tokens("") == []
    assert textproc.stem_tokens("?!… — ") == []
