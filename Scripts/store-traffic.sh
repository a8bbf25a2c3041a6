#!/usr/bin/env bash
# Measures what one run costs the experiment store: the tiny sweep (experiments/tiny.yaml, 3 runs)
# runs against a PostgreSQL store twice, with 2 and with 6 epochs (evaluated after every epoch), and the server's own counters
# (pg_stat_database: transactions, rows inserted/updated/read; the database's size) are read
# before and after each. The difference between the two gives the cost per epoch, the rest is
# the cost per run (claim, start-up reads, finish). docs/SCALE.md quotes its output.
#
#   make build && Scripts/with-postgres.sh Scripts/store-traffic.sh
#
# Needs REIDKD_TEST_POSTGRES (Scripts/with-postgres.sh sets it) and .build/release/reidkd.
set -euo pipefail
url=${REIDKD_TEST_POSTGRES:?run this under Scripts/with-postgres.sh}
repo=$(cd "$(dirname "$0")/.." && pwd)
reidkd="$repo/.build/release/reidkd"
[ -x "$reidkd" ] || { echo "store-traffic: build reidkd first (make build)" >&2; exit 1; }
psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/reidkd-traffic.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -r "$repo/experiments" "$tmp/experiments"
cd "$tmp"

stats() {
  sleep 1.5  # server processes flush their counters when their sessions end
  "$psql" -X -A -t -F ' ' "$url" -c "SELECT xact_commit + xact_rollback, tup_inserted, tup_updated, tup_returned + tup_fetched,
      pg_database_size(current_database()) FROM pg_stat_database WHERE datname = current_database()"
}

"$psql" -X -q "$url" -c "CREATE SCHEMA traffic"
store="$url?options=-c%20search_path%3Dtraffic"
sweep() {  # EPOCHS: the tiny sweep with that many epochs, as sweep tinyEPOCHS
  sed -e "s/^name: tiny/name: tiny$1/" -e "s/SOLVER.MAX_EPOCH: 2/SOLVER.MAX_EPOCH: $1/" -e "s/TEST.EVAL_PERIOD: 2/TEST.EVAL_PERIOD: 1/" \
    experiments/tiny.yaml >"experiments/tiny$1.yaml"
  "$reidkd" sweep "experiments/tiny$1.yaml" --workers 2 --store "$store" >"$tmp/sweep$1.log"
}
# Not counted: a one-epoch sweep that creates the store's tables and generates the synthetic data.
sweep 1

measure() {  # EPOCHS → "transactions inserted updated read bytes" for the whole sweep
  local before after
  before=$(stats)
  sweep "$1"
  after=$(stats)
  paste <(tr ' ' '\n' <<<"$before") <(tr ' ' '\n' <<<"$after") | awk '{printf "%d ", $2 - $1}'
}

read -r t2 i2 u2 r2 b2 <<<"$(measure 2)"
read -r t6 i6 u6 r6 b6 <<<"$(measure 6)"
runs=3
awk -v runs=$runs -v t2="$t2" -v i2="$i2" -v u2="$u2" -v r2="$r2" -v b2="$b2" \
    -v t6="$t6" -v i6="$i6" -v u6="$u6" -v r6="$r6" -v b6="$b6" 'BEGIN {
  printf "tiny sweep, %d runs, PostgreSQL store (whole sweep: transactions / rows inserted / rows updated / rows read / bytes the database grew)\n", runs
  printf "  2 epochs: %d / %d / %d / %d / %d\n", t2, i2, u2, r2, b2
  printf "  6 epochs: %d / %d / %d / %d / %d\n", t6, i6, u6, r6, b6
  # per run-epoch from the difference (4 more epochs for each run), the rest per run
  split("t i u r b", k, " ")
  a2["t"]=t2; a2["i"]=i2; a2["u"]=u2; a2["r"]=r2; a2["b"]=b2
  a6["t"]=t6; a6["i"]=i6; a6["u"]=u6; a6["r"]=r6; a6["b"]=b6
  printf "per epoch of a run:"; for (j = 1; j <= 5; j++) printf " %.1f", (a6[k[j]] - a2[k[j]]) / (4 * runs); printf "\n"
  printf "per run, besides:  "; for (j = 1; j <= 5; j++) printf " %.1f", (a2[k[j]] - 2 * (a6[k[j]] - a2[k[j]]) / 4) / runs; printf "\n"
}'
