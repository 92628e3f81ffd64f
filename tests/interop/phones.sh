#!/bin/sh
# Real softphones as the legacy phones: baresip (Debian baresip-core) behind
# the relay, speaking plain SIP over UDP, and a real Kamailio over TLS as a
# provider that wants digest credentials for every REGISTER.
#
#   baresip alice, bob, carol (two phones), dave --UDP--> sipsidecar --TLS--> kamailio
#                                                <--UDP--            <--TLS-- (auth)
#   all on the loopback of a network namespace of the run's own
#   (sc-phones-PID) when it can make one (root, iproute2).  The phones
#   share 127.0.0.1, so the relay tells them apart by port (match:
#   127.0.0.1:PORT); requests over 1300 bytes then reach them over UDP
#   (relay/mtu.h), which is what they speak.  baresip 1.0 opens no SIP socket
#   unless it finds a local address other than lo's: net_interface 127.0.0.1
#   gives it one.  Media (PCMU, a 440 Hz tone) goes from phone to phone; the
#   relay carries the signalling.
#
# Cases (SPEC §4 numbers in brackets):
#   a  each phone registers, answering Kamailio's challenge through the
#      relay [B3, B4]
#   b  alice calls bob: bob's phone rings with the trust mark, RTP flows
#      both ways (each phone's own packet counters), alice hangs up [B5, B6]
#   c  hold and resume: alice's re-INVITEs (sendonly, then sendrecv) reach
#      bob and are answered; media flows again after resume
#   d  blind transfer: bob REFERs alice to dave; alice calls dave, dave
#      answers, bob's call ends
#   e  bob answers after 40 s of ringing (PHONES_RING_S) [B13]
#   f  a fork: carol's two phones both answer alice's call (Kamailio held
#      still for the moment they do, so that neither is CANCELled first);
#      both 200s reach alice [B13, RFC 6026]
#
# usage: tests/interop/phones.sh     (from anywhere; runs from the top)
# Environment: see lib.sh (SIPSIDECAR, SC_TEST_CERTS, IT_KEEP...), and
# PHONES_RING_S (case e, default 40).  Prints one line per check, then
# "phones: N skipped" and "phones: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/interop/netns.sh
it_netns sc-phones tests/interop/phones.sh "$@"
. tests/interop/lib.sh

it_begin phones kamailio kamcmd baresip python3 openssl ss
it_certs || give_up "cannot make test certificates"
BSPHONE=tests/interop/bsphone.py

# sip_port: a free port whose next one is free too (baresip listens for
# TLS on its SIP port + 1).
sip_port() {
	while :; do
		_sp=$(free_port) || return 1
		bound tcp $((_sp + 1)) || bound udp $((_sp + 1)) || {
			echo "$_sp"
			return 0
		}
	done
}
PA=$(sip_port) && PB=$(sip_port) && PC=$(sip_port) && PC2=$(sip_port) && PD=$(sip_port) &&
	LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) && KTLS=$(free_port) ||
	give_up "no free ports"
RELAY=127.0.0.1:$LAN

# --- baresip phones ----------------------------------------------------------

