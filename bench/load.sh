#!/usr/bin/env bash
# Load benchmark: Rapport on SQLite with a million seeded contacts, next to a minimal axum
# hello-world measured in the same run as the ceiling. Appends a dated section to bench/RESULTS.md.
#
#   bench/load.sh                      # 1,000,000 contacts, 64 connections, 15 s per scenario
#   CONTACTS=100000 DURATION=5 bench/load.sh
#
# Only loopback addresses are used; every wrk run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
CONTACTS=${CONTACTS:-1000000}
COMPANIES=${COMPANIES:-20000}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-15}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
HELLO_PORT=${HELLO_PORT:-18099}
OUT=bench/out
DB="$OUT/bench-$CONTACTS.db"
mkdir -p "$OUT"

source bench/lib.sh
bench_build

if [ ! -f "$DB" ]; then
  echo "seeding $COMPANIES companies and $CONTACTS contacts into $DB"
  start=$(date +%s)
  # Only companies and contacts: the other objects have their own benchmark, bench/objects.sh.
  RAPPORT_DATABASE__URL="sqlite://$DB" "$BIN" seed --companies "$COMPANIES" --contacts "$CONTACTS" \
    --pipelines 0 --deals 0 --activities 0 --tasks 0 --cases 0 --leads 0 --batch 5000 --seed 42 --workspace Bench
  echo "seed took $(( $(date +%s) - start )) s" | tee "$OUT/seed-$CONTACTS.txt"
fi

export RAPPORT_DATABASE__URL="sqlite://$DB"
bench_token "sqlite://$DB" "$CONTACTS"
bench_serve "sqlite://$DB"

# Sample ids, emails and name prefixes from the data, for the Lua scripts.
python3 - "$PORT" "$OUT" <<'PY'
import json, os, sys, urllib.request
port, out = sys.argv[1], sys.argv[2]
auth = {"Authorization": "Bearer " + os.environ["TOKEN"]}
ids, emails, names = [], [], []
cursor = None
for _ in range(10):
    url = f"http://127.0.0.1:{port}/api/v1/contacts?limit=200&fields=id,emails,first_name&sort=-updated_at"
    if cursor: url += f"&cursor={cursor}"
    page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers=auth)))
    for c in page["data"]:
        ids.append(c["id"])
        if c["emails"]: emails.append(c["emails"][0]["address"])
        if c.get("first_name"): names.append(c["first_name"][:3].lower())
    cursor = page["next_cursor"]
    if not cursor: break
for name, items in (("ids", ids), ("emails", emails), ("names", names)):
    with open(f"{out}/{name}.txt", "w") as f: f.write("\n".join(items) + "\n")
PY

bench_lua
cat >"$OUT/create.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"first_name":"Bench","last_name":"Create%d","emails":[{"address":"bench%d.%d@example.com"}]}', n, n, math.random(1e9))
  return wrk.format(nil, nil, nil, body)
end
LUA

base="http://127.0.0.1:$PORT"
measure "hello-world (ceiling)" "http://127.0.0.1:$HELLO_PORT/"
measure "get by id" "$base" "$OUT/random.lua" ids "/api/v1/contacts/%s"
measure "list 50 by -updated_at" "$base/api/v1/contacts?limit=50&sort=-updated_at"
measure "filter by email" "$base" "$OUT/random.lua" emails '/api/v1/contacts?filter=email%%20eq%%20%%22%s%%22'
measure "filter by lifecycle_stage" "$base/api/v1/contacts?limit=50&filter=lifecycle_stage%20eq%20%22customer%22"
measure "search (3-letter prefix)" "$base" "$OUT/random.lua" names "/api/v1/search?q=%s&limit=20"
measure "create" "$base/api/v1/contacts" "$OUT/create.lua"

bench_report "" "SQLite, $CONTACTS contacts, $COMPANIES companies ($(du -h "$DB" | cut -f1) on disk). $(cat "$OUT/seed-$CONTACTS.txt" 2>/dev/null || true)"
