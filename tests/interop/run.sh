#!/bin/sh
# Interop tests: the relay between sipp phones and a real Kamailio over TLS,
# all on 127.0.0.1 (ports picked at random, see lib.sh):
#
#   phone A (sipp, udp PA) --UDP--> sipsidecar lan udp LAN  --TLS--> kamailio tls KTLS
#   phone B (sipp, udp PB) <--UDP-- sipsidecar wan tls WAN  <--TLS-- (new connection)
#   phone C (sipp, tcp from 127.0.0.2) <--TCP--> sipsidecar lan tcp LANT (its own
#                                                 connection; LANT is not LAN)
#
# Cases (SPEC §4 numbers in brackets):
#   a  both phones register; A calls B and B calls A; the callee hangs up;
#      CANCEL before the answer (487); OPTIONS and MESSAGE [B3-B5]
#   b  trust marking: the callee's INVITE carries its own preset Alert-Info,
#      never the caller's; none at all with trusted: false, or with
#      verify: false, on the upstream [B6]
#   c  a provider with an unknown CA, an expired certificate, one for
#      another name, a leaf without its intermediate (openssl s_server):
#      503 with a Warning at once, the class in the log; a good chain
#      verifies [B10, §6]
#   d  a provider that demands a client certificate: given, it registers;
#      without one, 503 and the log says so [B10]
#   e  a source that matches no device never reaches the provider [B1]
#   f  a phone on TCP registers, is called and calls; what it gets names
#      the relay's TCP port (LANT), never the UDP one: the top Via, the
#      Record-Route entries facing the LAN; a preloaded Route naming the
#      TCP LAN address is consumed, never reaches Kamailio [B2-B5]
#   g  malformed and oversized messages: 400 or dropped, the relay lives
#      on and the next call works [B8]
#   h  after a relay restart (no flows, registrations still at Kamailio) an
#      inbound call arrives over a new TLS connection to wan.listen [B5]
#   i  what the provider sees: contacts on the relay's WAN address with
#      transport=tls, a TLS top Via with the relay's sent-by on every
#      request [B3, B4]
#   j  a UDP retransmission gets the same answer and reaches Kamailio
#      once [B9]
#   k  flows: per device or shared, CRLF keep-alives, re-dialled after the
#      provider comes back; open and close logged [B2, B10]
#   l  wan.listen: a client certificate with a valid chain for another
#      name (openssl s_client) belongs to no upstream, its INVITE is not
#      trust-marked; the provider's certificate is [B6, B15]
#   m  Authorization headers are not logged, even at debug [B10]
#   n  an upstream that refuses TCP, or accepts it and never speaks
#      (python3): 503 with a Warning naming the cause within
#      handshake_timeout + 1 s [B10]
#   o  strangers on wan.listen: a peer at 127.0.0.5 without a client
#      certificate gets 403 for an INVITE to a static device, a MESSAGE and
#      an OPTIONS, and is closed after the third; bob's Contact token from
#      it gets 403; no datagram reaches a device; the provider's own address
#      without a certificate is attributed by accept_from, unmarked [B15]
#
# Relays, in order: the main one (a, b, e, f, g, m), restarted (h, l),
# trusted: false and verify: false (b), the main one again (j), keepalive
# per device and shared (k), the s_server one (c), the client-certificate
# one against a second Kamailio (d), the unreachable upstreams (n), one with
# a static device (o).  With a
# sanitizer build every relay log must be free of sanitizer reports.
#
# usage: tests/interop/run.sh     (from anywhere; runs from the top)
# Environment: see lib.sh (SIPSIDECAR, SIPSEND, SC_TEST_CERTS, IT_KEEP...).
# Prints one line per check, then "interop: N skipped" and
# "interop: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/interop/lib.sh

it_begin interop kamailio kamcmd sipp openssl ss python3
[ -x "$SIPSEND" ] || give_up "$SIPSEND is not built (make tools)"
it_certs || give_up "cannot make test certificates"

# PC, PC2: TCP ports of phone C on 127.0.0.2.
# LAN, LANT: the relay's UDP and TCP LAN ports (RELAY, RELAYT), never the
# same, so that naming one for the other shows.
PA=$(free_port) && PB=$(free_port) && PC=$(free_port) && PC2=$(free_port) &&
	LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) && KTLS=$(free_port) ||
	give_up "no free ports"
RELAY=127.0.0.1:$LAN
RELAYT=127.0.0.1:$LANT
t_start=$(date +%s)

# --- helpers -----------------------------------------------------------------

# entries NAME START HEADER: every value of HEADER (comma-separated ones
# split, in order) in the first message NAME received whose start line
# matches START, one a line.
entries() {
	sipp_headers "$1" "$2" "$3" | sed 's/^[^:]*:[[:space:]]*//' | tr ',' '\n' |
		sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$'
}
# entry_is DESC NAME START HEADER first|last ERE: the first (last) value
# of HEADER in that message matches ERE.
entry_is() {
	if [ "$5" = first ]; then
		_ei_got=$(entries "$2" "$3" "$4" | head -n 1)
	else
		_ei_got=$(entries "$2" "$3" "$4" | tail -n 1)
	fi
	if printf '%s\n' "$_ei_got" | grep -Eq -- "$6"; then
		ok "$1"
	else
		fail "$1: the $5 $4 is [${_ei_got}], want /$6/"
		sipp_trace "$2" received "$3" 1 | sed 's/^/    /'
	fi
}

# alert_info DESC NAME WANT: the first INVITE phone NAME received has exactly
# the Alert-Info lines WANT ("" for none).
alert_info() {
	if ! sipp_got "$2" '^INVITE ' .; then
		fail "$1: $2 received no INVITE"
		return 1
	fi
	_ai_got=$(sipp_headers "$2" '^INVITE ' Alert-Info)
	if [ "$_ai_got" = "$3" ]; then
		ok "$1"
	else
		fail "$1: the INVITE has [${_ai_got}], want [$3]"
		sipp_trace "$2" received '^INVITE ' 1 | sed 's/^/    /'
	fi
}

# sc_relaunch CONFIG: a relay with CONFIG on the standard ports; gives up
# when it does not start.
sc_relaunch() {
	sc_start "$1" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" || give_up "sipsidecar did not start with $1"
}

# contact_check CASE USER: kamailio stores USER's contact on the relay's WAN
# address with transport=tls (B4).
contact_check() {
	kam_contacts >"$tmp/contacts.$2"
	if grep -Eq "^$2 sip:$2@127\.0\.0\.1:$WAN;(.*;)?transport=tls(;|$)" "$tmp/contacts.$2"; then
		ok "$1: kamailio has $2's contact on the relay's wan address, transport=tls"
	else
		fail "$1: kamailio's contacts (want sip:$2@127.0.0.1:$WAN;transport=tls...):"
		show "$tmp/contacts.$2"
	fi
}

# cfg_head FILE: the log, lan (allow 127.0.0.0/8) and wan parts of the
# standard config, for configs with their own upstreams and devices.
cfg_head() {
	sc_config "$tmp/std.yaml"
	sed -e '/^upstreams:/,$d' -e 's#allow: \[ 127\.0\.0\.1/32 \]#allow: [ 127.0.0.0/8 ]#' \
		"$tmp/std.yaml" >"$1"
	grep -q 'allow: \[ 127\.0\.0\.0/8 \]' "$1" || give_up "cfg_head: lan.allow not found in sc_config"
}

