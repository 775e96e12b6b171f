"""`kb eval QUESTIONS.tsv`: answer quality of the search, beside the baselines it must beat.

Runs the same search the API uses (`indexer.search.Searcher.search`) on every question,
and in the same run its dense and lexical halves, plain BM25 and Sphinx's own site search,
all over the passages of the current index. Questions whose facts are in no passage are
listed apart ("niet in de kennisbank"): that is missing content, not a search miss.

The answer score measures the answer sentences the API returns (`search_app.evaluation`),
beside the same answer code fed by BM25; per language and per kind of question.
"""
from __future__ import annotations

import json
from pathlib import Path

import click

from kbcore.settings import Settings

SYSTEM_LABELS = {
    "fused": "zoekassistent (dense + BM25)",
    "dense": "alleen dense",
    "lexical": "alleen BM25 (onze analyse)",
    "bm25": "baseline: BM25 (Snowball)",
    "sphinx": "baseline: Sphinx-zoekfunctie",
}


def _echo_groups(result: dict) -> None:
    """top-1/top-5 of the search per kind of question (when the file has kinds)."""
    fused = result["scores"].get("fused", {})
    kinds = fused.get("by_kind") or {}
    if kinds:
        click.echo("  Per soort vraag (zoekassistent):  " + "  ".join(
            f"{kind} {s['top1']:.3f}/{s['top5']:.3f} (n={s['n']})" for kind, s in kinds.items())
            + "  [top-1/top-5]")


def _echo_answer(result: dict) -> None:
    """Answer score per system, language and kind, and the questions the answer misses."""
    answers = result.get("answer") or {}
    if not answers:
        return
    groups = [("lang", lang) for lang in next(iter(answers.values()))["by_lang"]] + \
             [("kind", kind) for kind in next(iter(answers.values()))["by_kind"]]
    click.echo("  Antwoordscore (de getoonde antwoordzinnen bevatten het feit):")
    click.echo(f"    {'systeem':30} {'alle':>6}" + "".join(
        f" {('taal ' + name) if key == 'lang' else name:>10}" for key, name in groups))
    for system, scores in answers.items():
        line = f"    {SYSTEM_LABELS.get(system, system):30} {scores['all']['score']:>6.3f}"
        for key, name in groups:
            line += f" {scores['by_' + key][name]['score']:>10.3f}"
        click.echo(line)
    if result.get("answer_failures"):
        click.echo("  Antwoord zonder het gevraagde feit (zoekassistent):")
        for miss in result["answer_failures"]:
            label = f"{miss['id']}" + (f" [{miss['kind']}]" if miss["kind"] else "")
            shown = "geweigerd" if not miss["sentences"] else f"{len(miss['sentences'])} zinnen"
            click.echo(f"    {label} ({shown}): {miss['question']}")


@click.command("eval")
@click.argument("questions", nargs=-1, required=True, metavar="VRAGEN...",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@click.option("--off-topic", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              metavar="BESTAND",
              help="TSV met vragen waarop de assistent geen antwoord mag geven.")
@click.option("--no-baselines", is_flag=True, help="Alleen de zoekassistent meten.")
@click.pass_obj
def eval_command(settings: Settings, questions: tuple[Path, ...], as_json: bool,
                 off_topic: Path | None, no_baselines: bool) -> None:
    """Meet top-1, top-5 en MRR@10 op de vragen in VRAGEN (TSV: id, lang, question, patterns)."""
    from indexer.evaluate import run_eval
    from search_app.evaluation import answerers

    report = run_eval(settings, list(questions), off_topic, baselines=not no_baselines,
                      answerers=answerers)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Index: {report['index']['passages']} passages, embedder {report['index']['embedder']}; "
               f"fusion_weight {settings.fusion_weight}, answer_threshold {settings.answer_threshold}\n")
    for name, result in report["files"].items():
        click.secho(name, bold=True)
        langs = sorted({lang for s in result["scores"].values() for lang in s["by_lang"]})
        head = f"  {'systeem':32} {'n':>3} {'top-1':>6} {'top-5':>6} {'MRR@10':>7}" + "".join(
            f" {lang + ' top-1':>9} {lang + ' top-5':>9}" for lang in langs)
        click.echo(head)
        for system, scores in result["scores"].items():
            a = scores["all"]
            line = f"  {SYSTEM_LABELS.get(system, system):32} {a['n']:>3} {a['top1']:>6.3f} {a['top5']:>6.3f} {a['mrr10']:>7.3f}"
            for lang in langs:
                s = scores["by_lang"].get(lang, {"top1": 0, "top5": 0})
                line += f" {s['top1']:>9.3f} {s['top5']:>9.3f}"
            click.echo(line)
        _echo_groups(result)
        _echo_answer(result)
        if result["misses"]:
            click.echo("  Niet op plaats 1 (zoekassistent):")
            for miss in result["misses"]:
                rank = miss["rank"] if miss["rank"] else "> 10"
                click.echo(f"    {miss['id']} (plaats {rank}): {miss['question']}  → bovenaan: {miss['top']}")
        if result["not_in_kb"]:
            click.echo("  Niet in de kennisbank (geen passage bevat de gevraagde feiten):")
            for q in result["not_in_kb"]:
                click.echo(f"    {q['id']}: {q['question']}")
        click.echo("")
    for system, why in report["unavailable"].items():
        click.echo(f"{SYSTEM_LABELS.get(system, system)} niet gemeten: {why}")
    refused = report["on_topic_refused"]
    click.echo("Vragen over de kennisbank geweigerd (onder answer_threshold, Engels ook onder "
               f"answer_threshold_en): {len(refused)}")
    for q in refused:
        click.echo(f"    {q['id']} (score {q['score']}): {q['question']}")
    if "off_topic" in report:
        off = report["off_topic"]
        click.echo(f"Vragen buiten de kennisbank geweigerd: {off['refused']} van {off['n']} ({off['rate']:.0%})")
        for q in off["answered"]:
            click.echo(f"    toch beantwoord: {q['id']} (score {q['score']}): {q['question']}")