# bs_start NAME USER IP PORT: phone NAME (its directory $tmp/bs.NAME) for
# USER on udp/tcp IP:PORT, with the relay as its outbound proxy,
# and its controller (bsphone.py; NAME.sock, NAME.events).  Answers by
# command (accept), never by itself.
bs_n=0
bs_start() {
	_bd=$tmp/bs.$1
	_bc=$(free_port) || return 1
	bs_n=$((bs_n + 1))
	mkdir -p "$_bd"
	# ausine makes 48 kHz stereo only (resampled for PCMU); no player
	# module at all: what arrives is still decoded and counted.
	cat >"$_bd/config" <<EOF
poll_method		poll
sip_listen		$3:$4
net_interface		$3
call_local_timeout	180
audio_source		ausine,440
ausrc_srate		48000
ausrc_channels		2
audio_player		none,none
audio_alert		none,none
rtp_ports		$((61000 + bs_n * 100))-$((61000 + bs_n * 100 + 99))
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$_bc
statmode_default	off
ringback_disabled	yes
EOF
	echo "<sip:$2@sip.example.test>;auth_pass=secret;outbound=\"sip:$RELAY\";audio_codecs=PCMU;regint=600;ptime=20;answermode=manual" \
		>"$_bd/accounts"
	# -s: every SIP message in the log (case f reads alice's).
	baresip -f "$_bd" -s >"$_bd/baresip.log" 2>&1 </dev/null &
	it_track $!
	eval "bs_pid_$1=$!"
	python3 "$BSPHONE" daemon "127.0.0.1:$_bc" "$_bd/events" "$_bd/sock" \
		>"$_bd/bsphone.log" 2>&1 </dev/null &
	it_track $!
	wait_until 100 test -S "$_bd/sock"
}
# bs_cmd NAME COMMAND [PARAMS]: a command to phone NAME; its output.
bs_cmd() {
	_bn=$1
	shift
	python3 "$BSPHONE" cmd "$tmp/bs.$_bn/sock" "$@"
}
# bs_mark NAME: where NAME's events are now (for bs_wait).
bs_mark() {
	python3 "$BSPHONE" mark "$tmp/bs.$1/events"
}
# bs_wait NAME FROM SECS TYPE [FIELD=VALUE|FIELD=~PART...]: an event of
# TYPE after FROM within SECS.
bs_wait() {
	_bn=$1
	shift
	python3 "$BSPHONE" wait "$tmp/bs.$_bn/events" "$@" >/dev/null
}
bs_count() {
	_bn=$1
	shift
	python3 "$BSPHONE" count "$tmp/bs.$_bn/events" "$@"
}
# bs_registered NAME: the phone says its registration is OK.
bs_registered() {
	bs_cmd "$1" reginfo 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' | grep -q ' OK '
}
# bs_rtp NAME: "SENT RECEIVED", the phone's RTP packet counters of its call.
bs_rtp() {
	bs_cmd "$1" audio_debug >"$tmp/bs.$1/audio" 2>&1
	printf '%s %s\n' "$(sed -n 's/.*TX: packets=\([0-9]*\).*/\1/p' "$tmp/bs.$1/audio" | tail -n 1)" \
		"$(sed -n 's/.* rcvd=\([0-9]*\).*/\1/p' "$tmp/bs.$1/audio" | tail -n 1)"
}
# bs_dir NAME: the direction of the phone's audio (sendrecv, sendonly...).
bs_dir() {
	bs_cmd "$1" audio_debug 2>/dev/null | sed -n 's/^ *audio dir=\([a-z]*\).*/\1/p' | tail -n 1
}
# bs_call CASE CALLER CALLEE USER: CALLER dials USER, CALLEE rings and
# answers; both established.
bs_call() {
	_m1=$(bs_mark "$2") && _m2=$(bs_mark "$3")
	bs_cmd "$2" dial "sip:$4@sip.example.test" >/dev/null
	if ! bs_wait "$3" "$_m2" 10 CALL_INCOMING; then
		fail "$1: $3's phone does not ring"
		show "$sc_log" 20
		return 1
	fi
	bs_cmd "$3" accept >/dev/null
	if bs_wait "$2" "$_m1" 10 CALL_ESTABLISHED && bs_wait "$3" "$_m2" 10 CALL_ESTABLISHED; then
		ok "$1: $2 calls $4, $3's phone answers"
		return 0
	fi
	fail "$1: the call from $2 to $4 is not established"
	show "$tmp/bs.$2/baresip.log" 30
	return 1
}
# bs_hangup CASE NAME OTHER: NAME hangs up, and both calls end.
bs_hangup() {
	_hc=$1 _h1=$2 _h2=$3
	_m1=$(bs_mark "$_h1") && _m2=$(bs_mark "$_h2")
	bs_cmd "$_h1" hangup >/dev/null
	if bs_wait "$_h1" "$_m1" 10 CALL_CLOSED && bs_wait "$_h2" "$_m2" 10 CALL_CLOSED; then
		ok "$_hc: $_h1 hangs up, and $_h2's call ends"
	else
		fail "$_hc: $_h1 hangs up, but the calls do not both end"
		show "$tmp/bs.$_h2/baresip.log" 30
	fi
}
# grows BEFORE AFTER: both counters of "SENT RECEIVED" AFTER are above
# BEFORE's.
grows() {
	set -- $1 $2
	[ "${3:-0}" -gt "${1:-0}" ] && [ "${4:-0}" -gt "${2:-0}" ]
}

# --- set-up ------------------------------------------------------------------
KAM_DEFINE=WITH_AUTH kam_start || give_up "kamailio did not start"
sc_config "$tmp/phones.yaml"
cat >>"$tmp/phones.yaml" <<EOF
  - { name: phone-c, match: "127.0.0.1:$PC", upstream: provider }
  - { name: phone-c2, match: "127.0.0.1:$PC2", upstream: provider }
  - { name: phone-d, match: "127.0.0.1:$PD", upstream: provider }
