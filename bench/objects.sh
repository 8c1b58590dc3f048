#!/usr/bin/env bash
# Object benchmark: lists, filters, timelines and reports on SQLite or PostgreSQL, seeded by `rapport seed` with every
# object in proportion to the contacts (per 1,000,000 contacts: 100,000 companies, 3 pipelines,
# 200,000 deals, 2,000,000 activities, 300,000 tasks, 50,000 cases, 100,000 leads). Appends a
# dated section to bench/RESULTS.md, with the seed's rows/s per object.
#
#   bench/objects.sh                   # 1,000,000 contacts, 64 connections, 15 s per scenario
#   CONTACTS=100000 DURATION=10 bench/objects.sh
#   SEED_ARGS="--leads 0" bench/objects.sh   # extra `rapport seed` flags (leave out objects)
#   BACKEND=postgres bench/objects.sh  # the local PostgreSQL (database rapport_bench_<contacts>)
#   SCENARIOS='deals|contacts' bench/objects.sh  # only the scenarios whose name matches
#   PIN=1 bench/objects.sh             # hold the database's files in memory (see bench/lib.sh)
#
# Shares its helpers with bench/load.sh (bench/lib.sh). Only loopback addresses are used; every
# wrk run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-1000000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15}
THREADS=${THREADS:-2}
BATCH=${BATCH:-5000}
SEED_ARGS=${SEED_ARGS:-}
PORT=${PORT:-18080}
HELLO_PORT=${HELLO_PORT:-18099}
BACKEND=${BACKEND:-sqlite}
OUT=bench/out/$BACKEND
PG=${PG:-postgres://postgres@127.0.0.1:5432}
KEY="objects-$BACKEND-$CONTACTS"
mkdir -p "$OUT"
case "$BACKEND" in
  sqlite)
    DB="$OUT/bench-$KEY.db"
    URL="sqlite://$DB"
    NAME="SQLite"
    ;;
  postgres)
    DB="rapport_bench_$CONTACTS"
    URL="$PG/$DB"
    NAME="PostgreSQL $(psql "$PG/postgres" -Atc 'show server_version' | cut -d' ' -f1)"
    ;;
  *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac

source bench/lib.sh
bench_build

# The files to hold in memory with PIN=1: the SQLite file and its WAL, or the database's folder.
files() {
  if [ "$BACKEND" = sqlite ]; then
    echo "$DB" "$DB-wal"
  else
    local dir oid
    dir=$(psql "$PG/postgres" -Atc 'show data_directory')
    oid=$(psql "$PG/postgres" -Atc "select oid from pg_database where datname = '$DB'")
    echo "$dir/base/$oid"
  fi
}

# A seed that did not finish leaves no marker: its data is dropped and seeded again.
if [ ! -f "$OUT/seeded-$KEY.txt" ]; then
  rm -f "$OUT/token-$KEY.txt"
  if [ "$BACKEND" = sqlite ]; then
    rm -f "$DB" "$DB-wal" "$DB-shm"
  else
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  fi
  RAPPORT_DATABASE__URL="$URL" "$BIN" migrate up >/dev/null
  # shellcheck disable=SC2046 # one word per path
  bench_pin $(files)
  echo "seeding every object for $CONTACTS contacts into $URL"
  start=$(date +%s)
  RAPPORT_DATABASE__URL="$URL" "$BIN" seed --contacts "$CONTACTS" --batch "$BATCH" --seed 42 \
    --workspace Bench $SEED_ARGS 2>&1 | tr '\r' '\n' | grep -E 'rows/s|seeded' | tee "$OUT/seed-$KEY.log"
  echo "seed took $(( $(date +%s) - start )) s" | tee "$OUT/seed-$KEY.txt"
  touch "$OUT/seeded-$KEY.txt"
fi

# Seeds of both backends may run at once; their measurements take turns.
exec 9>"bench/out/measure.lock"
flock 9
# shellcheck disable=SC2046 # one word per path
[ "${#pids[@]}" -gt 0 ] || bench_pin $(files)
export RAPPORT_DATABASE__URL="$URL"
bench_token "$URL" "$KEY"
bench_serve "$URL"

