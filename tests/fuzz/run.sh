#!/usr/bin/env bash
# API fuzzing of ecoute with schemathesis (see README.md beside this file): starts a demo for the
# purpose, then runs schemathesis against its served OpenAPI document (/api/openapi.json) on the
# national space and on local spaces, anonymous and signed in (a citizen session obtained through
# the real e-mailed-link sign-in), with a fixed seed and a bounded number of examples.
#
#   bash tests/fuzz/run.sh
#
# Checks: no server error (5xx), application/problem+json on every 4xx (hooks.py), and the
# response schemas that the document promises; then hand probes that a schema-driven fuzzer does
# not send (broken bodies, media types, encodings...). Any failure makes the script exit 1.
#
# Honours CARGO_TARGET_DIR (and any target-dir in cargo's config), ECOUTE_BIN (a binary to use
# instead of building one), DATABASE_URL (unset: a fresh embedded cluster of its own, removed at
# the end), STARTUP_TIMEOUT (seconds to wait for /healthz, default 300), and the FUZZ_* knobs below.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

SEED="${FUZZ_SEED:-20261205}"           # schemathesis --seed
EXAMPLES="${FUZZ_EXAMPLES:-100}"        # --max-examples per operation and run
# One worker: with more, schemathesis' threads hit a CPython 3.11 race ("SystemError: AST
# constructor recursion depth mismatch") now and then, and the run is fast enough anyway.
WORKERS="${FUZZ_WORKERS:-1}"            # concurrent schemathesis workers
HOSTS="${FUZZ_HOSTS:-localhost gironde.localhost}"   # spaces to fuzz (national, one local)
PHASES="${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
OUT="${FUZZ_OUT:-${TMPDIR:-/tmp}/ecoute-fuzz}"      # logs and reports (emptied first)
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-300}"
CHECKS="not_a_server_error,response_schema_conformance,problem_json_on_4xx"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ecoute"
venv="$cache/fuzz-venv"
say() { echo "fuzz: $*"; }

# --- schemathesis, in a venv kept between runs (reinstalled when requirements.txt changes) ----
if [ ! -x "$venv/bin/schemathesis" ] || [ "$here/requirements.txt" -nt "$venv/.installed" ]; then
  command -v python3 >/dev/null 2>&1 || { echo "fuzz: python3 (>= 3.10, with venv) is required" >&2; exit 1; }
  say "installing $(tr '\n' ' ' <"$here/requirements.txt")into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.installed"
fi
py="$venv/bin/python"
st="$venv/bin/schemathesis"