# malformed_count: how many messages the relay has logged as malformed or
# too large so far.
malformed_count() {
	grep -Ec 'dropped a (malformed message|datagram over 64 KiB)|(over 64 KiB|cannot be framed); closing' \
		"$sc_log"
}

# --- the main relay ----------------------------------------------------------

kam_start || give_up "kamailio did not start"
KAM1_LOG=$kam_dir/kamailio.log
# The standard config, plus phone C (any port of 127.0.0.2, for TCP) and a
# lan.allow that lets 127.0.0.0/8 in: sources outside every device but
# inside lan.allow (127.0.0.9, case e) are then refused by device matching.
sc_config "$tmp/sidecar.yaml"
sed 's#allow: \[ 127\.0\.0\.1/32 \]#allow: [ 127.0.0.0/8 ]#' "$tmp/sidecar.yaml" >"$tmp/main.yaml"
echo '  - { name: phone-c, match: "127.0.0.2", upstream: provider, alert_info: cisco-ata }' \
	>>"$tmp/main.yaml"
grep -q 'allow: \[ 127\.0\.0\.0/8 \]' "$tmp/main.yaml" || give_up "main.yaml: lan.allow not edited"
if timeout 30 "$SIPSIDECAR" check -c "$tmp/main.yaml" >"$tmp/check.out" 2>&1; then
	ok "sipsidecar check accepts the test config"
else
	fail "sipsidecar check refuses the test config"
	show "$tmp/check.out"
fi
sc_relaunch "$tmp/main.yaml"

# (a) Both phones register; calls both ways; BYE from either side; CANCEL;
# OPTIONS and MESSAGE.
echo "-- a: calls between UDP phones"
register a a-reg-a alice "$PA"
register a a-reg-b bob "$PB"
contact_check a alice
contact_check a bob

call a a-ab alice "$PA" bob "$PB" uac-call.xml uas-call.xml
call a a-ba bob "$PB" alice "$PA" uac-call.xml uas-call.xml
call a a-bye alice "$PA" bob "$PB" uac-call-recv-bye.xml uas-call-send-bye.xml
check "a: the callee's BYE reached alice" sipp_got a-bye-uac '^BYE ' '^To: .*alice@'
call a a-cancel alice "$PA" bob "$PB" uac-cancel.xml uas-cancel.xml
check "a: the CANCEL reached bob" sipp_got a-cancel-uas '^CANCEL ' .
check "a: alice gets 487 for the cancelled INVITE" sipp_got a-cancel-uac '^SIP/2\.0 487 ' .
check "a: ... and 200 for the CANCEL" sipp_got a-cancel-uac '^SIP/2\.0 200 ' '^CSeq: *1 CANCEL'
# A callee that answers only after 1.7 s: the provider sent the INVITE once
# over TLS, so on the LAN's UDP the relay must repeat it (RFC 3261 Timer A:
# at 0.5 s and 1.5 s), and stop once the phone answers.
call a a-slow alice "$PA" bob "$PB" uac-call.xml uas-slow.xml
slow_retrans=$(awk '$1 == "---------->" && $2 == "INVITE" { print $4 }' "$tmp/a-slow-uas.screen" 2>/dev/null)
if [ "${slow_retrans:-0}" -ge 1 ] 2>/dev/null && [ "$slow_retrans" -le 2 ]; then
	ok "a: the relay repeated the INVITE to the slow UDP phone ($slow_retrans times) until it answered"
else
	fail "a: the slow phone saw ${slow_retrans:-no} INVITE retransmissions (want 1 or 2)"
	show "$tmp/a-slow-uas.screen" 20
fi
call a a-opt alice "$PA" bob "$PB" uac-options.xml uas-answer.xml
check "a: bob received alice's OPTIONS" sipp_got a-opt-uas '^OPTIONS sip:bob@' '^From: .*alice@'
check "a: alice got bob's 200 for OPTIONS" sipp_got a-opt-uac '^SIP/2\.0 200 ' '^CSeq: *1 OPTIONS'
call a a-msg alice "$PA" bob "$PB" uac-message.xml uas-answer.xml
check "a: bob received alice's MESSAGE with its body" \
	sipp_got a-msg-uas '^MESSAGE sip:bob@' '^interop message from alice$'
check "a: alice got bob's 200 for MESSAGE" sipp_got a-msg-uac '^SIP/2\.0 200 ' '^CSeq: *1 MESSAGE'

# (b) B6 on the calls above: the caller's hostile Alert-Info is gone, the
# callee's preset (cisco-ata: Bellcore-dr4) is there, once.
echo "-- b: trust marking"
check "b: alice's INVITE carried a caller-chosen Alert-Info" \
	sipp_sent a-ab-uac '^INVITE ' '^Alert-Info: <http://evil\.example/ring\.wav>'
alert_info "b: bob's INVITE has only his preset Alert-Info (Bellcore-dr4)" a-ab-uas \
	"Alert-Info: Bellcore-dr4"
alert_info "b: alice's INVITE (B calls A) has only her preset Alert-Info" a-ba-uas \
	"Alert-Info: Bellcore-dr4"

# (e) B1: mallory at 127.0.0.9 (inside lan.allow, no device) is never
# relayed.  Control: the same request from a device's address (127.0.0.2,
# user trudy) is, so the checks below can see a relayed REGISTER.
echo "-- e: unknown sources"
sip_register mallory 127.0.0.9:5060 UDP | crlf >"$tmp/e-udp.sip"
sip_register mallory 127.0.0.9:5060 TCP | crlf >"$tmp/e-tcp.sip"
sip_register trudy 127.0.0.2:5060 UDP | crlf >"$tmp/e-ctl.sip"
sipsend_run e-udp -b 127.0.0.9 -w 1500 "$RELAY" "$tmp/e-udp.sip"
# shellcheck disable=SC2016 # expanded by eval
check "e: mallory's REGISTER over UDP gets no answer (sipsend $send_rc)" \
	eval '[ "$send_rc" = 3 ] && [ ! -s "$tmp/e-udp.ans" ]'
sipsend_run e-tcp -t -b 127.0.0.9 -w 3000 "$RELAYT" "$tmp/e-tcp.sip"
check "e: mallory's REGISTER over TCP gets 403" answer_is e-tcp '^SIP/2\.0 403 '
sipsend_run e-ctl -b 127.0.0.2 -w 5000 "$RELAY" "$tmp/e-ctl.sip"
check "e: control: the same REGISTER from a device's address gets 200" \
	answer_is e-ctl '^SIP/2\.0 200 '
kam_contacts >"$tmp/e-contacts"
check "e: control: kamailio has trudy's contact" grep -q '^trudy ' "$tmp/e-contacts"
check "e: kamailio has no contact for mallory" not grep -q '^mallory ' "$tmp/e-contacts"
log_has "e: control: kamailio logged trudy's REGISTER" "$KAM1_LOG" 'via: REGISTER .*from=sip:trudy@'
log_lacks "e: kamailio's log never mentions mallory" "$KAM1_LOG" 'mallory'
log_has "e: the relay logs the UDP source it dropped" "$sc_log" \
	'127\.0\.0\.9.*not a configured device.*dropped'
log_has "e: the relay logs the TCP source it refused" "$sc_log" \
	'127\.0\.0\.9.*not a configured device.*403'

