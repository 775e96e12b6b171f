"""`kb ask "vraag"`: the search assistant on the command line.

Same code path and, with ``--json``, the same result objects as the app's /api/search
(`indexer.search.response_json`), so a result can be checked without a browser.
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

    question = check_query(question, settings.max_query_chars)  # fail fast, before loading
    restored = recover_index(settings.index_dir)  # a build killed mid-swap left it aside
    if restored is not None:
        click.echo(recovery_line(settings.index_dir, restored), err=True)
    index = load_index(settings.index_dir)
    searcher = Searcher(index, get_embedder(settings), settings)
    filters = {key: list(values) for key, values in
               (("type", types), ("theme", themes), ("law", laws)) if values}
    hits = searcher.search(question, k=k, filters=filters or None)
    response = response_json(question, hits, settings.answer_threshold)
    if as_json:
        click.echo(json.dumps(response, ensure_ascii=False, indent=2))
        return
    if not response["answered"]:
        click.echo("De kennisbank heeft hier geen goed antwoord op. Dichtstbijzijnde passages:\n")
    for rank, result in enumerate(response["results"], start=1):
        click.secho(f"{rank}. {result['section'] or result['title']}", bold=True)
        click.echo(f"   {settings.base_url.rstrip('/')}/{result['url']}")
        click.echo(f"   score {result['score']:.3f} (dense {result['dense']:.3f}, "
                   f"BM25 {result['lexical']:.2f}) · {result['page_type_label'] or result['page_type']}")
        text = textwrap.shorten(result["text"], width=400, placeholder=" …")
        click.echo(textwrap.indent(textwrap.fill(text, width=88), "   ") + "\n")
