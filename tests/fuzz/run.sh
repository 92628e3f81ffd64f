#!/bin/sh
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each one.
# usage: tests/fuzz/run.sh [RUNS]     run each target RUNS times (default 1000000)
#        tests/fuzz/run.sh replay     only run every seed once (used by make check)
# New inputs go to build/fuzz/corpus-TARGET, never into the seed folders.
# Prints one line per target, then "fuzz: N passed, N failed".
set -u
mode=${1:-1000000}
out=build/fuzz
mkdir -p "$out"
CFLAGS="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
SRC=$(ls sidecar/*.c sidecar/*/*.c platform/*.c | grep -v "^sidecar/main.c$")

seeds() {
	case $1 in
	fuzz_sip_msg) echo tests/data/sip ;;
	fuzz_sip_frame) echo tests/fuzz/corpus/sip_frame tests/data/sip ;;
	fuzz_conf) echo tests/fuzz/corpus/conf config ;;
	esac
}

passed=0
failed=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	if ! clang $CFLAGS -I. $SRC "$src" -lyaml -lwolfssl -luv -o "$out/$t" 2>"$out/$t.build.log"; then
		cat "$out/$t.build.log"
		echo "$t: build failed"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$out/corpus-$t"
	if [ "$mode" = replay ]; then
		args="-runs=0"
	else
		args="-runs=$mode -max_total_time=${FUZZ_MAX_SECONDS:-1800}"
	fi
	# shellcheck disable=SC2046
	"$out/$t" $args -max_len=65536 -print_final_stats=1 "$out/corpus-$t" $(seeds "$t") \
		>"$out/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "$t: ok, ${runs:-?} executions"
		passed=$((passed + 1))
	else
		tail -n 40 "$out/$t.log"
		echo "$t: FAILED (exit $rc) after ${runs:-?} executions; log in $out/$t.log"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