EOF
sc_start "$tmp/phones.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "sipsidecar did not start"

# --- a: registration with digest authentication ------------------------------
echo "-- a: five phones register through the relay; kamailio wants credentials"
bs_start alice alice 127.0.0.1 "$PA" && bs_start bob bob 127.0.0.1 "$PB" &&
	bs_start carol1 carol 127.0.0.1 "$PC" && bs_start carol2 carol 127.0.0.1 "$PC2" &&
	bs_start dave dave 127.0.0.1 "$PD" || give_up "a: the phones did not start"
for p in alice bob carol1 carol2 dave; do
	if wait_until 150 bs_registered "$p"; then
		ok "a: $p's phone is registered"
	else
		fail "a: $p's phone is not registered"
		show "$tmp/bs.$p/baresip.log" 40
	fi
done
check "a: kamailio has carol twice, alice, bob and dave" \
	eval '[ "$(kam_contacts | grep -c "^carol ")" = 2 ] && kam_contacts | grep -q "^alice " &&
		kam_contacts | grep -q "^bob " && kam_contacts | grep -q "^dave "'
check "a: each phone answered kamailio's challenge (401, then a REGISTER with credentials)" \
	eval '[ "$(grep -c "hdrs: REGISTER .* auth=1" "$kam_dir/kamailio.log")" -ge 5 ]'
check "a: every contact kamailio has names the relay's WAN address with a token" \
	eval '[ "$(kam_contacts | grep -c "@127\.0\.0\.1:$WAN;transport=tls;.*sc=")" = 5 ]'

# --- b: a call, RTP both ways --------------------------------------------------
echo "-- b: alice calls bob; media both ways"
if bs_call b alice bob bob; then
	check "b: bob's phone got the INVITE with its trust mark (B6)" \
		grep -qi '^Alert-Info: *<\{0,1\}Bellcore-dr4' "$tmp/bs.bob/baresip.log"
	sleep 2
	b_a1=$(bs_rtp alice) b_b1=$(bs_rtp bob)
	sleep 2
	b_a2=$(bs_rtp alice) b_b2=$(bs_rtp bob)
	check "b: alice's phone sends and receives RTP (sent received: $b_a1, then $b_a2)" grows "$b_a1" "$b_a2"
	check "b: bob's phone sends and receives RTP (sent received: $b_b1, then $b_b2)" grows "$b_b1" "$b_b2"
	bs_hangup b alice bob
fi

# --- c: hold and resume -----------------------------------------------------------
echo "-- c: alice holds bob, then resumes"
if bs_call c alice bob bob; then
	c_a=$(bs_mark alice) c_b=$(bs_mark bob)
	bs_cmd alice hold >/dev/null
	check "c: alice's re-INVITE (hold) reaches bob's phone" \
		bs_wait bob "$c_b" 10 CALL_REMOTE_SDP param=offer
	check "c: ... and its answer reaches alice's" bs_wait alice "$c_a" 10 CALL_REMOTE_SDP param=answer
	check "c: alice's audio is sendonly, bob's recvonly" \
		eval '[ "$(bs_dir alice)" = sendonly ] && [ "$(bs_dir bob)" = recvonly ]'
	c_a=$(bs_mark alice) c_b=$(bs_mark bob)
	c_r1=$(bs_rtp bob)
	bs_cmd alice resume >/dev/null
	check "c: alice's re-INVITE (resume) reaches bob's phone, and is answered" \
		eval 'bs_wait bob "$c_b" 10 CALL_REMOTE_SDP param=offer &&
			bs_wait alice "$c_a" 10 CALL_REMOTE_SDP param=answer'
	sleep 2
	c_r2=$(bs_rtp bob)
	check "c: both phones' audio is sendrecv again" \
		eval '[ "$(bs_dir alice)" = sendrecv ] && [ "$(bs_dir bob)" = sendrecv ]'
	check "c: bob's phone sends and receives again (sent received: $c_r1, then $c_r2)" \
		grows "$c_r1" "$c_r2"
	bs_hangup c bob alice
fi