# (f) Phone C speaks TCP from 127.0.0.2 (device matched by address).  The
# relay never connects to a device, so C registers and takes A's call on
# one connection: one sipp, one Call-ID for the REGISTER and the INVITE.
echo "-- f: a TCP phone"
cid="tcp-$$@interop"
if sipp_bg f-c register-answer.xml "$RELAYT" -t t1 -i 127.0.0.2 -p "$PC" -s carol \
	-key cparams ";transport=tcp" -cid_str "$cid"; then
	if wait_until 100 sipp_got f-c '^SIP/2\.0 200 ' '^CSeq: *1 REGISTER'; then
		ok "f: carol registers over TCP"
		contact_check f carol
		sipp_run f-a uac-call.xml "$RELAY" -p "$PA" -s carol -key me alice -cid_str "$cid"
		sipp_ok f-a "f: alice calls carol"
	else
		fail "f: carol's REGISTER over TCP got no 200"
	fi
	sipp_wait f-c
	sipp_ok f-c "f: carol answers on her TCP connection"
	# LANT is not LAN: a TCP hop must name the TCP listener, never the
	# UDP one, in the Via and in the Record-Route entry facing the LAN.
	entry_is "f: carol's INVITE has the relay's TCP Via on top, on the TCP port" \
		f-c '^INVITE ' Via first "^SIP/2\.0/TCP 127\.0\.0\.1:$LANT;branch="
	entry_is "f: ... and its top Record-Route, facing the LAN, is the TCP listener" \
		f-c '^INVITE ' Record-Route first "^<sip:127\.0\.0\.1:$LANT;transport=tcp;lr;sc-rr>\$"
	entry_is "f: alice's BYE reached carol with the relay's TCP Via on the TCP port" \
		f-c '^BYE ' Via first "^SIP/2\.0/TCP 127\.0\.0\.1:$LANT;branch="
	alert_info "f: carol's INVITE has only her preset Alert-Info" f-c "Alert-Info: Bellcore-dr4"
else
	fail "f: carol's phone did not start"
fi
# Another port of 127.0.0.2: the connection above may still be in TIME-WAIT.
call f f-ca carol "$PC2" alice "$PA" uac-call.xml uas-call.xml \
	-t t1 -i 127.0.0.2 -key cparams ";transport=tcp"
check "f: carol's call reached alice from kamailio" sipp_got f-ca-uas '^INVITE ' '^From: .*carol@'
# The relay's first Record-Route pair (added as carol's INVITE left the
# LAN) is the last in the set: its LAN entry must be the TCP listener.
entry_is "f: the Record-Route entry facing carol's LAN is the TCP listener" \
	f-ca-uas '^INVITE ' Record-Route last "^<sip:127\.0\.0\.1:$LANT;transport=tcp;lr;sc-rr>\$"
