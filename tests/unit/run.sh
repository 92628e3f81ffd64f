#!/bin/sh
# Runs every unit-test program of one build directory, from the top of the
# source tree (tests read their data from tests/data/), optionally under a
# runner such as "qemu-aarch64 -L ...".  Prints each suite's line and then
#   unit BUILD: N passed, N failed
# and exits non-zero when a test failed or a program crashed.
# usage: tests/unit/run.sh BUILD_DIR [RUNNER...]
set -u
build=$1
shift
passed=0
failed=0
status=0
for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$@" "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[a-z_0-9]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	if [ -n "$line" ]; then
		p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
		passed=$((passed + p))
		failed=$((failed + f))
	fi
	if [ "$rc" -ne 0 ] && { [ -z "$line" ] || [ "$f" -eq 0 ]; }; then
		# A crash or sanitizer report: count the whole program as one failure.
		echo "$(basename "$t"): exited with status $rc"
		failed=$((failed + 1))
	fi
	[ "$rc" -ne 0 ] && status=1
done
echo "unit $build: $passed passed, $failed failed"
exit $status
