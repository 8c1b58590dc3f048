#!/usr/bin/env bash
# Search benchmark on a server that started empty and grew while running, as every new
# installation does: `rapport serve` starts on a fresh database, CONTACTS contacts with realistic
# names (a few very common surnames, a long tail of rare ones) are imported through its API, and
# then each search shape is measured with wrk at CONNECTIONS connections. Appends a dated section
# to bench/RESULTS.md.
#
#   bench/search.sh                                  # SQLite, 1,000,000 contacts, 32 connections
#   BACKEND=postgres bench/search.sh                 # PostgreSQL (database rapport_bench_search)
#   CONTACTS=10000 DURATION=5 bench/search.sh
#   MEASURE_ONLY=1 bench/search.sh                   # measure again on the database the last run filled
#
# Only loopback addresses are used; every wrk run is bounded by DURATION.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${BACKEND:-sqlite}
CONTACTS=${CONTACTS:-1000000}
CONNECTIONS=${CONNECTIONS:-32}
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
PORT=${PORT:-18082}
HELLO_PORT=${HELLO_PORT:-18098}
OUT=bench/out/search-$BACKEND
mkdir -p "$OUT"
MEASURE_ONLY=${MEASURE_ONLY:-0}
[ "$MEASURE_ONLY" = 1 ] || rm -f "$OUT"/token-*.txt

source bench/lib.sh
bench_build

case "$BACKEND" in
  sqlite)
    DB="$OUT/search-$CONTACTS.db"
    [ "$MEASURE_ONLY" = 1 ] || rm -f "$DB" "$DB-wal" "$DB-shm"
    URL="sqlite://$DB"
    ;;
  postgres)
    PG=${RAPPORT_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
    if [ "$MEASURE_ONLY" != 1 ]; then
      psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS rapport_bench_search" >/dev/null
      psql "$PG/postgres" -qc "CREATE DATABASE rapport_bench_search" >/dev/null
    fi
    URL="$PG/rapport_bench_search"
    ;;
  *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac
export RAPPORT_DATABASE__URL="$URL"
"$BIN" migrate up >/dev/null
bench_token "$URL" "$CONTACTS"
RAPPORT_IMPORTS__POLL_MS=100 bench_serve "$URL"

if [ "$MEASURE_ONLY" != 1 ]; then
# Names drawn as people's are: surnames by a Zipf law over 2,000 (the commonest about 1 % of
# everyone, as Smith is in England), first names over 300. Each contact has an e-mail address
# and most a phone number.
CSV="$OUT/contacts-$CONTACTS.csv"
python3 - "$CONTACTS" "$CSV" "$OUT" <<'PY'
import random, sys
rows, path, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
rng = random.Random(42)
syll = ["an", "ber", "cal", "dor", "el", "fin", "gar", "hol", "is", "jen", "kel", "lor", "mar",
        "nor", "ol", "pet", "quin", "ros", "sal", "tor", "ul", "ver", "wil", "yor", "zan"]
def word(k):
    return "".join(rng.choice(syll) for _ in range(k)).capitalize()
common = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
          "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green"]
surnames = common + sorted({word(3) for _ in range(4000)})[: 2000 - len(common)]
firsts = sorted({word(2) for _ in range(600)})[:300]
weights = [(i + 1) ** -0.5 for i in range(len(surnames))]  # the commonest at about 1.1 %
last = rng.choices(surnames, weights=weights, k=rows)
with open(path, "w") as f:
    f.write("Email,First name,Last name,Phone\n")
    for i in range(rows):
        first = rng.choice(firsts)
        phone = f"+3361{rng.randrange(10**7):07d}" if rng.random() < 0.7 else ""
        f.write(f"{first.lower()}.{last[i].lower()}{i}@example.com,{first},{last[i]},{phone}\n")
with open(f"{out}/prefixes.txt", "w") as f:
    f.write("\n".join(rng.choice(firsts)[:3].lower() for _ in range(500)) + "\n")