# B3: a Route naming the relay's TCP LAN address (an outbound proxy
# preloaded by the phone) is consumed; the next one, not ours, is kept.
# Kamailio logs the Route set it got ("hdrs:" lines).
for spec in "routeself <sip:127.0.0.1:$LANT;transport=tcp;lr>" \
	"routenext <sip:127.0.0.1:$LANT;transport=tcp;lr>, <sip:proxy.other.test;lr>"; do
	f_user=${spec%% *} f_route=${spec#* }
	sip_register "$f_user" 127.0.0.2:5060 TCP |
		sed "s#^Max-Forwards: 70\$#Route: $f_route\nMax-Forwards: 70#" | crlf >"$tmp/f-$f_user.sip"
	sipsend_run "f-$f_user" -t -b 127.0.0.2 -w 5000 "$RELAYT" "$tmp/f-$f_user.sip"
	check "f: $f_user: the REGISTER with a preloaded Route to 127.0.0.1:$LANT gets 200" \
		answer_is "f-$f_user" '^SIP/2\.0 200 '
done
log_has "f: the Route naming the relay's TCP LAN address did not reach kamailio" "$KAM1_LOG" \
	'hdrs: REGISTER from=sip:routeself@sip\.example\.test route=<null>( |$)'
log_has "f: ... and the next Route after it did, alone" "$KAM1_LOG" \
	'hdrs: REGISTER from=sip:routenext@sip\.example\.test route=<sip:proxy\.other\.test;lr>( |$)'
# Over every request so far: none came with one of the relay's LAN
# entries on top of its Route set (the relay's own entries further down,
# after kamailio's, are for the way back and are legitimate).
log_lacks "f: no Route set kamailio got starts with the relay's LAN address" "$KAM1_LOG" \
	"route=<sip:127\.0\.0\.1:($LAN|$LANT)[;>]"

# (g) B8: junk from phone C's address (127.0.0.2); each gets a 400 where
# one can be built, or is dropped with a log line, nothing of it may reach kamailio (every message
# names "junkmark"), and phones A and B still call.
echo "-- g: malformed and oversized messages"
# g_send PROTO FILE WANT DESC: sends $tmp/g-FILE.sip from 127.0.0.2 over
# PROTO (udp, tcp).  WANT 400: the answer must be a 400 (the request had
# every header an answer needs); WANT drop: no answer, and the relay logged
# one more malformed message.
g_send() {
	_gs_name=g-$1-$2 _gs_want=$3 _gs_desc="$(echo "$1" | tr '[:lower:]' '[:upper:]'): $4"
	_gs_t="" _gs_to=$RELAY
	[ "$1" = tcp ] && _gs_t=-t _gs_to=$RELAYT
	_gs_before=$(malformed_count)
	sipsend_run "$_gs_name" $_gs_t -b 127.0.0.2 -w 1200 "$_gs_to" "$tmp/g-$2.sip"
	if [ "$_gs_want" = 400 ] && answer_is "$_gs_name" '^SIP/2\.0 400 ' &&
		answer_has "$_gs_name" '^Warning: 399 sipsidecar "malformed request"'; then
		ok "g: $_gs_desc: 400"
	elif [ "$_gs_want" = drop ] && [ ! -s "$tmp/$_gs_name.ans" ] &&
		[ "$(malformed_count)" -gt "$_gs_before" ]; then
		ok "g: $_gs_desc: dropped and logged"
	else
		fail "g: $_gs_desc: want $_gs_want; sipsend $send_rc, answer:"
		show "$tmp/$_gs_name.ans" 5
		show "$sc_log" 5
	fi
}
sip_register junkmark 127.0.0.2:5060 UDP >"$tmp/g-good.txt"
printf 'NOT SIP junkmark\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bK-junk\r\n\r\n' \
	>"$tmp/g-start.sip"
grep -v '^Call-ID:' "$tmp/g-good.txt" | crlf >"$tmp/g-nocallid.sip"
grep -v '^CSeq:' "$tmp/g-good.txt" | crlf >"$tmp/g-nocseq.sip"
sed 's/^Max-Forwards: 70$/this line has no colon junkmark/' "$tmp/g-good.txt" |
	crlf >"$tmp/g-nocolon.sip"
sed 's/^CSeq: 1 REGISTER$/CSeq: one REGISTER/' "$tmp/g-good.txt" | crlf >"$tmp/g-badcseq.sip"
sed 's/^Content-Length: 0$/Content-Length: 400/' "$tmp/g-good.txt" | crlf >"$tmp/g-shortbody.sip"
# 65000 bytes of junk: about the largest UDP datagram there is.
dd if=/dev/zero bs=1000 count=65 2>/dev/null | tr '\0' 'J' >"$tmp/g-bigudp.sip"
# Over 64 KiB on TCP: a body of 70000 bytes, and a header that never ends.
{
	sed 's/^Content-Length: 0$/Content-Length: 70000/' "$tmp/g-good.txt" | crlf
	dd if=/dev/zero bs=1000 count=70 2>/dev/null | tr '\0' 'x'
} >"$tmp/g-bigbody.sip"
{
	sed '/^Content-Length/,$d' "$tmp/g-good.txt" | crlf
	printf 'X-Junk: '
	dd if=/dev/zero bs=1000 count=70 2>/dev/null | tr '\0' 'y'
} >"$tmp/g-bighdr.sip"
g_send udp start drop "a start line that is not SIP"
g_send udp nocallid drop "a REGISTER without Call-ID"
g_send udp nocseq drop "a REGISTER without CSeq"
g_send udp nocolon 400 "a header line without a colon"
g_send udp badcseq drop "a CSeq that is not a number"
g_send udp shortbody 400 "Content-Length beyond the end of the datagram"
g_send udp bigudp drop "a 65000-byte datagram of junk"
g_send tcp nocallid drop "a REGISTER without Call-ID"
g_send tcp bigbody drop "a 70000-byte body"
g_send tcp bighdr drop "a header of 70000 bytes"
log_has "g: the relay closed the TCP stream that went over 64 KiB" "$sc_log" \
	'127\.0\.0\.2.*over TCP: message over 64 KiB; closing the connection'
sc_alive g
log_lacks "g: none of it reached kamailio" "$KAM1_LOG" 'junkmark'
call g g-ab alice "$PA" bob "$PB" uac-call.xml uas-call.xml

# (m) B10: Authorization headers are never logged.  A device's REGISTER
# with digest credentials (and a Proxy-Authorization) goes through the
# main relay at log level debug; kamailio gets the Authorization, the
# relay's log has the exchange and none of the secret.
echo "-- m: credentials are not logged"
# auth_headers: digest credentials that name SECRETMARK (a filter: after
# the Max-Forwards line of a sip_register message).
auth_headers() {
	sed 's#^Max-Forwards: 70$#Max-Forwards: 70\
Authorization: Digest username="alice", realm="sip.example.test", nonce="n0nce1", uri="sip:sip.example.test", response="SECRETMARK0a1b2c3d4e5f", algorithm=MD5\
Proxy-Authorization: Digest username="alice", realm="sip.example.test", nonce="n0nce2", uri="sip:sip.example.test", response="SECRETMARKproxy0a1b2c"#'
}
M_PORT=$(free_port) || give_up "no free port"
sip_register authmark "127.0.0.2:$M_PORT" UDP | auth_headers | crlf >"$tmp/m.sip"
grep -q '^Authorization: Digest .*SECRETMARK' "$tmp/m.sip" || give_up "m: no Authorization in m.sip"
sipsend_run m -b "127.0.0.2:$M_PORT" -w 5000 "$RELAY" "$tmp/m.sip"
check "m: the REGISTER with credentials gets 200" answer_is m '^SIP/2\.0 200 '
log_has "m: control: kamailio got its Authorization header" "$KAM1_LOG" \
	'hdrs: REGISTER from=sip:authmark@sip\.example\.test route=[^ ]* auth=1$'
log_has "m: control: the relay logged the exchange at debug" "$sc_log" \
	"debug \[relay\] to device phone-c at 127\.0\.0\.2:$M_PORT: SIP/2\.0 200 "
log_lacks "m: the relay's log has none of the credentials" "$sc_log" 'SECRETMARK|Authorization:'

# (h) B5: restart the relay; its flows are gone, the registrations at
# kamailio stay.  Kamailio reaches bob over a new TLS connection to
# wan.listen, without bob registering again.
echo "-- h: inbound call over a new connection after a restart"
sc_end h
check "h: kamailio still has bob's contact" eval 'kam_contacts | grep -q "^bob "'
sc_relaunch "$tmp/main.yaml"
call h h-ab alice "$PA" bob "$PB" uac-call.xml uas-call.xml
alert_info "h: bob's INVITE arrived, trust-marked" h-ab-uas "Alert-Info: Bellcore-dr4"
log_has "h: the relay logged kamailio's new TLS connection to wan.listen" "$sc_log" \
	'from 127\.0\.0\.1 port [0-9]+: TLSv1\.[23] .*verified yes'
# Without a ciphers key the relay prefers ChaCha20-Poly1305; as the TLS
# server on wan.listen it chooses, whatever Kamailio's (AES-first) order.
log_has "h: the relay chose ChaCha20-Poly1305 on the connection it accepted" "$sc_log" \
	'from 127\.0\.0\.1 port [0-9]+: TLSv1\.3 TLS13-CHACHA20-POLY1305-SHA256, .*verified yes'
log_lacks "h: nobody registered with this relay" "$sc_log" 'REGISTER'

# (l) B6 and B15 on wan.listen: a client certificate with a valid chain
# but for another name (other.pem: sip.other.test) belongs to no upstream,
# so the INVITE it brings is not trust-marked: bob gets it without the
# preset Alert-Info (or, once B15 refuses such connections, it gets 403
# and reaches nobody).  The same INVITE with the provider's certificate
# (server.pem: sip.example.test, the upstream's server_name) is marked.
# The client is openssl s_client, its stdin a FIFO held open read-write;
# the Request-URI is bob's contact at kamailio (the relay's token).
echo "-- l: client certificates on wan.listen"
l_ruri=$(kam_contacts | awk '$1 == "bob" { print $2; exit }')
[ -n "$l_ruri" ] || give_up "l: kamailio has no contact for bob"
# l_invite NAME CERT KEY: s_client presents CERT (chain: the intermediate)
# on a connection to wan.listen from port l_port and sends an INVITE for
# bob, with a caller-chosen Alert-Info; bob (uas-answer) is NAME-uas.
# Afterwards: what came back in $tmp/NAME.out.
l_invite() {
	_li_name=$1 _li_cert=$2 _li_key=$3
	l_port=$(free_port) || give_up "no free port"
	cat <<EOM | crlf >"$tmp/$_li_name.sip"
INVITE $l_ruri SIP/2.0
Via: SIP/2.0/TLS 127.0.0.1:$l_port;branch=z9hG4bK-$_li_name-$$;rport
Max-Forwards: 70
From: <sip:alice@sip.example.test>;tag=$_li_name
To: <sip:bob@sip.example.test>
Call-ID: $_li_name-$$@interop
CSeq: 1 INVITE
Contact: <sip:alice@127.0.0.1:$l_port;transport=tls>
Alert-Info: <http://evil.example/$_li_name.wav>
Content-Length: 0

EOM
	if ! sipp_bg "$_li_name-uas" uas-answer.xml -p "$PB" -s bob; then
		fail "l: $_li_name: bob's phone did not start"
		return 1
	fi
	wan_client "$_li_name" 127.0.0.1 "$l_port" "$tmp/$_li_name.sip" '^SIP/2\.0 [1-6][0-9][0-9] ' \
		-cert "$_li_cert" -cert_chain "$certs/intermediate.pem" -key "$_li_key"
	it_stop "$(cat "$tmp/$_li_name-uas.pid")"
}
# wan_client NAME IP PORT FILE ERE [ARGS...]: openssl s_client from IP:PORT
# to wan.listen, ARGS its certificate options (none: no client
# certificate), its stdin a FIFO held open read-write; once connected it
# writes FILE and waits up to 5 s for a line of what comes back to match
# ERE (or for the relay to close).  What came back: $tmp/NAME.ans.
wan_client() {
	_wc_name=$1 _wc_ip=$2 _wc_port=$3 _wc_file=$4 _wc_ere=$5
	shift 5
	rm -f "$tmp/$_wc_name.in"
	mkfifo "$tmp/$_wc_name.in" || return 1
	openssl s_client -connect "127.0.0.1:$WAN" -bind "$_wc_ip:$_wc_port" \
		-servername sip.example.test -CAfile "$certs/ca.pem" "$@" -brief -nocommands -ign_eof \
		<>"$tmp/$_wc_name.in" >"$tmp/$_wc_name.out" 2>"$tmp/$_wc_name.err" &
	_wc_pid=$!
	it_track "$_wc_pid"
	if wait_until 50 l_client "$_wc_pid" "$tmp/$_wc_name.err" 'CONNECTION ESTABLISHED'; then
		cat "$_wc_file" >"$tmp/$_wc_name.in"
		wait_until 50 l_client "$_wc_pid" "$tmp/$_wc_name.out" "$_wc_ere"
	else
		fail "$_wc_name: s_client did not connect to wan.listen from $_wc_ip"
		show "$tmp/$_wc_name.err"
	fi
	it_stop "$_wc_pid"
	tr -d '\r' <"$tmp/$_wc_name.out" >"$tmp/$_wc_name.ans"
}
# l_client PID FILE ERE: a line of FILE matches ERE; 2 when s_client PID
# is gone (for wait_until).
l_client() {
	grep -Eq -- "$3" "$2" && return 0
	kill -0 "$1" 2>/dev/null || return 2
	return 1
}
l_invite l-other "$certs/other.pem" "$certs/other.key"
log_has "l: other: the relay verified the chain of sip.other.test but gave it to no upstream" \
	"$sc_log" "from 127\.0\.0\.1 port $l_port: client certificate verified but is for no upstream"
log_lacks "l: other: the connection was not attributed to the upstream" "$sc_log" \
	"from 127\.0\.0\.1 port $l_port: client certificate is for upstream"
if sipp_got l-other-uas '^INVITE ' .; then
	alert_info "l: other: bob's INVITE over it carries no Alert-Info at all" l-other-uas ""
elif answer_is l-other '^SIP/2\.0 403 '; then
	ok "l: other: the INVITE got 403 and reached nobody (B15)"
else
	fail "l: other: bob got no INVITE and s_client no 403:"
	show "$tmp/l-other.ans" 5
	show "$sc_log" 10
fi
l_invite l-right "$certs/server.pem" "$certs/server.key"
log_has "l: right: the provider's certificate is attributed to its upstream" "$sc_log" \
	"from 127\.0\.0\.1 port $l_port: client certificate is for upstream provider"
alert_info "l: right: bob's INVITE has only his preset Alert-Info" l-right-uas \
	"Alert-Info: Bellcore-dr4"
check "l: right: bob's 200 came back to the provider's connection" \
	answer_is l-right '^SIP/2\.0 200 '

# (b) continued: no Alert-Info at all with trusted: false, nor with
# verify: false (then nothing is verified, so nothing is trusted).
for variant in trusted verify; do
	case $variant in
	trusted) edit='s/^    trusted: true$/    trusted: false/' ;;
	verify) edit='s/^    verify: true$/    verify: false/' ;;
	esac
	sed "$edit" "$tmp/main.yaml" >"$tmp/b-$variant.yaml"
	grep -q "^    $variant: false$" "$tmp/b-$variant.yaml" || give_up "b-$variant.yaml: not edited"
	echo "-- b: $variant: false"
	sc_end "b ($variant: false)"
	sc_relaunch "$tmp/b-$variant.yaml"
	register "b ($variant: false)" "b-$variant-reg-a" alice "$PA"
	register "b ($variant: false)" "b-$variant-reg-b" bob "$PB"
	call "b ($variant: false)" "b-$variant" alice "$PA" bob "$PB" uac-call.xml uas-call.xml
	alert_info "b ($variant: false): bob's INVITE carries no Alert-Info at all" "b-$variant-uas" ""
