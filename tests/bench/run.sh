#!/bin/sh
# make bench: sipsidecar against a Kamailio edge doing the same job, on one
# machine, all on loopback.  See docs/benchmarks.md for the method.
#
#   1. throughput and CPU: sipp A --UDP--> EDGE --TLS--> provider --TLS--> EDGE
#      --UDP--> sipp B, EDGE being sipsidecar or tests/bench/edge.cfg, in
#      turn, at stepped call rates; calls ok/failed, retransmissions, CPU
#      seconds of the edge's processes per 1,000 calls, peak PSS of its
#      process tree, and the ratios sipsidecar/Kamailio;
#   2. memory per flow: sipsidecar with 100, 500 and 1,000 devices, each with
#      its own TLS flow; RSS/PSS at each size and the fitted slope;
#   3. latency: the time sipsidecar adds per hop at a fixed rate, from the
#      kernel's arrival stamp of each message to the send of the relayed one
#      (tests/bench/lathook.c, preloaded into the relay);
#   4. footprint: stripped binary sizes (x86_64, arm64, armhf) and the idle
#      RSS with the example configuration.
#
# Results: build/bench/results.json (one object) and a summary on stdout whose
# last line is "bench: N targets met, N missed"; the exit status is 0 when
# the run itself worked (a missed target is a result, not a failure).
#
# usage: tests/bench/run.sh   (from the top of the source tree, after make and
#                              make tools; `make bench` does all of it)
# Environment:
#   BENCH_QUICK=1     a 1-2 minute smoke run (2 rates of 5 s, smaller sizes)
#   BENCH_RATES       call rates (default "50 100 200 400 600")
#   BENCH_STEP_S      seconds per rate and edge (default 20)
#   BENCH_CALL_MS     length of a call (default 1000)
#   BENCH_FLOWS       flow counts of the memory test (default "100 500 1000")
#   BENCH_LAT_S       seconds of the latency test at 100 calls/s (default 20)
#   BENCH_CROSS=0     skip the arm64/armhf builds (sizes then null)
#   BENCH_PIN         CPU placement of the throughput steps: none (default, the
#                     scheduler's), split (the edges on the last CPU, phones
#                     and provider on the others) or one (all on CPU 0)
#   SIPSIDECAR, SC_TEST_CERTS, IT_KEEP as for tests/interop (lib.sh)
# shellcheck disable=SC2046 # set -- $(...) splits a line of numbers on purpose
set -u
# shellcheck source=tests/bench/lib.sh
. tests/bench/lib.sh

out=build/bench
mkdir -p "$out"
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	rates=${BENCH_RATES:-50 200}
	step_s=${BENCH_STEP_S:-5}
	flows=${BENCH_FLOWS:-50 100 200}
	lat_s=${BENCH_LAT_S:-5}
	quick=true
else
	rates=${BENCH_RATES:-50 100 200 400 600}
	step_s=${BENCH_STEP_S:-20}
	flows=${BENCH_FLOWS:-100 500 1000}
	lat_s=${BENCH_LAT_S:-20}
	quick=false
fi
CALL_MS=${BENCH_CALL_MS:-1000}
lat_rate=100
json=$tmp/json
mkdir -p "$json"
started=$(date +%s)

die() {
	echo "bench: $*"
	echo "bench: the run failed (IT_KEEP=1 keeps its logs)"
	exit 1
}

for t in sipp kamailio kamcmd jq ss ps gcc; do
	command -v "$t" >/dev/null 2>&1 || die "$t is missing (make bench installs it: platform/deps.sh bench)"
done
[ -x "$SIPSIDECAR" ] || die "$SIPSIDECAR is not built (make)"
[ -x "$SIPSEND" ] || die "$SIPSEND is not built (make tools)"
gcc -O2 -Wall -Wextra -shared -fPIC -o "$out/lathook.so" "$BENCH_DIR/lathook.c" -ldl ||
	die "cannot build $BENCH_DIR/lathook.c"