with open(f"{out}/pairs.txt", "w") as f:
    f.write("\n".join(f"{rng.choice(firsts)} {rng.choice(surnames[:200])}".lower() for _ in range(500)) + "\n")
PY

echo "importing $CONTACTS contacts into the running server"
start=$(date +%s)
python3 - "$PORT" "$CSV" "$OUT" <<'PY'
import json, os, sys, time, urllib.error, urllib.request
port, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
base = f"http://127.0.0.1:{port}/api/v1/imports"
auth = {"Authorization": "Bearer " + os.environ["TOKEN"]}
mapping = {"Email": "emails", "First name": "first_name", "Last name": "last_name", "Phone": "phones"}
def call(method, url, body=None, ctype="application/json"):
    headers = dict(auth)
    if body is not None:
        headers["Content-Type"] = ctype
    with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers, method=method)) as r:
        return json.load(r)
with open(path, "rb") as f:
    up = call("POST", f"{base}?object=contacts", f.read(), "text/csv")
call("POST", f"{base}/{up['id']}/start", json.dumps({"mapping": mapping}).encode())
while True:
    try:
        st = call("GET", f"{base}/{up['id']}")
    except urllib.error.HTTPError as e:
        if e.code != 503:
            raise
        time.sleep(0.5)
        continue
    if st["status"] in ("completed", "failed", "cancelled"):
        break
    time.sleep(1)
print(f"import {st['status']}: {st['created']} created, {st['rows_failed']} failed")
# Samples for the scenarios: real e-mail addresses and phone digits.
page = call("GET", f"http://127.0.0.1:{port}/api/v1/contacts?limit=200&fields=emails,phones")
with open(f"{out}/emails.txt", "w") as f:
    f.write("\n".join(c["emails"][0]["address"] for c in page["data"] if c["emails"]) + "\n")
with open(f"{out}/phones.txt", "w") as f:
    f.write("\n".join(c["phones"][0]["number"][-7:] for c in page["data"] if c["phones"]) + "\n")
PY
echo "import took $(( $(date +%s) - start )) s" | tee "$OUT/import.txt"
fi

bench_lua
base="http://127.0.0.1:$PORT"
measure "search: a word that matches nothing" "$base/api/v1/search?q=zzqxv&limit=20"
measure "search: a very common surname" "$base/api/v1/search?q=smith&limit=20"
measure "search: one letter" "$base/api/v1/search?q=a&limit=20"
measure "search: three-letter prefix" "$base" "$OUT/random.lua" prefixes "/api/v1/search?q=%s&limit=20"
measure "search: first and last name" "$base" "$OUT/random.lua" pairs "/api/v1/search?q=%s&limit=20"
measure "search: e-mail address" "$base" "$OUT/random.lua" emails "/api/v1/search?q=%s&limit=20"
measure "search: phone digits" "$base" "$OUT/random.lua" phones "/api/v1/search?q=%s&limit=20"
measure "search: common surname, types=contacts" "$base/api/v1/search?q=smith&types=contacts&limit=20"

size=$([ "$BACKEND" = sqlite ] && du -h "$DB" | cut -f1 || psql "$PG/postgres" -Atc "SELECT pg_size_pretty(pg_database_size('rapport_bench_search'))")
if [ "$MEASURE_ONLY" = 1 ]; then
  bench_report " — search on a server restarted on the database an earlier run filled ($BACKEND)" \
    "$BACKEND, the $CONTACTS contacts an earlier run imported through its running server ($size), served by a new process. Command: \`MEASURE_ONLY=1 BACKEND=$BACKEND CONTACTS=$CONTACTS CONNECTIONS=$CONNECTIONS DURATION=$DURATION bench/search.sh\`."
else
  bench_report " — search on a server that grew while running ($BACKEND)" \
    "$BACKEND, $CONTACTS contacts imported through the running server, which started on an empty database ($size). $(cat "$OUT/import.txt"). Command: \`BACKEND=$BACKEND CONTACTS=$CONTACTS CONNECTIONS=$CONNECTIONS DURATION=$DURATION bench/search.sh\`."
fi
