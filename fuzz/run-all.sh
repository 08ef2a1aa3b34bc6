#!/bin/sh
# Runs every fuzz target in turn for SECONDS seconds each (default 600), on the corpus
# seeded by seed.sh, and keeps each run's libFuzzer log in logs/<target>.log (the last
# lines give the executions and the corpus size). Stops at the first target that finds
# a crash; its input is in artifacts/<target>/.
#
#   fuzz/run-all.sh [seconds] [target...]
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-$(cargo +nightly fuzz list)}
mkdir -p logs
export CARGO_INCREMENTAL=0
# The zip target extracts every input into a temporary directory: keep that in memory.
[ -d /dev/shm ] && export TMPDIR=${TMPDIR:-/dev/shm}
cargo +nightly fuzz build
for t in $targets; do
    mkdir -p "corpus/$t"
    echo "== $t: ${secs}s"
    nice -n 10 cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -print_final_stats=1 \
        >"logs/$t.log" 2>&1 || { tail -n 40 "logs/$t.log"; exit 1; }
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "logs/$t.log" || tail -n 3 "logs/$t.log"
done
