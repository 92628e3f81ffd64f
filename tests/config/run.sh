#!/bin/sh
# Tests `sipsidecar check` on the real binary: every example in config/ with
# its certificate paths pointed at throwaway certificates, stdin, error
# positions, a missing file, and certificate expiry.
# usage: tests/config/run.sh        (from the top of the source tree)
# Environment: SIPSIDECAR (default build/native/sipsidecar); SC_TEST_CERTS, a
# directory made by tests/data/certs/mkcerts.sh (default: a fresh one).
# Prints one line per failed or skipped case, then "config: N skipped" and
# "config: N passed, N failed" last (tests/check.sh reads both).
set -u
bin=${SIPSIDECAR:-build/native/sipsidecar}
passed=0
failed=0
skipped=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sc-config-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

ok() { passed=$((passed + 1)); }
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
# skip DESC: a case that cannot run here; counted, never as a pass.
skip() {
	echo "skip: $*"
	skipped=$((skipped + 1))
}
summary() {
	echo "config: $skipped skipped"
	echo "config: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

# run NAME EXPECTED_STATUS ARGS...: runs the binary, keeps stdout+stderr in
# $tmp/NAME.out, and checks the exit status.
run() {
	name=$1 want=$2
	shift 2
	"$bin" "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit status $rc, expected $want; output:"
		sed 's/^/    /' "$tmp/$name.out"
		return 1
	fi
	return 0
}

# expect NAME PATTERN: the output of NAME has a line matching PATTERN (grep -E).
expect() {
	if grep -Eq -- "$2" "$tmp/$1.out"; then
		ok
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
# The examples name /etc/sipsidecar/... and the system CA bundle; both are
# replaced by throwaway files (a copy of the real bundle when there is one,
# so that the wolfSSL loading of it is exercised too).
if [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	cp /etc/ssl/certs/ca-certificates.crt "$tmp/ca-certificates.crt"
else
	cp "$certs/ca.pem" "$tmp/ca-certificates.crt"
fi
subst() {
	sed -e "s#/etc/sipsidecar/#$certs/#g" \
		-e "s#/etc/ssl/certs/ca-certificates.crt#$tmp/ca-certificates.crt#g" "$1"
}

# 1. Every example passes, without a single warning.
n=0
for f in config/*.yaml; do
	n=$((n + 1))
	name=example-$(basename "$f" .yaml)
	subst "$f" >"$tmp/$name.yaml"
	if grep -q /etc/sipsidecar/ "$tmp/$name.yaml"; then
		fail "$name: a path under /etc/sipsidecar/ was not substituted"
		continue
	fi
	if run "$name" 0 check -c "$tmp/$name.yaml"; then
		if grep -q 'warning:' "$tmp/$name.out"; then
			fail "$name: warnings:"
			sed 's/^/    /' "$tmp/$name.out"
		else
			expect "$name" "^$tmp/$name.yaml: ok \\([0-9]+ upstreams?, [0-9]+ devices?\\)\$"
		fi
	fi
done
[ "$n" -ge 5 ] && ok || fail "expected at least 5 examples in config/, found $n"

# 2. -c - reads stdin.
subst config/ata-behind-router.yaml >"$tmp/stdin.yaml"
"$bin" check -c - <"$tmp/stdin.yaml" >"$tmp/stdin.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	expect stdin '^<stdin>: ok \(1 upstream, 1 device\)$'
else
	fail "stdin: exit status $rc"
	sed 's/^/    /' "$tmp/stdin.out"
fi
printf 'log:\n  level: loud\n' | "$bin" check -c - >"$tmp/stdin-bad.out" 2>&1
rc=$?
[ $rc -eq 2 ] && ok || fail "stdin-bad: exit status $rc, expected 2"
expect stdin-bad "^<stdin>:2:10: error: log level 'loud' is not one of: error, warn, info, debug\$"

# 3. An unknown key at line 7, column 3.
cat >"$tmp/unknown.in" <<'YAML'
upstreams:
  provider:
    uri: sips:sip.provider.example
    ca_file: CA
lan:
  listen: [ "udp:0.0.0.0:5060" ]
  lisen: [ "tcp:0.0.0.0:5060" ]
devices:
  - name: a
    match: 192.168.1.20
    upstream: provider
YAML
sed "s#CA#$certs/ca.pem#" "$tmp/unknown.in" >"$tmp/unknown.yaml"
if run unknown 2 check -c "$tmp/unknown.yaml"; then
	ok
	expect unknown "^$tmp/unknown.yaml:7:3: error: unknown key 'lisen' in lan \\(expected one of: listen, advertise, allow\\)\$"
fi

# 4. Several errors in one file: all reported, each at its place, in order.
cat >"$tmp/many.yaml" <<'YAML'
log:
  level: loud
upstreams:
  provider:
    uri: sip:sip.provider.example
    keepalive: 90x
devices:
  - name: kitchen-ata
    match: 192.168.1.300
    upstream: provder
  - name: kitchen-ata
    match: 192.168.1.21
    upstream: provider
    alert_info: snom
YAML
if run many 2 check -c "$tmp/many.yaml"; then
	ok
	got=$(grep -Ec "^$tmp/many.yaml:[0-9]+:[0-9]+: error: " "$tmp/many.out")
	[ "$got" -eq 7 ] && ok || fail "many: $got errors printed, expected 7"
	positions=$(sed -n "s#^$tmp/many.yaml:\\([0-9]*:[0-9]*\\): error: .*#\\1#p" "$tmp/many.out" | tr '\n' ' ')
	want="2:10 5:10 6:16 9:12 10:15 11:11 14:17 "
	[ "$positions" = "$want" ] && ok || fail "many: positions '$positions', expected '$want'"
	expect many ":6:16: error: keepalive: '90x' is not a duration \\(use 30s, 5m, 1h or seconds\\)\$"
	expect many ":10:15: error: upstream 'provder' is not defined \\(defined: provider\\)\$"
fi

# 5. A missing file: say where we looked.
if run missing 2 check -c "$tmp/nope.yaml"; then
	ok
	expect missing "no configuration at $tmp/nope.yaml"
	expect missing "config/"
fi
if run directory 2 check -c "$tmp"; then
	ok
	expect directory "^$tmp: error: cannot read $tmp: Is a directory\$"
fi

# 6. Certificates: expired is an error, near expiry a warning.
cat >"$tmp/tls.in" <<'YAML'
wan:
  listen: [ "tls:0.0.0.0:5061" ]
  certificate: CERT.pem
  private_key: CERT.key
upstreams:
  provider:
    uri: sips:sip.provider.example
    ca_file: CA
devices:
  - name: a
    match: 192.168.1.20
    upstream: provider
YAML
tls_conf() {
	sed -e "s#CERT#$certs/$1#g" -e "s#CA#$certs/ca.pem#" "$tmp/tls.in" >"$tmp/$2.yaml"
}
tls_conf expired expired
if run expired 2 check -c "$tmp/expired.yaml"; then
	ok
	expect expired "^$tmp/expired.yaml:3:16: error: certificate $certs/expired.pem \\(/CN=expired.example.test\\) expired on 2021-01-01\$"
fi
tls_conf soon soon
if run soon 0 check -c "$tmp/soon.yaml"; then
	ok
	expect soon "^$tmp/soon.yaml:3:16: warning: certificate $certs/soon.pem expires on [0-9]{4}-[0-9]{2}-[0-9]{2}, in [0-9]+ days: renew it\$"
	expect soon ": ok \\(1 upstream, 1 device\\)\$"
fi
tls_conf notyet notyet
if run notyet 2 check -c "$tmp/notyet.yaml"; then
	ok
	expect notyet ":3:16: error: .*is not valid before 2049-01-01"
fi
sed -e "s#CERT.key#$certs/mismatch.key#" -e "s#CERT#$certs/server#" -e "s#CA#$certs/ca.pem#" \
	"$tmp/tls.in" >"$tmp/mismatch.yaml"
if run mismatch 2 check -c "$tmp/mismatch.yaml"; then
	ok
	expect mismatch ":4:16: error: private key $certs/mismatch.key does not belong to certificate"
	# the key's contents are never printed
	if grep -q 'PRIVATE KEY' "$tmp/mismatch.out"; then
		fail "mismatch: key material in the output"
	else
		ok
	fi
fi
sed -e "s#CERT#$tmp/nothere#g" -e "s#CA#$certs/garbage.pem#" "$tmp/tls.in" >"$tmp/nofile.yaml"
if run nofile 2 check -c "$tmp/nofile.yaml"; then
	ok
	expect nofile ":3:16: error: cannot read $tmp/nothere.pem: No such file or directory\$"
	expect nofile ":4:16: error: cannot read $tmp/nothere.key: No such file or directory\$"
	expect nofile ":8:14: error: no CA certificate in $certs/garbage.pem could be loaded"
fi

# 8. `run` refuses to start, with exit status 1 and the reason, when it
# cannot do what the file says: an unknown user to drop to (B12), a port
# that is already taken.
cat >"$tmp/run.yaml" <<EOF
user: nosuchuser-sc
lan:
  listen: [ "udp:127.0.0.1:25198" ]
upstreams:
  p: { uri: "127.0.0.1:1", verify: false }
devices:
  - { name: d, match: 127.0.0.1, upstream: p }
EOF
if run run-user 1 run -c "$tmp/run.yaml"; then
	ok
	expect run-user 'error \[daemon\] user nosuchuser-sc: no such user$'
fi
# As root, the relay becomes the user once its sockets are bound: its
# process runs as that user (B12): every uid and gid (real, effective,
# saved, filesystem) is the user's, and its supplementary groups are only
# the user's own (root's, 0 above all, are gone); and it stops cleanly on
# SIGTERM.  It starts with the supplementary groups 0 and 1 (setpriv,
# util-linux), so that groups kept from root show.  Not root: skipped (a
# drop cannot be tried).
# ids FIELD: the values of FIELD (Uid:, Gid:, Groups:) in the relay's
# /proc status, as copied to $tmp/run-nobody.status.
ids() {
	awk -v f="$1" '$1 == f { $1 = ""; print }' "$tmp/run-nobody.status" |
		sed 's/^ *//; s/ *$//'
}
if [ "$(id -u)" != 0 ]; then
	skip "run-nobody: the privilege drop (B12) needs root"
elif ! id nobody >/dev/null 2>&1; then
	skip "run-nobody: there is no user nobody"
else
	sed 's/^user:.*$/user: nobody/' "$tmp/run.yaml" >"$tmp/nobody.yaml"
	with_groups=""
	command -v setpriv >/dev/null 2>&1 && with_groups="setpriv --groups 0,1 --"
	# shellcheck disable=SC2086 # with_groups is a command prefix
	$with_groups "$bin" run -c "$tmp/nobody.yaml" >"$tmp/run-nobody.out" 2>&1 &
	run_pid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q 'running as user nobody' "$tmp/run-nobody.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	cat "/proc/$run_pid/status" >"$tmp/run-nobody.status" 2>/dev/null
	uid=$(ids Uid:)
	want=$(id -u nobody)
	if [ "$uid" = "$want $want $want $want" ]; then
		ok
	else
		fail "run-nobody: uids '$uid', want all $want; output:"
		sed 's/^/    /' "$tmp/run-nobody.out"
	fi
	gid=$(ids Gid:)
	want=$(id -g nobody)
	if [ "$gid" = "$want $want $want $want" ]; then
		ok
	else
		fail "run-nobody: gids '$gid', want all $want"
	fi
	groups=$(ids Groups:)
	mine=" $(id -G nobody) "
	bad=""
	for g in $groups; do
		case $mine in
		*" $g "*) [ "$g" = 0 ] && bad="$bad $g" ;;
		*) bad="$bad $g" ;;
		esac
	done
	if ! grep -q '^Groups:' "$tmp/run-nobody.status"; then
		fail "run-nobody: no Groups: line in /proc/$run_pid/status (is the relay gone?)"
	elif [ -z "$bad" ]; then
		ok
	else
		fail "run-nobody: supplementary groups '$groups', want only nobody's (${mine# }):${bad:- none}"
	fi
	kill "$run_pid" 2>/dev/null
	wait "$run_pid"
	if [ $? -eq 0 ]; then ok; else fail "run-nobody: exit status not 0 on SIGTERM"; fi
fi
# The wan listener on the port the lan TCP listener already holds.
sed -e 's/^user:.*$//' -e 's#"udp:127.0.0.1:25198"#"tcp:127.0.0.1:25199"#' "$tmp/run.yaml" >"$tmp/busy.yaml"
cat >>"$tmp/busy.yaml" <<EOF
wan:
  listen: [ "tls:127.0.0.1:25199" ]
  certificate: $certs/server.pem
  private_key: $certs/server.key
EOF
if run run-busy 1 run -c "$tmp/busy.yaml"; then
	ok
	expect run-busy 'error \[relay\] wan listen tls:127\.0\.0\.1:25199: address already in use$'
fi

summary
