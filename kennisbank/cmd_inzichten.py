"""`kb inzichten`: what professionals ask and do not find, for editors (docs/redacteuren.md).

Reads the insights file read-only (it never creates one and never changes a record) and the site's
passages for titles and themes; `search_app.insights_report` computes the figures.
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from kbcore.settings import Settings

_MONTHS = ("januari februari maart april mei juni juli augustus september oktober november "
           "december").split()


def dutch_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def _read_passages(path: Path) -> list[dict[str, Any]]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError):
        click.echo(f"Let op: {path} niet gelezen; passages worden alleen met hun id genoemd "
                   f"(voer `kb build` uit voor titels en thema's).", err=True)
        return []


def print_report(report: dict[str, Any]) -> None:
    period, qs, fb = report["period"], report["questions"], report["feedback"]
    click.secho(f"Inzichten over de laatste {period['days']} dagen "
                f"({dutch_date(period['from'])} tot en met {dutch_date(period['to'])})", bold=True)
    click.echo(f"Vragen: {qs['total']}, waarvan {qs['answered']} met een antwoord "
               f"({_percent(qs['share_answered'])}). Reacties op antwoorden: {fb['total']} "
               f"(nuttig {fb['useful']}, niet nuttig {fb['not_useful']}).")

    click.secho("\nOnbeantwoorde onderwerpen (vaakst gevraagd eerst)", bold=True)
    if not report["unanswered_topics"]:
        click.echo(f"  Geen onderwerp dat in minstens {report['min_questions_per_topic']} "
                   f"onbeantwoorde vragen terugkomt.")
    for n, topic in enumerate(report["unanswered_topics"], start=1):
        click.echo(f"  {n:>2}. {' · '.join(topic['words'])}  —  {topic['questions']} vragen "
                   f"(laatst {dutch_date(topic['last_day'])})")
    if report["unanswered_other"]:
        click.echo(f"      en {report['unanswered_other']} onbeantwoorde vragen over andere onderwerpen")

    click.secho("\nPassages die het vaakst 'niet nuttig' kregen", bold=True)
    if not report["not_useful_passages"]:
        click.echo("  Geen.")
    for n, p in enumerate(report["not_useful_passages"], start=1):
        name = p["section"] or p["title"] or f"{p['id']} (bestaat niet meer in de site)"
        click.echo(f"  {n:>2}. {name}  —  niet nuttig {p['not_useful']}, nuttig {p['useful']}")
        if p["url"]:
            click.echo(f"      {p['url']}")

    click.secho("\nAandeel vragen met een antwoord, per week", bold=True)
    if not report["weeks"]:
        click.echo("  Nog geen vragen in deze periode.")
    for week in report["weeks"]:
        share = week["share_answered"] or 0.0
        bar = "█" * round(share * 20)
        click.echo(f"  week van {dutch_date(week['monday']):<18} {week['questions']:>5} vragen  "
                   f"{_percent(week['share_answered']):>5}  {bar}")

    click.secho("\nThema's waarover gevraagd wordt (thema's van de beste passage)", bold=True)
    if not report["themes"]:
        click.echo("  Nog geen beantwoorde vragen in deze periode.")
    for theme in report["themes"]:
        click.echo(f"  {theme['label']:<40} {theme['questions']:>5}")


@click.command("inzichten")
@click.option("--dagen", type=click.IntRange(1, 3660), default=30, show_default=True, metavar="N",
              help="Periode: de laatste N dagen (tot en met vandaag).")
@click.option("--json", "as_json", is_flag=True, help="Uitvoer als JSON.")
@click.option("--top", type=click.IntRange(1, 100), default=10, show_default=True, metavar="AANTAL",
              help="Aantal regels per lijst.")
@click.option("--minimaal", type=click.IntRange(1, 1000), default=2, show_default=True, metavar="AANTAL",
              help="Een onderwerp telt pas mee als zoveel onbeantwoorde vragen het delen.")
@click.pass_obj
def inzichten(settings: Settings, dagen: int, as_json: bool, top: int, minimaal: int) -> None:
    """Wat professionals vragen en niet vinden: overzicht voor redacteuren."""
    import sqlite3

    from search_app.insights_report import build_report, read_period
    from search_app.insights_store import InsightsUnavailable, connect_readonly, insights_file

    if not settings.insights:
        click.echo("Let op: de instelling insights staat uit; er komen geen nieuwe gegevens bij.",
                   err=True)
    today = date.today()
    path = insights_file(settings)
    conn = connect_readonly(path)
    try:
        questions, feedback = read_period(conn, dagen, today)
    except sqlite3.DatabaseError as exc:
        raise InsightsUnavailable(f"{path}: het inzichtenbestand is beschadigd ({exc}); hernoem of "
                                  f"verwijder het, dan begint de app een nieuw") from None
    finally:
        conn.close()
    report = build_report(questions, feedback, _read_passages(settings.passages_file), days=dagen,
                          today=today, base_url=settings.base_url, top=top, min_questions=minimaal)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print_report(report)
