"""Settings: precedence, type errors, and every setting documented for IT staff."""
from __future__ import annotations

from pathlib import Path

import pytest

from kbcore.settings import SETTINGS, SettingsError, load_settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "beheer.md"


def test_precedence_defaults_file_env_flags(tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text('port = 9000\nhost = "0.0.0.0"\nthreads = 2\n', encoding="utf-8")
    settings = load_settings(config, env={"KB_PORT": "9100", "KB_THREADS": "3"}, overrides={"port": 9200})
    assert settings.port == 9200           # flag beats env
    assert settings.threads == 3           # env beats file
    assert settings.host == "0.0.0.0"      # file beats default
    assert settings.index_dir == "_build/index"  # default


def test_kb_toml_in_working_directory_is_read(tmp_path, monkeypatch):
    (tmp_path / "kb.toml").write_text("port = 8123\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).port == 8123


@pytest.mark.parametrize("env, message", [
    ({"KB_PORT": "achtduizend"}, "KB_PORT: instelling 'port' verwacht een geheel getal"),
    ({"KB_LOG_QUERIES": "misschien"}, r"KB_LOG_QUERIES: instelling 'log_queries' verwacht ja of nee \(true/false, 1/0\)"),
])
def test_bad_env_values_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env=env)


def test_unknown_key_in_file_is_refused(tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text("poort = 1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"kb.toml: onbekende instelling 'poort'"):
        load_settings(config, env={})


def test_broken_toml_names_the_file(tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text("port = \n", encoding="utf-8")
    with pytest.raises(SettingsError, match="kb.toml: ongeldige TOML"):
        load_settings(config, env={})


def test_every_setting_is_documented_with_its_default():
    text = DOCS.read_text(encoding="utf-8")
    for setting in SETTINGS:
        row = next((line for line in text.splitlines() if line.startswith(f"| `{setting.name}` |")), None)
        assert row is not None, f"{setting.name} is not in docs/beheer.md"
        assert f"`KB_{setting.name.upper()}`" in row
        assert repr(setting.default) in row or (setting.default == "" and '""' in row)