# Sample open stage ids (from the pipelines) and contact ids, for the Lua script.
python3 - "$PORT" "$OUT" <<'PY'
import json, os, sys, urllib.request
port, out = sys.argv[1], sys.argv[2]
auth = {"Authorization": "Bearer " + os.environ["TOKEN"]}
def get(path):
    return json.load(urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=auth)))
pipelines = get("/api/v1/pipelines?limit=100")["data"]
stages = [s["id"] for p in pipelines for s in p["stages"] if s["kind"] == "open"]
# The pipeline report covers one pipeline: the largest (Sales, seeded first).
with open(f"{out}/pipeline.txt", "w") as f: f.write(min(pipelines, key=lambda p: p["created_at"] + p["name"])["id"])
ids, cursor = [], None
for _ in range(10):
    url = "/api/v1/contacts?limit=200&fields=id&sort=-updated_at"
    if cursor: url += f"&cursor={cursor}"
    page = get(url)
    ids += [c["id"] for c in page["data"]]
    cursor = page["next_cursor"]
    if not cursor: break
# Deals and contacts to open timelines of: a spread over the newest deals (most have activities).
deals, cursor = [], None
for _ in range(10):
    url = "/api/v1/deals?limit=200&fields=id"
    if cursor: url += f"&cursor={cursor}"
    page = get(url)
    deals += [d["id"] for d in page["data"]]
    cursor = page["next_cursor"]
    if not cursor: break
for name, items in (("stages", stages), ("contact-ids", ids), ("deal-ids", deals)):
    with open(f"{out}/{name}.txt", "w") as f: f.write("\n".join(items) + "\n")
PY
bench_lua

base="http://127.0.0.1:$PORT"
measure "hello-world (ceiling)" "http://127.0.0.1:$HELLO_PORT/"
measure "deals of a stage by board_rank" "$base" "$OUT/random.lua" stages \
  '/api/v1/deals?limit=50&sort=board_rank&filter=stage_id%%20eq%%20%%22%s%%22'
measure "deals with amount > 100,000" "$base/api/v1/deals?limit=50&filter=amount.amount%20gt%20100000"
measure "contacts, first page" "$base/api/v1/contacts?limit=50"
measure "contacts with lifecycle_stage customer" \
  "$base/api/v1/contacts?limit=50&filter=lifecycle_stage%20eq%20%22customer%22"
measure "open tasks due this week" \
  "$base/api/v1/tasks?limit=50&filter=status%20eq%20%22open%22%20and%20due_at%20in_period%20%22this_week%22"
measure "cases with a breached SLA" "$base/api/v1/cases?limit=50&filter=sla_breached%20eq%20true"
measure "contact timeline" "$base" "$OUT/random.lua" contact-ids '/api/v1/contacts/%s/timeline'
measure "deal timeline" "$base" "$OUT/random.lua" deal-ids '/api/v1/deals/%s/timeline'
measure "report: pipeline (Sales)" "$base/api/v1/reports/pipeline?pipeline_id=$(cat "$OUT/pipeline.txt")"
measure "report: won-lost last_quarter" "$base/api/v1/reports/won-lost?period=last_quarter"
measure "report: activities last_30_days" "$base/api/v1/reports/activities?period=last_30_days"

if [ "$BACKEND" = sqlite ]; then
  size=$(du -h "$DB" | cut -f1)
else
  size=$(psql "$URL" -Atc "select pg_size_pretty(pg_database_size('$DB'))")
fi
rows=$(awk '/rows\/s/ {printf "%s%s %s %s %s", sep, $1, $2, $6, $7; sep="; "}' "$OUT/seed-$KEY.log" 2>/dev/null || true)
bench_report " — objects (bench/objects.sh)" \
  "$NAME, $CONTACTS contacts with every object in proportion ($size on disk). $(cat "$OUT/seed-$KEY.txt" 2>/dev/null || true), batches of $BATCH${SEED_ARGS:+, seed flags $SEED_ARGS}: ${rows:-rates not recorded}."
