#!/bin/sh
# The layout rules that keep the source tree livable (docs/architecture.md):
#   - no C file under sidecar/ over 700 lines, and relay/relay.c (wiring
#     only) at most 400;
#   - no include cycle between folders (sidecar/, sidecar/*/, platform/):
#     arrows point down, from main and the daemon to relay, to tls, sip,
#     net, dns, conf, to base and platform;
#   - sidecar/tls/ includes no configuration header (it takes its own
#     options);
#   - every .c file is named in docs/architecture.md.
# Each rule is one check; prints "layout: N passed, N failed" last.
# usage: tests/layout.sh [TREE]   (TREE: the top of a source tree, by default
#                                  this one; tests/layout_test.sh gives it
#                                  small trees that break each rule)
set -u
cd "${1:-$(dirname "$0")/..}" || exit 1
passed=0
failed=0
ok() {
	passed=$((passed + 1))
	echo "ok: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}

sources=$(find sidecar platform -name '*.[ch]' | sort)

# --- size ---------------------------------------------------------------
big=$(find sidecar -name '*.c' -exec wc -l {} + | awk '$2 != "total" && $1 > 700 { print $2 " (" $1 " lines)" }')
if [ -z "$big" ]; then
	ok "no C file under sidecar/ is over 700 lines"
else
	fail "C files over 700 lines: $(echo $big)"
fi
n=$(wc -l <sidecar/relay/relay.c)
if [ "$n" -le 400 ]; then
	ok "sidecar/relay/relay.c is wiring only ($n lines, at most 400)"
else
	fail "sidecar/relay/relay.c has $n lines (at most 400: it is wiring only)"
fi

# --- include cycles between folders -------------------------------------
# Every quoted include, resolved against the including file's folder, as
# an edge "from-folder to-folder".
edges=$(for f in $sources; do
	dir=$(dirname "$f")
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r inc; do
			target=$(cd "$dir" 2>/dev/null && cd "$(dirname "$inc")" 2>/dev/null && pwd) || continue
			top=$(pwd)
			to=${target#"$top"/}
			[ "$to" != "$dir" ] && echo "$dir $to"
		done
done | sort -u)
cycles=$(printf '%s\n' "$edges" | awk '
	NF == 2 { n[$1] = 1; n[$2] = 1; r[$1, $2] = 1 }
	END {
		for (k in n) for (i in n) if (r[i, k]) for (j in n) if (r[k, j]) r[i, j] = 1
		for (i in n) for (j in n) if (i < j && r[i, j] && r[j, i]) print i " <-> " j
	}')
if [ -z "$cycles" ]; then
	ok "no include cycle between folders ($(printf '%s\n' "$edges" | grep -c .) folder edges)"
else
	fail "include cycles between folders:"
	printf '%s\n' "$cycles" | sed 's/^/    /'
	printf '%s\n' "$edges" | sed 's/^/    edge: /'
fi

# --- tls takes its own options -------------------------------------------
conf_inc=$(grep -ln '#[[:space:]]*include[[:space:]]*"[^"]*conf[^"]*\.h"' sidecar/tls/*.[ch] 2>/dev/null)
if [ -z "$conf_inc" ]; then
	ok "sidecar/tls/ includes no configuration header"
else
	fail "sidecar/tls/ files include a configuration header: $(echo $conf_inc)"
fi

# --- every source file documented ----------------------------------------
missing=""
for f in $(find sidecar platform -name '*.c' | sort); do
	grep -q "\`$f\`" docs/architecture.md || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok "every .c file is named in docs/architecture.md"
else
	fail "not named in docs/architecture.md:$missing"
fi

echo "layout: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