done
sc_end "b (verify: false)"

# (i) What kamailio saw from the relay's flows, over all of the above:
# every request came over TLS with the relay's TLS Via on top (B3); and
# every kind the phones sent is among them.
echo "-- i: the provider's view"
# via_check CASE LOG: every "via:" line of kamailio's LOG is TLS, with
# top Via SIP/2.0/TLS 127.0.0.1:WAN (wan.advertise).
via_check() {
	grep 'via: ' "$2" >"$tmp/via.$1" 2>/dev/null
	_vc_n=$(wc -l <"$tmp/via.$1")
	_vc_want="via: [A-Z]+ proto=tls from=[^ ]+ top=SIP/2\.0/TLS 127\.0\.0\.1:$WAN;branch=z9hG4bK"
	_vc_bad=$(grep -Evc "$_vc_want" "$tmp/via.$1")
	if [ "$_vc_n" -gt 0 ] && [ "$_vc_bad" -eq 0 ]; then
		ok "$1: all $_vc_n requests kamailio got came over TLS, top Via TLS 127.0.0.1:$WAN"
	else
		fail "$1: $_vc_bad of $_vc_n requests kamailio got were not TLS with the relay's TLS Via:"
		grep -Ev "$_vc_want" "$tmp/via.$1" |
			head -n 5 | sed 's/^/    /'
	fi
}
via_check i "$KAM1_LOG"
for m in REGISTER INVITE ACK BYE CANCEL OPTIONS MESSAGE; do
	check "i: kamailio got $m requests from the relay" grep -q "via: $m " "$tmp/via.i"
done
for u in alice bob carol; do
	check "i: kamailio got requests from $u's phone" grep -q "from=sip:$u@" "$tmp/via.i"
done

# (j) B9: a UDP phone's retransmission is absorbed: the same REGISTER sent
# twice from the same address and port gets the same 200 both times, and
# kamailio sees it once.
echo "-- j: retransmissions"
sc_relaunch "$tmp/main.yaml"
J_PORT=$(free_port) || give_up "no free port"
sip_register retrans "127.0.0.2:$J_PORT" UDP | crlf >"$tmp/j.sip"
sipsend_run j-1 -b "127.0.0.2:$J_PORT" -w 5000 "$RELAY" "$tmp/j.sip"
check "j: the REGISTER gets 200" answer_is j-1 '^SIP/2\.0 200 '
sipsend_run j-2 -b "127.0.0.2:$J_PORT" -w 3000 "$RELAY" "$tmp/j.sip"
check "j: its retransmission gets the same 200 again" eval 'answer_is j-2 "^SIP/2\.0 200 " && cmp -s "$tmp/j-1.ans" "$tmp/j-2.ans"'
check "j: kamailio got the REGISTER once" \
	eval '[ "$(grep -Ec "via: REGISTER .*from=sip:retrans@" "$KAM1_LOG")" = 1 ]'

# (k) B2: one TLS flow per device by default, one per upstream with
# connection: shared; CRLF keep-alives on an idle flow; a flow that drops
# is dialled again without any phone doing anything.  B10: one log line
# at open and one at close, with the reason.
echo "-- k: flows"
sc_end k
log_has "k: the relay logged each flow's close with its reason (B10)" "$sc_log" \
	"to sip\.example\.test \(127\.0\.0\.1 port $KTLS\) closed: shutting down"
