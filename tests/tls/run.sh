#!/bin/sh
# Tests `sipsidecar probe` against real TLS peers, on loopback only:
#
#   sipsidecar probe ──TLS──> openssl s_server   one per case, 127.0.0.1 (and
#                                                ::1), port picked by the kernel
#   sipsidecar probe ──TLS──> kamailio           tls module, answers OPTIONS
#                                                with 200 OK (when installed)
#
# Each case asserts the probe's exit status and its diagnosis (or result)
# line.  Servers are started in the background with their PIDs kept, polled
# for readiness with bounded loops, and stopped by PID (also on exit); a
# server that does not start is a failure, never a silent skip.  A case
# that cannot run here (no IPv6 loopback, no Kamailio) is counted as
# skipped, never as passed.  The
# DNS case uses a name under .invalid, which the probe answers itself
# (RFC 6761) without sending a query anywhere.
#
# usage: tests/tls/run.sh        (from the top of the source tree)
# Environment: SIPSIDECAR (default build/native/sipsidecar); SC_TEST_CERTS, a
# directory made by tests/data/certs/mkcerts.sh (default: a fresh one).
# Prints one line per case, then "tls: N skipped" and
# "tls: N passed, N failed" last (tests/check.sh reads both).
set -u
bin=${SIPSIDECAR:-build/native/sipsidecar}
passed=0
failed=0
skipped=0
pids=""
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sc-tls-test.XXXXXX") || exit 1