gcc -O2 -Wall -Wextra -o "$out/flowmem" "$BENCH_DIR/flowmem.c" -lwolfssl ||
	die "cannot build $BENCH_DIR/flowmem.c"
it_certs || die "cannot make test certificates"

# --- the machine ---------------------------------------------------------------

cpu_model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
hyper=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor: *//p' | head -n 1)
jq -n --arg model "${cpu_model:-unknown}" --arg hyper "${hyper:-none}" \
	--argjson cpus "$NCPU" \
	--argjson mem "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" \
	--arg kernel "$(uname -r)" --arg arch "$(uname -m)" \
	--arg os "$(sed -n 's/^PRETTY_NAME="*\([^"]*\)"*$/\1/p' /etc/os-release 2>/dev/null)" \
	--arg sc "$("$SIPSIDECAR" version 2>/dev/null | tr '\n' ';' | sed 's/;$//')" \
	--arg kam "$(kamailio -v 2>/dev/null | sed -n 's/^version: *//p' | head -n 1)" \
	--arg sipp "$(sipp -v 2>/dev/null | sed -n 's/.*\(SIPp v[^ ]*\).*/\1/p' | head -n 1)" \
	--arg src "$(git describe --always --dirty 2>/dev/null || echo unknown)" \
	'{cpu_model: $model, cpus: $cpus, hypervisor: $hyper, mem_kib: $mem, kernel: $kernel,
	  arch: $arch, os: $os, sipsidecar: $sc, source: $src, kamailio: $kam, sipp: $sipp}' \
	>"$json/machine.json"
say "machine: ${cpu_model:-?}, $NCPU CPUs; rates: $rates calls/s, $step_s s each"

# --- 4. footprint (first, while nothing else runs) --------------------------------

# size_of ARCH: builds and strips sipsidecar for ARCH; its size in bytes, or null.
size_of() {
	_so_b=build/$1
	if [ "$1" != native ]; then
		[ "${BENCH_CROSS:-1}" = 1 ] || {
			echo null
			return
		}
		if ! platform/sysroot.sh "$1" >"$tmp/sysroot-$1.log" 2>&1; then
			say "no $1 sysroot (see platform/sysroot.sh); its size is not measured"
			echo null
			return
		fi
	fi
	if ! make -s ARCH="$1" strip >"$tmp/strip-$1.log" 2>&1; then
		say "make ARCH=$1 strip failed; its size is not measured"
		sed 's/^/    /' "$tmp/strip-$1.log" | tail -n 5 >&2
		echo null
		return
	fi
	stat -c %s "$_so_b/sipsidecar.stripped"
}
say "footprint: stripped sizes (make strip ARCH=native|arm64|armhf)"
sz_x86=$(size_of native)
sz_arm64=$(size_of arm64)
sz_armhf=$(size_of armhf)

# idle_mem CA_FILE: "RSS PSS" (KiB) of sipsidecar idle for 3 s with
# config/sipsidecar.yaml, its LAN address moved to loopback and its ca_file
# replaced by CA_FILE.
idle_mem() {
	_im_port=$(free_port) || return 1
	sed -e "s#/etc/sipsidecar/#$certs/#g" -e "s#udp:192.168.1.1:5060#udp:127.0.0.1:$_im_port#" \
		-e "s#/etc/ssl/certs/ca-certificates.crt#$1#g" config/sipsidecar.yaml >"$tmp/idle.yaml"
	LAN=$_im_port
	sc_start "$tmp/idle.yaml" "udp:$_im_port" >&2 || return 1
	sleep 3
	_im_mem=$(mem_kib "$sc_pid")
	rss_by_mapping "$sc_pid" >"$json/idle-mappings-$(basename "$1").json"
	sc_stop
	echo "$_im_mem"
}
say "footprint: idle memory with config/sipsidecar.yaml"
sysca=/etc/ssl/certs/ca-certificates.crt
[ -r "$sysca" ] || sysca=$certs/ca.pem
set -- $(idle_mem "$sysca")
idle_rss=${1:-null} idle_pss=${2:-null}
cp "$json/idle-mappings-$(basename "$sysca").json" "$json/idle-mappings.json" 2>/dev/null ||
	echo '[]' >"$json/idle-mappings.json"
set -- $(idle_mem "$certs/ca.pem")
idle1_rss=${1:-null} idle1_pss=${2:-null}
jq -n --argjson x86 "$sz_x86" --argjson a64 "$sz_arm64" --argjson ahf "$sz_armhf" \
	--argjson rss "$idle_rss" --argjson pss "$idle_pss" \
	--argjson rss1 "$idle1_rss" --argjson pss1 "$idle1_pss" \
	--arg ca "$sysca" --argjson ncas "$(grep -c 'BEGIN CERTIFICATE' "$sysca")" \
	--slurpfile maps "$json/idle-mappings.json" \
	'{stripped_bytes: {x86_64: $x86, arm64: $a64, armhf: $ahf},
	  idle: {config: "config/sipsidecar.yaml", ca_file: $ca, ca_certificates: $ncas,
	         rss_kib: $rss, pss_kib: $pss, by_mapping: $maps[0]},
	  idle_single_ca: {config: "config/sipsidecar.yaml with ca_file: the test CA (one certificate)",
	         rss_kib: $rss1, pss_kib: $pss1}}' >"$json/footprint.json"

