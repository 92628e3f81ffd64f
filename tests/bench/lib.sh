# shellcheck shell=sh disable=SC2034,SC2046,SC2016
# (SC2034: variables for the sourcing script; SC2046: set -- $(...) splits
# numbers on purpose; SC2016: awk and sh -c programs in single quotes)
# Helpers for `make bench` (tests/bench/run.sh), on top of the interop
# harness (tests/interop/lib.sh: free_port, it_track/it_stop, cleanup,
# sc_config/sc_start, sipp_run), which is sourced, never changed.
#
#   sipp A (caller) --UDP--> EDGE --TLS--> provider (tests/interop/kamailio.cfg)
#   sipp B (callee) <--UDP-- EDGE <--TLS--
#
# EDGE is sipsidecar or a Kamailio edge (tests/bench/edge.cfg) doing the
# same job.  Sourced from the top of the source tree.

# shellcheck source=tests/interop/lib.sh
. tests/interop/lib.sh

BENCH_DIR=tests/bench
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
# The CPUs online (nproc would give only those this shell may run on,
# which pin narrows).
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)

# say ...: a progress line on stderr (stdout is the summary).
say() {
	echo "bench: $*" >&2
}

# --- the provider -------------------------------------------------------------

# prov_start: the interop provider (tests/interop/kamailio.cfg and tls.cfg,
# as kam_start makes them) with what a load test needs on top:
#   - modparam("registrar", "use_path", 1): RFC 3327, so that phones
#     registered through the Kamailio edge are reached through its Path
#     (sipsidecar adds no Path: its registrations are unaffected);
#   - debug=1: no INFO line per request (xlog), so logging does not limit
#     the provider;
#   - more memory (-m 512 -M 16) for a thousand TLS connections.
# Sets kam_pid, kam_dir, KTLS.
prov_start() {
	# shellcheck disable=SC2034 # read by kam_start
	KAM_EDIT='s/^debug=.*/debug=1/
s/^\(modparam("registrar", "max_expires".*\)$/\1\nmodparam("registrar", "use_path", 1)\nmodparam("registrar", "path_mode", 1)/'
	# shellcheck disable=SC2034 # read by kam_start
	KAM_MEM="-m 512 -M 16"
	kam_start || return 1
	unset KAM_EDIT KAM_MEM
	grep -q '"use_path", 1' "$kam_dir/kamailio.cfg" || {
		echo "prov_start: could not add use_path to the provider config"
		return 1
	}
}

# --- the Kamailio edge ------------------------------------------------------------

# edge_start: Kamailio from edge.cfg/edge-tls.cfg, udp:127.0.0.1:$KLAN for
# the phones, tls:127.0.0.1:$KETLS for the provider.  Shared memory 512 MB
# (EDGE_MEM, default "-m 512 -M 8"): with Kamailio's default 64 MB, tm ran
# out of memory at 400 calls/s here ("could not allocate shared memory",
# 477/500 answers); pages never touched do not count in PSS.  Sets edge_pid,
# edge_dir.
edge_start() {
	KLAN=${KLAN:-$(free_port)} && KETLS=${KETLS:-$(free_port)} || return 1
	edge_dir=$tmp/edge
	mkdir -p "$edge_dir"
	cat "$certs/ca.pem" "$certs/intermediate.pem" >"$edge_dir/ca-chain.pem"
	sed -e "s#@LAN@#$KLAN#g" -e "s#@ETLS@#$KETLS#g" -e "s#@KTLS@#$KTLS#g" \
		-e "s#@TMP@#$edge_dir#g" -e "s#@TLSCFG@#$edge_dir/tls.cfg#g" \
		-e "s#@ALLOW@#^127\\\\.0\\\\.0\\\\.1\$#g" \
		-e "s#@CHILDREN@#${EDGE_CHILDREN:-2}#g" -e "s#@TCP_CHILDREN@#${EDGE_TCP_CHILDREN:-2}#g" \
		"$BENCH_DIR/edge.cfg" >"$edge_dir/kamailio.cfg"
	sed -e "s#@CERT@#$certs/server.pem#" -e "s#@KEY@#$certs/server.key#" \
		-e "s#@CA@#$edge_dir/ca-chain.pem#" \
		"$BENCH_DIR/edge-tls.cfg" >"$edge_dir/tls.cfg"
	# shellcheck disable=SC2086 # EDGE_MEM is a list of options
	kam_exec "$edge_dir" ${EDGE_MEM:--m 512 -M 8}
	edge_pid=$!
	it_track "$edge_pid"
	wait_until 100 edge_up && return 0
	echo "the Kamailio edge did not come up on udp:127.0.0.1:$KLAN"
	show "$edge_dir/kamailio.log"
	return 1
}
edge_up() {
	kill -0 "$edge_pid" 2>/dev/null || return 2
	bound udp "$KLAN" && bound tcp "$KETLS" && [ -S "$edge_dir/kamailio_ctl" ]
}

# --- sipsidecar -------------------------------------------------------------------

# bench_sc_config FILE: sc_config (the interop topology: phone-a on $PA,
# phone-b on $PB) at log level info, the level a deployment runs at.
bench_sc_config() {
	sc_config "$1"
	sed -i 's/level: debug/level: info/' "$1"
}

# --- processes: CPU and memory ------------------------------------------------

# tree PID: PID and all its descendants, one a line.
tree() {
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2; pids[n++] = $1 }
		END {
			keep[root] = 1; print root
			do {
				more = 0
				for (i = 0; i < n; i++) {
					p = pids[i]
					if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; print p; more = 1 }
				}
			} while (more)
		}'
}

