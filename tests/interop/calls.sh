#!/bin/sh
# Calls as real equipment makes them, and peers that fail under them: the
# relay between sipp phones and a real Kamailio over TLS, on 127.0.0.1.
#
#   phones (sipp, udp PA..PD) --UDP--> sipsidecar --TLS--> kamailio tls KTLS
#                             <--UDP--            <--TLS-- (wan.listen WAN)
#   all on the loopback of a network namespace of the run's own
#   (sc-calls-PID) when it can make one (root, iproute2); there nftables
#   drops the provider's packets for case r without touching the host.
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
#   r  the provider's packets silently dropped (nftables, both directions,
#      as when a NAT forgets the binding): a call on the dead flow gets a
#      503 within keepalive + 10 s, a request while it is down within
#      handshake_timeout; after the path heals the flows come back by
#      themselves and calls work both ways with no phone re-registering
#      [B14]
#   s  the provider frozen (SIGSTOP on each of its processes): the same,
#      then SIGCONT [B14]
#   t  the provider restarts and forgets every registration: the flows
#      come back, the relay replays each phone's last REGISTER, and both
#      phones can be called at once, none registering again [B7]
#   v  a TCP phone whose connection has closed (it registered, and its
#      sipp is gone): a call for it opens a new connection to its Contact
#      (RFC 3261 §18.2.2) instead of a 480 [B5]; once the phone is off, that
#      connection is refused and the call gets 480 at once
#   x  provider INVITEs over 1300 bytes: to a phone that listens on TCP too,
#      over TCP; to one that does not, over UDP after its TCP port refused,
#      counted; to a phone matched by address and port, over UDP, counted
#      (RFC 3261 §18.1.1)
#   y  two UDP listeners: each answer leaves from the socket its request
#      came in on, the relay's own too
#   u  a provider that challenges every REGISTER (digest, as carriers do):
#      the phone registers with its credentials; after a restart the
#      replay is challenged, the relay says so, and from then on the
#      phone's own REGISTERs get at most reregister_max (120 s) [B7]
#
# usage: tests/interop/calls.sh     (from anywhere; runs from the top)
# Environment: see lib.sh (SIPSIDECAR, SIPSEND, SC_TEST_CERTS, IT_KEEP...).
# Prints one line per check, then "calls: N skipped" and
# "calls: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1

# The run in a namespace of its own: its loopback is private.
. tests/interop/netns.sh
it_netns sc-calls tests/interop/calls.sh "$@"
CALLS_NETNS=$IT_NETNS
. tests/interop/lib.sh

it_begin calls kamailio kamcmd sipp openssl ss
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
  - { name: phone-v, match: "127.0.0.2", upstream: provider }
  - { name: phone-e, match: "127.0.0.3", upstream: provider }
  - { name: phone-f, match: "127.0.0.4", upstream: provider }
EOF
# phone-v (case v) is a TCP phone at 127.0.0.2; phone-e and phone-f (case
# x) are phones at 127.0.0.3 and .4: matched by address alone, as phones
# with addresses of their own are.
sed -i 's#allow: \[ 127.0.0.1/32 \]#allow: [ 127.0.0.1/32, 127.0.0.2/31, 127.0.0.4/32 ]#' "$tmp/p.yaml"
grep -q '127.0.0.2/31' "$tmp/p.yaml" || give_up "p: config not edited (lan.allow)"
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
kam_start || give_up "kamailio did not start again"
# alice's flow comes back by itself (re-dialled after its back-off).
flows_back() {
	[ "$(flows_opened)" -ge "$1" ]
}
wait_until 200 flows_back 2 || fail "p: alice's flow did not come back"
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

# --- r, s: dead flows ----------------------------------------------------------
# A relay whose flows ping every 5 s and give a handshake 3 s.
sed -e 's/^    trusted: true$/    trusted: true\n    keepalive: 5s\n    handshake_timeout: 3s/' \
	"$tmp/p.yaml" >"$tmp/r.yaml"
grep -q 'keepalive: 5s' "$tmp/r.yaml" || give_up "r: config not edited"

