#!/bin/sh
# make demo: the main job of sipsidecar on one machine, end to end.
#
#   sipp "alice" --UDP--> sipsidecar --TLS (verified)--> Kamailio (provider:
#   sipp "bob"   <--UDP-- sipsidecar <--TLS (verified)--  registrar + proxy)
#
# Makes a throwaway CA and certificates, starts Kamailio with its TLS module
# as the provider on loopback, starts sipsidecar with a generated config for
# two phones, registers both phones over plain UDP through it, places a call
# from alice to bob, prints the INVITE as bob's phone received it (with the
# Alert-Info the sidecar adds because the call came over a verified TLS
# connection from a trusted upstream) and a one-line verdict.  Everything
# it started is stopped by PID at the end; nothing else is touched.
#
# usage: tests/interop/demo.sh (from the top of the source tree, after
# `make`); IT_KEEP=1 keeps the directory with every log and config.
set -u
. tests/interop/lib.sh

say() {
	printf '\n== %s\n' "$*"
}
indent() {
	sed 's/^/   /'
}
verdict_fail() {
	echo
	echo "demo: FAILED: $*"
	IT_KEEP=1
	exit 1
}

say "1. A throwaway CA and certificates (openssl)"
it_certs || verdict_fail "could not make certificates"
echo "   in $certs: root CA, intermediate CA, a provider certificate for"
echo "   sip.example.test, a server certificate for the sidecar's wan listener"

say "2. Kamailio with TLS as the provider: registrar and proxy for sip.example.test"
kam_start || verdict_fail "kamailio did not start"
echo "   kamailio (pid $kam_pid) on tls:127.0.0.1:$KTLS"

say "3. sipsidecar between the phones and the provider"
LAN=$(free_port) && LANT=$(free_port) && WAN=$(free_port) && PA=$(free_port) && PB=$(free_port) ||
	verdict_fail "no free ports"
sc_config "$tmp/sipsidecar.yaml"
sed -i 's/level: debug/level: info/' "$tmp/sipsidecar.yaml"
indent <"$tmp/sipsidecar.yaml"
sc_start "$tmp/sipsidecar.yaml" "udp:$LAN" "tcp:$WAN" || verdict_fail "sipsidecar did not start"
echo "   sipsidecar (pid $sc_pid) listening on udp:127.0.0.1:$LAN for the phones"

say "4. Two phones (sipp, plain UDP) register through the sidecar"
sipp_run alice-reg register.xml -s alice -p "$PA" "127.0.0.1:$LAN" ||
	verdict_fail "alice could not register (see $tmp/alice-reg.msg)"
sipp_run bob-reg register.xml -s bob -p "$PB" "127.0.0.1:$LAN" ||
	verdict_fail "bob could not register (see $tmp/bob-reg.msg)"
echo "   what the provider stored (kamcmd ul.dump): the sidecar's TLS address and a device token"
kam_contacts | indent

say "5. alice calls bob: INVITE, ringing, answer, ACK, BYE"
sipp_bg bob-call uas-call.xml -s bob -p "$PB" || verdict_fail "bob's phone did not start"
sipp_run alice-call uac-call.xml -s bob -key me alice -p "$PA" "127.0.0.1:$LAN"
call_rc=$sipp_rc
sipp_wait bob-call
callee_rc=$sipp_rc

say "6. The INVITE as bob's phone received it"
invite=$(sipp_received bob-call '^INVITE')
printf '%s\n' "$invite" | indent

say "7. What sipsidecar logged about its TLS connections (B10)"
grep -E '\[tls\]' "$sc_log" | indent

[ "$call_rc" -eq 0 ] && [ "$callee_rc" -eq 0 ] ||
	verdict_fail "the call did not complete (alice: $call_rc, bob: $callee_rc)"
printf '%s\n' "$invite" | grep -qi '^Alert-Info: Bellcore-dr4' ||
	verdict_fail "bob's INVITE carries no trust mark"
if printf '%s\n' "$invite" | grep -qi 'evil.example'; then
	verdict_fail "the caller's own Alert-Info reached bob"
fi
echo
echo "demo: OK: alice called bob over UDP -> TLS (verified) -> UDP; the call completed, and bob's INVITE carries Alert-Info: Bellcore-dr4 (the caller's own Alert-Info was removed)"