# --- 1. throughput and CPU ---------------------------------------------------------

prov_start || die "the provider did not start"
edge_start || die "the Kamailio edge did not start"
LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) && PA=$(free_port) && PB=$(free_port) ||
	die "no free ports"
bench_sc_config "$tmp/sidecar.yaml"
sc_start "$tmp/sidecar.yaml" "udp:$LAN" "tcp:$WAN" || die "sipsidecar did not start"
say "provider $kam_pid (tls:$KTLS), Kamailio edge $edge_pid (udp:$KLAN), sipsidecar $sc_pid (udp:$LAN)"

# Both edges must carry a call before anything is measured.
for e in sc ke; do
	register_b "$e" || die "phone B cannot register through $e (see $tmp/$e-reg-${e}b.msg)"
	load_sipp "$e-check-uas" -sf "$BENCH_DIR/scenarios/uas.xml" -p "$PB" -s "$e"b -m 1
	wait_until 50 bound udp "$PB"
	load_sipp "$e-check-uac" -sf "$BENCH_DIR/scenarios/uac.xml" -p "$PA" -s "$e"b -m 1 \
		-d 100 -timeout 15s "$(edge_target "$e")"
	load_wait "$e-check-uac"
	load_stop "$e-check-uas"
	[ "$(load_stat "$e-check-uac" "SuccessfulCall(C)")" = 1 ] ||
		die "a call through $e does not complete (see $tmp/$e-check-uac.err)"
done

edge_name() {
	case $1 in sc) echo sipsidecar ;; *) echo kamailio ;; esac
}
# CPU placement (pin in lib.sh): the scheduler's unless BENCH_PIN says.
placement=${BENCH_PIN:-none}
if pin "$placement" "$sc_pid" "$edge_pid"; then
	say "placement $placement (tests/bench/lib.sh, pin)"
else
	placement=none
