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

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -p rapport -p rapport-bench-hello
BIN=target/release/rapport

if [ ! -f "$DB" ]; then
  echo "seeding $COMPANIES companies and $CONTACTS contacts into $DB"
  start=$(date +%s)
  RAPPORT_DATABASE__URL="sqlite://$DB" "$BIN" seed --companies "$COMPANIES" --contacts "$CONTACTS" --batch 5000 --seed 42 --workspace Bench
  echo "seed took $(( $(date +%s) - start )) s" | tee "$OUT/seed-$CONTACTS.txt"
fi

# Every request is authenticated, as in production: an owner of the seeded workspace and an
# all-scope API token (created once per database, the password never used).
export RAPPORT_DATABASE__URL="sqlite://$DB"
if [ ! -f "$OUT/token-$CONTACTS.txt" ]; then
  head -c 32 /dev/urandom | base64 >"$OUT/password.txt"
  "$BIN" user create --email bench@example.com --password-file "$OUT/password.txt" --workspace Bench --role owner
  "$BIN" token create --email bench@example.com --workspace Bench --scopes read,write,admin --name bench >"$OUT/token-$CONTACTS.txt"
fi
TOKEN=$(cat "$OUT/token-$CONTACTS.txt")
export TOKEN

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
RAPPORT_DATABASE__URL="sqlite://$DB" RAPPORT_SERVER__LISTEN="127.0.0.1:$PORT" RAPPORT_LOG__LEVEL=warn \
  "$BIN" serve >"$OUT/server.log" 2>&1 &
pids+=($!)
target/release/rapport-bench-hello "127.0.0.1:$HELLO_PORT" &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null

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

cat >"$OUT/random.lua" <<'LUA'
-- Picks a random line of a file for each request: SAMPLE=ids|emails|names, TEMPLATE with %s.
local function lines(path)
  local t = {}
  for l in io.lines(path) do if #l > 0 then t[#t + 1] = l end end
  return t
end
local values = lines(os.getenv("SAMPLE_FILE"))
local template = os.getenv("TEMPLATE")
local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
request = function()
  local v = values[math.random(#values)]
  return wrk.format("GET", string.format(template, urlencode(v)))
end
LUA
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

results=()
measure() { # name url [lua] [sample] [template]
  local name=$1 url=$2 lua=${3:-} sample=${4:-} template=${5:-}
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN")
  [ -n "$lua" ] && args+=(-s "$lua")
  local text
  text=$(SAMPLE_FILE="$OUT/$sample.txt" TEMPLATE="$template" wrk "${args[@]}" "$url")
  echo "$text" >"$OUT/wrk-$name.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$text")
  p50=$(awk '$1=="50%" {print $2}' <<<"$text")
  p99=$(awk '$1=="99%" {print $2}' <<<"$text")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$text")
  results+=("| $name | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non2xx:-0} |")
  echo "$name: $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}"
}

base="http://127.0.0.1:$PORT"
measure "hello-world (ceiling)" "http://127.0.0.1:$HELLO_PORT/"
measure "get by id" "$base" "$OUT/random.lua" ids "/api/v1/contacts/%s"
measure "list 50 by -updated_at" "$base/api/v1/contacts?limit=50&sort=-updated_at"
measure "filter by email" "$base" "$OUT/random.lua" emails '/api/v1/contacts?filter=email%%20eq%%20%%22%s%%22'
measure "filter by lifecycle_stage" "$base/api/v1/contacts?limit=50&filter=lifecycle_stage%20eq%20%22customer%22"
measure "search (3-letter prefix)" "$base" "$OUT/random.lua" names "/api/v1/search?q=%s&limit=20"
measure "create" "$base/api/v1/contacts" "$OUT/create.lua"

{
  echo
  echo "## $(date -u +%Y-%m-%d) — $(git rev-parse --short HEAD)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); wrk and the server share the cores."
  echo "Data: SQLite, $CONTACTS contacts, $COMPANIES companies ($(du -h "$DB" | cut -f1) on disk). $(cat "$OUT/seed-$CONTACTS.txt" 2>/dev/null || true)"
  echo "Load: wrk, $THREADS threads, $CONNECTIONS connections, ${DURATION} s per scenario, release build."
  echo
  echo "| scenario | requests/s | p50 | p99 | non-2xx |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${results[@]}"
} >>bench/RESULTS.md
echo "results appended to bench/RESULTS.md"
