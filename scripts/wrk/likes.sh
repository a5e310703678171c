#!/usr/bin/env bash
# scripts/wrk/likes.sh NAME BIN DB PORT [SECONDS]: one wrk run of likes (each pair once, 64
# connections) against BIN's `serve` on DB (run from BIN's source tree); the likes of the wrk
# accounts are deleted first. Needs prep.sh's pairs in $here/pairs-NAME.tsv. Prints the rows
# stored per second. Alternate two trees' runs and compare medians (docs/performance.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=$1 bin=$2 db=$3 port=$4 secs=${5:-10}
url=postgres://postgres@127.0.0.1:5432/$db
q() { psql -q -At -h 127.0.0.1 -U postgres -d "$db" -c "$1"; }
q "DELETE FROM idea_likes WHERE account_id IN (SELECT id FROM accounts WHERE email LIKE 'wrk%@exemple.fr')"
q "VACUUM ANALYZE idea_likes"; q "VACUUM ANALYZE ideas"; q "CHECKPOINT"
ECOUTE_BACKGROUND_JOBS=off ECOUTE_WRITE_LIMIT_PER_MINUTE=4000000000 DATABASE_URL=$url \
  "$bin" serve --listen 127.0.0.1:$port > /tmp/serve-$name.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
until curl -s -o /dev/null -H 'Host: gironde.localhost' http://127.0.0.1:$port/; do sleep 0.3; done
PAIRS=$here/pairs-$name.tsv THREADS=2 wrk -t2 -c64 -d${secs}s --latency -s $here/likes.lua \
  http://127.0.0.1:$port/ > /tmp/wrk-$name.txt
kill $pid; wait $pid || true
stored=$(q "SELECT count(*) FROM idea_likes l JOIN accounts a ON a.id = l.account_id WHERE a.email LIKE 'wrk%@exemple.fr'")
sent=$(awk '/requests in/ {print $1}' /tmp/wrk-$name.txt)
bad=$(awk '/Non-2xx/ {print $NF}' /tmp/wrk-$name.txt)
echo "$name $(date +%H:%M:%S): sent=$sent non2xx=${bad:-0} stored=$stored stored/s=$((stored / secs)) p99=$(awk '/ 99%/ {print $2}' /tmp/wrk-$name.txt)"
