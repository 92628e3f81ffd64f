#!/bin/sh
# Calls as real equipment makes them, and peers that fail under them: the
# relay between sipp phones and a real Kamailio over TLS, on 127.0.0.1.
#
# Cases (SPEC §4 numbers in brackets):
#   p  no peer can end the process: a TCP device that sends requests and
#      closes at once, a provider connection to wan.listen that does the
#      same (tlsburst.py), a provider stopped while a phone keeps sending on
#      its flow; the relay lives on and the next call works [SPEC §2]
#   q  phones that ring long: bob answers after 40 s, dave declines with
#      486 after 40 s, both at once; each caller gets the final response
#      (the transaction lived 32 s after the 180 before) and no response
#      is dropped as unknown [B13]
#
# usage: tests/interop/calls.sh     (from anywhere; runs from the top)
# Environment: see lib.sh (SIPSIDECAR, SIPSEND, SC_TEST_CERTS, IT_KEEP...).
# Prints one line per check, then "calls: N skipped" and
# "calls: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/interop/lib.sh

give_up() {
	fail "$*"
	it_summary calls
	exit 1
}

for tool in kamailio kamcmd sipp openssl ss; do
	command -v "$tool" >/dev/null 2>&1 || give_up "$tool is not installed"
done
[ -x "$SIPSIDECAR" ] || give_up "$SIPSIDECAR is not built (make)"
[ -x "$SIPSEND" ] || give_up "$SIPSEND is not built (make tools)"
it_certs || give_up "cannot make test certificates"

# PA, PB, PC, PD: udp phones; PT: the source port of a TCP device
# (sipsend -b).
PA=$(free_port) && PB=$(free_port) && PC=$(free_port) && PD=$(free_port) &&
	PT=$(free_port) && LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) &&
	KTLS=$(free_port) || give_up "no free ports"
RELAY=127.0.0.1:$LAN
RELAYT=127.0.0.1:$LANT

# options USER N [MAXFWD]: N OPTIONS requests from USER's TCP device (port
# PT) in one stream, Max-Forwards MAXFWD (default 0: each gets the relay's
# own 483 at once).
options() {
	_op_i=1
	while [ "$_op_i" -le "$2" ]; do
		cat <<EOM
OPTIONS sip:$1@sip.example.test SIP/2.0
Via: SIP/2.0/TCP 127.0.0.1:$PT;branch=z9hG4bK-$1-$$-$_op_i
Max-Forwards: ${3:-0}
From: <sip:$1@sip.example.test>;tag=$1-$_op_i
To: <sip:$1@sip.example.test>
Call-ID: $1-$$-$_op_i@calls
CSeq: $_op_i OPTIONS
Content-Length: 0

EOM
		_op_i=$((_op_i + 1))
	done
}

# --- p: peers that close while we write ------------------------------------
echo "-- p: peers that close while the relay writes to them"
kam_start || give_up "kamailio did not start"
sc_config "$tmp/p.yaml"
cat >>"$tmp/p.yaml" <<EOF
  - { name: phone-t, match: "127.0.0.1:$PT", upstream: provider }
  - { name: phone-c, match: "127.0.0.1:$PC", upstream: provider }
  - { name: phone-d, match: "127.0.0.1:$PD", upstream: provider }
EOF
sc_start "$tmp/p.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "sipsidecar did not start"

# A TCP device sends eight requests in one write and closes: the relay
# answers each (483) into a connection that is gone.  Without SIGPIPE
# ignored, the second answer's write kills the process.
options carol 32 | crlf >"$tmp/p-burst.sip"
_p_i=0
while [ $_p_i -lt 20 ]; do
	sipsend_run "p-tcp-$_p_i" -t -b "127.0.0.1:$PT" -w 0 "$RELAYT" "$tmp/p-burst.sip"
	_p_i=$((_p_i + 1))
done
sleep 0.5
sc_alive "p: a TCP device closing before its answers are written"
# Each case on a live relay, so that each shows by itself.
p_relay() {
	kill -0 "$sc_pid" 2>/dev/null && return 0
	sc_stop
	sc_start "$tmp/p.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "sipsidecar did not start again"
}
p_relay

# The same on a connection to wan.listen: requests for no device (404
# from the relay), then close_notify and FIN at once.
options nobody 32 70 | sed "s#TCP 127.0.0.1:$PT#TLS 127.0.0.1:$WAN#" | crlf >"$tmp/p-wan.sip"
_p_i=0
while [ $_p_i -lt 20 ]; do
	timeout 10 python3 tests/interop/tlsburst.py 127.0.0.1 "$WAN" "$certs/ca.pem" \
		sip.example.test "$tmp/p-wan.sip" >>"$tmp/p-wan.out" 2>&1
	_p_i=$((_p_i + 1))
done
sleep 0.5
sc_alive "p: a provider connection closing before its answers are written"

# The provider goes away while a phone keeps sending on its flow: the
# relay's writes meet a closed connection.
p_relay
register p p-reg-a alice "$PA"
sipp_bg p-burst uac-options.xml -p "$PA" -s bob -key me alice -r 400 -m 2000 "$RELAY" ||
	fail "p: alice's OPTIONS burst did not start"
sleep 0.5
kam_stop
sleep 1
sc_alive "p: the provider closing a flow while requests go out on it"
sipp_wait p-burst || true
flows_opened() {
	[ "$(grep -c '\[tls\] to sip.example.test .*verified yes' "$sc_log")" -ge "$1" ]
}
kam_start || give_up "kamailio did not start again"
# alice's flow comes back by itself (re-dialled after its back-off).
wait_until 200 flows_opened 2 || fail "p: alice's flow did not come back"
register p p-reg-a2 alice "$PA"
register p p-reg-b bob "$PB"
call p p-call alice "$PA" bob "$PB" uac-call.xml uas-call.xml


# --- q: phones that ring long ----------------------------------------------
echo "-- q: a call answered after 40 s of ringing, one declined after 40 s"
register q q-reg-c carol "$PC"
register q q-reg-d dave "$PD"
RING_MS=${CALLS_RING_MS:-40000}
SIPP_TIMEOUT=90s
SIPP_LIMIT=100
if sipp_bg q-late-uas uas-late.xml -p "$PB" -s bob -d "$RING_MS" &&
	sipp_bg q-busy-uas uas-reject-late.xml -p "$PD" -s dave -d "$RING_MS"; then
	sipp_bg q-late-uac uac-call.xml "$RELAY" -p "$PA" -s bob -key me alice
	sipp_run q-busy-uac uac-busy.xml "$RELAY" -p "$PC" -s dave -key me carol
	sipp_ok q-busy-uac "q: carol gets dave's 486 after $RING_MS ms of ringing"
	sipp_wait q-busy-uas
	sipp_ok q-busy-uas "q: dave's phone gets the ACK for its late 486"
	sipp_wait q-late-uac
	sipp_ok q-late-uac "q: alice gets bob's 200 after $RING_MS ms of ringing, and hangs up"
	sipp_wait q-late-uas
	sipp_ok q-late-uas "q: bob's phone completes the call"
else
	fail "q: the called phones did not start"
fi
unset SIPP_TIMEOUT SIPP_LIMIT
check "q: no provider response dropped as unknown" \
	not grep -q 'response for an unknown transaction' "$sc_log"

sc_end p
kam_stop

sc_sanitizer_check
it_summary calls
