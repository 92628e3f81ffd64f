#!/bin/sh
# Everything `make check` runs, in order, with one summary line at the end:
#   check: N passed, N failed, N skipped (N distinct tests)
# (a CI parser reads "N passed, N failed").  Passed and failed add up every
# run of every step, so a unit test counts four times (native, sanitizers,
# arm64, armhf) and a config, tls or interop check twice (native and
# sanitizer builds); "distinct tests" counts each once: the native unit
# tests plus the native config, tls, interop, calls and phones runs.  Skipped adds up the
# "NAME: N skipped" lines of the steps (cases that cannot run here: no
# IPv6 loopback, not root...); a skip is never a pass.
# Steps: native unit tests (gcc), the config tests against the real binary,
# unit and config tests again under ASan+UBSan (clang), `probe` against real
# TLS peers (openssl s_server, Kamailio) with both builds, the relay between
# sipp phones and a Kamailio TLS provider (tests/interop: run.sh, and
# calls.sh for calls as real equipment makes them and peers that fail under
# them, phones.sh with real softphones, baresip, as the phones) with both
# builds,
# arm64 and armhf cross
# builds with their unit tests under qemu-user, a compile of every source
# against musl's headers, and a replay of every fuzz
# seed.  A step that cannot build counts as a failure.
set -u
jobs=${JOBS:-2}
log=build/check
mkdir -p "$log"
passed=0
failed=0
skipped=0
status=0
# The steps whose tests count once in "distinct tests", and their counts.
distinct_steps="layout-test layout native config tls interop calls phones"
distinct=0
distinct_parts=""

# Adds up the last "N passed, N failed" line of a step's output, and its
# last "NAME: N skipped" line.
tally() {
	name=$1
	file=$2
	rc=$3
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$file" | tail -n 1)
	p=0
	f=0
	if [ -n "$line" ]; then
		p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/; s/^([0-9]+) passed.*/\1/')
		f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	fi
	s=$(grep -E '^[^ ]+: [0-9]+ skipped$' "$file" | tail -n 1 | sed -E 's/.* ([0-9]+) skipped$/\1/')
	s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	case " $distinct_steps " in
	*" $name "*)
		distinct=$((distinct + p + f))
		distinct_parts="$distinct_parts${distinct_parts:+, }$name $((p + f))"
		;;
	esac
	[ "$rc" -ne 0 ] && status=1
	printf '== %s: %s passed, %s failed, %s skipped (exit %s)\n' "$name" "$p" "$f" "$s" "$rc"
}

step() {
	name=$1
	shift
	echo "== $name"
	"$@" >"$log/$name.log" 2>&1
	rc=$?
	# Show failures in full, successes by their summary lines only.
	if [ $rc -ne 0 ]; then
		cat "$log/$name.log"
	else
		grep -E 'passed, [0-9]+ failed|: [0-9]+ skipped$|executions' "$log/$name.log"
	fi
	tally "$name" "$log/$name.log" $rc
}

# Test certificates are made once, natively, and shared by every build
# (qemu runs cannot call openssl themselves).
certs=$(pwd)/build/test-certs
tests/data/certs/mkcerts.sh "$certs" >"$log/certs.log" 2>&1 || {
	cat "$log/certs.log"
	echo "check: 0 passed, 1 failed"
	exit 1
}
export SC_TEST_CERTS="$certs"

step layout-test tests/layout_test.sh
step layout tests/layout.sh
step native make -j"$jobs" unit
step config env SIPSIDECAR=build/native/sipsidecar tests/config/run.sh
step sanitizers make -j"$jobs" unit SAN=1 CC=clang
step config-sanitizers env SIPSIDECAR=build/native-san/sipsidecar tests/config/run.sh
step tls env SIPSIDECAR=build/native/sipsidecar tests/tls/run.sh
step tls-sanitizers env SIPSIDECAR=build/native-san/sipsidecar tests/tls/run.sh
step tools make tools
step interop env SIPSIDECAR=build/native/sipsidecar tests/interop/run.sh
step interop-sanitizers env SIPSIDECAR=build/native-san/sipsidecar \
	SIPSEND=build/native/tools/sipsend tests/interop/run.sh
step calls env SIPSIDECAR=build/native/sipsidecar tests/interop/calls.sh
step calls-sanitizers env SIPSIDECAR=build/native-san/sipsidecar \
	SIPSEND=build/native/tools/sipsend tests/interop/calls.sh
step phones env SIPSIDECAR=build/native/sipsidecar tests/interop/phones.sh
step phones-sanitizers env SIPSIDECAR=build/native-san/sipsidecar tests/interop/phones.sh
for arch in arm64 armhf; do
	step "sysroot-$arch" platform/sysroot.sh "$arch"
	step "$arch" make -j"$jobs" unit ARCH="$arch"
done
step musl platform/musl.sh
step fuzz-replay tests/fuzz/run.sh replay

echo "check: distinct tests: $distinct ($distinct_parts); the unit tests run 4 times" \
	"(native, sanitizers, arm64, armhf), config, tls, interop, calls and phones twice (native, sanitizers)"
echo "check: $passed passed, $failed failed, $skipped skipped ($distinct distinct tests)"
exit $status