# pin MODE ROOT...: CPU placement for the process trees of ROOT... (the
# edges), this shell (so every sipp started from now on) and the provider.
#   split  the edges on the last CPU, everything else on the others;
#   one    everything on CPU 0 (a one-core router's lot);
#   none   the scheduler's choice (nothing is pinned).
# Where the relay and its peers run changes what a message costs: a
# wake-up on the same CPU is cheap, one across CPUs is an interrupt (on a
# virtual machine, an exit to the hypervisor) that the sender pays for.
# Returns 1 (and pins nothing) for none or with one CPU.
pin() {
	_pn_mode=$1
	shift
	_pn_last=$((NCPU - 1))
	[ "$_pn_last" -ge 1 ] || return 1
	case $_pn_mode in
	split) _pn_edge=$_pn_last _pn_rest=0-$((_pn_last - 1)) ;;
	one) _pn_edge=0 _pn_rest=0 ;;
	*) return 1 ;;
	esac
	for _pn_p in $(for _pn_r in "$@"; do tree "$_pn_r"; done); do
		taskset -pc "$_pn_edge" "$_pn_p" >/dev/null
	done
	for _pn_p in $$ $(tree "$kam_pid"); do
		taskset -pc "$_pn_rest" "$_pn_p" >/dev/null
	done
}
# pin_clear ROOT...: every CPU again for these trees, the shell and the
# provider.
pin_clear() {
	_pc_all=0-$((NCPU - 1))
	for _pc_p in $$ $(for _pc_r in "$@" "$kam_pid"; do tree "$_pc_r"; done); do
		taskset -pc "$_pc_all" "$_pc_p" >/dev/null 2>&1
	done
}