cleanup() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {
	passed=$((passed + 1))
	echo "ok: $1"
}
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
skip() {
	echo "skip: $*"
	skipped=$((skipped + 1))
}
# summary: the last two lines; the exit status.
summary() {
	echo "tls: $skipped skipped"
	echo "tls: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# server NAME ADDR ARGS...: starts openssl s_server on ADDR (127.0.0.1 or
# [::1]) port 0 and waits for its "ACCEPT addr:port" line; sets $port and
# $srv (its PID).  Returns 1, counting a failure (the cases that need it
# cannot run), if it did not come up within 5 s.
server() {
	name=$1 addr=$2
	shift 2
	openssl s_server -rev -accept "$addr:0" "$@" >"$tmp/$name.srv" 2>&1 </dev/null &
	srv=$!
	pids="$pids $srv"
	port=
	i=0
	while [ $i -lt 100 ]; do
		port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.srv")
		[ -n "$port" ] && return 0
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
	fail "server $name did not start, so its cases did not run:"
	sed 's/^/    /' "$tmp/$name.srv"
	return 1
}

stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# probe NAME WANT_STATUS PATTERN ARGS...: runs the probe (bounded by
# timeout), then checks its exit status and that a line matches PATTERN
# (grep -E); the output is shown when either is wrong.
probe() {
	name=$1 want=$2 pattern=$3
	shift 3
	timeout 60 "$bin" probe "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit status $rc, expected $want; output:"
		sed 's/^/    /' "$tmp/$name.out"
		return 1
	fi
	if grep -q 'Sanitizer' "$tmp/$name.out"; then
		fail "$name: sanitizer report:"
		sed 's/^/    /' "$tmp/$name.out"
		return 1
	fi
	if ! grep -Eq -- "$pattern" "$tmp/$name.out"; then
		fail "$name: no line matches '$pattern'; output:"
		sed 's/^/    /' "$tmp/$name.out"
		return 1
	fi
	ok "$name"
}

# expect NAME PATTERN: one more line the last output of NAME must have.
expect() {
	if grep -Eq -- "$2" "$tmp/$1.out"; then
		ok "$1: $2"
	else
		fail "$1: no line matches '$2'; output:"
		sed 's/^/    /' "$tmp/$1.out"
	fi
}

if [ ! -x "$bin" ]; then
	fail "$bin is not built (make)"
	summary
	exit 1
fi
certs=${SC_TEST_CERTS:-$tmp/certs}
if ! tests/data/certs/mkcerts.sh "$certs" >"$tmp/mkcerts.log" 2>&1; then
	cat "$tmp/mkcerts.log"
	fail "cannot make test certificates (needs openssl)"
	summary
	exit 1
fi
# Absolute: kamailio resolves relative paths against its runtime directory.
c=$(cd "$certs" && pwd)

# What mkcerts.sh does not have.
# - the leaf of server.pem alone, without its intermediate
openssl x509 -in "$c/server.pem" -out "$tmp/leaf.pem"
# - a self-signed certificate for the right name
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/self.key" \
	-subj /CN=sip.example.test -addext subjectAltName=DNS:sip.example.test -days 30 \
	-out "$tmp/self.pem" 2>/dev/null
# - a certificate whose CN is one name and whose SAN is another (the CN
#   must then be ignored), from the test intermediate
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/cn.key" \
	-subj /CN=cn.example.test -addext subjectAltName=DNS:san.example.test \
	-out "$tmp/cn.csr" 2>/dev/null
openssl x509 -req -in "$tmp/cn.csr" -CA "$c/intermediate.pem" -CAkey "$c/intermediate.key" \
	-CAcreateserial -copy_extensions copy -days 30 -out "$tmp/cn.pem" 2>/dev/null
# - the CA list a server needs to verify client.pem (which has no chain)
cat "$c/ca.pem" "$c/intermediate.pem" >"$tmp/ca-chain.pem"
for f in leaf.pem self.pem cn.pem; do
	[ -s "$tmp/$f" ] || fail "could not make $f"
done

good="-cert $c/server.pem -cert_chain $c/intermediate.pem -key $c/server.key"

# 1. The right chain and name.
if server good 127.0.0.1 $good; then
	probe good 0 '^result: ok$' "127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test
	expect good '^verified: yes$'
	expect good '^verify: chain: ok$'
	expect good '^verify: identity: ok'
	expect good '^tls: protocol: TLSv1\.[23]$'
	expect good '^cert 0: names: DNS:sip\.example\.test, IP:127\.0\.0\.1, IP:::1$'
	expect good '^cert 1: subject: /CN=sipsidecar test intermediate$'
	# The address itself as the identity: the IP SAN.
	probe good-ip 0 '^verified: yes$' "127.0.0.1:$port" --ca "$c/ca.pem"
	# A name looked up (in /etc/hosts) and a sips: URI.
	probe good-dns 0 '^verified: yes$' "sips:localhost:$port" --ca "$c/ca.pem" \
		--sni sip.example.test
	expect good-dns '^dns: localhost: .*127\.0\.0\.1'
	# The name the certificate is not for.
	probe name-mismatch 14 \
		'^diagnosis: name-mismatch: certificate is for DNS:sip\.example\.test, IP:127\.0\.0\.1, IP:::1; expected another\.name$' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni another.name
	expect name-mismatch '^verify: chain: ok$'
	# A whole chain that leads to a root we do not trust.
	probe unknown-ca-chain 10 \
		'^diagnosis: unknown-ca: the certificate /CN=sipsidecar test intermediate of .* was issued by /CN=sipsidecar test root, a CA that is not in ' \
		"127.0.0.1:$port" --ca "$tmp/self.pem" --sni sip.example.test
	expect unknown-ca-chain '^verify: chain: failed: .*\(cert 1: /CN=sipsidecar test intermediate\)$'
	expect name-mismatch '^fix: '
	# Without verification the same connection is allowed, with a warning.
	probe no-verify 0 '^warning: name-mismatch: ' "127.0.0.1:$port" --ca "$c/ca.pem" \
		--sni another.name --no-verify
	# TLS works, but s_server is not SIP.
	probe not-sip 40 '^diagnosis: sip: ' "127.0.0.1:$port" --ca "$c/ca.pem" \
		--sni sip.example.test --options
	stop "$srv"
	# Nothing listens there any more.
	probe tcp-refused 20 '^diagnosis: tcp-refused: ' "127.0.0.1:$port" --ca "$c/ca.pem"
	expect tcp-refused "^tcp: 127\.0\.0\.1 port $port: connection refused$"
fi

# 2. IPv6 loopback, identity from the IPv6 SAN (skipped without ::1; with
# it, a server that does not start is a failure).
if ! grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	skip "good-v6 (no IPv6 loopback)"
elif ! openssl s_server -help 2>&1 | grep -q -- '-6'; then
	skip "good-v6 (this openssl s_server has no -6)"
elif server good6 '[::1]' -6 $good; then
	probe good-v6 0 '^verified: yes$' "[::1]:$port" --ca "$c/ca.pem"
	expect good-v6 "^tcp: \\[::1\\] port $port: connected$"
	stop "$srv"
fi

# 3. A self-signed certificate.
if server self 127.0.0.1 -cert "$tmp/self.pem" -key "$tmp/self.key"; then
	probe unknown-ca 10 '^diagnosis: unknown-ca: .*self-signed' "127.0.0.1:$port" \
		--ca "$c/ca.pem" --sni sip.example.test
	expect unknown-ca '^verified: no$'
	probe unknown-ca-no-verify 0 '^verified: no \(not enforced: --no-verify\)$' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test --no-verify
	expect unknown-ca-no-verify '^warning: unknown-ca: '
	stop "$srv"
fi

# 4. The leaf without its intermediate.
if server leaf 127.0.0.1 -cert "$tmp/leaf.pem" -key "$c/server.key"; then
	probe missing-intermediate 11 '^diagnosis: missing-intermediate: ' "127.0.0.1:$port" \
		--ca "$c/ca.pem" --sni sip.example.test
	expect missing-intermediate '^cert 0: subject: /CN=sip\.example\.test$'
	# The intermediate in the CA list makes it pass.
	probe missing-intermediate-ca 0 '^result: ok$' "127.0.0.1:$port" \
		--ca "$tmp/ca-chain.pem" --sni sip.example.test
	stop "$srv"
fi

# 5. Expired and not yet valid.
if server expired 127.0.0.1 -cert "$c/expired.pem" -cert_chain "$c/intermediate.pem" \
	-key "$c/expired.key"; then
	probe expired 12 '^diagnosis: expired: .*expired on 2021-01-01 00:00:00 UTC$' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni expired.example.test
	stop "$srv"
fi
if server notyet 127.0.0.1 -cert "$c/notyet.pem" -cert_chain "$c/intermediate.pem" \
	-key "$c/notyet.key"; then
	probe not-yet-valid 13 '^diagnosis: not-yet-valid: .*not valid before 2049-01-01' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni notyet.example.test
	stop "$srv"
fi

# 6. CN says one name, SAN another: only the SAN counts.
if server cn 127.0.0.1 -cert "$tmp/cn.pem" -cert_chain "$c/intermediate.pem" \
	-key "$tmp/cn.key"; then
	probe cn-ignored 14 '^diagnosis: name-mismatch: certificate is for DNS:san\.example\.test; expected cn\.example\.test$' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni cn.example.test
	probe san-used 0 '^verified: yes$' "127.0.0.1:$port" --ca "$c/ca.pem" \
		--sni san.example.test
	stop "$srv"
fi

# 7. No common protocol version or cipher suite.
if server tls12 127.0.0.1 -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305 $good; then
	probe protocol-mismatch 15 '^diagnosis: protocol-mismatch: .*protocol_version' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test --min-version 1.3
	probe cipher-mismatch 15 '^diagnosis: protocol-mismatch: .*handshake_failure' \
		"127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test \
		--ciphers ECDHE-ECDSA-AES128-GCM-SHA256
	probe tls12-ok 0 '^tls: protocol: TLSv1\.2$' "127.0.0.1:$port" --ca "$c/ca.pem" \
		--sni sip.example.test
	stop "$srv"
fi

# 8. Mutual TLS: required, given, refused; TLS 1.3 (the verdict comes
# after the handshake) and TLS 1.2 (it ends the handshake).
for v in 13 12; do
	flag=
	[ "$v" = 12 ] && flag=-tls1_2
	if server "mtls$v" 127.0.0.1 $flag -Verify 1 -verify_return_error \
		-CAfile "$tmp/ca-chain.pem" $good; then
		probe "client-cert-required-$v" 16 '^diagnosis: client-cert-required: ' \
			"127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test
		expect "client-cert-required-$v" '^tls: the server asked for a client certificate'
		probe "client-cert-ok-$v" 0 '^result: ok$' "127.0.0.1:$port" --ca "$c/ca.pem" \
			--sni sip.example.test --cert "$c/client.pem" --key "$c/client.key"
		stop "$srv"
	fi
	# A server that trusts only some other CA.
	if server "mtls-other$v" 127.0.0.1 $flag -Verify 1 -verify_return_error \
		-CAfile "$tmp/self.pem" $good; then
		probe "client-cert-rejected-$v" 17 '^diagnosis: client-cert-rejected: .*unknown_ca' \
			"127.0.0.1:$port" --ca "$c/ca.pem" --sni sip.example.test \
			--cert "$c/client.pem" --key "$c/client.key"
		stop "$srv"
	fi
done

# 9. A name that cannot resolve.
probe dns 22 '^diagnosis: dns: cannot resolve sip\.nowhere\.invalid' sip.nowhere.invalid \
	--ca "$c/ca.pem"
expect dns '^dns: NAPTR/SRV lookup \(RFC 3263\) is not implemented yet: using port 5061$'

# 10. Bad command lines.
probe usage-no-target 2 'no target' --ca "$c/ca.pem"
probe usage-version 2 'min-version' 127.0.0.1 --min-version 1.1
probe usage-cert 2 'go together' 127.0.0.1 --cert "$c/client.pem"
probe usage-ca 2 'no CA certificate' 127.0.0.1 --ca "$c/garbage.pem"

# 11. A real SIP peer for --options: kamailio with its tls module.
if command -v kamailio >/dev/null 2>&1 &&
	[ -n "$(find /usr/lib /usr/local/lib -name tls.so -path '*kamailio*' 2>/dev/null | head -n 1)" ]; then
	kport=
	tries=0
	while [ -z "$kport" ] && [ $tries -lt 3 ]; do
		tries=$((tries + 1))
		# A port the kernel just handed out, free again after the stop.
		server kport 127.0.0.1 $good || break
		stop "$srv"
		sed -e "s#@PORT@#$port#" -e "s#@CERT@#$c/server.pem#" -e "s#@KEY@#$c/server.key#" \
			-e "s#@CA@#$c/ca.pem#" tests/tls/kamailio.cfg >"$tmp/kamailio.cfg"
		kamailio -f "$tmp/kamailio.cfg" -DD -E -Y "$tmp" -m 32 -M 8 >"$tmp/kamailio.log" 2>&1 &
		kam=$!
		pids="$pids $kam"
		i=0
		while [ $i -lt 100 ] && kill -0 "$kam" 2>/dev/null; do
			if openssl s_client -connect "127.0.0.1:$port" -brief </dev/null \
				>/dev/null 2>&1; then
				kport=$port
				break
			fi
			sleep 0.1
			i=$((i + 1))
		done
		[ -n "$kport" ] || stop "$kam"
	done
	if [ -n "$kport" ]; then
		probe kamailio-options 0 '^sip: response: SIP/2\.0 200 OK$' "127.0.0.1:$kport" \
			--ca "$c/ca.pem" --sni sip.example.test --options
		expect kamailio-options '^result: ok$'
		stop "$kam"
	else
		fail "kamailio did not start; its log:"
		sed 's/^/    /' "$tmp/kamailio.log" | tail -n 20
	fi
else
	skip "kamailio-options (kamailio and kamailio-tls-modules are not installed)"
fi

summary