fi
i=0
for rate in $rates; do
	i=$((i + 1))
	# Alternate which edge goes first, so that neither always runs on a
	# machine warmed (or tired) by the other.
	if [ $((i % 2)) = 1 ]; then order="sc ke"; else order="ke sc"; fi
	for e in $order; do
		if [ "$e" = sc ]; then other=$edge_pid; else other=$sc_pid; fi
		o0=$(tree_cpu "$other")
		st0=$(steal_ticks)
		r=$(load_step "$e" "$rate" "$step_s" "$e-$rate")
		st1=$(steal_ticks)
		o1=$(tree_cpu "$other")
		# shellcheck disable=SC2086
		set -- $r
		say "$(edge_name "$e") at $rate calls/s: $1 ok, $2 failed, $3 retransmissions, $(echo "$4 $HZ" |
			awk '{ printf "%.2f", $1 / $2 }') CPU s, peak PSS $6 KiB"
		jq -n --argjson rate "$rate" --arg edge "$(edge_name "$e")" --argjson sec "$step_s" \
			--argjson calls "$((rate * step_s))" --argjson ok "$1" --argjson failed "$2" \
			--argjson retrans "$3" --argjson ticks "$4" --argjson hz "$HZ" \
			--argjson rss "$5" --argjson pss "$6" --argjson wall "$7" \
			--argjson oticks "$((o1 - o0))" --argjson steal "$((st1 - st0))" \
			--arg placement "$placement" \
			'{rate: $rate, edge: $edge, seconds: $sec, calls: $calls, ok: $ok, failed: $failed,
			  retransmissions: $retrans, cpu_s: ($ticks / $hz),
			  cpu_s_per_1000_calls: (if $ok > 0 then ($ticks / $hz) * 1000 / $ok else null end),
			  peak_rss_kib: $rss, peak_pss_kib: $pss, wall_s: $wall,
			  cpu_s_of_the_other_edge_meanwhile: ($oticks / $hz),
			  steal_s: ($steal / $hz), placement: $placement}' >"$json/step-$i-$e.json"
		sleep 1
	done
done
[ "$placement" = none ] || pin_clear "$edge_pid"
sc_stop
sc_counters=$(sed -n 's/.*\[daemon\] stopped: //p' "$sc_log" | tail -n 1)
sc_warn=$(awk '$2 == "warn" || $2 == "error"' "$sc_log" | wc -l)
awk '$2 == "warn" || $2 == "error"' "$sc_log" | cut -c1-200 | sort | uniq -c | sort -rn | head -n 5 >"$tmp/sc-warn.txt"
edge_err=$(grep -c 'ERROR' "$edge_dir/kamailio.log")
grep 'ERROR' "$edge_dir/kamailio.log" | sed 's/^ *[0-9]*([0-9]*) //' | cut -c1-200 | sort | uniq -c |
	sort -rn | head -n 5 >"$tmp/edge-err.txt"
jq -n --arg c "$sc_counters" --argjson w "$sc_warn" --rawfile wl "$tmp/sc-warn.txt" \
	--argjson e "$edge_err" --rawfile el "$tmp/edge-err.txt" \
	'{sipsidecar_counters_at_exit: $c, sipsidecar_warnings: $w, sipsidecar_top_warnings: $wl,
	  kamailio_edge_errors: $e, kamailio_edge_top_errors: $el}' >"$json/logs.json"
it_stop "$edge_pid"

# --- 3. latency ------------------------------------------------------------------------

