# shellcheck shell=sh disable=SC2034 # variables are for the sourcing script
# Helpers for the interop tests; sourced (POSIX sh) from the top of the
# source tree by tests/interop/run.sh and selftest.sh.
#
#   sipp phone A --UDP (LAN)--> sipsidecar --TLS--> kamailio (registrar/proxy)
#   sipp phone B <--UDP (LAN)-- sipsidecar <--TLS--  (new connection to wan.listen)
#   a TCP phone  <--TCP (LANT)-> sipsidecar          (LAN TCP has a port of its own)
#
# Everything runs on 127.0.0.1.  Every process started here is kept by PID
# and stopped by PID (on exit too); nothing else is ever signalled.
#
# Environment:
#   SIPSIDECAR        the relay (default build/native/sipsidecar)
#   SC_TEST_CERTS     a directory made by tests/data/certs/mkcerts.sh
#                     (default: a fresh one in the temp dir)
#   KAM_REQUIRE_CERT  yes: kamailio insists on a client certificate
#   KAM_CLIENT_VERIFY no: kamailio does not verify the relay's wan chain
#   SIPP_TIMEOUT      sipp's own time limit per run (default 15s)
#   SIPP_LIMIT        seconds before timeout(1) ends a sipp run (default 60)
#   IT_KEEP           1: keep the temp dir with every log
#
# Variables a test reads after the calls below: tmp, certs, kam_pid,
# kam_dir, sc_pid, sc_log, sc_status, sipp_rc, passed, failed, skipped.

IT_DIR=tests/interop
SIPSIDECAR=${SIPSIDECAR:-build/native/sipsidecar}
passed=0
failed=0
skipped=0
pids=""
kam_pid=""
kam_dir=""
sc_pid=""
sc_log=""
sc_status=""
sipp_rc=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sc-interop.XXXXXX") || exit 1

# --- results ----------------------------------------------------------------

ok() {
	passed=$((passed + 1))
	echo "ok: $*"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
# skip DESC: a check that cannot run here; counted, never as a pass.
skip() {
	skipped=$((skipped + 1))
	echo "skip: $*"
}
# show FILE [LINES]: the tail of a log, indented, under a failure.
show() {
	[ -f "$1" ] || return 0
	echo "  --- $1"
	tail -n "${2:-30}" "$1" | sed 's/^/    /'
}
# check DESC CMD...: ok when CMD succeeds.
check() {
	_ck_desc=$1
	shift
	if "$@"; then ok "$_ck_desc"; else fail "$_ck_desc"; fi
}
# it_summary NAME: the skip count, then the last line of every test script
# (tests/check.sh reads both); the exit status.
it_summary() {
	echo "$1: $skipped skipped"
	echo "$1: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# it_begin NAME TOOL...: the run is called NAME (its summary lines); each
# TOOL must be installed and the relay built, or the run gives up.
it_begin() {
	it_name=$1
	shift
	for _ib_t in "$@"; do
		command -v "$_ib_t" >/dev/null 2>&1 || give_up "$_ib_t is not installed"
	done
	[ -x "$SIPSIDECAR" ] || give_up "$SIPSIDECAR is not built (make)"
}
# give_up WHY: the run cannot go on; counts one failure, and ends it.
give_up() {
	fail "$*"
	it_summary "${it_name:-interop}"
	exit 1
}

# --- processes --------------------------------------------------------------

# it_track PID / it_untrack PID: the PIDs cleanup will stop.
it_track() {
	pids="$pids $1"
}
it_untrack() {
	_ut_rest=""
	for _ut_p in $pids; do
		[ "$_ut_p" = "$1" ] || _ut_rest="$_ut_rest $_ut_p"
	done
	pids=$_ut_rest
}
# it_stop PID: SIGTERM, up to 5 s for it to go, then SIGKILL; the exit
# status of PID in it_status.
it_stop() {
	it_status=""
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	_st_i=0
	while kill -0 "$1" 2>/dev/null && [ $_st_i -lt 50 ]; do
		sleep 0.1
		_st_i=$((_st_i + 1))
	done
	kill -0 "$1" 2>/dev/null && kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	it_status=$?
	it_untrack "$1"
}
it_cleanup() {
	for _cl_p in $pids; do
		it_stop "$_cl_p"
	done
	if [ "${IT_KEEP:-0}" = 1 ]; then
		echo "logs kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap it_cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_until TENTHS CMD...: polls CMD every 0.1 s, at most TENTHS times;
# gives up at once when CMD returns 2.
wait_until() {
	_wu_n=$1
	shift
	while [ "$_wu_n" -gt 0 ]; do
		"$@"
		case $? in
		0) return 0 ;;
		2) return 1 ;; # what we wait for is gone (a process died)
		esac
		sleep 0.1
		_wu_n=$((_wu_n - 1))
	done
	return 1
}

# --- ports ------------------------------------------------------------------

# bound PROTO PORT: something on this host listens on (tcp) or has bound
# (udp) PORT.
bound() {
	case $1 in
	udp) [ -n "$(ss -Hlun "sport = :$2" 2>/dev/null)" ] ;;
	*) [ -n "$(ss -Hltn "sport = :$2" 2>/dev/null)" ] ;;
	esac
}