# --- the binary -------------------------------------------------------------------------------
if [ -z "${ECOUTE_BIN:-}" ]; then
  cargo build --bin ecoute
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    "$py" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  ECOUTE_BIN="$target_dir/debug/ecoute"
fi
[ -x "$ECOUTE_BIN" ] || { echo "fuzz: no binary at $ECOUTE_BIN" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
chmod 755 "$OUT" # the embedded cluster's server user must reach the data folder inside it

# --- the demo ---------------------------------------------------------------------------------
# A fresh embedded cluster for each run (seeded by `ecoute demo` in a second or two), so that a
# seed gives the same requests against the same data; removed at the end. Writes are not rate
# limited: the fuzzer writes far more than 120 times a minute from one address.
data_dir=""
if [ -z "${DATABASE_URL:-}" ] && [ -z "${ECOUTE_DATA_DIR:-}" ]; then
  data_dir="$(mktemp -d "$OUT/data.XXXXXX")"
  chmod 755 "$data_dir"
  export ECOUTE_DATA_DIR="$data_dir"
fi
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$OUT/server.log"
server_pid=""

child_pid=""
stop_demo() {
  local status=$?
  if [ -n "$child_pid" ]; then kill -TERM "$child_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$server_pid" 2>/dev/null; then
      say "ecoute did not stop within 20 s of SIGTERM; sending SIGKILL"
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$data_dir" ]; then
    # The cluster may live under /var/tmp when $OUT is closed to its server user (see the log).
    local used
    used="$(sed -n 's/.*using=\([^ ]*\).*/\1/p' "$log" 2>/dev/null | head -n 1)"
    used="${used:-$data_dir}"
    # The embedded cluster's watchdog stops PostgreSQL once ecoute has gone: wait for it.
    for _ in $(seq 1 60); do [ -e "$used/pg/postmaster.pid" ] || break; sleep 0.5; done
    if [ -e "$used/pg/postmaster.pid" ]; then
      say "the embedded cluster in $used is still running; left in place"
    else
      rm -rf "$data_dir" "$used"
    fi
  fi
  return "$status"
}
trap stop_demo EXIT
trap 'exit 130' INT TERM HUP

say "starting $ECOUTE_BIN demo --listen 127.0.0.1:$port (${DATABASE_URL:+DATABASE_URL}${DATABASE_URL:-embedded cluster in ${ECOUTE_DATA_DIR}})"
NO_COLOR=1 ECOUTE_WRITE_LIMIT_PER_MINUTE=off RUST_LOG="${RUST_LOG:-info}" \
  "$ECOUTE_BIN" demo --listen "127.0.0.1:$port" >"$log" 2>&1 </dev/null &
server_pid=$!
deadline=$((SECONDS + STARTUP_TIMEOUT))
until "$py" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$base/healthz" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "fuzz: ecoute did not answer /healthz; last log lines:" >&2
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 0.3
done
say "demo up on port $port; server log: $log"

# --- sign-in and test data (Python, from the venv) ----------------------------------------------
# `helper signin HOST EMAIL`: the real citizen sign-in (GET /connexion for the CSRF token, POST
# the address, read the link that the demo's mail worker logs instead of sending it, open it,
# confirm) and prints the ecoute_session cookie's value.
# `helper config HOST FILE`: writes a schemathesis config whose dictionaries hold the space's real
# campaign slugs, idea and comment ids and themes, and prints the survey question ids, so that
# part of the generated requests reach the handlers' logic instead of stopping at a 404.
helper() {
  "$py" "$here/helper.py" "$base" "$log" "$@"
}

# --- the runs ---------------------------------------------------------------------------------
export SCHEMATHESIS_HOOKS="$here/hooks.py"
stamp="$(date +%s)"
failed=()
started=$SECONDS

# fuzz NAME HOST CONFIG [schemathesis options...]
fuzz() {
  local name="$1" host="$2" config="$3"
  shift 3
  say "=== $name (Host: $host)"
  local rc=0
  # In the background, so that a signal reaches the traps at once rather than after the run.
  (cd "$OUT" && exec "$st" --config-file "$config" run "$base/api/openapi.json" \
    -H "Host: $host" --checks "$CHECKS" --seed "$SEED" --max-examples "$EXAMPLES" \
    --workers "$WORKERS" --generation-database none --no-color --request-timeout 30 \
    --report junit --report-junit-path "$OUT/$name.xml" "$@") >"$OUT/$name.txt" 2>&1 </dev/null &
  child_pid=$!
  wait "$child_pid" || rc=$?
  child_pid=""
  # The summary and any failures; the whole output stays in $OUT/$name.txt.
  awk '/^=+ (FAILURES|WARNINGS|SUMMARY) =+$/ { p = 1 } p' "$OUT/$name.txt" | cat -s
  [ "$rc" -eq 0 ] || failed+=("$name (exit $rc)")
}

# The stateful phase needs a session: the runs without one leave it out.
plain_phases="$(echo "$PHASES" | tr ',' '\n' | grep -vx stateful | paste -sd, - || true)"
[ -n "$plain_phases" ] || { echo "fuzz: FUZZ_PHASES needs a phase besides stateful" >&2; exit 1; }

n=0
for host in $HOSTS; do
  n=$((n + 1))
  name="${host%%.*}"
  config="$OUT/$name.toml"
  FUZZ_SURVEY_QUESTIONS="$(helper config "$host" "$config")"
  export FUZZ_SURVEY_QUESTIONS
  # Anonymous: every operation, as anyone on the internet.
  fuzz "$name-anonymous" "$host" "$config" --phases "$plain_phases"
  # Signed in: a citizen of this space; the stateful phase follows the links the document gives
  # (post an idea, then like, comment, report it...). Deleting the account is left to the last run.
  session="$(helper signin "$host" "fuzz-$stamp-$n@example.fr")"
  fuzz "$name-signed-in" "$host" "$config" --phases "$PHASES" \
    -H "Cookie: ecoute_session=$session" --exclude-name "DELETE /api/v1/me"
  # Account deletion, with an account of its own (the first 204 ends its session: the rest is 401).
  session="$(helper signin "$host" "fuzz-$stamp-$n-delete@example.fr")"
  # Hand probes (see `helper probe`), signed in with that account before it is deleted.
  say "=== $name-probes (Host: $host)"
  helper probe "$host" "$session" >"$OUT/$name-probes.txt" 2>&1 || failed+=("$name-probes")
  cat "$OUT/$name-probes.txt"
  fuzz "$name-delete-account" "$host" "$config" --phases "$plain_phases" \
    -H "Cookie: ecoute_session=$session" --include-name "DELETE /api/v1/me"
done

if ! kill -0 "$server_pid" 2>/dev/null; then
  failed+=("ecoute exited during the run (see $log)")
fi
panics="$(grep -c -i 'panicked' "$log" || true)"
[ "$panics" -eq 0 ] || failed+=("$panics panic(s) in $log")

say "done in $((SECONDS - started)) s (seed $SEED, $EXAMPLES examples); reports and logs in $OUT"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'fuzz: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
say "no failure"