# lat_run NAME PIN: sipsidecar with lathook preloaded, phones A and B at
# $lat_rate calls/s for $lat_s s; the hops' figures into $json/NAME.json.
# PIN=1: sipsidecar alone on the last CPU, everything else (this shell and
# so the phones, the provider) on the others: the relay never waits for a
# CPU, which separates its own latency from the machine's contention.
lat_run() {
	_lr_name=$1 _lr_pin=$2
	LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) || die "no free ports"
	bench_sc_config "$tmp/$_lr_name.yaml"
	printf '#!/bin/sh\nLATHOOK_LOG=%s LD_PRELOAD=%s exec %s "$@"\n' "$tmp/$_lr_name.log" \
		"$PWD/$out/lathook.so" "$(cd "$(dirname "$SIPSIDECAR")" && pwd)/$(basename "$SIPSIDECAR")" \
		>"$tmp/sipsidecar-lathook"
	chmod +x "$tmp/sipsidecar-lathook"
	_lr_real=$SIPSIDECAR
	SIPSIDECAR=$tmp/sipsidecar-lathook
	sc_start "$tmp/$_lr_name.yaml" "udp:$LAN" "tcp:$WAN" || die "sipsidecar (lathook) did not start"
	SIPSIDECAR=$_lr_real
	[ "$_lr_pin" = 1 ] && pin split "$sc_pid"
	_lr_user=$_lr_name-b
	register_b sc "$_lr_user" || die "phone B cannot register through sipsidecar (latency)"
	# Phone A's flow is opened by its registration, so that no call waits
	# for a TLS handshake; everything before "since" is left out anyway.
	sipp_run "$_lr_name-reg-a" register.xml -s "$_lr_name-a" -p "$PA" "127.0.0.1:$LAN"
	_lr_since=$(date +%s%N)
	_lr_st0=$(steal_ticks)
	load_sipp "$_lr_name-uas" -sf "$BENCH_DIR/scenarios/uas.xml" -p "$PB" -s "$_lr_user" \
		-timeout "$((lat_s + 60))s"
	wait_until 50 bound udp "$PB"
	load_sipp "$_lr_name-uac" -sf "$BENCH_DIR/scenarios/uac.xml" -p "$PA" -s "$_lr_user" \
		-r "$lat_rate" -rp 1000 -m "$((lat_rate * lat_s))" -d "$CALL_MS" \
		-timeout "$((lat_s + 60))s" "127.0.0.1:$LAN"
	load_wait "$_lr_name-uac"
	load_stop "$_lr_name-uas"
	_lr_st1=$(steal_ticks)
	sc_stop
	[ "$_lr_pin" = 1 ] && pin_clear
	lat_pairs "$tmp/$_lr_name.log" "$_lr_since" 2>"$tmp/$_lr_name.err" |
		lat_stats >"$tmp/$_lr_name.txt"
	set -- $(load_stat "$_lr_name-uac" "SuccessfulCall(C)" "Retransmissions(C)")
	awk '{ printf "{\"hop\":\"%s\",\"pairs\":%d,\"p50_us\":%s,\"p99_us\":%s,\"max_us\":%s}\n",
		$1, $2, $3, $4, $5 }' "$tmp/$_lr_name.txt" |
		jq -s --argjson rate "$lat_rate" --argjson sec "$lat_s" \
			--argjson calls "$((lat_rate * lat_s))" --argjson ok "${1:-0}" --argjson rt "${2:-0}" \
			--argjson pinned "$([ "$_lr_pin" = 1 ] && echo true || echo false)" \
			--rawfile notes "$tmp/$_lr_name.err" \
			--argjson steal "$((_lr_st1 - _lr_st0))" --argjson hz "$HZ" \
			'{rate: $rate, seconds: $sec, calls: $calls, ok: $ok, retransmissions: $rt,
			  pinned: $pinned, hops: ., notes: $notes, steal_s: ($steal / $hz)}' >"$json/$_lr_name.json"
	awk '{ printf "%s: %d pairs, p50 %s us, p99 %s us, max %s us\n", $1, $2, $3, $4, $5 }' \
		"$tmp/$_lr_name.txt" | while read -r _lr_l; do say "$_lr_name $_lr_l"; done
}
say "latency: sipsidecar with lathook at $lat_rate calls/s for $lat_s s, sharing the CPUs"
lat_run latency 0
if [ "$NCPU" -ge 2 ]; then
	say "latency: the same with sipsidecar alone on CPU $((NCPU - 1))"
	lat_run latency-pinned 1
else
	echo '{"pinned": true, "hops": [], "notes": "one CPU: not run"}' >"$json/latency-pinned.json"
fi

# --- 2. memory per flow ---------------------------------------------------------------

# The floor under it: what wolfSSL itself keeps for one client connection
# (tests/bench/flowmem.c), against openssl s_server with the provider's
# certificate chain.
FMP=$(free_port) || die "no free ports"
if tls_server flowmem "$FMP" -cert "$certs/server.pem" -key "$certs/server.key" \
	-cert_chain "$certs/intermediate.pem" -quiet >/dev/null &&
	"$out/flowmem" "$FMP" "$certs/ca.pem" localhost >"$json/wolfssl.json" 2>"$tmp/flowmem.err"; then
	say "memory per flow: wolfSSL keeps $(jq .total_bytes "$json/wolfssl.json") bytes per connection" \
		"($(jq .new_bytes "$json/wolfssl.json") of them from wolfSSL_new)"
else
	say "memory per flow: flowmem failed ($(cat "$tmp/flowmem.err" 2>/dev/null))"
	echo null >"$json/wolfssl.json"