# ms_since T0: milliseconds since T0 (date +%s%N).
ms_since() {
	echo $((($(date +%s%N) - $1) / 1000000))
}
drop_on() {
	nft add table inet sccalls &&
		nft add chain inet sccalls out '{ type filter hook output priority 0; }' &&
		nft add rule inet sccalls out tcp dport "$KTLS" drop &&
		nft add rule inet sccalls out tcp sport "$KTLS" drop
}
drop_off() {
	nft delete table inet sccalls
}
freeze_on() {
	kam_frozen=$(kam_family)
	# shellcheck disable=SC2086 # a list of PIDs
	kill -STOP $kam_frozen
}
freeze_off() {
	# shellcheck disable=SC2086 # a list of PIDs
	kill -CONT $kam_frozen && kam_frozen="" || return 1
	# Kamailio itself does not always survive being frozen (seen once in
	# a loaded run: it shut down a second after SIGCONT).  What is tested
	# is the relay: a provider that comes back, the same or started again.
	sleep 1
	if ! kill -0 "$kam_pid" 2>/dev/null; then
		echo "s: kamailio did not survive its freeze: starting it again"
		kam_stop
		kam_start
	fi
}
# A run that ends early never leaves kamailio frozen.
kam_frozen=""
# shellcheck disable=SC2086 # a list of PIDs
trap '[ -n "$kam_frozen" ] && kill -CONT $kam_frozen 2>/dev/null; it_cleanup' EXIT

# dead_flow CASE HOW FAULT_ON FAULT_OFF: the relay of r.yaml, a call that
# sets up alice's flow and bob's registration; then the fault, a call on
# the dead flow (503 within keepalive + 10 s), a call while the flow is
# down (503 within handshake_timeout + 1 s); then the cure, the flows back
# by themselves, and calls both ways with no phone registering again.
dead_flow() {
	_df=$1 _df_how=$2 _df_on=$3 _df_off=$4
	echo "-- $_df: the provider's flow dead: $_df_how"
	sc_start "$tmp/r.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "$_df: sipsidecar did not start"
	register "$_df" "$_df-reg-b" bob "$PB"
	call "$_df" "$_df-call1" alice "$PA" bob "$PB" uac-call.xml uas-call.xml
	_df_flows=$(flows_opened)
	if ! $_df_on; then
		fail "$_df: could not make the fault ($_df_how)"
		sc_end "$_df"
		return
	fi
	_df_t0=$(date +%s%N)
	SIPP_TIMEOUT=40s sipp_run "$_df-dead" uac-unavailable.xml "$RELAY" -p "$PA" -s bob -key me alice
	_df_ms=$(ms_since "$_df_t0")
	sipp_ok "$_df-dead" "$_df: alice's call on the dead flow gets 503 (after $_df_ms ms)"
	check "$_df: ... within keepalive + 10 s (15000 ms; it took $_df_ms)" [ "$_df_ms" -le 15000 ]
	check "$_df: the 503 says why: upstream connection lost" \
		grep -q '^Warning: 399 sipsidecar "upstream connection lost"' "$tmp/$_df-dead.msg"
	log_has "$_df: the relay logs the dead flow and its reason (B10)" "$sc_log" \
		'upstream provider, device phone-a: no answer from the upstream in 10 s .*closing the flow and dialling again'
	_df_t0=$(date +%s%N)
	SIPP_TIMEOUT=40s sipp_run "$_df-down" uac-unavailable.xml "$RELAY" -p "$PA" -s bob -key me alice
	_df_ms=$(ms_since "$_df_t0")
	sipp_ok "$_df-down" "$_df: a call while the flow is down gets 503 (after $_df_ms ms)"
	check "$_df: ... within handshake_timeout + 1 s (4000 ms; it took $_df_ms)" [ "$_df_ms" -le 4000 ]
	$_df_off || fail "$_df: could not undo the fault"
	_df_t0=$(date +%s%N)
	if wait_until 400 flows_back $((_df_flows + 1)); then
		ok "$_df: a flow is back by itself $(ms_since "$_df_t0") ms after the path healed"
		# The first flow back says the path is there: the other one
		# dials at once instead of waiting out its back-off.
		_df_t0=$(date +%s%N)
		check "$_df: ... and the other one within 2 s of it" wait_until 20 flows_back $((_df_flows + 2))
		echo "$_df: both flows back, $(ms_since "$_df_t0") ms apart"
	else
		fail "$_df: no flow came back in 40 s"
		show "$sc_log" 20
	fi
	call "$_df" "$_df-in" bob "$PB" alice "$PA" uac-call.xml uas-call.xml
	call "$_df" "$_df-out" alice "$PA" bob "$PB" uac-call.xml uas-call.xml
	sc_end "$_df"
}

