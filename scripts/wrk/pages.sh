#!/usr/bin/env bash
# scripts/wrk/pages.sh PORT SLUG [SECONDS]: anonymous GETs at 64 connections against a served
# space (`ecoute serve` or `ecoute demo --scale grand-debat`, on 127.0.0.1:PORT), each target
# one wrk run: the favicon (the ceiling, same minutes), the campaign SLUG's list in each order at
# page 1 and page 10,000, random pages (each request another page: rendered, not cached), a
# search, the most commented idea's page (first and last page of its comments) and an ordinary
# idea's, the results page seen from the national space and from a Caf (its roll-up). Prints one
# line per target: requests/s, p50, p99, non-2xx; ONLY='search|idea' runs the targets whose label
# matches (and the favicon). Needs the campaign's database in DB
# (default ecoute_gd) to pick the ideas. Used for docs/performance.md ("A Grand-Débat-sized
# campaign").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
port=$1 slug=$2 secs=${3:-10} db=${DB:-ecoute_gd}
q() { psql -q -At -h 127.0.0.1 -U postgres -d "$db" -c "$1"; }
campaign=$(q "SELECT id FROM campaigns WHERE slug = '$slug'")
busiest=$(q "SELECT id FROM ideas WHERE campaign_id = '$campaign' AND status = 'published' ORDER BY comment_count DESC LIMIT 1")
ordinary=$(q "SELECT id FROM ideas WHERE campaign_id = '$campaign' AND status = 'published' AND comment_count = 1 LIMIT 1")
threads=$(q "SELECT count(*) FROM idea_comments WHERE idea_id = '$busiest' AND parent_id IS NULL")
last=$(( (threads + 49) / 50 ))
one() { # LABEL HOST PATH [LUA]; ONLY=REGEX runs the favicon and the labels it matches
  local label=$1 host=$2 path=$3 script=${4:-}
  [ -n "${ONLY:-}" ] && [ "$label" != "favicon (the ceiling)" ] && ! [[ $label =~ $ONLY ]] && return 0
  local args=(-t2 -c64 -d"${secs}s" --latency -H "Host: $host")
  [ -n "$script" ] && args+=(-s "$script")
  wrk "${args[@]}" "http://127.0.0.1:$port$path" > /tmp/wrk-page.txt 2>&1
  printf '%-44s %9s req/s  p50 %8s  p99 %8s  non-2xx %s  load %s\n' "$label" \
    "$(awk '/Requests\/sec/ {printf "%d", $2}' /tmp/wrk-page.txt)" \
    "$(awk '/ 50%/ {print $2}' /tmp/wrk-page.txt)" "$(awk '/ 99%/ {print $2}' /tmp/wrk-page.txt)" \
    "$(awk '/Non-2xx/ {print $NF}' /tmp/wrk-page.txt | grep . || echo 0)" "$(cut -d' ' -f1 /proc/loadavg)"
}
list=/consultations/$slug
one "favicon (the ceiling)" localhost /static/favicon.svg
for order in random newest most-liked most-commented; do
  one "list, $order, page 1" localhost "$list?ordre=$order&page=1"
  one "list, $order, page 10,000" localhost "$list?ordre=$order&page=10000"
done
for order in random newest; do
  export ORDER=$order SLUG=$slug
  one "list, $order, random pages (misses)" localhost / "$here/random-pages.lua"
done
one "search 'logement', page 1" localhost "$list?recherche=logement"
one "search 'logement', page 100" localhost "$list?recherche=logement&page=100"
one "idea, $threads threads, comments page 1" localhost "$list/idees/$busiest"
one "idea, $threads threads, comments page $last" localhost "$list/idees/$busiest?page=$last"
one "idea, one comment" localhost "$list/idees/$ordinary"
one "results, national space" localhost "$list/resultats"
one "results, a Caf's roll-up (Gironde)" gironde.localhost "$list/resultats"
