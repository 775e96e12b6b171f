"""The offline bundle end to end (opt-in: KB_TEST_BUNDLE=1, several minutes, ~450 MB in /tmp).

scripts/bundle.sh --met-site --tar makes the bundle from this checkout's .venv and _build;
the tarball is unpacked in a fresh directory and scripts/install-offline.sh installs it with
the system's Python 3.11 in a network namespace without any network (``unshare -rn``: not
even a route to a package index), with a clean environment (no pip configuration of this
machine). Then `kb serve` starts from the installed bundle, in the same namespace, and
answers /healthz and one search.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(os.environ.get("KB_TEST_BUNDLE") != "1",
                                reason="opt-in: KB_TEST_BUNDLE=1 (maakt en installeert de offline bundel)")

SERVE_AND_SEARCH = r"""
set -e
ip link set lo up
cd "$1"
.venv/bin/kb serve --host 127.0.0.1 --port 8391 > serve.log 2>&1 &
pid=$!
python3 - <<'PY'
import json, time, urllib.parse, urllib.request
base = "http://127.0.0.1:8391"
for _ in range(180):
    try:
        health = json.load(urllib.request.urlopen(base + "/healthz", timeout=2))
        break
    except OSError:
        time.sleep(1)
else:
    raise SystemExit("kb serve kwam niet op")
q = urllib.parse.quote("Wat doet een wijkteam bij schulden?")
found = json.load(urllib.request.urlopen(f"{base}/api/search?q={q}", timeout=120))
print(json.dumps({"health": health, "results": len(found["results"]),
                  "first_url": found["results"][0]["url"] if found["results"] else None}))
PY
kill $pid
wait $pid 2>/dev/null || true
"""


def _system_python311() -> str | None:
    for candidate in ("/usr/bin/python3.11", shutil.which("python3.11")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def test_bundle_installs_and_serves_without_network(tmp_path):
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-rn", "true"]).returncode != 0:
        pytest.skip("unshare -rn werkt hier niet (geen netwerkloze namespace)")
    if not (REPO / "_build/index/manifest.json").is_file():
        pytest.skip("geen gebouwde site en index: voer eerst `.venv/bin/kb build` uit")
    python = _system_python311()
    assert python, "Python 3.11 nodig"

    made = subprocess.run(["bash", "scripts/bundle.sh", "--met-site", "--tar", "--uit", str(tmp_path / "dist")],
                          cwd=REPO, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    # quiet: only the script's own lines
    assert all(line.startswith(("==", "   ")) for line in made.stdout.splitlines()), made.stdout
    tarball = next((tmp_path / "dist").glob("kennisbank-offline-*.tar.gz"))

    usb = tmp_path / "usb"
    with tarfile.open(tarball) as tar:
        tar.extractall(usb, filter="data")
    bundle = next(usb.glob("kennisbank-offline-*"))
    target = tmp_path / "srv" / "kennisbank"
    clean_env = ["env", "-i", "PATH=/usr/bin:/bin:/usr/sbin:/sbin", f"HOME={tmp_path / 'home'}",
                 f"PYTHON={python}"]

    installed = subprocess.run(["unshare", "-rn", *clean_env, "bash", str(bundle / "install-offline.sh"), str(target)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "== klaar" in installed.stdout
    assert (target / "_build/index/manifest.json").is_file()

    served = subprocess.run(["unshare", "-rn", *clean_env, "bash", "-c", SERVE_AND_SEARCH, "serve", str(target)],
                            capture_output=True, text=True, timeout=600)
    assert served.returncode == 0, served.stdout + served.stderr + (target / "serve.log").read_text("utf-8")
    report = json.loads(served.stdout.strip().splitlines()[-1])
    assert report["health"]["status"] == "ok"
    assert report["health"]["passages"] > 100
    assert report["results"] > 0 and report["first_url"]
