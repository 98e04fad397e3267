#!/usr/bin/env bash
# Superset over the lake, end to end from a fresh machine: the tested recipe of docs/bi.md.
#
#   bench/bi_superset.sh            # builds the demo lake (sample site, 2025-03-03..16) in bench/out/bi/lake,
#                                   # refreshes docs/queries.md's outputs and docs/bi_superset_chart.png from it
#   bench/bi_superset.sh LAKE       # registers an existing local lake instead (docs/ untouched)
#
# Installs Chromium + chromedriver (apt) and Superset 6.1 + duckdb-engine in their own virtualenv
# ($NEWSLAKE_SUPERSET_DIR, default .superset/), registers lake/newslake.duckdb read-only, runs the
# analyst queries of docs/queries.md through Superset's REST API and compares them with
# `newslake sql`, builds a chart and screenshots it in headless Chromium. Heavy (~5-8 min, ~1 GB):
# run by hand, not part of `make test`. Prints the time of each step and the client's checks.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WORK=${NEWSLAKE_SUPERSET_DIR:-$REPO/.superset}
PORT=${NEWSLAKE_SUPERSET_PORT:-8088}
ADMIN_PASSWORD=${NEWSLAKE_SUPERSET_PASSWORD:-admin-local}
NEWSLAKE=$REPO/.venv/bin/newslake
DUCKDB_VERSION=$(sed -n 's/^duckdb==//p' constraints.txt)
export PYTHONPATH=$REPO/include  # this checkout's newslake, also in `newslake` subprocesses
started=$(date +%s)
step() { echo "[$(($(date +%s) - started)) s] $*"; }
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

step "system packages: chromium, chromium-driver"
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
[ -x "$NEWSLAKE" ] || make .venv/.installed

step "Superset virtualenv: $WORK/venv"
mkdir -p "$WORK"
if [ ! -x "$WORK/venv/bin/superset" ]; then
  python3.11 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q --upgrade pip
  # Superset 6.1's packaging needed three fixes to start when this recipe was written (issue #17):
  # install `rich`, pin flask-caching 2.3.1, install `cachetools` for duckdb-engine.
  "$WORK/venv/bin/pip" install -q apache-superset==6.1.0 duckdb-engine==0.17.0 "duckdb==$DUCKDB_VERSION" \
    rich==15.0.0 cachetools==8.0.2 flask-caching==2.3.1
fi

if [ $# -ge 1 ]; then
  LAKE=$(realpath "$1")
  DOC_ARGS=(--screenshot "$WORK/chart.png")
else
  LAKE=$REPO/bench/out/bi/lake
  DOC_ARGS=(--screenshot "$REPO/docs/bi_superset_chart.png" --refresh-outputs)
  if [ ! -d "$LAKE/articles" ]; then
    step "demo lake: sample site, 2025-03-03 .. 2025-03-16 -> $LAKE"
    mkdir -p "$(dirname "$LAKE")"
    PYTHONUNBUFFERED=1 "$NEWSLAKE" serve-sample > "$WORK/sources.yaml" 2> "$WORK/sample.log" &
    pids+=($!)
    for _ in $(seq 100); do grep -q "^sources:" "$WORK/sources.yaml" && break; sleep 0.2; done
    sleep 0.5  # the rest of the YAML follows the first line
    NEWSLAKE_ALLOWED_PRIVATE_NETWORKS=127.0.0.0/8 "$NEWSLAKE" run --from 2025-03-03 --to 2025-03-16 \
      --sources "$WORK/sources.yaml" --lake "$LAKE" > "$WORK/ingest.log" 2>&1
  fi
fi
step "views file: $LAKE/newslake.duckdb"
"$NEWSLAKE" views --lake "$LAKE" > /dev/null
"$REPO/.venv/bin/python" -c "
import json, sys
from newslake import schemas
json.dump({n: {f.name: schemas.column_doc(f) for f in s} for n, s in schemas.TABLES.items()}, open(sys.argv[1], 'w'))
" "$WORK/schema_docs.json"

step "Superset metadata database, admin user, roles"
export SUPERSET_CONFIG_PATH=$REPO/bench/bi_superset_config.py NEWSLAKE_SUPERSET_DIR=$WORK FLASK_APP=superset
"$WORK/venv/bin/superset" db upgrade > "$WORK/setup.log" 2>&1
"$WORK/venv/bin/superset" fab create-admin --username admin --firstname Ada --lastname Analyst \
  --email admin@localhost --password "$ADMIN_PASSWORD" >> "$WORK/setup.log" 2>&1
"$WORK/venv/bin/superset" init >> "$WORK/setup.log" 2>&1

step "Superset server on 127.0.0.1:$PORT"
"$WORK/venv/bin/superset" run -h 127.0.0.1 -p "$PORT" --with-threads > "$WORK/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null && break; sleep 1; done
curl -sf "http://127.0.0.1:$PORT/health" > /dev/null || { echo "Superset did not start: see $WORK/server.log" >&2; exit 1; }

step "analyst checks through Superset's API"
"$WORK/venv/bin/python" bench/bi_superset_client.py --url "http://127.0.0.1:$PORT" --password "$ADMIN_PASSWORD" \
  --lake "$LAKE" --newslake "$NEWSLAKE" --schema-json "$WORK/schema_docs.json" "${DOC_ARGS[@]}"
step "done"
