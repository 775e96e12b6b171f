"""click's own messages in Dutch ("Gebruik:", "Fout: Argument ontbreekt", ...).

click marks every message it prints with gettext (``from gettext import gettext as _`` in
each of its modules) but ships no translations, and gettext would pick one by the
machine's locale. The `kb` command speaks Dutch whatever the locale, so `install` gives
click's modules a ``_`` and ``ngettext`` that look the message up here first and fall
back to gettext for anything not listed. ``tests/test_cli_dutch.py`` reads every message
from click's own source and fails when one of them is missing here, so a new click
version cannot bring English back unnoticed.

The metavars click prints (``[OPTIONS]``, ``COMMAND [ARGS]...``, a type's name such as
``INTEGER RANGE``) are not messages; `DUTCH_METAVARS` and the commands' own ``metavar=``
cover those.
"""
from __future__ import annotations

import gettext
import importlib

#: click's messages (msgid → Dutch). Placeholders are kept where the Dutch needs them; a
#: placeholder left out (the type name in "is not a valid {number_type}") is simply unused.
MESSAGES: dict[str, str] = {
    # help and usage
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Commands": "Opdrachten",
    "Positional arguments": "Argumenten",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "Show the version and exit.": "Toon de versie en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "default: {default}": "standaard: {default}",
    "env var: {var}": "omgevingsvariabele: {var}",
    "required": "verplicht",
    "deprecated": "verouderd",
    "(dynamic)": "(wisselt)",
    "Try '{command} {option}' for help.": "Zie '{command} {option}' voor hulp.",
    # errors (the prefix is the project's one: "Fout:")
    "Error: {message}": "Fout: {message}",
    "Aborted!": "Afgebroken.",
    "unknown error": "onbekende fout",
    "Missing command.": "Er ontbreekt een opdracht.",
    "Missing argument": "Ontbrekend argument",
    "Missing option": "Ontbrekende optie",
    "Missing parameter": "Ontbrekende parameter",
    "Missing parameter: {param_name}": "Ontbrekende parameter: {param_name}",
    "Missing {param_type}": "Ontbrekend: {param_type}",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "No such command {name!r}.": "Onbekende opdracht {name!r}.",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Could not open file {filename!r}: {message}": "Kan bestand {filename!r} niet openen: {message}",
    "Value must be an iterable.": "De waarde moet een reeks zijn.",
    "Invalid start character for option ({option})": "Ongeldig beginteken voor een optie ({option})",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} neemt {nargs} waarden.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "Let op: de opdracht {name!r} is verouderd.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "Let op: {param_type} {name!r} is verouderd.{extra_message}",
    # values of the parameter types
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "{name} {filename!r} is a file.": "{name} {filename!r} is een bestand.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} is een map.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} is niet schrijfbaar.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} is niet uitvoerbaar.",
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig getal.",
    "{value} is not in the range {range}.": "{value} ligt niet in het bereik {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} is geen geldige ja/nee-waarde. Mogelijk: {states}",
    "{value!r} is not a valid UUID.": "{value!r} is geen geldige UUID.",
    "Choose from:\n\t{choices}": "Kies uit:\n\t{choices}",
    "Choice({choices})": "Keuze({choices})",
    # prompts and terminal
    "Do you want to continue?": "Wil je doorgaan?",
    "Confirm the action without prompting.": "Bevestig zonder te vragen.",
    "Repeat for confirmation": "Herhaal ter bevestiging",
    "Error: The two entered values do not match.": "Fout: de twee ingevoerde waarden verschillen.",
    "Error: invalid input": "Fout: ongeldige invoer",
    "Press any key to continue...": "Druk op een toets om door te gaan…",
    "d": "d",  # days in a progress bar's time left: "2d 03:04:05" reads the same in Dutch
    "Unknown color {colour!r}": "Onbekende kleur {colour!r}",
    "Unknown standard stream '{name}'": "Onbekende standaardstroom '{name}'",
    "{editor}: Editing failed": "{editor}: bewerken mislukt",
    "{editor}: Editing failed: {e}": "{editor}: bewerken mislukt: {e}",
    "Windows error: {error}": "Windows-fout: {error}",
    "Couldn't detect Bash version, shell completion is not supported.":
        "De versie van Bash is niet te bepalen; aanvullen in de shell werkt niet.",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Aanvullen in de shell werkt niet met Bash ouder dan 4.4.",
    # mistakes in a program's own click declarations (for developers, Dutch all the same)
    "Could not determine name for option with declarations {decls!r}":
        "Geen naam te bepalen voor de optie met declaraties {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?":
        "Geen opties gedeclareerd maar wel een naam ({name}). Bedoel je een argument, of '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.":
        "Een argument heeft precies één declaratie, kreeg er {length}: {decls}.",
    "Name '{name}' defined twice": "Naam '{name}' staat er twee keer",
    "Boolean option {decl!r} cannot use the same flag for true/false.":
        "Ja/nee-optie {decl!r} kan niet dezelfde vlag voor ja en nee gebruiken.",
}

#: click's messages with a plural: (singular, plural) → (Dutch singular, Dutch plural).
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Onverwacht extra argument ({args})", "Onverwachte extra argumenten ({args})"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Neemt {nargs} waarden, maar er is er 1 gegeven.", "Neemt {nargs} waarden, maar er zijn er {len} gegeven."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Bedoel je {possibility}?", "(Bedoel je een van: {possibilities}?)"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("Optie {name!r} heeft een waarde nodig.", "Optie {name!r} heeft {nargs} waarden nodig."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} is niet {choice}.", "{value!r} is niet een van {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} past niet bij de vorm {format}.", "{value!r} past niet bij de vormen {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("Er zijn {len_type} waarden nodig, maar er is er {len_value} gegeven.",
         "Er zijn {len_type} waarden nodig, maar er zijn er {len_value} gegeven."),
}

#: Dutch metavars for the usage line of every command.
DUTCH_METAVARS = {"options": "[OPTIES]", "subcommand": "OPDRACHT [ARGUMENTEN]..."}

#: click's modules that print messages (each has its own ``_``).
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion",
                 "termui", "types", "utils", "_termui_impl")


def dutch_gettext(message: str) -> str:
    return MESSAGES.get(message) or gettext.gettext(message)


def dutch_ngettext(singular: str, plural: str, n: int) -> str:
    found = PLURALS.get((singular, plural))
    if found is None:
        return gettext.ngettext(singular, plural, n)
    return found[0] if n == 1 else found[1]


def install() -> None:
    """Make click speak Dutch in this process (before any click decorator runs)."""
    for name in CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # _termui_impl needs a terminal library on some systems
            continue
        if hasattr(module, "_"):
            module._ = dutch_gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = dutch_ngettext  # type: ignore[attr-defined]
