#!/bin/sh
# The layout check's own test: tests/layout.sh on small trees made here, one
# that keeps every rule and one per rule that breaks it.  Each broken tree
# must fail on its rule (and only there); the good tree must pass.  Prints
# "layout-test: N passed, N failed" last.
# usage: tests/layout_test.sh  (from the top of the source tree)
set -u
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/sc-layout.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# A tree that keeps every rule: main -> relay -> tls -> net -> base.
good() {
	d=$1
	mkdir -p "$d/sidecar/relay" "$d/sidecar/tls" "$d/sidecar/net" "$d/sidecar/base" \
		"$d/sidecar/conf" "$d/platform" "$d/docs"
	printf '#include "relay/relay.h"\nint main(void) { return 0; }\n' >"$d/sidecar/main.c"
	printf '#include "../tls/conn.h"\n' >"$d/sidecar/relay/relay.c"
	: >"$d/sidecar/relay/relay.h"
	printf '#include "../net/addr.h"\n' >"$d/sidecar/tls/conn.c"
	printf '#include "../net/addr.h"\n' >"$d/sidecar/tls/conn.h"
	printf '#include "../base/str.h"\n' >"$d/sidecar/net/addr.c"
	: >"$d/sidecar/net/addr.h"
	: >"$d/sidecar/base/str.h"
	printf '#include "../tls/cert.h"\n' >"$d/sidecar/conf/load.c"
	: >"$d/sidecar/tls/cert.h"
	: >"$d/platform/posix.c"
	for f in sidecar/main.c sidecar/relay/relay.c sidecar/tls/conn.c sidecar/net/addr.c \
		sidecar/conf/load.c platform/posix.c; do
		printf -- '- `%s`\n' "$f"
	done >"$d/docs/architecture.md"
}

# expect NAME PATTERN: tests/layout.sh on tree NAME fails with one FAIL line
# matching PATTERN (an empty PATTERN: it passes).
expect() {
	name=$1
	pattern=$2
	out=$("$top/tests/layout.sh" "$work/$name" 2>&1)
	rc=$?
	nfail=$(printf '%s\n' "$out" | grep -c '^FAIL:')
	if [ -z "$pattern" ]; then
		if [ "$rc" -eq 0 ] && [ "$nfail" -eq 0 ]; then
			passed=$((passed + 1))
			echo "ok: $name passes"
			return
		fi
	elif [ "$rc" -ne 0 ] && [ "$nfail" -eq 1 ] &&
		printf '%s\n' "$out" | grep '^FAIL:' | grep -q -- "$pattern"; then
		passed=$((passed + 1))
		echo "ok: $name fails on: $pattern"
		return
	fi
	failed=$((failed + 1))
	echo "FAIL: $name (exit $rc, $nfail FAIL lines, wanted ${pattern:-none}):"
	printf '%s\n' "$out" | sed 's/^/    /'
}

good "$work/good"
expect good ""

good "$work/long"
awk 'BEGIN { for (i = 0; i < 701; i++) print "/* a line */" }' >"$work/long/sidecar/net/addr.c"
expect long "over 700 lines: sidecar/net/addr.c (701 lines)"

good "$work/at-limit"
awk 'BEGIN { for (i = 0; i < 700; i++) print "/* a line */" }' >"$work/at-limit/sidecar/net/addr.c"
expect at-limit ""

good "$work/fat-relay"
awk 'BEGIN { for (i = 0; i < 401; i++) print "/* a line */" }' >"$work/fat-relay/sidecar/relay/relay.c"
expect fat-relay "relay.c has 401 lines"

good "$work/cycle"
printf '#include "../relay/relay.h"\n' >>"$work/cycle/sidecar/net/addr.c"
expect cycle "include cycles between folders"

good "$work/header-cycle"
printf '#include "../net/addr.h"\n' >"$work/header-cycle/sidecar/base/str.h"
expect header-cycle "include cycles between folders"

good "$work/tls-conf"
mkdir -p "$work/tls-conf/sidecar/app"
printf '#include "../app/conf.h"\n' >>"$work/tls-conf/sidecar/tls/conn.c"
: >"$work/tls-conf/sidecar/app/conf.h"
expect tls-conf "include a configuration header"

good "$work/undocumented"
: >"$work/undocumented/sidecar/net/udp.c"
expect undocumented "not named in docs/architecture.md: sidecar/net/udp.c"

echo "layout-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
