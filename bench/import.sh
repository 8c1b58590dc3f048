#!/usr/bin/env bash
# Import benchmark: generates a CSV of ROWS contacts, imports it twice through the API (upload,
# start, poll until completed) against a release build on a fresh SQLite database, and prints
# rows/s for each run; the second run matches every row by email and creates nothing. Appends a
# dated section to bench/RESULTS.md.
#
#   bench/import.sh                    # 100,000 rows
#   ROWS=20000 bench/import.sh
#
# Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-100000}
PORT=${PORT:-18081}
OUT=bench/out/import
DB="$OUT/import-$ROWS.db"
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/rapport"
mkdir -p "$OUT"
rm -rf "$DB" "$DB-wal" "$DB-shm" "$OUT/imports"

cargo build --release --locked -p rapport
export RAPPORT_DATABASE__URL="sqlite://$DB"
"$BIN" migrate up >/dev/null
head -c 32 /dev/urandom | base64 >"$OUT/password.txt"
"$BIN" user create --email bench@example.com --password-file "$OUT/password.txt" --workspace Bench --role owner >/dev/null
TOKEN=$("$BIN" token create --email bench@example.com --workspace Bench --scopes read,write,admin --name bench)
export TOKEN

CSV="$OUT/contacts-$ROWS.csv"
python3 - "$ROWS" "$CSV" <<'PY'
import sys
rows, path = int(sys.argv[1]), sys.argv[2]
stages = ["subscriber", "lead", "customer"]
with open(path, "w") as f:
    f.write("Email,First name,Last name,Title,Stage,Tags\n")
    for i in range(rows):
        f.write(f"person{i}@example.com,First{i},Last{i},Engineer {i % 7},{stages[i % 3]},import;bench\n")
PY

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
RAPPORT_SERVER__LISTEN="127.0.0.1:$PORT" RAPPORT_LOG__LEVEL=warn RAPPORT_IMPORTS__POLL_MS=100 \
  "$BIN" serve >"$OUT/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null

RESULT="$OUT/result.txt"
python3 - "$PORT" "$CSV" "$ROWS" >"$RESULT" <<'PY'
import json, os, sys, time, urllib.error, urllib.request
port, path, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = f"http://127.0.0.1:{port}/api/v1/imports"
auth = {"Authorization": "Bearer " + os.environ["TOKEN"]}
mapping = {"Email": "emails", "First name": "first_name", "Last name": "last_name",
           "Title": "title", "Stage": "lifecycle_stage", "Tags": "tags"}

def call(method, url, body=None, ctype="application/json"):
    headers = dict(auth)
    if body is not None:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    with urllib.request.urlopen(req) as res:
        return json.load(res)

busy = {}
for run in (1, 2):
    t0 = time.monotonic()
    with open(path, "rb") as f:
        up = call("POST", f"{base}?object=contacts", f.read(), "text/csv")
    t1 = time.monotonic()
    call("POST", f"{base}/{up['id']}/start", json.dumps({"mapping": mapping}).encode())
    while True:
        try:
            st = call("GET", f"{base}/{up['id']}")
        except urllib.error.HTTPError as e:
            # A 503 while a chunk holds SQLite's write lock: count it and poll again.
            if e.code != 503:
                raise
            busy[run] = busy.get(run, 0) + 1
            time.sleep(0.2)
            continue
        if st["status"] in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.2)
    t2 = time.monotonic()
    print(f"| {run} | {rows} | {t1 - t0:.2f} s | {t2 - t1:.2f} s | {rows / (t2 - t1):.0f} | "
          f"{st['created']} / {st['updated']} / {st['unchanged']} / {st['rows_failed']} | {st['status']} | {busy.get(run, 0)} |")
PY
cat "$RESULT"

{
  echo
  echo "## $(date -u +%F) — import, $(git rev-parse --short HEAD)"
  echo
  echo "Produced by \`bench/import.sh\`. Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, Linux $(uname -r)."
  echo "Data: SQLite (synchronous=full), a fresh database; a generated CSV of $ROWS contacts (email, names,"
  echo "title, lifecycle stage, tags), imported twice through the API by the in-process runner (chunks of 500"
  echo "rows, one transaction each), release build. Run 2 is the same file again: every row matches its"
  echo "contact by email and changes nothing. rows/s counts from the start request to \`completed\`."
  echo
  echo "| run | rows | upload + scan | import | rows/s | created / updated / unchanged / failed | status | 503s while polling |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  cat "$RESULT"
} >>bench/RESULTS.md