sed 's/^    trusted: true$/    trusted: true\n    keepalive: 1s/' "$tmp/main.yaml" >"$tmp/k-per.yaml"
sed 's/^    trusted: true$/    trusted: true\n    keepalive: 1s\n    connection: shared/' \
	"$tmp/main.yaml" >"$tmp/k-shared.yaml"
grep -q 'connection: shared' "$tmp/k-shared.yaml" || give_up "k: config not edited"
sc_relaunch "$tmp/k-per.yaml"
register k k-per-a alice "$PA"
register k k-per-b bob "$PB"
check "k: per-device: two phones, two flows ($(flows_opened))" eval '[ "$(flows_opened)" = 2 ]'
sc_end k
sc_relaunch "$tmp/k-shared.yaml"
register k k-sh-a alice "$PA"
register k k-sh-b bob "$PB"
check "k: shared: two phones, one flow ($(flows_opened))" eval '[ "$(flows_opened)" = 1 ]'
sleep 2.5
check "k: the idle flow sent CRLF keep-alives (keepalive: 1s)" \
	eval '[ "$(grep -c "keep-alive to 127\.0\.0\.1 port $KTLS\$" "$sc_log")" -ge 2 ]'
call k k-sh alice "$PA" bob "$PB" uac-call.xml uas-call.xml
# The provider goes away and comes back on the same port: the flow is
# dialled again on its own (back-off 1 s, 2 s, ...).
kam_stop
if kam_start; then
	KAM1_LOG=$kam_dir/kamailio.log
	if wait_until 150 eval '[ "$(flows_opened)" -ge 2 ]'; then
		ok "k: the dropped flow was dialled again without any phone's help"
	else
		fail "k: no new flow within 15 s of the provider's return"
		show "$sc_log" 20
	fi
	log_has "k: the drop was logged with its reason (B10)" "$sc_log" \
		"to sip\.example\.test \(127\.0\.0\.1 port $KTLS\) closed: "
	register k k-again alice "$PA"
	check "k: alice registers again over the re-dialled flow" eval '[ "$(flows_opened)" = 2 ]'
else
	fail "k: kamailio did not come back"
fi
sc_end k
kam_stop

# (c) A provider whose certificate must be refused, played by openssl
# s_server: a 503 naming the cause at once (handshake_timeout is 10 s), the
# class in the log, and the REGISTER never sent.  A good chain verifies.
echo "-- c: bad provider certificates"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/self.key" \
	-subj /CN=sip.example.test -addext subjectAltName=DNS:sip.example.test -days 30 \
	-out "$tmp/self.pem" 2>/dev/null || fail "c: cannot make a self-signed certificate"
openssl x509 -in "$certs/server.pem" -out "$tmp/leaf.pem" || fail "c: cannot extract the leaf"
cfg_head "$tmp/c.yaml"
echo "upstreams:" >>"$tmp/c.yaml"
# c_provider CLASS SERVER_NAME S_SERVER-ARGS...: an s_server presenting
# what CLASS needs; its upstream CLASS (verify: true, handshake_timeout 10 s)
# in c.yaml, and a device 127.0.0.N for it; "CLASS PORT ADDRESS" in c.list.
c_n=10
c_devs=""
c_provider() {
	_cp_class=$1 _cp_sni=$2
	shift 2
	c_n=$((c_n + 1))
	_cp_port=$(free_port) || give_up "no free ports"
	if ! tls_server "c-$_cp_class" "$_cp_port" "$@"; then
		fail "c: $_cp_class: s_server did not start"
		return 1
	fi
	echo "$_cp_class $_cp_port 127.0.0.$c_n" >>"$tmp/c.list"
	cat >>"$tmp/c.yaml" <<EOF
  $_cp_class:
    uri: "127.0.0.1:$_cp_port"
    server_name: $_cp_sni
    ca_file: "$certs/ca.pem"
    verify: true
    handshake_timeout: 10s
EOF
	c_devs="$c_devs
  - { name: c-$_cp_class, match: \"127.0.0.$c_n\", upstream: $_cp_class }"
}
chain=$certs/intermediate.pem
c_provider unknown-ca sip.example.test -cert "$tmp/self.pem" -key "$tmp/self.key"
# The right chain, but server_name expired.example.test: only expiry is wrong.
c_provider expired expired.example.test -cert "$certs/expired.pem" -cert_chain "$chain" \
	-key "$certs/expired.key"
c_provider name-mismatch sip.example.test -cert "$certs/other.pem" -cert_chain "$chain" \
	-key "$certs/other.key"
c_provider missing-intermediate sip.example.test -cert "$tmp/leaf.pem" -key "$certs/server.key"
c_provider good sip.example.test -cert "$certs/server.pem" -cert_chain "$chain" \
	-key "$certs/server.key"
good_pid=$srv_pid
printf 'devices:%s\n' "$c_devs" >>"$tmp/c.yaml"
sc_start "$tmp/c.yaml" "udp:$LAN" || give_up "sipsidecar did not start with c.yaml"
while read -r class port addr; do
	sip_register "c-$class" "$addr:5060" UDP | crlf >"$tmp/c-$class.sip"
	sipsend_run "c-$class" -b "$addr" -w 4000 "$RELAY" "$tmp/c-$class.sip"
	if [ "$class" = good ]; then
		if wait_until 30 grep -q '^REGISTER sip:sip\.example\.test SIP/2\.0' "$tmp/c-good.srv"; then
			ok "c: good: the REGISTER went to the provider over TLS"
		else
			fail "c: good: s_server did not get the REGISTER"
			show "$tmp/c-good.srv" 20
		fi
		check "c: good: with the relay's TLS Via on top" \
			grep -q '^Via: SIP/2\.0/TLS ' "$tmp/c-good.srv"
		log_has "c: good: the relay logs the chain as verified" "$sc_log" \
			"to sip\.example\.test \(127\.0\.0\.1 port $port\): TLSv1\.[23] .*verified yes"
		continue
	fi
	case $class in
	unknown-ca) why="upstream certificate from an unknown CA" ;;
	expired) why="upstream certificate expired" ;;
	name-mismatch) why="upstream certificate is for another name" ;;
	missing-intermediate) why="upstream certificate chain lacks its intermediate" ;;
	esac
	if answer_is "c-$class" '^SIP/2\.0 503 '; then
		ok "c: $class: the REGISTER gets 503 within 4 s"
	else
		fail "c: $class: no 503 within 4 s (sipsend $send_rc):"
		show "$tmp/c-$class.ans" 10
	fi
	check "c: $class: its Warning: 399 sipsidecar \"$why\"" \
		answer_has "c-$class" "^Warning: 399 sipsidecar \"$why\"\$"
	log_has "c: $class: the relay log names the class" "$sc_log" \
		"to [^ ]+ \(127\.0\.0\.1 port $port\) failed: $class: "
	check "c: $class: nothing was sent over the refused connection" \
		not grep -q 'REGISTER' "$tmp/c-$class.srv"