# --- d: blind transfer ------------------------------------------------------------
echo "-- d: bob transfers alice to dave (REFER)"
if bs_call d alice bob bob; then
	d_a=$(bs_mark alice) d_b=$(bs_mark bob) d_d=$(bs_mark dave)
	bs_cmd bob transfer "sip:dave@sip.example.test" >/dev/null
	check "d: bob's REFER reaches alice's phone" \
		bs_wait alice "$d_a" 10 TRANSFER "param=~sip:dave@"
	if bs_wait dave "$d_d" 10 CALL_INCOMING; then
		ok "d: alice's phone calls dave"
		bs_cmd dave accept >/dev/null
		check "d: dave answers: alice is in a call with dave" \
			bs_wait alice "$d_a" 10 CALL_ESTABLISHED "peeruri=~dave"
		check "d: bob's call has ended" bs_wait bob "$d_b" 10 CALL_CLOSED
		sleep 1
		d_r1=$(bs_rtp dave)
		sleep 2
		d_r2=$(bs_rtp dave)
		check "d: dave's phone sends and receives RTP (sent received: $d_r1, then $d_r2)" \
			grows "$d_r1" "$d_r2"
		bs_hangup d dave alice
	else
		fail "d: dave's phone does not ring"
		show "$tmp/bs.alice/baresip.log" 30
	fi
fi

# --- e: a long ring -----------------------------------------------------------------
RING_S=${PHONES_RING_S:-40}
echo "-- e: bob answers after $RING_S s of ringing"
e_a=$(bs_mark alice) e_b=$(bs_mark bob)
bs_cmd alice dial "sip:bob@sip.example.test" >/dev/null
if bs_wait bob "$e_b" 10 CALL_INCOMING; then
	sleep "$RING_S"
	check "e: after $RING_S s alice still hears it ring" \
		eval '[ "$(bs_count alice "$e_a" CALL_ESTABLISHED)" = 0 ] && [ "$(bs_count alice "$e_a" CALL_CLOSED)" = 0 ]'
	bs_cmd bob accept >/dev/null
	check "e: bob answers after $RING_S s: the call is established on both phones" \
		eval 'bs_wait alice "$e_a" 10 CALL_ESTABLISHED && bs_wait bob "$e_b" 10 CALL_ESTABLISHED'
	bs_hangup e alice bob
else
	fail "e: bob's phone does not ring"
fi

# --- f: a fork, both phones answer ----------------------------------------------------
echo "-- f: alice calls carol, whose two phones both answer"
f_a=$(bs_mark alice) f_1=$(bs_mark carol1) f_2=$(bs_mark carol2)
f_log=$(($(wc -l <"$tmp/bs.alice/baresip.log") + 1))
bs_cmd alice dial "sip:carol@sip.example.test" >/dev/null
if bs_wait carol1 "$f_1" 10 CALL_INCOMING && bs_wait carol2 "$f_2" 10 CALL_INCOMING; then
	ok "f: both of carol's phones ring"
	# Kamailio cancels the other branch as soon as it has one 200: held
	# still (SIGSTOP) while both phones answer, it finds both 200s when it
	# goes on, and relays both (a proxy relays every 2xx).
	f_kam=$(kam_family)
	# shellcheck disable=SC2086 # a list of PIDs
	kill -STOP $f_kam
	bs_cmd carol1 accept >/dev/null
	bs_cmd carol2 accept >/dev/null
	sleep 0.5
	# shellcheck disable=SC2086
	kill -CONT $f_kam
	check "f: alice's call is established" bs_wait alice "$f_a" 10 CALL_ESTABLISHED
	sleep 2
	# Every 200 to alice's INVITE (from her phone's SIP trace): two
	# To-tags, one per phone.
	f_tags=$(tail -n +"$f_log" "$tmp/bs.alice/baresip.log" | awk '/^SIP\/2\.0 200/ { r = 1; tag = ""; inv = 0; next }
		r && /^[Tt]o:/ { if (match($0, /tag=[^;> \r]*/)) tag = substr($0, RSTART + 4, RLENGTH - 4) }
		r && /^CSeq: [0-9]+ INVITE/ { inv = 1 }
		r && /^\r?$/ { if (inv && tag != "") print tag; r = 0 }' |
		sort -u | wc -l)
	check "f: both phones' 200s reach alice (distinct To tags: $f_tags)" [ "$f_tags" -ge 2 ]
	bs_cmd alice hangup >/dev/null
else
	fail "f: carol's phones do not both ring"
	show "$sc_log" 20
fi
check "f: kamailio is still running" kill -0 "$kam_pid"

# --- the end --------------------------------------------------------------------------
# The phones first (they unregister), while the relay and kamailio are up.
for p in alice bob carol1 carol2 dave; do
	eval "it_stop \$bs_pid_$p"
done
check "the relay dropped no provider response as unknown" \
	not grep -Eq 'response for (no request of ours|an unknown transaction)' "$sc_log"
sc_end phones
kam_stop
sc_sanitizer_check
it_summary phones
