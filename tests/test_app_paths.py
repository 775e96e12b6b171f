"""Paths the file system cannot look up, methods that are not served, hosts that are no host.

Each gives a clean 4xx and leaves nothing in the log: a path (and a Host header) can
carry text a person typed.
"""
from __future__ import annotations

import logging

import pytest

from search_app import create_app
from tests.app_support import CANARY, fake_factory, isolated_settings, write_fake_manifest

LONG = CANARY + "a" * 256  # one segment over NAME_MAX (255 bytes)

LONG_PATHS = [
    "/" + LONG,
    f"/kb/{LONG}.html",
    f"/kb/{LONG}/",
    f"/_static/{LONG}",
    f"/_zoeken/{LONG}",
    f"/zoeken/{LONG}",
    f"/api/{LONG}",
    "/" + CANARY + "/a" * 3000,  # short segments, but longer than PATH_MAX altogether
    "/" + ("é" * 130) + CANARY,  # 260 characters, but over 255 bytes in UTF-8
]


@pytest.fixture
def quiet_client(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    settings = isolated_settings(tmp_path)
    write_fake_manifest(tmp_path / "index")
    return create_app(settings, searcher_factory=fake_factory()).test_client()


@pytest.mark.parametrize("path", LONG_PATHS, ids=lambda p: p[:12] + f"…({len(p)})")
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_long_path_is_404_and_leaves_nothing_in_the_log(quiet_client, caplog, path, method):
    response = quiet_client.open(path, method=method)
    assert response.status_code == 404
    if method == "GET":
        assert "bestaat niet" in response.get_data(as_text=True)
        assert CANARY not in response.get_data(as_text=True)
    assert CANARY not in caplog.text and "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_long_path_under_the_api_is_json(quiet_client):
    response = quiet_client.get(f"/api/{LONG}")
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_unreadable_site_file_is_404_and_its_path_stays_out_of_the_log(tmp_path, caplog, monkeypatch):
    import search_app.site as site

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", f"/srv/site/{CANARY}.html")

    monkeypatch.setattr(site, "send_from_directory", refuse)
    settings = isolated_settings(tmp_path)
    write_fake_manifest(tmp_path / "index")
    client = create_app(settings, searcher_factory=fake_factory()).test_client()
    response = client.get("/kb/themas/index.html")
    assert response.status_code == 404
    assert "PermissionError" in caplog.text and "-readable" in caplog.text  # says how to find it
    assert CANARY not in caplog.text and "themas" not in caplog.text


def test_internal_error_logs_the_route_not_the_path(tmp_path, caplog, monkeypatch):
    import search_app.site as site

    def broken(*args, **kwargs):
        raise RuntimeError("stuk")

    monkeypatch.setattr(site, "send_from_directory", broken)
    settings = isolated_settings(tmp_path)
    write_fake_manifest(tmp_path / "index")
    client = create_app(settings, searcher_factory=fake_factory()).test_client()
    assert client.get("/kb/themas/index.html").status_code == 500
    assert "RuntimeError" in caplog.text and "/<path:path>" in caplog.text
    assert "themas" not in caplog.text


@pytest.mark.parametrize("path", ["/", "/zoeken", "/api/search?q=regie", "/healthz", "/kb/themas/index.html",
                                  "/bestaat-niet", "/_zoeken/zoeken.css", "/api/bestaat-niet"])
def test_options_is_405_on_every_path(quiet_client, path):
    response = quiet_client.open(path, method="OPTIONS")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/", "/kb/themas", "/zoeken?q=regie", "/api/search?q=regie"])
def test_host_of_300_characters_is_400_without_a_traceback(quiet_client, caplog, path):
    response = quiet_client.get(path, headers={"Host": "h" * 300})
    assert response.status_code == 400
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.WARNING]
    if not path.startswith("/api/"):
        html = response.get_data(as_text=True)
        assert 'lang="nl"' in html and "Ongeldig verzoek" in html
