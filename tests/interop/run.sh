#!/bin/sh
# Interop tests: the relay between sipp phones and a real Kamailio over TLS,
# all on 127.0.0.1 (ports picked at random, see lib.sh):
#
#   phone A (sipp, udp PA) --UDP--> sipsidecar lan udp/tcp LAN --TLS--> kamailio tls KTLS
#   phone B (sipp, udp PB) <--UDP-- sipsidecar wan tls WAN     <--TLS-- (new connection)
#
# Skeleton: only case (a) so far, register both phones and A calls B.
#
# usage: tests/interop/run.sh     (from anywhere; runs from the top)
# Environment: see lib.sh (SIPSIDECAR, SC_TEST_CERTS, IT_KEEP...).
# Prints one line per check and "interop: N passed, N failed" last.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/interop/lib.sh

# give_up WHY: the run cannot go on; counts one failure.
give_up() {
	fail "$*"
	it_summary interop
	exit 1
}

for tool in kamailio kamcmd sipp openssl ss; do
	command -v "$tool" >/dev/null 2>&1 || give_up "$tool is not installed"
done
[ -x "$SIPSIDECAR" ] || give_up "$SIPSIDECAR is not built (make)"
it_certs || give_up "cannot make test certificates"

PA=$(free_port) && PB=$(free_port) && LAN=$(free_port) && WAN=$(free_port) &&
	KTLS=$(free_port) || give_up "no free ports"

kam_start || give_up "kamailio did not start"
sc_config "$tmp/sidecar.yaml"
if timeout 30 "$SIPSIDECAR" check -c "$tmp/sidecar.yaml" >"$tmp/check.out" 2>&1; then
	ok "sipsidecar check accepts the test config"
else
	fail "sipsidecar check refuses the test config"
	show "$tmp/check.out"
fi
sc_start "$tmp/sidecar.yaml" "udp:$LAN" "tcp:$LAN" "tcp:$WAN" ||
	give_up "sipsidecar did not start"

RELAY=127.0.0.1:$LAN

# (a) Both phones register through the relay; A calls B; B answers; A
# hangs up.
sipp_run a-reg-a register.xml "$RELAY" -p "$PA" -s alice
sipp_ok a-reg-a "a: alice registers"
sipp_run a-reg-b register.xml "$RELAY" -p "$PB" -s bob
sipp_ok a-reg-b "a: bob registers"
# The provider must see contacts on the relay's TLS side (B4).
kam_contacts >"$tmp/a-contacts"
for u in alice bob; do
	if grep -Eq "^$u sip:$u@127\.0\.0\.1:$WAN;.*transport=tls" "$tmp/a-contacts"; then
		ok "a: kamailio has $u's contact on the relay's wan address"
	else
		fail "a: kamailio's contacts for $u (want sip:$u@127.0.0.1:$WAN;transport=tls...):"
		show "$tmp/a-contacts"
	fi
done

if sipp_bg a-call-b uas-call.xml -p "$PB" -s bob; then
	sipp_run a-call-a uac-call.xml "$RELAY" -p "$PA" -s bob -key me alice
	sipp_ok a-call-a "a: alice calls bob"
	sipp_wait a-call-b
	sipp_ok a-call-b "a: bob answers and gets the BYE"
	# B6: the caller's Alert-Info is gone; the trust mark is there, since
	# the INVITE came from kamailio over a verified TLS connection.
	check "a: bob's INVITE has no caller-chosen Alert-Info" \
		eval '! sipp_got a-call-b "^INVITE " "^Alert-Info:.*evil"'
	check "a: bob's INVITE is trust-marked (Alert-Info: Bellcore-dr4)" \
		sipp_got a-call-b '^INVITE ' '^Alert-Info: *Bellcore-dr4 *$'
else
	fail "a: bob's phone did not start"
fi

sc_stop
if [ "$sc_status" = 0 ]; then
	ok "sipsidecar exits 0 on SIGTERM"
else
	fail "sipsidecar exit status $sc_status on SIGTERM (want 0)"
fi
grep -Eq 'Sanitizer|AddressSanitizer|runtime error' "$sc_log" &&
	fail "sanitizer report in $sc_log"
if [ "$failed" -gt 0 ]; then
	show "$sc_log" 60
	show "$kam_dir/kamailio.log" 30
fi
kam_stop

it_summary interop