done <"$tmp/c.list"
# B9 and B2 together: a request that went out on a flow which then
# dropped, with no answer, is sent again when the phone retransmits it
# (instead of being absorbed as a retransmission of a request the provider
# never got).  The provider (s_server: it never answers) goes away after
# the REGISTER and comes back; the flow is dialled again.
read -r _ good_port good_addr <<EOF
$(grep '^good ' "$tmp/c.list")
EOF
lost_port=$(free_port) || give_up "no free port"
sip_register c-lost "$good_addr:$lost_port" UDP | crlf >"$tmp/c-lost.sip"
sipsend_run c-lost-1 -b "$good_addr:$lost_port" -w 300 "$RELAY" "$tmp/c-lost.sip"
if wait_until 30 grep -q '^From: <sip:c-lost@' "$tmp/c-good.srv"; then
	it_stop "$good_pid"
	good_flows() {
		grep -Ec "to sip\.example\.test \(127\.0\.0\.1 port $good_port\): TLSv1\.[23] .*verified yes" "$sc_log"
	}
	if tls_server c-good2 "$good_port" -cert "$certs/server.pem" -cert_chain "$chain" \
		-key "$certs/server.key" && wait_until 100 eval '[ "$(good_flows)" -ge 2 ]'; then
		sipsend_run c-lost-2 -b "$good_addr:$lost_port" -w 300 "$RELAY" "$tmp/c-lost.sip"
		if wait_until 30 grep -q '^From: <sip:c-lost@' "$tmp/c-good2.srv"; then
			ok "c: a request lost with its dropped flow went out again on the phone's retransmission"
		else
			fail "c: the retransmission of the lost REGISTER did not reach the provider"
			show "$sc_log" 15
		fi
		log_has "c: the relay says it sent the lost request again" "$sc_log" \
			'device c-good: REGISTER lost with its connection, sending it again'
	else
		fail "c: the flow to the provider was not dialled again"
		show "$sc_log" 15
	fi
else
	fail "c: s_server did not get the first REGISTER"
fi
sc_end c

# (d) Kamailio demanding a client certificate: alice's upstream has one
# (client.pem), 127.0.0.21's has none, 127.0.0.22's none and TLS 1.3 only.
echo "-- d: a provider that requires a client certificate"
KTLS=$(free_port) || give_up "no free ports"
KAM_REQUIRE_CERT=yes
if kam_start; then
	cfg_head "$tmp/d.yaml"
	up="uri: \"127.0.0.1:$KTLS\", server_name: sip.example.test, verify: true"
	up="$up, ca_file: \"$certs/ca.pem\""
	cat >>"$tmp/d.yaml" <<EOF
upstreams:
  with-cert: { $up, certificate: "$certs/client.pem", private_key: "$certs/client.key" }
  no-cert: { $up }
  no-cert-13: { $up, min_version: "1.3" }
devices:
  - { name: phone-a, match: "127.0.0.1:$PA", upstream: with-cert }
  - { name: d-no-cert, match: "127.0.0.21", upstream: no-cert }
  - { name: d-no-cert-13, match: "127.0.0.22", upstream: no-cert-13 }
EOF
	sc_relaunch "$tmp/d.yaml"
	register d d-reg-a alice "$PA"
	contact_check d alice
	for spec in "no-cert 127.0.0.21" "no-cert-13 127.0.0.22"; do
		# shellcheck disable=SC2086 # two words
		set -- $spec
		sip_register "d-$1" "$2:5060" UDP | crlf >"$tmp/d-$1.sip"
		sipsend_run "d-$1" -b "$2" -w 4000 "$RELAY" "$tmp/d-$1.sip"
		if answer_is "d-$1" '^SIP/2\.0 503 '; then
			ok "d: $1: the REGISTER gets 503 within 4 s"
		else
			fail "d: $1: no 503 within 4 s (sipsend $send_rc):"
			show "$tmp/d-$1.ans" 10
		fi
		check "d: $1: its Warning says a client certificate is required" \
			answer_has "d-$1" '^Warning: 399 sipsidecar "upstream requires a client certificate"$'
		# TLS 1.2 ends the handshake (class client-cert-required); TLS 1.3
		# refuses after it, so min_version "1.3" must give the second form.
		want="upstream $1 requires a client certificate: configure certificate and private_key"
		[ "$1" = no-cert ] &&
			want="$want|\(127\.0\.0\.1 port $KTLS\) failed: client-cert-required: "
		log_has "d: $1: the relay log says a client certificate was required" "$sc_log" "$want"
	done
	kam_contacts >"$tmp/d-contacts"
	check "d: kamailio registered nobody without a certificate" \
		not grep -q '^d-no-cert' "$tmp/d-contacts"
	sc_end d
	via_check d "$kam_dir/kamailio.log"
	kam_stop
else
	fail "d: kamailio (require_certificate) did not start"
fi
unset KAM_REQUIRE_CERT

# (n) B10: an upstream that cannot be reached answers the device's request
# with 503 and a Warning naming the cause, within handshake_timeout (2 s
# here) + 1 s: (i) nothing listens on the port (TCP refused), (ii) the
# port accepts TCP and never speaks (a python3 listener that accepts and
# holds every connection silently): the handshake times out.  The
# requests carry credentials, which the log must not show on these error
# paths either.
echo "-- n: unreachable upstreams"
N_REFUSED=$(free_port) && N_SILENT=$(free_port) || give_up "no free ports"
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    held.append(s.accept()[0])
' "$N_SILENT" >"$tmp/n-silent.out" 2>&1 </dev/null &
n_silent_pid=$!
it_track "$n_silent_pid"
# n_silent_up: the silent listener is bound (for wait_until).
n_silent_up() {
	kill -0 "$n_silent_pid" 2>/dev/null || return 2
	bound tcp "$N_SILENT"
}
if wait_until 50 n_silent_up; then
	cfg_head "$tmp/n.yaml"
	cat >>"$tmp/n.yaml" <<EOF
upstreams:
  refused:
    uri: "127.0.0.1:$N_REFUSED"
    server_name: sip.example.test
    ca_file: "$certs/ca.pem"
    verify: true
    handshake_timeout: 2s
  silent:
    uri: "127.0.0.1:$N_SILENT"
    server_name: sip.example.test
    ca_file: "$certs/ca.pem"
    verify: true
    handshake_timeout: 2s
devices:
  - { name: n-refused, match: "127.0.0.31", upstream: refused }
  - { name: n-silent, match: "127.0.0.32", upstream: silent }
EOF
	sc_start "$tmp/n.yaml" "udp:$LAN" || give_up "sipsidecar did not start with n.yaml"
	for spec in "refused 127.0.0.31 $N_REFUSED tcp-refused" "silent 127.0.0.32 $N_SILENT timeout"; do
		# shellcheck disable=SC2086 # four words
		set -- $spec
		case $1 in
		refused) why="upstream refused the connection" ;;
		silent) why="upstream TLS handshake timed out" ;;
		esac
		sip_register "n-$1" "$2:5060" UDP | auth_headers | crlf >"$tmp/n-$1.sip"
		n_t0=$(date +%s.%N)
		sipsend_run "n-$1" -b "$2" -w 5000 "$RELAY" "$tmp/n-$1.sip"
		n_t1=$(date +%s.%N)
		n_dt=$(awk -v a="$n_t0" -v b="$n_t1" 'BEGIN { printf "%.2f", b - a }')
		if answer_is "n-$1" '^SIP/2\.0 503 '; then
			ok "n: $1: the REGISTER gets 503 (after $n_dt s)"
		else
			fail "n: $1: no 503 within 5 s (sipsend $send_rc, $n_dt s):"
			show "$tmp/n-$1.ans" 10
		fi
		check "n: $1: within handshake_timeout + 1 s ($n_dt s <= 3 s)" \
			awk -v t="$n_dt" 'BEGIN { exit !(t <= 3.0) }'
		check "n: $1: its Warning: 399 sipsidecar \"$why\"" \
			answer_has "n-$1" "^Warning: 399 sipsidecar \"$why\"\$"
		log_has "n: $1: the relay log names the class ($4)" "$sc_log" \
			"to sip\.example\.test \(127\.0\.0\.1 port $3\) failed: $4: "
	done
	# The handshake timer, not something quicker, ended the silent case.
	check "n: silent: the 503 came only after the handshake had waited ($n_dt s >= 1.5 s)" \
		awk -v t="$n_dt" 'BEGIN { exit !(t >= 1.5) }'
	log_lacks "n: the relay's log has none of the credentials" "$sc_log" 'SECRETMARK|Authorization:'
	sc_end n
