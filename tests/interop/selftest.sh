#!/bin/sh
# Checks the interop harness itself, without the relay, so that a failure
# of run.sh points at the relay and not at a scenario or at kamailio.cfg:
#
#  1. every sipp scenario against its partner, back to back over UDP;
#  2. kamailio.cfg with an extra UDP listener: two sipp phones register and
#     call each other through it (registrar, record_route, lookup,
#     loose_route, CANCEL, 404), plus the TLS server side and kamcmd;
#  3. kamailio as a TLS client: a contact with transport=tls on an
#     openssl s_server that demands a client certificate (the part the
#     relay's wan.listen will play);
#  4. KAM_REQUIRE_CERT=yes: no handshake without a client certificate.
#
# usage: tests/interop/selftest.sh     (from anywhere; runs from the top)
# Prints one line per check, then "interop-selftest: N skipped" and
# "interop-selftest: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/interop/lib.sh

for tool in kamailio kamcmd sipp openssl ss; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "$tool is not installed"
		it_summary interop-selftest
		exit 1
	fi
done
if ! it_certs; then
	fail "cannot make test certificates"
	it_summary interop-selftest
	exit 1
fi

# pair NAME UAC UAS TARGET [UAC ARGS...]: the called phone (bob, port PB,
# extra sipp arguments in B_ARGS) waits for the call, the calling phone
# (alice, port PA) places it to TARGET; both must succeed.
B_ARGS=""
pair() {
	_name=$1 _uac=$2 _uas=$3 _to=$4
	shift 4
	# shellcheck disable=SC2086 # B_ARGS is a list of words
	sipp_bg "$_name-b" "$_uas" -p "$PB" -s bob $B_ARGS || {
		fail "$_name: callee did not start"
		return 1
	}
	sipp_run "$_name-a" "$_uac" "$_to" -p "$PA" -s bob -key me alice "$@"
	sipp_ok "$_name-a" "$_name: caller ($_uac)"
	sipp_wait "$_name-b"
	sipp_ok "$_name-b" "$_name: callee ($_uas)"
}

PA=$(free_port) && PB=$(free_port) || exit 1

# 1. Back to back: the XML is good before anything sits in between.
pair b2b-call uac-call.xml uas-call.xml "127.0.0.1:$PB"
# Positive control for the check run.sh makes (nothing removes it here).
check "b2b-call: sipp_got sees the caller's Alert-Info" \
	sipp_got b2b-call-b '^INVITE ' '^Alert-Info: <http://evil\.example/ring\.wav>'
pair b2b-bye uac-call-recv-bye.xml uas-call-send-bye.xml "127.0.0.1:$PB"
check "b2b-bye: caller got the callee's BYE" sipp_got b2b-bye-a '^BYE ' "^To: <sip:alice@"
pair b2b-cancel uac-cancel.xml uas-cancel.xml "127.0.0.1:$PB"
# The CANCEL must name the INVITE's transaction: the same branch.
br=$(sipp_received b2b-cancel-b '^INVITE ' | sed -n 's/^Via:.*branch=\([^;]*\).*/\1/p' | head -n 1)
check "b2b-cancel: CANCEL has the INVITE's branch ($br)" \
	sipp_got b2b-cancel-b '^CANCEL ' "^Via: .*branch=$br(;|$)"
pair b2b-options uac-options.xml uas-answer.xml "127.0.0.1:$PB"
pair b2b-message uac-message.xml uas-answer.xml "127.0.0.1:$PB"
check "b2b-message: body arrived" sipp_got b2b-message-b '^MESSAGE ' '^interop message from alice$'
# The same over TCP, as a TCP phone would talk to the relay's tcp: listener.
B_ARGS="-t t1"
pair b2b-tcp uac-call.xml uas-call.xml "127.0.0.1:$PB" -t t1 -key cparams ";transport=tcp"
B_ARGS=""
check "b2b-tcp: callee got a TCP INVITE with a transport=tcp Contact" \
	sipp_got b2b-tcp-b '^INVITE ' "^Contact: <sip:alice@127\.0\.0\.1:$PA;transport=tcp>$"
pair b2b-register register.xml uas-answer.xml "127.0.0.1:$PB"
check "b2b-register: Contact and Expires" sipp_got b2b-register-b '^REGISTER ' \
	"^Contact: <sip:bob@127\.0\.0\.1:$PA>$"

