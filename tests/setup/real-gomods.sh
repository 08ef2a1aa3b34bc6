#!/usr/bin/env bash
# Fills target/real-gomods/gopath/pkg/mod/cache/download with the go.mod files of a
# few hundred real modules, for tests/it/modfile_go_diff.rs (which compares our go.mod
# parser and printer with `go mod edit` on each of them).
#
# A throwaway module requires a fixed list of popular, dependency-rich modules at fixed
# versions; `go list -m all` and `go mod graph` then load the module graph, which
# downloads every go.mod it needs (and no module zips). It uses the machine's real
# `go` with its own GOPROXY/GOSUMDB configuration (nothing here names a proxy), a
# private GOPATH under target/, GOTOOLCHAIN=local and -mod=mod.
#
# Idempotent: a stamp records the requirement list of the last successful run, and
# `go` reuses what is already in the cache. Quiet unless it fails (exit status 1,
# with go's output).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD/target/real-gomods"
mod="$root/mod"
gopath="$root/gopath"
stamp="$root/stamp"

requires='
	github.com/gin-gonic/gin v1.10.0
	github.com/labstack/echo/v4 v4.12.0
	google.golang.org/grpc v1.65.0
	k8s.io/client-go v0.30.3
	github.com/prometheus/client_golang v1.19.1
	github.com/spf13/cobra v1.8.1
	golang.org/x/tools v0.24.0
	github.com/hashicorp/consul/api v1.29.2
'

gomod="module example.com/realgomods

go 1.16

require ($requires)
"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$gomod" ] \
	&& [ -d "$gopath/pkg/mod/cache/download" ]; then
	exit 0
fi

if ! command -v go >/dev/null; then
	echo "real-gomods.sh: go not found on PATH" >&2
	exit 1
fi

mkdir -p "$mod" "$gopath"
printf '%s' "$gomod" > "$mod/go.mod"
printf 'package realgomods\n' > "$mod/doc.go"
rm -f "$stamp"

log="$root/go.log"
if ! (
	cd "$mod" &&
	export GOPATH="$gopath" GOMODCACHE="$gopath/pkg/mod" GOTOOLCHAIN=local \
		GOFLAGS="-mod=mod -modcacherw" GO111MODULE=on GOWORK=off &&
	go list -m all && go mod graph
) >"$log" 2>&1; then
	echo "real-gomods.sh: loading the module graph failed:" >&2
	tail -n 40 "$log" >&2
	exit 1
fi

count=$(find "$gopath/pkg/mod/cache/download" -name '*.mod' | wc -l)
if [ "$count" -lt 50 ]; then
	echo "real-gomods.sh: only $count go.mod files downloaded (want at least 50)" >&2
	exit 1
fi
printf '%s' "$gomod" > "$stamp"