# cpu_ticks PID...: utime+stime of these processes, in clock ticks (HZ).
cpu_ticks() {
	for _ct_p in "$@"; do
		cat "/proc/$_ct_p/stat" 2>/dev/null
	done | awk '{ sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}
# rss_by_mapping PID: a JSON array of {mapping, rss_kib, private_kib}, the
# process's resident memory per file it maps ("[anon]" for the heap and
# other anonymous memory), largest first.
rss_by_mapping() {
	awk '
		/^[0-9a-f]+-[0-9a-f]+ / { m = (NF >= 6) ? $6 : "[anon]"; sub(/.*\//, "", m); next }
		$1 == "Rss:" { rss[m] += $2 }
		$1 == "Private_Clean:" || $1 == "Private_Dirty:" { priv[m] += $2 }
		END { for (k in rss) if (rss[k] > 0) printf "%s\t%d\t%d\n", k, rss[k], priv[k] }
	' "/proc/$1/smaps" 2>/dev/null | sort -t "$(printf '\t')" -k2,2nr |
		jq -R -s 'split("\n") | map(select(length > 0) | split("\t")
			| {mapping: .[0], rss_kib: (.[1] | tonumber), private_kib: (.[2] | tonumber)})'
}

# tree_cpu PID: cpu_ticks of PID's tree.
tree_cpu() {
	# shellcheck disable=SC2046
	cpu_ticks $(tree "$1")
}

# steal_ticks: the CPU time the hypervisor took from this machine's CPUs
# so far (/proc/stat, all CPUs, clock ticks): a noise indicator for a run
# on a virtual machine.
steal_ticks() {
	awk '$1 == "cpu" { print $9 + 0; exit }' /proc/stat
}

# mem_kib PID... : "RSS PSS" summed over these processes, in KiB
# (/proc/PID/smaps_rollup).
mem_kib() {
	for _mk_p in "$@"; do
		cat "/proc/$_mk_p/smaps_rollup" 2>/dev/null
	done | awk '$1 == "Rss:" { r += $2 } $1 == "Pss:" { p += $2 } END { print r + 0, p + 0 }'
}
tree_mem() {
	# shellcheck disable=SC2046
	mem_kib $(tree "$1")
}

# sampler_start NAME PID: every second, the RSS and PSS of PID's tree into
# $tmp/NAME.mem ("RSS PSS" a line) until sampler_stop NAME.
sampler_start() {
	(
		while kill -0 "$2" 2>/dev/null; do
			tree_mem "$2"
			sleep 1
		done
	) >"$tmp/$1.mem" 2>/dev/null &
	echo $! >"$tmp/$1.sampler"
	it_track $!
}
# sampler_stop NAME: stops it; prints "PEAK_RSS PEAK_PSS" (KiB).
sampler_stop() {
	_sp_p=$(cat "$tmp/$1.sampler")
	it_stop "$_sp_p"
	awk '$1 > r { r = $1 } $2 > p { p = $2 } END { print r + 0, p + 0 }' "$tmp/$1.mem"
}

# --- sipp ------------------------------------------------------------------------

# load_sipp NAME ARGS...: sipp in the background for many calls, with
# statistics every second in $tmp/NAME.csv (-trace_stat) and its output in
# $tmp/NAME.out; its PID (timeout's) in $tmp/NAME.pid.
load_sipp() {
	_ls_name=$1
	shift
	rm -f "$tmp/$_ls_name.csv" "$tmp/$_ls_name.err"
	timeout -k 2 "${LOAD_TIMEOUT:-120}" sipp -i 127.0.0.1 -nostdin \
		-trace_stat -stf "$tmp/$_ls_name.csv" -fd 1 \
		-trace_err -error_file "$tmp/$_ls_name.err" "$@" \
		>"$tmp/$_ls_name.out" 2>&1 </dev/null &
	echo $! >"$tmp/$_ls_name.pid"
	it_track $!
}
# load_wait NAME: waits for it; sipp's status in sipp_rc.
load_wait() {
	_lw_p=$(cat "$tmp/$1.pid")
	wait "$_lw_p"
	sipp_rc=$?
	it_untrack "$_lw_p"
}
# load_stop NAME: SIGUSR1 (sipp's soft exit: finish the calls in progress),
# then, after up to 5 s, stop it by PID.
load_stop() {
	_lp_p=$(cat "$tmp/$1.pid")
	_lp_sipp=$(ps -o pid= --ppid "$_lp_p" 2>/dev/null | tr -d ' ')
	[ -n "$_lp_sipp" ] && kill -USR1 "$_lp_sipp" 2>/dev/null
	_lp_i=0
	while kill -0 "$_lp_p" 2>/dev/null && [ $_lp_i -lt 50 ]; do
		sleep 0.1
		_lp_i=$((_lp_i + 1))
	done
	it_stop "$_lp_p"
}
# load_stat NAME COLUMN...: the values of these -trace_stat columns (e.g.
# "SuccessfulCall(C)") in the last row, space-separated.
load_stat() {
	_lt_f=$tmp/$1.csv
	shift
	[ -s "$_lt_f" ] || {
		echo "$@" | awk '{ for (i = 1; i <= NF; i++) printf "0%s", (i < NF ? " " : "\n") }'
		return 0
	}
	awk -F';' -v want="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0 }
		END {
			n = split(want, w, " ")
			split(last, f, ";")
			for (i = 1; i <= n; i++) printf "%s%s", (w[i] in col ? f[col[w[i]]] + 0 : 0), (i < n ? " " : "\n")
		}' "$_lt_f"
}

# --- one load step ---------------------------------------------------------------

# edge_target EDGE: the address the phones use for EDGE (sc or ke).
edge_target() {
	case $1 in
	sc) echo "127.0.0.1:$LAN" ;;
	*) echo "127.0.0.1:$KLAN" ;;
	esac
}
# edge_root EDGE: the PID whose process tree is the edge.
edge_root() {
	case $1 in
	sc) echo "$sc_pid" ;;
	*) echo "$edge_pid" ;;
	esac
}

