#!/usr/bin/env bash
# The stand-in recipe's seed study (docs/training.md "Padding and batching", issue #14 item 7): trains
# `hai train --preset fast --standin --seed S` for each seed and scores each model with `hai eval` on
# every CSV given, one line per seed. A stand-in trained from scratch on ~3,000 rows moves by several
# points from seed to seed, so a recipe is judged on all its seeds, never on one run.
#
#   scripts/standin-seeds.sh OUT "SEEDS" "EXTRA TRAIN ARGS" CSV...
#   scripts/standin-seeds.sh runs/seeds "42 1 2 3 7" "" real.csv data/rows/clean_valid.csv
#   scripts/standin-seeds.sh runs/seeds-d "42 1 2" '--standin_recipe {"batch":32,"epochs":15}' real.csv
#
# Runs that finished are kept (OUT/seed-S/eval-*.json) and skipped when the study is run again.
set -euo pipefail
if [ $# -lt 4 ]; then sed -n 2,11p "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
out=$1; seeds=$2; extra=$3; shift 3
for csv in "$@"; do [ -f "$csv" ] || { echo "standin-seeds: no such CSV: $csv" >&2; exit 2; }; done
hai="node $(dirname "$0")/../bin/hai.js"
mkdir -p "$out"
for s in $seeds; do
  d=$out/seed-$s
  if [ ! -f "$d/final/config.json" ]; then
    start=$(date +%s)
    # shellcheck disable=SC2086  # EXTRA is a list of --key value overrides
    $hai train --preset fast --standin --seed "$s" --out "$d" $extra > "$d.log" 2>&1 || { echo "seed $s: training failed, see $d.log" >&2; exit 1; }
    echo "seed $s: trained in $(( $(date +%s) - start )) s" >&2
  fi
  line="seed $s"
  for csv in "$@"; do
    j=$d/eval-$(basename "$csv" .csv).json
    if [ ! -f "$j" ]; then $hai eval --model "$d/final" --data "$csv" --json > "$j.tmp" 2>> "$d.log"; mv "$j.tmp" "$j"; fi
    line="$line  $(basename "$csv" .csv) $(node -e 'const j=require(process.argv[1]);process.stdout.write(j.accuracy.toFixed(3)+" / "+j.macro_f1.toFixed(3))' "$(realpath "$j")")"
  done
  echo "$line"
done
