# Helpers shared by bench/load.sh and bench/objects.sh: build once, start the server, create an
# all-scope token, sample values for Lua scripts, measure one scenario with wrk, append a section to
# bench/RESULTS.md. Source it from the repository root with OUT, PORT, THREADS, CONNECTIONS and
# DURATION set. Only loopback addresses are used; every wrk run is bounded by DURATION.

# BENCH_BIN_DIR: binaries built earlier (copied aside), so a long run is not rebuilt under it
# when the tree changes meanwhile; BENCH_COMMIT then names the commit they were built from.
BIN_DIR="${BENCH_BIN_DIR:-${CARGO_TARGET_DIR:-target}/release}"
BIN="$BIN_DIR/rapport"
results=()
pids=()

# Builds the release binaries (the only build a run does).
bench_build() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  [ -n "${BENCH_BIN_DIR:-}" ] && return
  cargo build --release --locked -p rapport -p rapport-bench-hello
}

# Every request is authenticated, as in production: an owner of workspace Bench and an all-scope
# API token, created once per database (the password never used). Sets TOKEN.
bench_token() { # database-url key
  local url=$1 key=$2
  if [ ! -f "$OUT/token-$key.txt" ]; then
    head -c 32 /dev/urandom | base64 >"$OUT/password.txt"
    RAPPORT_DATABASE__URL="$url" "$BIN" user create --email bench@example.com \
      --password-file "$OUT/password.txt" --workspace Bench --role owner
    RAPPORT_DATABASE__URL="$url" "$BIN" token create --email bench@example.com \
      --workspace Bench --scopes read,write,admin --name bench >"$OUT/token-$key.txt"
  fi
  TOKEN=$(cat "$OUT/token-$key.txt")
  export TOKEN
}

# PIN=1 holds the database's files in memory (vmtouch -l) while a run seeds and measures. Some
# virtual machines page out memory that was not touched for a few seconds (here: a DAMON
# `pageout` scheme on physical addresses), so a database far smaller than RAM is read back from
# disk at a few MB/s and a benchmark measures the host's disk, not Rapport; a server with free
# memory keeps those pages cached. Files grow while seeding, so they are pinned again each minute.
bench_pin() { # path...
  [ "${PIN:-0}" = 1 ] || return 0
  command -v vmtouch >/dev/null || apt-get install -y -qq vmtouch >/dev/null
  trap bench_cleanup EXIT
  (
    prev="" new=""
    trap 'kill $prev $new 2>/dev/null; exit 0' TERM
    while :; do
      vmtouch -ql "$@" &
      new=$!
      sleep 10 & wait $!
      [ -n "$prev" ] && kill "$prev" 2>/dev/null
      prev=$new
      sleep 50 & wait $!
    done
  ) &
  pids+=($!)
}

bench_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }

# Starts `rapport serve` on the database and the hello-world ceiling; both stop on exit.
bench_serve() { # database-url
  trap bench_cleanup EXIT
  RAPPORT_DATABASE__URL="$1" RAPPORT_SERVER__LISTEN="127.0.0.1:$PORT" RAPPORT_LOG__LEVEL=warn \
    "$BIN" serve >"$OUT/server.log" 2>&1 &
  pids+=($!)
  "$BIN_DIR/rapport-bench-hello" "127.0.0.1:$HELLO_PORT" &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fsS "127.0.0.1:$PORT/readyz" >/dev/null
}

# random.lua picks a random line of SAMPLE_FILE per request and puts it in TEMPLATE's %s.
bench_lua() {
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
}

# SCENARIOS (an extended regular expression) keeps the scenarios whose name matches: a run over
# data that holds only some objects measures only those.
measure() { # name url [lua] [sample] [template]
  local name=$1 url=$2 lua=${3:-} sample=${4:-} template=${5:-}
  grep -Eq -- "${SCENARIOS:-.}" <<<"$name" || return 0
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN")
  [ -n "$lua" ] && args+=(-s "$lua")
  local text
  text=$(SAMPLE_FILE="$OUT/$sample.txt" TEMPLATE="$template" wrk "${args[@]}" "$url")
  echo "$text" >"$OUT/wrk-${name//[^a-zA-Z0-9-]/_}.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$text")
  p50=$(awk '$1=="50%" {print $2}' <<<"$text")
  p99=$(awk '$1=="99%" {print $2}' <<<"$text")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$text")
  results+=("| $name | ${rps:-?} | ${p50:-?} | ${p99:-?} | ${non2xx:-0} |")
  echo "$name: $rps req/s, p50 $p50, p99 $p99, non-2xx ${non2xx:-0}"
}

# Appends a dated section: a title, the lines describing the data, then the table.
bench_report() { # title data-line
  {
    echo
    echo "## $(date -u +%Y-%m-%d) — ${BENCH_COMMIT:-$(git rev-parse --short HEAD)}$1"
    echo
    echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr); wrk and the server share the cores."
    echo "Data: $2"
    echo "Load: wrk, $THREADS threads, $CONNECTIONS connections, ${DURATION} s per scenario, release build."
    echo
    echo "| scenario | requests/s | p50 | p99 | non-2xx |"
    echo "| --- | --- | --- | --- | --- |"
    printf '%s\n' "${results[@]}"
  } >>bench/RESULTS.md
  echo "results appended to bench/RESULTS.md"
}