# 2. Through kamailio over UDP (a scratch listener; the real tests reach
# it over TLS only, through the relay).
KUDP=$(free_port) || exit 1
if KAM_EXTRA_LISTEN="listen=udp:127.0.0.1:$KUDP" kam_start; then
	ok "kamailio up: tls:127.0.0.1:$KTLS, udp:127.0.0.1:$KUDP"
	check "kamailio: TLS handshake, chain verified against ca.pem" kam_tls_ok
	check "kamailio: kamcmd ul.dump" kam_rpc ul.dump >/dev/null
	K=127.0.0.1:$KUDP

	sipp_run reg-a register.xml "$K" -p "$PA" -s alice
	sipp_ok reg-a "kam: alice registers"
	sipp_run reg-b register.xml "$K" -p "$PB" -s bob
	sipp_ok reg-b "kam: bob registers"
	kam_contacts >"$tmp/contacts"
	check "kam: ul.dump lists alice" grep -qx "alice sip:alice@127.0.0.1:$PA" "$tmp/contacts"
	check "kam: ul.dump lists bob" grep -qx "bob sip:bob@127.0.0.1:$PB" "$tmp/contacts"

	pair kam-call uac-call.xml uas-call.xml "$K"
	check "kam-call: callee's INVITE is record-routed" \
		sipp_got kam-call-b '^INVITE ' "^Record-Route: <sip:127\.0\.0\.1:$KUDP;lr[;>]"
	check "kam-call: the BYE came through kamailio (Route consumed)" \
		sipp_got kam-call-b '^BYE ' "^Via: SIP/2\.0/UDP 127\.0\.0\.1:$KUDP;"
	check "kam-call: no Route left on the callee's BYE" \
		eval '! sipp_got kam-call-b "^BYE " "^Route:"'
	# Kamailio relays an in-dialog request only when loose_route() finds
	# its own Route: the ACK and BYE arriving prove the route set is right.
	check "kam-call: the ACK came through kamailio" \
		sipp_got kam-call-b '^ACK ' "^Via: SIP/2\.0/UDP 127\.0\.0\.1:$KUDP;"
	pair kam-bye uac-call-recv-bye.xml uas-call-send-bye.xml "$K"
	check "kam-bye: callee's BYE came through kamailio" \
		sipp_got kam-bye-a '^BYE ' "^Via: SIP/2\.0/UDP 127\.0\.0\.1:$KUDP;"
	pair kam-cancel uac-cancel.xml uas-cancel.xml "$K"
	check "kam-cancel: kamailio's CANCEL reached the callee" \
		sipp_got kam-cancel-b '^CANCEL ' "^Via: SIP/2\.0/UDP 127\.0\.0\.1:$KUDP;"
	pair kam-options uac-options.xml uas-answer.xml "$K"
	pair kam-message uac-message.xml uas-answer.xml "$K"

	# A user nobody registered: 404 from the proxy, so sipp fails.
	sipp_run kam-404 uac-options.xml "$K" -p "$PA" -s nobody -key me alice
	if [ "$sipp_rc" -ne 0 ] && sipp_got kam-404 '^SIP/2\.0 404 ' .; then
		ok "kam: unknown user gets 404"
	else
		fail "kam: unknown user: sipp exited $sipp_rc"
		show "$tmp/kam-404.msg"
	fi

	# 3. Kamailio as TLS client, towards a contact with transport=tls: what
	# it will do towards the relay's wan.listen.  s_server demands and
	# verifies a client certificate, and prints what it receives; its
	# stdin is a FIFO held open (O_RDWR) so it never sees EOF.
	SPORT=$(free_port) || exit 1
	mkfifo "$tmp/s_server.in"
	openssl s_server -accept "127.0.0.1:$SPORT" -cert "$certs/server.pem" \
		-key "$certs/server.key" -CAfile "$certs/ca.pem" -Verify 2 -verify_return_error \
		<>"$tmp/s_server.in" >"$tmp/s_server.out" 2>&1 &
	srv=$!
	it_track "$srv"
	wait_until 50 bound tcp "$SPORT" || fail "s_server did not start"
	# register.xml with carol's Contact on s_server.
	sed "s#<sip:.*\[cparams\]>#<sip:[service]@127.0.0.1:$SPORT;transport=tls>#" \
		"$IT_DIR/scenarios/register.xml" >"$tmp/register-tls.xml"
	sipp_run reg-c "$tmp/register-tls.xml" "$K" -p "$PB" -s carol
	sipp_ok reg-c "kam: carol registers a transport=tls contact"
	kam_contacts >"$tmp/contacts"
	check "kam: ul.dump lists carol's TLS contact" \
		grep -qx "carol sip:carol@127.0.0.1:$SPORT;transport=tls" "$tmp/contacts"
	# Nobody answers the OPTIONS: tm gives up (408) after fr_timer, 5 s.
	SIPP_TIMEOUT=10s sipp_run kam-tls-out uac-options.xml "$K" -p "$PA" -s carol -key me alice
	wait_until 30 grep -q '^OPTIONS sip:carol@' "$tmp/s_server.out"
	it_stop "$srv"
	check "kam-tls-out: kamailio relayed the OPTIONS over TLS" \
		grep -q "^OPTIONS sip:carol@127.0.0.1:$SPORT;transport=tls SIP/2.0" "$tmp/s_server.out"
	check "kam-tls-out: with its TLS Via" \
		grep -q "^Via: SIP/2.0/TLS 127.0.0.1:$KTLS;" "$tmp/s_server.out"
	check "kam-tls-out: it presented server.pem as client certificate" \
		grep -q '^subject=CN = sip.example.test' "$tmp/s_server.out"
	check "kam-tls-out: and it verified" grep -q '^depth=0 CN = sip.example.test' "$tmp/s_server.out"
	check "kam-tls-out: caller got 408 (nobody answered)" sipp_got kam-tls-out '^SIP/2\.0 408 ' .
	kam_stop
else
	fail "kamailio did not start"
fi

# 4. A provider that insists on a client certificate.
if KAM_REQUIRE_CERT=yes kam_start; then
	check "require-cert: client.pem is accepted" \
		kam_tls_ok -cert "$certs/client.pem" -key "$certs/client.key"
	# TLS 1.2: the refusal ends the handshake (in 1.3 it comes after).
	check "require-cert: no certificate, no handshake" eval '! kam_tls_ok -tls1_2'
	kam_stop
else
	fail "kamailio (require-cert) did not start"
fi

it_summary interop-selftest