else
	fail "n: the silent TCP listener (python3) did not come up on 127.0.0.1:$N_SILENT"
	show "$tmp/n-silent.out"
fi
it_stop "$n_silent_pid"

# (o) B15: only an upstream reaches a device.  A stranger at 127.0.0.5
# with no client certificate sends an INVITE for a static device, a MESSAGE
# and an OPTIONS: each gets 403 and the relay closes the connection after
# the third.  Another stranger brings a Contact token of bob's: 403.  No
# datagram reaches either device (a UDP listener on each port).  The
# provider's own address without a certificate (accept_from, by default
# what the uri resolves to: localhost, 127.0.0.1) still reaches the static
# device, unmarked.
echo "-- o: strangers on wan.listen"
PS=$(free_port) || give_up "no free port"
sc_config "$tmp/o.yaml"
cat >>"$tmp/o.yaml" <<EOF
  - { name: pbx, match: "127.0.0.1:$PS", upstream: provider, address: "127.0.0.1:$PS", alert_info: cisco-ata }
EOF
# The provider by name: its addresses are what the relay looks up at
# start (no flow of this run ever dials, so no flow looks it up).
sed -i "s#uri: 127\.0\.0\.1:$KTLS#uri: localhost:$KTLS#" "$tmp/o.yaml"
grep -q "uri: localhost:" "$tmp/o.yaml" || give_up "o: config not edited (uri)"
# udp_sink NAME PORT: every datagram to 127.0.0.1:PORT appended to
# $tmp/NAME.dgrams; its PID in sink_pid.
udp_sink() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
f = open(sys.argv[2], "ab", buffering=0)
while True:
    f.write(s.recvfrom(65536)[0] + b"\n--\n")' "$2" "$tmp/$1.dgrams" >"$tmp/$1.sink.out" 2>&1 &
	sink_pid=$!
	it_track "$sink_pid"
	: >>"$tmp/$1.dgrams"
	wait_until 50 bound udp "$2"
}
# o_request METHOD RURI PORT TAG: a request from 127.0.0.x:PORT.
o_request() {
	cat <<EOM | crlf
$1 $2 SIP/2.0
Via: SIP/2.0/TLS 127.0.0.5:$3;branch=z9hG4bK-o-$4-$$;rport
Max-Forwards: 70
From: <sip:mallory@evil.example>;tag=o-$4
To: <sip:victim@sip.example.test>
Call-ID: o-$4-$$@evil
CSeq: 1 $1
Contact: <sip:mallory@127.0.0.5:$3;transport=tls>
Alert-Info: <http://evil.example/o.wav>
Content-Length: 0

EOM
}
if sc_start "$tmp/o.yaml" "udp:$LAN" "tcp:$LANT" "tcp:$WAN" && udp_sink o-pbx "$PS" &&
	o_pbx_sink=$sink_pid && udp_sink o-bob "$PB"; then
	o_bob_sink=$sink_pid
	o_port=$(free_port) || give_up "no free port"
	{
		o_request INVITE "sip:+4930555@127.0.0.1:$WAN" "$o_port" 1
		o_request MESSAGE "sip:+4930555@127.0.0.1:$WAN" "$o_port" 2
		o_request OPTIONS "sip:+4930555@127.0.0.1:$WAN" "$o_port" 3
	} >"$tmp/o-stranger.sip"
	wan_client o-stranger 127.0.0.5 "$o_port" "$tmp/o-stranger.sip" 'CSeq: 1 OPTIONS'
	check "o: the stranger's INVITE, MESSAGE and OPTIONS each got 403" \
		eval '[ "$(grep -c "^SIP/2\.0 403 " "$tmp/o-stranger.ans")" = 3 ]'
	log_has "o: the relay says the connection belongs to no upstream" "$sc_log" \
		"from 127\.0\.0\.5 port $o_port: belongs to no upstream"
	log_has "o: ... and closes it after the third refusal" "$sc_log" \
		"from 127\.0\.0\.5 port $o_port: closing: 3 requests refused"
	o_port=$(free_port) || give_up "no free port"
	o_request INVITE "sip:bob@127.0.0.1:$WAN;transport=tls;sc=phone-b~$(printf '127.0.0.1:%s' "$PB" | od -An -tx1 | tr -d ' \n')~" \
		"$o_port" 4 >"$tmp/o-token.sip"
	wan_client o-token 127.0.0.5 "$o_port" "$tmp/o-token.sip" '^SIP/2\.0 [1-6][0-9][0-9] '
	check "o: a stranger's INVITE with bob's Contact token got 403" \
		answer_is o-token '^SIP/2\.0 403 '
	sleep 1
	check "o: no datagram reached the static device" not grep -q . "$tmp/o-pbx.dgrams"
	check "o: no datagram reached bob" not grep -q . "$tmp/o-bob.dgrams"
	# The provider's address, no certificate: by accept_from, unmarked.
	o_port=$(free_port) || give_up "no free port"
	o_request INVITE "sip:+4930555@127.0.0.1:$WAN" "$o_port" 5 | sed 's/127\.0\.0\.5/127.0.0.1/g' \
		>"$tmp/o-provider.sip"
	wan_client o-provider 127.0.0.1 "$o_port" "$tmp/o-provider.sip" '^SIP/2\.0 1[0-9][0-9] '
	log_has "o: the provider's address without a certificate is the provider's (accept_from)" \
		"$sc_log" "from 127\.0\.0\.1 port $o_port: upstream provider by its address"
	wait_until 30 grep -q '^INVITE ' "$tmp/o-pbx.dgrams"
	check "o: ... and its INVITE reaches the static device" grep -q '^INVITE ' "$tmp/o-pbx.dgrams"
	check "o: ... with no Alert-Info (never trust-marked without a certificate)" \
		not grep -qi '^Alert-Info' "$tmp/o-pbx.dgrams"
	sc_end o
else
	fail "o: the relay or the device listeners did not start"
fi
it_stop "${o_pbx_sink:-}"
it_stop "${o_bob_sink:-}"

# --- sanitizers --------------------------------------------------------------

sc_sanitizer_check
if [ "$failed" -gt 0 ]; then
	echo "logs: relay $sc_log; kamailio $KAM1_LOG (IT_KEEP=1 keeps them)"
fi
echo "-- $(($(date +%s) - t_start)) s"

it_summary interop