if [ -z "$CALLS_NETNS" ]; then
	skip "r: not in a network namespace of its own (needs root): no packets dropped"
elif ! command -v nft >/dev/null 2>&1; then
	skip "r: nft (nftables) is not installed: no packets dropped"
else
	dead_flow r "its packets dropped both ways (nftables)" drop_on drop_off
fi
dead_flow s "kamailio frozen (SIGSTOP)" freeze_on freeze_off

# --- t: a provider restart ------------------------------------------------------
echo "-- t: the provider restarts and forgets every registration"
# registered USER...: kamailio has a contact for every USER.
registered() {
	for _rg_u in "$@"; do
		kam_contacts | grep -q "^$_rg_u " || return 1
	done
}
sc_start "$tmp/r.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "t: sipsidecar did not start"
register t t-reg-a alice "$PA"
register t t-reg-b bob "$PB"
check "t: kamailio has alice and bob" registered alice bob
t_flows=$(flows_opened)
kam_stop
kam_start || give_up "t: kamailio did not start again"
check "t: the restarted kamailio has no registration" not registered alice
t_up=$(date +%s%N)
if wait_until 150 flows_back $((t_flows + 2)); then
	t_back=$(date +%s%N)
	ok "t: both flows are back $(ms_since "$t_up") ms after kamailio"
	if wait_until 100 registered alice bob; then
		t_ms=$(ms_since "$t_back")
		ok "t: alice and bob are registered again $t_ms ms after their flows came back"
		check "t: ... within 5 s of the flows' return (B7; it took $t_ms ms)" [ "$t_ms" -le 5000 ]
	else
		fail "t: the replayed registrations did not reach kamailio"
		show "$sc_log" 20
	fi
else
	fail "t: the flows did not come back within 15 s"
fi
log_has "t: the relay logs each replay accepted" "$sc_log" \
	'device phone-a: its registration was replayed on the new flow and accepted'
t_t0=$(date +%s%N)
call t t-in-a bob "$PB" alice "$PA" uac-call.xml uas-call.xml
call t t-in-b alice "$PA" bob "$PB" uac-call.xml uas-call.xml
echo "t: two calls, $(ms_since "$t_t0") ms, no phone registered again"
check "t: no phone sent a REGISTER after the restart" \
	eval '[ "$(grep -c "device phone-[ab] -> .*: REGISTER" "$sc_log")" = 2 ]'
sc_end t

# call_at CASE NAME USER IP PORT UAC SIPP-ARGS...: alice (PA) calls USER with
# scenario UAC; USER's phone at IP:PORT runs uas-call.xml (NAME-uas) with
# SIPP-ARGS.
call_at() {
	_ca_c=$1 _ca_n=$2 _ca_u=$3 _ca_i=$4 _ca_p=$5 _ca_s=$6
	shift 6
	if sipp_bg "$_ca_n-uas" uas-call.xml -i "$_ca_i" -p "$_ca_p" -s "$_ca_u" "$@"; then
		sipp_run "$_ca_n-uac" "$_ca_s" "$RELAY" -p "$PA" -s "$_ca_u" -key me alice
		sipp_ok "$_ca_n-uac" "$_ca_c: alice calls $_ca_u"
		sipp_wait "$_ca_n-uas"
		sipp_ok "$_ca_n-uas" "$_ca_c: $_ca_u's phone takes the call"
	else
		fail "$_ca_c: $_ca_u's phone did not start"
	fi
}

# --- v: a TCP phone to connect to --------------------------------------------------
echo "-- v: a TCP phone whose connection has closed"
sc_start "$tmp/r.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "v: sipsidecar did not start"
PV=$(free_port) || give_up "v: no free port"
sipp_run v-reg register.xml "$RELAYT" -t t1 -i 127.0.0.2 -p "$PV" -s victor \
	-key cparams ";transport=tcp"