# register_b EDGE [USER]: phone B (port $PB) registers as USER (default
# ${EDGE}b) through EDGE.  Each relay instance needs its own USER: the
# provider forks a call to every contact of a user, and a contact left by a
# relay that has stopped would cost a failed TLS connect per call.
register_b() {
	sipp_run "$1-reg-${2:-$1b}" register.xml -s "${2:-$1b}" -p "$PB" "$(edge_target "$1")"
}

# load_step EDGE RATE SECONDS NAME: RATE calls/s for SECONDS from phone A
# through EDGE to phone B, each call CALL_MS long.  Prints one line:
#   OK FAILED RETRANS CPU_TICKS PEAK_RSS_KIB PEAK_PSS_KIB WALL_S
# FAILED counts every planned call that did not complete (sipp's failed
# calls and those never finished); RETRANS is both phones' retransmissions.
load_step() {
	_st_e=$1 _st_rate=$2 _st_sec=$3 _st_n=$4
	_st_calls=$((_st_rate * _st_sec))
	_st_root=$(edge_root "$_st_e")
	register_b "$_st_e" || say "$_st_n: phone B could not register through $_st_e"
	LOAD_TIMEOUT=$((_st_sec + 70))
	load_sipp "$_st_n-uas" -sf "$BENCH_DIR/scenarios/uas.xml" -p "$PB" -s "$_st_e"b \
		-timeout "$((_st_sec + 60))s"
	wait_until 50 bound udp "$PB" || say "$_st_n: phone B did not bind $PB"
	_st_c0=$(tree_cpu "$_st_root")
	_st_t0=$(date +%s.%N)
	sampler_start "$_st_n" "$_st_root"
	load_sipp "$_st_n-uac" -sf "$BENCH_DIR/scenarios/uac.xml" -p "$PA" -s "$_st_e"b \
		-r "$_st_rate" -rp 1000 -m "$_st_calls" -d "${CALL_MS:-1000}" \
		-timeout "$((_st_sec + 60))s" "$(edge_target "$_st_e")"
	load_wait "$_st_n-uac"
	load_stop "$_st_n-uas"
	_st_c1=$(tree_cpu "$_st_root")
	_st_t1=$(date +%s.%N)
	_st_peak=$(sampler_stop "$_st_n")
	set -- $(load_stat "$_st_n-uac" "SuccessfulCall(C)" "Retransmissions(C)") \
		$(load_stat "$_st_n-uas" "Retransmissions(C)")
	echo "$1 $((_st_calls - $1)) $(($2 + $3)) $((_st_c1 - _st_c0)) $_st_peak" \
		"$(echo "$_st_t0 $_st_t1" | awk '{ printf "%.1f", $2 - $1 }')"
}

# --- latency (tests/bench/lathook.c) ---------------------------------------------

