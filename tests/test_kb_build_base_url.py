"""`kb build` and base_url: a loopback address is named once, in Dutch; every source of the setting counts."""
from __future__ import annotations

import json

from .test_kb_cursus import kb
from .trainers_support import copy_root


def test_loopback_base_url_warns_once_and_kb_toml_reaches_the_site(tmp_path):
    src = copy_root(tmp_path)
    (src / "conf.py").write_text((src / "conf.py").read_text(encoding="utf-8").replace(
        'html_baseurl = "https://kennisbank.test/"\n', ""), encoding="utf-8")  # as the real conf: from settings
    env = {"KB_SOURCE_DIR": str(src), "KB_SITE_DIR": str(tmp_path / "out" / "html")}
    default = kb("build", "--site-only", cwd=tmp_path, env=env)
    assert default.returncode == 0, default.stderr
    assert default.stderr.count("Let op: base_url is http://127.0.0.1:8000/") == 1
    assert "KB_BASE_URL=" in default.stderr and "kb.toml" in default.stderr
    toml = tmp_path / "publiek.toml"
    toml.write_text('base_url = "https://kennisbank.example.nl/"\n', encoding="utf-8")
    public = kb("--config", str(toml), "build", "--site-only", cwd=tmp_path, env=env)
    assert public.returncode == 0, public.stderr
    assert "Let op" not in public.stderr
    data = json.loads((tmp_path / "out" / "html" / "citations.json").read_text(encoding="utf-8"))
    assert data["base_url"] == "https://kennisbank.example.nl/"
    page = (tmp_path / "out" / "html" / "kb" / "praktijkvoorbeelden" / "tiel.html").read_text(encoding="utf-8")
    assert "https://kennisbank.example.nl/kb/praktijkvoorbeelden/tiel.html" in page and "127.0.0.1" not in page