sipp_ok v-reg "v: victor registers over TCP, and his phone goes"
call_at v v victor 127.0.0.2 "$PV" uac-call.xml -t t1 -key cparams ";transport=tcp"
log_has "v: the relay connected to victor's Contact" "$sc_log" \
	"device phone-v: its TCP connection has closed: connecting to 127\.0\.0\.2:$PV"
# Now victor's phone is off: the relay's connection is refused, and the
# call gets its 480 at once, not after the provider's own 2-minute timer.
sed 's/<recv response="503">/<recv response="480">/' "$IT_DIR/scenarios/uac-unavailable.xml" \
	>"$tmp/uac-480.xml"
grep -q 'response="480"' "$tmp/uac-480.xml" || give_up "v: scenario not edited"
v_t0=$(date +%s%N)
sipp_run v-off "$tmp/uac-480.xml" "$RELAY" -p "$PA" -s victor -key me alice
v_ms=$(ms_since "$v_t0")
sipp_ok v-off "v: alice's call to victor's phone, now off, gets 480 (after $v_ms ms)"
check "v: ... within 3 s ($v_ms ms)" [ "$v_ms" -le 3000 ]
log_has "v: the relay says it cannot connect to victor" "$sc_log" \
	"device phone-v: cannot connect to it over TCP at 127\.0\.0\.2:$PV"
sc_end v

# --- x: requests too large for UDP --------------------------------------------------
echo "-- x: provider INVITEs over 1300 bytes for UDP phones"
sc_start "$tmp/r.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "x: sipsidecar did not start"
# alice's INVITE with 1000 bytes more (a long header Kamailio passes on).
x_pad=$(printf '%01000d' 0 | tr 0 x)
sed "0,/Max-Forwards: 70/s//Max-Forwards: 70\n      X-Pad: $x_pad/" \
	"$IT_DIR/scenarios/uac-call.xml" >"$tmp/uac-big.xml"
grep -q "X-Pad: x" "$tmp/uac-big.xml" || give_up "x: scenario not edited"
PE=$(free_port) && PF=$(free_port) || give_up "x: no free port"
# erin registered over UDP and listens on TCP at the same port, as RFC
# 3261 asks of every phone: the INVITE reaches her over TCP.  Her answer's
# Contact says TCP, as a phone answering over TCP writes it: the ACK and
# BYE reach her over TCP too.
register x x-reg-e erin "$PE" -i 127.0.0.3
call_at x x-erin erin 127.0.0.3 "$PE" "$tmp/uac-big.xml" -t t1 -key cparams ";transport=tcp"
check "x: erin got the INVITE over TCP, with the relay's TCP Via (RFC 3261 §18.1.1)" \
	sipp_got x-erin-uas "^INVITE " "^Via: SIP/2.0/TCP 127\.0\.0\.1:$LANT;"
# fred listens on UDP only: his TCP port refuses, so UDP after all.
register x x-reg-f fred "$PF" -i 127.0.0.4
call_at x x-fred fred 127.0.0.4 "$PF" "$tmp/uac-big.xml"
check "x: fred got the INVITE over UDP, over 1300 bytes" \
	sipp_got x-fred-uas "^INVITE " "^X-Pad: x{1000}"
log_has "x: the relay says fred takes no TCP" "$sc_log" \
	"device phone-f: no TCP at 127\.0\.0\.4:$PF .*bytes over UDP"
# dave is matched by address and port: over TCP his own requests would
# come from another port (and be refused), so UDP, without trying TCP.
register x x-reg-d dave "$PD"
call x x-dave alice "$PA" dave "$PD" "$tmp/uac-big.xml" uas-call.xml
log_lacks "x: no TCP tried for dave (matched by port)" "$sc_log" "no TCP at 127\.0\.0\.1:$PD"
sc_end x
log_has "x: the relay counted two requests over UDP for their size" "$sc_log" \
	" 2 requests over 1300 bytes sent over UDP"