# lat_pairs LOG SINCE_NS: from a lathook log, pairs each message the relay
# took in with the one it sent on the other side (same Call-ID, CSeq and
# status or "R", first unpaired one first); prints two lines a pair, "HOP NS"
# (from the kernel's arrival stamp to the send) and "HOP/proc NS" (from the
# moment the relay's receive call returned: processing only), HOP being
# lan-tls (UDP in, TLS out) or tls-lan.  Messages that came in before
# SINCE_NS (the registrations, the TLS handshakes) and 100 Trying (hop by
# hop: the relay sends its own) are left out.
lat_pairs() {
	_lp_base=$(awk '$1 == "B" { print $3; exit }' "$1")
	[ -n "$_lp_base" ] || return 1
	awk -v since="$(($2 - _lp_base))" '
		$5 ~ /^100\|/ { next }
		$1 == "I" {
			t = ($3 > 0) ? $3 : $4
			if (t < since) next
			k = $2 SUBSEP $5
			q[k, tail[k] + 0] = t
			qu[k, tail[k]++] = $4
			if ($3 == 0) nostamp++
			next
		}
		$1 == "O" {
			src = ($2 == "T") ? "U" : "T"
			k = src SUBSEP $5
			h = head[k] + 0
			if (h < tail[k] + 0) {
				t = q[k, h]
				u = qu[k, h]
				delete q[k, h]
				delete qu[k, h]
				head[k] = h + 1
				hop = (src == "U") ? "lan-tls" : "tls-lan"
				print hop, $4 - t
				print hop "/proc", $4 - u
			}
		}
		END { if (nostamp) printf "lat_pairs: %d inputs without a kernel stamp (user time used)\n", nostamp > "/dev/stderr" }' "$1"
}
# lat_stats: from "HOP NS" lines, per hop and for all: HOP COUNT P50_US P99_US MAX_US.
lat_stats() {
	awk '{ print $1, $2; print ($1 ~ /\/proc$/ ? "all/proc" : "all"), $2 }' | sort -k1,1 -k2,2n | awk '
		function out(   i50, i99) {
			if (!n) return
			i50 = int(n * 0.50 + 0.999999); i99 = int(n * 0.99 + 0.999999)
			printf "%s %d %.1f %.1f %.1f\n", hop, n, v[i50] / 1000, v[i99] / 1000, v[n] / 1000
		}
		$1 != hop { out(); hop = $1; n = 0 }
		{ v[++n] = $2 }
		END { out() }'
}

# --- memory per flow ---------------------------------------------------------------

# flow_addr I: the source address of flow device I (1..62500): 127.1.X.Y.
flow_addr() {
	echo "127.1.$((($1 - 1) / 250)).$((($1 - 1) % 250 + 1))"
}

# flow_config FILE N: a relay with N devices f1..fN, each matched by its own
# loopback address (flow_addr) and so with its own TLS flow to the provider
# (connection: per-device, the default), listening on udp:127.0.0.1:$FLAN.
flow_config() {
	cat >"$1" <<EOT
log: { level: info, target: stderr }
lan:
  listen: [ "udp:127.0.0.1:$FLAN" ]
  advertise: 127.0.0.1
  allow: [ 127.0.0.0/8 ]
upstreams:
  provider:
    uri: 127.0.0.1:$KTLS
    server_name: sip.example.test
    ca_file: $certs/ca.pem
    verify: true
devices:
EOT
	_fc_i=1
	while [ "$_fc_i" -le "$2" ]; do
		echo "  - { name: f$_fc_i, match: $(flow_addr "$_fc_i"), upstream: provider }"
		_fc_i=$((_fc_i + 1))
	done >>"$1"
}

# flow_register FROM TO: devices FROM..TO each send one REGISTER (user fI,
# from flow_addr I, port 5060) through the relay, 16 at a time, each with
# sipsend waiting up to 10 s for the answer; prints how many got a 200.
flow_register() {
	mkdir -p "$tmp/flows"
	_fr_i=$1
	while [ "$_fr_i" -le "$2" ]; do
		_fr_a=$(flow_addr "$_fr_i")
		sip_register "f$_fr_i" "$_fr_a:5060" UDP | crlf >"$tmp/flows/$_fr_i.req"
		echo "$_fr_i $_fr_a"
		_fr_i=$((_fr_i + 1))
	done | xargs -P 16 -n 2 sh -c '
		timeout 20 "$0" -b "$2:5060" -w 10000 "127.0.0.1:'"$FLAN"'" "'"$tmp"'/flows/$1.req" \
			>"'"$tmp"'/flows/$1.ans" 2>&1 </dev/null' "$SIPSEND"
	_fr_i=$1
	while [ "$_fr_i" -le "$2" ]; do
		head -n 1 "$tmp/flows/$_fr_i.ans" 2>/dev/null
		_fr_i=$((_fr_i + 1))
	done | grep -c '^SIP/2.0 200'
}

# flows_open PID PORT: the established TCP connections of process PID to
# 127.0.0.1:PORT.
flows_open() {
	ss -Htnp state established "dport = :$2" 2>/dev/null | grep -c "pid=$1,"
}

# fit "X Y" lines: least squares; prints "SLOPE INTERCEPT".
fit() {
	awk '{ n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
		END {
			d = n * sxx - sx * sx
			if (n < 2 || d == 0) { print "0 0"; exit }
			b = (n * sxy - sx * sy) / d
			printf "%.3f %.1f\n", b, (sy - b * sx) / n
		}'
}
