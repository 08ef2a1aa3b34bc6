#!/usr/bin/env bash
# Regenerates the flamegraphs in this directory: gomodfetch's cold path and no-op path
# (`mod download` with no arguments) on the largest corpus project, served at 0 ms by
# the test proxy from the corpus mirror. See flamegraphs/README.md.
#
# Needs: the corpus mirror (GOMODFETCH_LIVE=1 cargo test --test it corpus_live),
# perf, and inferno (cargo install inferno). Usage, from the repository root:
#   flamegraphs/record.sh [project-dir-name]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${GOMODFETCH_CORPUS_DIR:-$root/target/corpus}
out=$root/flamegraphs
for tool in perf inferno-collapse-perf inferno-flamegraph; do
    command -v "$tool" >/dev/null || { echo "record.sh: $tool is not installed" >&2; exit 1; }
done
[ -f "$corpus/manifest.json" ] || { echo "record.sh: no corpus mirror at $corpus" >&2; exit 1; }

# The largest project of the manifest (most modules in `go list -m all`), unless named.
project=${1:-$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(max(d["projects"], key=lambda p: p["modules"])["source"].split("/")[-1])
' "$corpus/manifest.json")}
src=$corpus/src/$project
[ -d "$src" ] || { echo "record.sh: no working copy at $src" >&2; exit 1; }

(cd "$root" && cargo build --release --bins)
bin=$root/target/release/gomodfetch

# On tmpfs by default, as the benchmarks: on a disk file system, creating files soon
# after deleting many (the previous recording's cache) costs more than anything else.
scratch=${GOMODFETCH_BENCH_DIR:-/dev/shm}
[ -d "$scratch" ] || scratch=${TMPDIR:-/tmp}
work=$(mktemp -d "$scratch/gomodfetch-flame.XXXXXX")
proxy_pid=
cleanup() {
    [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$root/target/release/gomodfetch-testproxy" --tree "$corpus/mirror/cache/download" \
    --ca-out "$work/ca.pem" >"$work/proxy.out" 2>"$work/proxy.err" &
proxy_pid=$!
for _ in $(seq 50); do [ -s "$work/proxy.out" ] && break; sleep 0.1; done
goproxy=$(head -1 "$work/proxy.out")
[ -n "$goproxy" ] || { echo "record.sh: the test proxy did not start" >&2; cat "$work/proxy.err" >&2; exit 1; }

mkdir -p "$work/home" "$work/gocache"
cp -r "$src" "$work/project"
run_env=(env -i PATH="$PATH" HOME="$work/home" GOPATH="$work/gopath"
    GOMODCACHE="$work/gopath/pkg/mod" GOCACHE="$work/gocache" GOENV=off
    GOTOOLCHAIN=local GO111MODULE=on GOWORK=off GOPROXY="$goproxy" GOSUMDB=off
    GONOSUMDB= GONOPROXY= GOPRIVATE= GOINSECURE= GOAUTH=off GOFLAGS=-modcacherw
    SSL_CERT_FILE="$work/ca.pem")

flame() { # name, frequency, title
    (cd "$work/project" && "${run_env[@]}" perf record -q -F "$2" -g --call-graph dwarf,16384 \
        -o "$work/$1.data" "$bin" mod download)
    perf script -i "$work/$1.data" 2>/dev/null | inferno-collapse-perf >"$work/$1.folded"
    inferno-flamegraph --title "$3" --width 1600 --minwidth 2 <"$work/$1.folded" >"$out/$1.svg"
    echo "wrote $out/$1.svg"
}

flame cold 499 "gomodfetch mod download, cold cache, $project (test proxy, 0 ms)"
flame noop 20000 "gomodfetch mod download, everything cached (no-op), $project"