# --- y: two UDP listeners -----------------------------------------------------------
echo "-- y: answers leave from the socket the request came in on"
LAN2=$(free_port) || give_up "y: no free port"
sed "s#\"udp:127.0.0.1:$LAN\", #\"udp:127.0.0.1:$LAN\", \"udp:127.0.0.1:$LAN2\", #" \
	"$tmp/r.yaml" >"$tmp/y.yaml"
grep -q "udp:127.0.0.1:$LAN2" "$tmp/y.yaml" || give_up "y: config not edited"
sc_start "$tmp/y.yaml" "udp:$LAN" "udp:$LAN2" "tcp:$LANT" "tcp:$WAN" ||
	give_up "y: sipsidecar did not start"
# sipsend's UDP socket is connected to the port it sent to: an answer
# from the relay's other socket never reaches it.
for y_to in "$LAN" "$LAN2"; do
	sip_register bob "127.0.0.1:$PB" UDP | crlf >"$tmp/y-reg.sip"
	if sipsend_run "y-reg-$y_to" -b "127.0.0.1:$PB" -w 5000 "127.0.0.1:$y_to" "$tmp/y-reg.sip"; then
		check "y: bob's REGISTER to port $y_to: kamailio's 200 comes from port $y_to" \
			answer_is "y-reg-$y_to" "^SIP/2.0 200 "
	else
		fail "y: bob's REGISTER to port $y_to: no answer from port $y_to"
		show "$sc_log" 10
	fi
	options bob 1 | sed "s#TCP 127.0.0.1:$PT#UDP 127.0.0.1:$PB#" | crlf >"$tmp/y-opt.sip"
	if sipsend_run "y-opt-$y_to" -b "127.0.0.1:$PB" -w 3000 "127.0.0.1:$y_to" "$tmp/y-opt.sip"; then
		check "y: the relay's own 483 to port $y_to comes from port $y_to" \
			answer_is "y-opt-$y_to" "^SIP/2.0 483 "
	else
		fail "y: the relay's own 483: no answer from port $y_to"
	fi
done
# A call to bob, who last wrote to the second port: the INVITE comes from it.
call_at y y bob 127.0.0.1 "$PB" uac-call.xml
sc_end y

# --- u: a provider that challenges ------------------------------------------------
echo "-- u: a provider that challenges every REGISTER"
# expires_got NAME: the expiry of the 200 phone NAME got (its Contact's).
expires_got() {
	sipp_headers "$1" '^SIP/2.0 200' Contact | sed -n 's/.*;expires=\([0-9]*\).*/\1/p' | head -n 1
}
kam_stop
KAM_DEFINE=WITH_AUTH kam_start || give_up "u: kamailio (with auth) did not start"
sc_start "$tmp/r.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "u: sipsidecar did not start"
sipp_run u-reg-1 register-auth.xml "$RELAY" -p "$PA" -s alice -au alice -ap secret
sipp_ok u-reg-1 "u: alice registers with her digest credentials"
u_exp=$(expires_got u-reg-1)
check "u: ... for the 3600 s she asked (got ${u_exp:-none})" [ "${u_exp:-0}" -gt 120 ]
u_flows=$(flows_opened)
kam_stop
KAM_DEFINE=WITH_AUTH kam_start || give_up "u: kamailio (with auth) did not start again"
if wait_until 150 flows_back $((u_flows + 1)) &&
	wait_until 50 grep -q 'challenged the replay of its registration' "$sc_log"; then
	ok "u: the replay is challenged, and the relay says why"
else
	fail "u: no challenged replay in the relay's log"
	show "$sc_log" 20
fi
sipp_run u-reg-2 register-auth.xml "$RELAY" -p "$PA" -s alice -au alice -ap secret
sipp_ok u-reg-2 "u: alice's own refresh registers her again"
u_exp=$(expires_got u-reg-2)
check "u: ... and she is given at most reregister_max, 120 s (got ${u_exp:-none})" \
	[ -n "$u_exp" ] && [ "$u_exp" -le 120 ] && [ "$u_exp" -gt 0 ]
check "u: kamailio has her for its own 3600 s" \
	eval 'kam_rpc ul.dump | grep -q "Expires: [1-9]"'
sc_end u

kam_stop

sc_sanitizer_check
it_summary calls