# free_port: prints a port that no socket uses for UDP or TCP and that this
# run has not handed out yet.  Picked below the kernel's ephemeral range so
# that an outgoing connection cannot take it between the pick and the bind.
free_port() {
	_fp_hi=$(awk '{ print $1 - 1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$_fp_hi" ] && [ "$_fp_hi" -gt 21000 ] || _fp_hi=32767
	_fp_try=0
	while [ $_fp_try -lt 200 ]; do
		_fp_try=$((_fp_try + 1))
		_fp_r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		_fp_p=$((20000 + _fp_r % (_fp_hi - 20000)))
		grep -qx "$_fp_p" "$tmp/ports" 2>/dev/null && continue
		# Any state, any address: a TIME-WAIT or connected socket counts too.
		ss -Hantu 2>/dev/null |
			awk -v p="$_fp_p" '$5 ~ ":" p "$" { f = 1 } END { exit !f }' && continue
		echo "$_fp_p" >>"$tmp/ports"
		echo "$_fp_p"
		return 0
	done
	echo "free_port: no free port found" >&2
	return 1
}

# --- certificates -----------------------------------------------------------

# it_certs: sets certs (absolute) to a complete mkcerts.sh directory.
it_certs() {
	_ce_d=${SC_TEST_CERTS:-$tmp/certs}
	if ! sh tests/data/certs/mkcerts.sh "$_ce_d" >"$tmp/mkcerts.log" 2>&1; then
		show "$tmp/mkcerts.log"
		return 1
	fi
	# Absolute: kamailio resolves relative paths against its own directory.
	certs=$(cd "$_ce_d" && pwd)
}

# --- kamailio ---------------------------------------------------------------

# kam_start: starts kamailio on tls:127.0.0.1:$KTLS (picked when unset) from
# kamailio.cfg and tls.cfg; KAM_EXTRA_LISTEN adds listen lines (selftest.sh),
# KAM_EDIT is one more sed script for kamailio.cfg and KAM_MEM its memory
# options (default "-m 32 -M 8"; make bench changes both); KAM_DEFINE one
# name defined for kamailio.cfg's #!ifdef (WITH_AUTH: REGISTER needs
# digest authentication, password "secret").
# Sets kam_pid and kam_dir; returns 1, with its log, unless the TLS port and
# the ctl socket are up within 10 s.
kam_start() {
	KTLS=${KTLS:-$(free_port)} || return 1
	kam_n=$((${kam_n:-0} + 1))
	kam_dir=$tmp/kam.$kam_n
	mkdir -p "$kam_dir"
	# client.pem carries no intermediate: kamailio's CA list needs it.
	cat "$certs/ca.pem" "$certs/intermediate.pem" >"$kam_dir/ca-chain.pem"
	_ks_req=${KAM_REQUIRE_CERT:-no}
	sed -e "s#@KTLS@#$KTLS#g" -e "s#@TMP@#$kam_dir#g" -e "s#@TLSCFG@#$kam_dir/tls.cfg#g" \
		-e "s#@EXTRA_LISTEN@#${KAM_EXTRA_LISTEN:-}#" -e "${KAM_EDIT:-}" \
		"$IT_DIR/kamailio.cfg" >"$kam_dir/kamailio.cfg"
	sed -e "s#@CERT@#$certs/server.pem#" -e "s#@KEY@#$certs/server.key#" \
		-e "s#@CA@#$kam_dir/ca-chain.pem#" -e "s#@VERIFY_CERT@#$_ks_req#" \
		-e "s#@REQUIRE_CERT@#$_ks_req#" -e "s#@CLIENT_VERIFY@#${KAM_CLIENT_VERIFY:-yes}#g" \
		"$IT_DIR/tls.cfg" >"$kam_dir/tls.cfg"
	# shellcheck disable=SC2086 # KAM_MEM is two options
	kam_exec "$kam_dir" ${KAM_MEM:--m 32 -M 8} ${KAM_DEFINE:+-A "$KAM_DEFINE"}
	kam_pid=$!
	it_track "$kam_pid"
	if wait_until 100 kam_up; then
		return 0
	fi
	echo "kamailio did not come up on tls:127.0.0.1:$KTLS"
	show "$kam_dir/kamailio.log"
	it_stop "$kam_pid"
	kam_pid=""
	return 1
}
# kam_exec DIR OPTIONS...: kamailio with DIR/kamailio.cfg in the background,
# its log in DIR/kamailio.log; $! is its PID.  No core files: a crash is in
# the log, and a core of its shared memory would land in / (Kamailio's
# working directory).
kam_exec() {
	_ke_dir=$1
	shift
	(
		# shellcheck disable=SC3045 # dash and bash have ulimit -c
		ulimit -c 0
		exec kamailio -f "$_ke_dir/kamailio.cfg" -DD -E -Y "$_ke_dir" "$@"
	) >"$_ke_dir/kamailio.log" 2>&1 </dev/null &
}
kam_up() {
	kill -0 "$kam_pid" 2>/dev/null || return 2
	bound tcp "$KTLS" && [ -S "$kam_dir/kamailio_ctl" ]
}
kam_stop() {
	it_stop "$kam_pid"
	kam_pid=""
}
# kam_family: kamailio's PID and its children's (from /proc, by parent).
kam_family() {
	echo "$kam_pid"
	for _kf in /proc/[0-9]*/stat; do
		[ "$(sed -n 's/^.*) [A-Za-z] \([0-9]*\) .*/\1/p' "$_kf" 2>/dev/null)" = "$kam_pid" ] &&
			_kf=${_kf#/proc/} && echo "${_kf%/stat}"
	done
}
# kam_rpc CMD ARGS...: a kamailio RPC over the ctl socket (kamcmd).
kam_rpc() {
	timeout 10 kamcmd -s "unix:$kam_dir/kamailio_ctl" "$@"
}
# kam_contacts: every registered contact, one AoR/Contact pair a line:
#   alice sip:alice@127.0.0.1:5061;transport=tls;sc=...
kam_contacts() {
	kam_rpc ul.dump | awk '
		$1 == "AoR:" { aor = $2 }
		$1 == "Address:" { print aor, $2 }'
}
# kam_tls_ok [OPENSSL ARGS...]: a TLS handshake with kamailio completes and
# its chain verifies against ca.pem.
kam_tls_ok() {
	timeout 10 openssl s_client -connect "127.0.0.1:$KTLS" -servername sip.example.test \
		-CAfile "$certs/ca.pem" -verify_return_error -brief "$@" </dev/null \
		>"$tmp/s_client.log" 2>&1 &&
		grep -q 'CONNECTION ESTABLISHED' "$tmp/s_client.log"
}

# --- the relay --------------------------------------------------------------

# not CMD...: CMD fails (for check).
not() {
	! "$@"
}

# sc_end CASE: stops the relay; it must exit 0 on SIGTERM (SPEC §2).
sc_end() {
	sc_stop
	if [ "$sc_status" = 0 ]; then
		ok "$1: sipsidecar exits 0 on SIGTERM"
	else
		fail "$1: sipsidecar exit status $sc_status on SIGTERM (want 0)"
		show "$sc_log" 40
	fi
}
# sc_alive CASE: the relay still runs.
sc_alive() {
	if [ -n "$sc_pid" ] && kill -0 "$sc_pid" 2>/dev/null; then
		ok "$1: sipsidecar is still running"
	else
		fail "$1: sipsidecar is gone"
		show "$sc_log" 40
	fi
}

# sc_config FILE: the relay config of the standard topology, from PA, PB,
# LAN (udp), LANT (tcp), WAN, KTLS and certs.  Tests that need a variation
# edit a copy.  LAN TCP listens on a port of its own, so that a TCP hop
# that names the UDP listener (Via, Record-Route, Route) is caught.
sc_config() {
	: "${LAN:?sc_config: LAN is not set}" "${LANT:?sc_config: LANT is not set}"
	cat >"$1" <<EOF
log: { level: debug, target: stderr }
lan:
  listen: [ "udp:127.0.0.1:$LAN", "tcp:127.0.0.1:$LANT" ]
  advertise: 127.0.0.1
  allow: [ 127.0.0.1/32 ]
wan:
  listen: [ "tls:127.0.0.1:$WAN" ]
  advertise: 127.0.0.1:$WAN
  certificate: $certs/server.pem
  private_key: $certs/server.key
  ca_file: $certs/ca.pem
  verify_client: true
upstreams:
  provider:
    uri: 127.0.0.1:$KTLS
    server_name: sip.example.test
    ca_file: $certs/ca.pem
    verify: true
    trusted: true
devices:
  - { name: phone-a, match: "127.0.0.1:$PA", upstream: provider, alert_info: cisco-ata }
  - { name: phone-b, match: "127.0.0.1:$PB", upstream: provider, alert_info: cisco-ata }
EOF
}

# sc_start CONFIG [PROTO:PORT...]: starts the relay (stderr to sc_log) and
# waits up to 10 s for every PROTO:PORT (default udp:$LAN) to be bound.
sc_start() {
	_ss_conf=$1
	shift
	[ $# -gt 0 ] || set -- "udp:$LAN"
	sc_n=$((${sc_n:-0} + 1))
	sc_log=$tmp/sidecar.$sc_n.log
	sc_status=""
	"$SIPSIDECAR" run -c "$_ss_conf" >"$sc_log" 2>&1 </dev/null &
	sc_pid=$!
	it_track "$sc_pid"
	for _ss_want in "$@"; do
		if ! wait_until 100 sc_bound "${_ss_want%%:*}" "${_ss_want#*:}"; then
			echo "sipsidecar did not bind $_ss_want"
			show "$sc_log"
			sc_stop
			return 1
		fi
	done
}
sc_bound() {
	kill -0 "$sc_pid" 2>/dev/null || return 2
	bound "$1" "$2"
}
# sc_stop: SIGTERM; the relay's exit status (0 expected, SPEC §2) in sc_status.
sc_stop() {
	it_stop "$sc_pid"
	sc_status=$it_status
	sc_pid=""
}

# --- sipp phones ------------------------------------------------------------

# sipp_cmd fg|bg NAME SCENARIO ARGS...: the sipp command line shared by
# the two runners below.  Logs: NAME.msg (every message sent and received),
# NAME.err (unexpected messages), NAME.screen (final statistics), NAME.out.
# sipp's own -timeout ends a stuck run with a failure; timeout(1) is the
# backstop.  Keys the scenarios use: [me] (the phone's own user, for
# From/Contact where [service] names the callee) and [cparams] (appended to
# every Contact URI, e.g. ";transport=tcp" for a TCP phone).  Their
# defaults come last: the first -key wins, so a test's own ones do.  In
# the background $! is timeout(1) itself, so stopping it by PID also stops
# its sipp.
sipp_cmd() {
	_sc_mode=$1 _sc_name=$2 _sc_sf=$3
	shift 3
	# A bare name is one of ours; a path (selftest's variants) is used as is.
	case $_sc_sf in
	*/*) ;;
	*) _sc_sf=$IT_DIR/scenarios/$_sc_sf ;;
	esac
	set -- timeout -k 2 "${SIPP_LIMIT:-60}" sipp -sf "$_sc_sf" -i 127.0.0.1 -m 1 \
		-nostdin -timeout "${SIPP_TIMEOUT:-15s}" -timeout_error \
		-trace_msg -message_file "$tmp/$_sc_name.msg" \
		-trace_err -error_file "$tmp/$_sc_name.err" \
		-trace_screen -screen_file "$tmp/$_sc_name.screen" "$@" -key me phone -key cparams ""
	rm -f "$tmp/$_sc_name.msg" "$tmp/$_sc_name.err" "$tmp/$_sc_name.screen"
	if [ "$_sc_mode" = bg ]; then
		"$@" >"$tmp/$_sc_name.out" 2>&1 </dev/null &
	else
		"$@" >"$tmp/$_sc_name.out" 2>&1 </dev/null
	fi
}

# sipp_run NAME SCENARIO ARGS...: runs a phone to the end; sipp's exit
# status (0: every call succeeded) in sipp_rc and as the return value.
sipp_run() {
	sipp_cmd fg "$@"
	sipp_rc=$?
	return $sipp_rc
}

# sipp_bg NAME SCENARIO ARGS... (ARGS should hold -p PORT): starts a phone
# in the background, for the called side, and waits up to 5 s for its port
# (TCP with -t t1/tn, else UDP).
sipp_bg() {
	_sb_name=$1
	_sb_port=""
	_sb_proto=udp
	_sb_prev=""
	for _sb_a in "$@"; do
		[ "$_sb_prev" = "-p" ] && _sb_port=$_sb_a
		[ "$_sb_prev" = "-t" ] && case $_sb_a in t*) _sb_proto=tcp ;; esac
		_sb_prev=$_sb_a
	done
	sipp_cmd bg "$@"
	echo $! >"$tmp/$_sb_name.pid"
	it_track $!
	[ -z "$_sb_port" ] && return 0
	wait_until 50 bound "$_sb_proto" "$_sb_port" && return 0
	echo "sipp $_sb_name did not bind $_sb_proto port $_sb_port"
	show "$tmp/$_sb_name.out"
	return 1
}

# sipp_wait NAME: waits for a background phone; status as sipp_run.
sipp_wait() {
	_sw_p=$(cat "$tmp/$1.pid")
	wait "$_sw_p"
	sipp_rc=$?
	it_untrack "$_sw_p"
	return $sipp_rc
}

# sipp_ok NAME DESC: ok when the last status of NAME was 0, else a failure
# with sipp's logs.  (sipp_rc must be the status of NAME.)
sipp_ok() {
	if [ "$sipp_rc" -eq 0 ]; then
		ok "$2"
		return 0
	fi
	fail "$2: sipp $1 exited $sipp_rc"
	show "$tmp/$1.out" 10
	show "$tmp/$1.err" 40
	show "$tmp/$1.msg" 60
	return 1
}

# sipp_trace NAME received|sent [START [MAX]]: the messages phone NAME
# received (or sent) by its trace, only those whose start line matches the
# ERE START when given, at most MAX of them (all when 0 or unset), without
# CRs, separated by blank lines.
sipp_trace() {
	[ -f "$tmp/$1.msg" ] || return 0
	awk -v dir=" message $2 " -v start="${3:-}" -v max="${4:-0}" '
		/^-----------------------------------------------/ { flush(); mode = 0; next }
		index($0, dir) { mode = 1; n = 0; next }
		mode { gsub(/\r/, ""); if (n || $0 != "") buf[n++] = $0 }
		function flush(   i) {
			if (mode && n && (start == "" || buf[0] ~ start) && (!max || shown < max)) {
				for (i = 0; i < n; i++) print buf[i]
				shown++
			}
			n = 0
		}
		END { flush() }' "$tmp/$1.msg"
}
# sipp_received NAME [START]: sipp_trace NAME received [START].
sipp_received() {
	sipp_trace "$1" received "${2:-}"
}

# sipp_got NAME START PATTERN: a message NAME received, whose start line
# matches START, has a line matching PATTERN (grep -E, case-insensitive).
sipp_got() {
	sipp_received "$1" "$2" | grep -Eqi -- "$3"
}
# sipp_sent NAME START PATTERN: as sipp_got, for a message NAME sent.
sipp_sent() {
	sipp_trace "$1" sent "$2" | grep -Eqi -- "$3"
}
# sipp_headers NAME START HEADER: every HEADER line (name and value as
# received, trailing blanks removed) of the first message NAME received
# whose start line matches START.
sipp_headers() {
	sipp_trace "$1" received "$2" 1 | grep -i "^$3[[:space:]]*:" | sed 's/[[:space:]]*$//'
}

# log_has DESC FILE ERE: a line of FILE matches ERE.
log_has() {
	if grep -Eq -- "$3" "$2"; then
		ok "$1"
	else
		fail "$1: no line of $(basename "$2") matches '$3'"
		show "$2" 25
	fi
}
# log_lacks DESC FILE ERE: no line of FILE matches ERE.
log_lacks() {
	if grep -Eq -- "$3" "$2"; then
		fail "$1: $(basename "$2") has:"
		grep -E -- "$3" "$2" | head -n 5 | sed 's/^/    /'
	else
		ok "$1"
	fi
}

# flows_opened: how many flows the current relay has opened to kamailio.
flows_opened() {
	grep -Ec "to sip\.example\.test \(127\.0\.0\.1 port $KTLS\): TLSv1\.[23] .*verified yes" "$sc_log"
}

# --- phones and calls (RELAY, RELAYT: the relay's LAN UDP and TCP) ---------

# register CASE NAME USER PORT [SIPP ARGS...]: phone USER (udp PORT) registers.
register() {
	_rg_case=$1 _rg_name=$2 _rg_user=$3 _rg_port=$4
	shift 4
	sipp_run "$_rg_name" register.xml "$RELAY" -p "$_rg_port" -s "$_rg_user" "$@"
	sipp_ok "$_rg_name" "$_rg_case: $_rg_user registers"
}

# call CASE NAME CALLER CPORT CALLEE EPORT UAC UAS [CALLER SIPP ARGS...]:
# the callee's phone (udp EPORT) runs UAS as NAME-uas in the background,
# the caller's (CPORT) runs UAC as NAME-uac, to RELAY (RELAYT when its
# ARGS say -t t1 or tn); both must succeed.
call() {
	_cl_case=$1 _cl_name=$2 _cl_from=$3 _cl_fport=$4 _cl_to=$5 _cl_tport=$6
	_cl_uac=$7 _cl_uas=$8
	shift 8
	_cl_relay=$RELAY
	_cl_prev=""
	for _cl_a in "$@"; do
		[ "$_cl_prev" = "-t" ] && case $_cl_a in t*) _cl_relay=$RELAYT ;; esac
		_cl_prev=$_cl_a
	done
	if ! sipp_bg "$_cl_name-uas" "$_cl_uas" -p "$_cl_tport" -s "$_cl_to"; then
		fail "$_cl_case: $_cl_to's phone did not start"
		return 1
	fi
	sipp_run "$_cl_name-uac" "$_cl_uac" "$_cl_relay" -p "$_cl_fport" -s "$_cl_to" \
		-key me "$_cl_from" "$@"
	_cl_sf=${_cl_uac##*/}
	sipp_ok "$_cl_name-uac" "$_cl_case: $_cl_from calls $_cl_to (${_cl_sf%.xml})"
	sipp_wait "$_cl_name-uas"
	sipp_ok "$_cl_name-uas" "$_cl_case: $_cl_to's phone completes ${_cl_uas%.xml}"
}

# --- raw messages (sipsend) -------------------------------------------------

SIPSEND=${SIPSEND:-build/native/tools/sipsend}

# sip_register USER HOST TRANSPORT: a REGISTER for USER whose Via and
# Contact name HOST (address or address:port) and TRANSPORT (UDP, TCP), with
# LF line ends (crlf makes it wire-ready).  The Call-ID and the tags carry
# USER too, so a log that mentions the request at all names the user.
sip_register() {
	sip_req_n=$((${sip_req_n:-0} + 1))
	cat <<EOM
REGISTER sip:sip.example.test SIP/2.0
Via: SIP/2.0/$3 $2;branch=z9hG4bK-$1-$$-$sip_req_n;rport
From: <sip:$1@sip.example.test>;tag=$1-$sip_req_n
To: <sip:$1@sip.example.test>
Call-ID: $1-$$-$sip_req_n@interop
CSeq: 1 REGISTER
Contact: <sip:$1@$2>
Expires: 300
Max-Forwards: 70
User-Agent: sipsend $1
Content-Length: 0

EOM
}
# crlf: LF line ends to CRLF (a filter).
crlf() {
	awk '{ printf "%s\r\n", $0 }'
}

# sipsend_run NAME ARGS...: sipsend ARGS (see tests/tools/sipsend.c); the
# answer, without CRs, in $tmp/NAME.ans, the exit status (0 answer, 3 none)
# in send_rc and as the return value.
sipsend_run() {
	_sn_name=$1
	shift
	timeout 30 "$SIPSEND" "$@" >"$tmp/$_sn_name.raw" 2>"$tmp/$_sn_name.err" </dev/null
	send_rc=$?
	tr -d '\r' <"$tmp/$_sn_name.raw" >"$tmp/$_sn_name.ans"
	return $send_rc
}
# answer_is NAME ERE: the answer of sipsend_run NAME has a start line
# matching ERE.
answer_is() {
	head -n 1 "$tmp/$1.ans" | grep -Eq -- "$2"
}
# answer_has NAME ERE: a line of that answer matches ERE.
answer_has() {
	grep -Eq -- "$2" "$tmp/$1.ans"
}

# --- a TLS peer that is not SIP (openssl s_server) --------------------------

# tls_server NAME PORT ARGS...: openssl s_server on 127.0.0.1:PORT with
# ARGS (certificate, key...); everything it receives is in $tmp/NAME.srv.
# Its stdin is a FIFO held open read-write, so it never sees EOF.  PID in
# srv_pid; returns 1, with its output, unless PORT is bound within 5 s.
tls_server() {
	_ts_name=$1 _ts_port=$2
	shift 2
	rm -f "$tmp/$_ts_name.in"
	mkfifo "$tmp/$_ts_name.in" || return 1
	openssl s_server -accept "127.0.0.1:$_ts_port" "$@" \
		<>"$tmp/$_ts_name.in" >"$tmp/$_ts_name.srv" 2>&1 &
	srv_pid=$!
	it_track "$srv_pid"
	wait_until 50 tls_server_up "$_ts_port" && return 0
	echo "openssl s_server $_ts_name did not come up on 127.0.0.1:$_ts_port"
	show "$tmp/$_ts_name.srv"
	it_stop "$srv_pid"
	return 1
}
tls_server_up() {
	kill -0 "$srv_pid" 2>/dev/null || return 2
	bound tcp "$1"
}

# --- sanitizer builds -------------------------------------------------------

# sc_sanitized: SIPSIDECAR is built with ASan/UBSan (make SAN=1).
sc_sanitized() {
	grep -aq -e __asan_init -e __ubsan_handle "$SIPSIDECAR" 2>/dev/null
}
# sc_sanitizer_reports: prints the relay logs of this run that hold a
# sanitizer report; false when there is none.
sc_sanitizer_reports() {
	grep -El 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp"/sidecar.*.log 2>/dev/null
}
# sc_sanitizer_check: with a sanitizer build, every relay log of the run
# must be free of reports (one check); a failure shows them.
sc_sanitizer_check() {
	if _sk_reports=$(sc_sanitizer_reports); then
		fail "sanitizer reports in: $(echo "$_sk_reports" | tr '\n' ' ')"
		for _sk_f in $_sk_reports; do
			grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$_sk_f" |
				head -n 40 | sed 's/^/    /'
		done
	elif sc_sanitized; then
		ok "no sanitizer report in any relay log ($sc_n relay runs)"
	fi
}
