#!/usr/bin/env bash
# scripts/wrk/ideas.sh NAME BIN DB PORT RUN [SECONDS]: one wrk run of idea submissions by the
# wrk accounts (prep.sh) against BIN's `serve` on DB; RUN (a number) keeps submission keys
# unique across runs. Prints the ideas stored per second.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=$1 bin=$2 db=$3 port=$4 run=$5 secs=${6:-10}
url=postgres://postgres@127.0.0.1:5432/$db
q() { psql -q -At -h 127.0.0.1 -U postgres -d "$db" -c "$1"; }
seq 1 256 | while read g; do echo "wrktoken-$g-$(echo -n $g | md5sum | cut -d' ' -f1)"; done > $here/tokens.txt
before=$(q "SELECT count(*) FROM ideas i JOIN accounts a ON a.id = i.account_id WHERE a.email LIKE 'wrk%@exemple.fr'")
q "CHECKPOINT"
ECOUTE_BACKGROUND_JOBS=off ECOUTE_WRITE_LIMIT_PER_MINUTE=4000000000 DATABASE_URL=$url \
  "$bin" serve --listen 127.0.0.1:$port > /tmp/serve-$name.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null -H 'Host: gironde.localhost' http://127.0.0.1:$port/; do sleep 0.3; done
TOKENS=$here/tokens.txt RUN=$run wrk -t2 -c64 -d${secs}s --latency -s $here/ideas.lua \
  http://127.0.0.1:$port/ > /tmp/wrk-ideas-$name.txt
kill $pid; wait $pid || true
after=$(q "SELECT count(*) FROM ideas i JOIN accounts a ON a.id = i.account_id WHERE a.email LIKE 'wrk%@exemple.fr'")
sent=$(awk '/requests in/ {print $1}' /tmp/wrk-ideas-$name.txt)
bad=$(awk '/Non-2xx/ {print $NF}' /tmp/wrk-ideas-$name.txt)
echo "ideas $name $(date +%H:%M:%S): sent=$sent non2xx=${bad:-0} stored=$((after - before)) stored/s=$(((after - before) / secs)) p99=$(awk '/ 99%/ {print $2}' /tmp/wrk-ideas-$name.txt)"
