#!/usr/bin/env bash
# Go reference benchmarks: builds nats-server 2.9.10's "server" package from
# Debian's golang-github-nats-io-nats-server-dev with our
# accounting_reference_test.go added, offline (GOPATH mode, Debian's Go), and
# runs the benchmarks. Everything it writes lives in one temporary directory,
# removed on exit.
#
# Usage:
#   run.sh [GO-TEST-FLAGS...]  build, then run (flags go to the test binary,
#                              e.g. -test.benchtime=100x)
#   run.sh --build FILE        only build the test binary into FILE (compare-go
#                              builds once and runs it every round)
#   run.sh --check             only say whether the Debian packages are there
#
# Environment (run mode):
#   BENCH      benchmark regex      (default .)
#   BENCHTIME  -test.benchtime      (default 300ms)
#   COUNT      -test.count          (default 1)
#   CPU        -test.cpu            (default 1,2)
#   GOCACHE    reused if set (faster rebuilds); otherwise a throwaway cache
#
# Needs golang-go and golang-github-nats-io-nats-server-dev (which brings every
# Go library the server package imports); benchmarks/go-reference/install-deps
# installs them.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pkg=golang-github-nats-io-nats-server-dev
bench_file=$here/accounting_reference_test.go

fail() {
	echo "go-reference/run.sh: $*" >&2
	exit 1
}

# Missing Debian packages, one per line.
missing_packages() {
	command -v go >/dev/null 2>&1 || echo golang-go
	dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"
}

check() {
	command -v dpkg >/dev/null 2>&1 || fail "dpkg not found: the Go reference needs Debian's packages"
	local missing
	missing=$(missing_packages | tr '\n' ' ')
	if [[ -n ${missing// /} ]]; then
		fail "missing Debian package(s): ${missing% }
  install them with: benchmarks/go-reference/install-deps   (apt-get install ${missing% })"
	fi
}

# Where the package put the server source: <gopath>/src/github.com/nats-io/nats-server.
locate_source() {
	local jetstream_go
	jetstream_go=$(dpkg -L "$pkg" | grep -m1 '/src/github\.com/nats-io/nats-server/server/jetstream\.go$' || true)
	[[ -n $jetstream_go && -f $jetstream_go ]] || fail "$pkg has no server/jetstream.go"
	src_root=$(dirname "$(dirname "$jetstream_go")")
	system_gopath=${src_root%/src/github.com/nats-io/nats-server}
	[[ -f $src_root/go.mod ]] || fail "no go.mod in $src_root"
	# The server package's imports come from the package's dependencies.
	local dep
	for dep in github.com/klauspost/compress github.com/minio/highwayhash github.com/nats-io/jwt/v2 \
		github.com/nats-io/nkeys github.com/nats-io/nuid golang.org/x/crypto golang.org/x/sys golang.org/x/time; do
		[[ -d $system_gopath/src/$dep ]] || fail "Go source of $dep missing under $system_gopath/src (reinstall $pkg's dependencies)"
	done
}

work=
cleanup() {
	if [[ -n $work ]]; then
		chmod -R u+w "$work" 2>/dev/null || true # Go writes parts of its cache read-only
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# build OUT: compile the test binary of a private copy of the package into OUT.
build() {
	local out=$1 copy
	copy=$work/gopath/src/github.com/nats-io/nats-server
	mkdir -p "$copy"
	# The whole module, go.mod included: in GOPATH mode the package's own
	# ".../nats-server/v2/..." imports resolve through go.mod's /v2 module line.
	cp -r "$src_root"/. "$copy"/
	chmod -R u+w "$copy"
	# Upstream's tests would add compile time and their TestMain's fixtures
	# (live heap) to every benchmark; ours replace them.
	find "$copy/server" -maxdepth 1 -name '*_test.go' -delete
	cp "$bench_file" "$copy/server/"
	(
		cd "$copy/server"
		export GOPATH="$work/gopath:$system_gopath" GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local
		export GOCACHE=${GOCACHE:-$work/gocache} TMPDIR=$work
		go test -c -vet=off -o "$out" .
	)
}

case ${1:-} in
--check)
	check
	echo "go-reference: $(go version | awk '{print $3}'), $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
	exit 0
	;;
--build)
	[[ $# -eq 2 ]] || fail "usage: run.sh --build FILE"
	check
	locate_source
	out=$(realpath -m "$2")
	work=$(mktemp -d -t jsacct-goref.XXXXXXXX)
	build "$out"
	exit 0
	;;
-h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac

check
locate_source
work=$(mktemp -d -t jsacct-goref.XXXXXXXX)
echo "go-version: $(go version | awk '{print $3}')"
echo "nats-server-source: $pkg $(dpkg-query -W -f='${Version}' "$pkg")"
echo "host-cpus: $(nproc)"
build "$work/reference.test"
# JetStream store directories go to TMPDIR, inside the work directory.
TMPDIR=$work "$work/reference.test" -test.run '^$' -test.bench "${BENCH:-.}" -test.benchmem \
	-test.benchtime "${BENCHTIME:-300ms}" -test.count "${COUNT:-1}" -test.cpu "${CPU:-1,2}" -test.timeout 30m "$@"