fi
it_stop "$srv_pid"

maxf=0
for n in $flows; do [ "$n" -gt "$maxf" ] && maxf=$n; done
say "memory per flow: sipsidecar with $maxf devices, flows opened in steps: $flows"
# The provider must still be there (it is Kamailio: a crash is in its log).
if ! kill -0 "$kam_pid" 2>/dev/null; then
	say "the provider has stopped (see $kam_dir/kamailio.log); starting another"
	KTLS=
	prov_start || die "the provider did not start again"
fi
FLAN=$(free_port) || die "no free ports"
flow_config "$tmp/flows.yaml" "$maxf"
LAN=$FLAN
sc_start "$tmp/flows.yaml" "udp:$FLAN" || die "sipsidecar ($maxf devices) did not start"
sleep 2
set -- $(mem_kib "$sc_pid")
echo "{\"flows\":0,\"registered\":0,\"open\":$(flows_open "$sc_pid" "$KTLS"),\"rss_kib\":$1,\"pss_kib\":$2}" \
	>"$json/flows.jsonl"
prev=0
regs=0
for n in $flows; do
	ok=$(flow_register $((prev + 1)) "$n")
	regs=$((regs + ok))
	sleep 2
	set -- $(mem_kib "$sc_pid")
	open=$(flows_open "$sc_pid" "$KTLS")
	say "memory per flow: $n devices: $regs registered, $open flows open, RSS $1 KiB, PSS $2 KiB"
	echo "{\"flows\":$n,\"registered\":$regs,\"open\":$open,\"rss_kib\":$1,\"pss_kib\":$2}" >>"$json/flows.jsonl"
	prev=$n
done
sc_stop
flow_warn=$(awk '$2 == "warn" || $2 == "error"' "$sc_log" | wc -l)
# The slope over the sizes asked for (the 0-flow point is the baseline);
# only when every device of every size has its flow open, else the figure
# would not be memory per flow.
if jq -e 'select(.flows > 0 and .open != .flows)' "$json/flows.jsonl" >/dev/null; then
	say "memory per flow: not every device has its flow open; no slope (see $sc_log)"
	set -- null null null null
else
	set -- $(jq -r 'select(.flows > 0) | "\(.open) \(.rss_kib)"' "$json/flows.jsonl" | fit) \
		$(jq -r 'select(.flows > 0) | "\(.open) \(.pss_kib)"' "$json/flows.jsonl" | fit)
fi
jq -s --argjson srss "$1" --argjson irss "$2" --argjson spss "$3" --argjson ipss "$4" \
	--argjson w "$flow_warn" --slurpfile wolf "$json/wolfssl.json" \
	'{points: ., slope_rss_kib_per_flow: $srss, intercept_rss_kib: $irss,
	  slope_pss_kib_per_flow: $spss, intercept_pss_kib: $ipss, sipsidecar_warnings: $w,
	  wolfssl_per_connection: $wolf[0],
	  fitted_over: "the points with flows > 0, x = flows open (ss), least squares; null unless every device had its flow open"}' \
	"$json/flows.jsonl" >"$json/flows.json"
it_stop "$kam_pid"

# --- results -------------------------------------------------------------------------

jq -s '.' "$json"/step-*.json >"$json/steps.json"
jq -n --slurpfile machine "$json/machine.json" --slurpfile steps "$json/steps.json" \
	--slurpfile logs "$json/logs.json" --slurpfile lat "$json/latency.json" \
	--slurpfile latpin "$json/latency-pinned.json" \
	--slurpfile flows "$json/flows.json" --slurpfile fp "$json/footprint.json" \
	--argjson quick "$quick" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson wall "$(($(date +%s) - started))" \
	--arg rates "$rates" --argjson step "$step_s" --argjson callms "$CALL_MS" \
	-f "$BENCH_DIR/results.jq" >"$out/results.json" || die "cannot write $out/results.json"

jq -r -f "$BENCH_DIR/summary.jq" "$out/results.json"
