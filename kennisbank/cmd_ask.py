"""`kb ask "vraag"`: the search assistant on the command line.

Same code path and, with ``--json``, the same result objects as the app's /api/search
(`indexer.search.response_json`), so a result can be checked without a browser. The answer
is the app's too: the sentences `search_app.answer.compose_answer` quotes from the best
passages, printed with their citation numbers above the passages they cite.
"""
from __future__ import annotations

import json
import textwrap

import click

from kbcore.settings import Settings


@click.command("ask")
@click.argument("question", metavar="VRAAG")
@click.option("-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, metavar="AANTAL",
              help="Aantal passages.")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON (zelfde vorm als /api/search).")
@click.option("--type", "types", multiple=True, metavar="TYPE", help="Alleen dit paginatype (herhaalbaar).")
@click.option("--theme", "themes", multiple=True, metavar="THEMA", help="Alleen dit thema (herhaalbaar).")
@click.option("--law", "laws", multiple=True, metavar="WET", help="Alleen deze wet (herhaalbaar).")
@click.pass_obj
def ask(settings: Settings, question: str, k: int, as_json: bool,
        types: tuple[str, ...], themes: tuple[str, ...], laws: tuple[str, ...]) -> None:
    """Zoek de passages die de VRAAG het best beantwoorden."""
    from indexer.embedders import get_embedder
    from indexer.search import Searcher, check_query, response_json
    from indexer.store import load_index, recover_index, recovery_line
    from search_app.sentence_links import PageTexts, sentence_link

    question = check_query(question, settings.max_query_chars)  # fail fast, before loading
    restored = recover_index(settings.index_dir)  # a build killed mid-swap left it aside
    if restored is not None:
        click.echo(recovery_line(settings.index_dir, restored), err=True)
    index = load_index(settings.index_dir)
    searcher = Searcher(index, get_embedder(settings), settings)
    filters = {key: list(values) for key, values in
               (("type", types), ("theme", themes), ("law", laws)) if values}
    hits = searcher.search(question, k=k, filters=filters or None)
    response = response_json(question, hits, settings.answer_threshold, settings.answer_threshold_en)
    sentences = answer_sentences(question, hits, index) if response["answered"] else []
    pages = PageTexts(index.passages) if sentences else None
    response["answer"] = {"found": bool(sentences), "sentences": [
        {"text": s.text, "result": s.result,
         "link": sentence_link(response["results"][s.result - 1]["url"], s.text, pages)} for s in sentences]}
    if as_json:
        click.echo(json.dumps(response, ensure_ascii=False, indent=2))
        return
    if not response["answered"]:
        click.echo("De kennisbank heeft hier geen goed antwoord op. Dichtstbijzijnde passages:\n")
    elif sentences:
        click.secho("Antwoord (letterlijke zinnen uit de kennisbank; het nummer is de bronpassage):", bold=True)
        for sentence in sentences:
            click.echo(textwrap.fill(f"{sentence.text} [{sentence.result}]", width=88,
                                     initial_indent="   ", subsequent_indent="   "))
        click.echo()
        click.secho("Bronpassages:", bold=True)
    for rank, result in enumerate(response["results"], start=1):
        click.secho(f"{rank}. {result['section'] or result['title']}", bold=True)
        click.echo(f"   {settings.base_url.rstrip('/')}/{result['url']}")
        click.echo(f"   score {result['score']:.3f} (dense {result['dense']:.3f}, "
                   f"BM25 {result['lexical']:.2f}) · {result['page_type_label'] or result['page_type']}")
        text = textwrap.shorten(result["text"], width=400, placeholder=" …")
        click.echo(textwrap.indent(textwrap.fill(text, width=88), "   ") + "\n")


def answer_sentences(question: str, hits: list, index) -> list:
    """The answer the app shows for these hits: `compose_answer` over the same passages."""
    from search_app.answer import TermWeights, compose_answer
    from search_app.highlight import StemMatcher

    lexicon = getattr(getattr(index, "lexical", None), "lexicon", None)
    matcher = StemMatcher(lexicon if isinstance(lexicon, frozenset) else None)
    weights = TermWeights.from_lexical(getattr(index, "lexical", None))
    return compose_answer([hit.passage for hit in hits], matcher.query_stems(question), matcher,
                          question=question, weights=weights,
                          dense=[getattr(hit, "sentence_cosines", None) for hit in hits])
