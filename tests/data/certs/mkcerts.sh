#!/bin/sh
# Generates throwaway certificates for the tests with the openssl CLI.
# usage: tests/data/certs/mkcerts.sh OUTDIR
#
#   ca.pem, ca.key                 root CA ("sipsidecar test root")
#   provider-ca.pem                the same root, under the name the config
#                                  examples give a private provider CA
#   intermediate.pem, .key         intermediate CA signed by the root
#   server.pem, server.key         leaf for sip.example.test (SAN DNS + IP
#                                  127.0.0.1, ::1) signed by the intermediate;
#                                  server.pem is the chain: leaf, intermediate
#   other.pem, other.key           second server leaf (sip.other.test), for SNI
#   client.pem, client.key         client certificate (RSA) for mutual TLS
#   expired.pem, expired.key       leaf valid 2020-01-01 .. 2021-01-01
#   notyet.pem, notyet.key         leaf valid from 2049-01-01
#   soon.pem, soon.key             leaf expiring 10 days from now
#   mismatch.key                   a key that belongs to none of the above
#   garbage.pem                    a PEM block that is not a certificate
#
# Idempotent: when OUTDIR already holds a complete set (the stamp file
# .complete is written last) it does nothing, so a test runner under qemu can
# generate once natively and pass the directory in SC_TEST_CERTS.
set -eu

out=${1:?usage: mkcerts.sh OUTDIR}
[ -f "$out/.complete" ] && exit 0
mkdir -p "$out"
cd "$out"
work=$(mktemp -d ./.work.XXXXXX)
trap 'rm -rf "$work"' EXIT

ec_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	chmod 600 "$1"
}

# A minimal "openssl ca" setup: it is the only openssl 3.0 command that can
# set arbitrary validity dates (-startdate/-enddate), which the expired and
# not-yet-valid certificates need.
mkdir -p "$work/new"
: >"$work/index.txt"
echo 1000 >"$work/serial"
cat >"$work/ca.cnf" <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $work/index.txt
new_certs_dir = $work/new
serial = $work/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ v3_client ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
CNF

# sign NAME CN ISSUER EXT SAN [ca-args...]: a key and a certificate NAME.pem
# for CN signed by ISSUER (.pem/.key).
sign() {
	name=$1 cn=$2 issuer=$3 ext=$4 san=$5
	shift 5
	[ -f "$name.key" ] || ec_key "$name.key"
	if [ -n "$san" ]; then
		openssl req -new -key "$name.key" -subj "/CN=$cn" -addext "subjectAltName=$san" \
			-out "$work/$name.csr"
	else
		openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$work/$name.csr"
	fi
	openssl ca -batch -config "$work/ca.cnf" -cert "$issuer.pem" -keyfile "$issuer.key" \
		-extensions "$ext" -notext -in "$work/$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

ec_key ca.key
openssl req -x509 -new -key ca.key -subj "/CN=sipsidecar test root" -days 3650 \
	-addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out ca.pem
cp ca.pem provider-ca.pem
sign intermediate "sipsidecar test intermediate" ca v3_ca "" -days 3000
sign server sip.example.test intermediate v3_server "DNS:sip.example.test,IP:127.0.0.1,IP:::1" -days 825
cat intermediate.pem >>server.pem
sign other sip.other.test intermediate v3_server "DNS:sip.other.test" -days 825
cat intermediate.pem >>other.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client.key 2>/dev/null
chmod 600 client.key
sign client kitchen-ata.client.test intermediate v3_client "" -days 825
sign expired expired.example.test intermediate v3_server "DNS:expired.example.test" \
	-startdate 20200101000000Z -enddate 20210101000000Z
sign notyet notyet.example.test intermediate v3_server "DNS:notyet.example.test" \
	-startdate 20490101000000Z -enddate 20491231000000Z
sign soon soon.example.test intermediate v3_server "DNS:soon.example.test" -days 10
ec_key mismatch.key
printf '%s\n' '-----BEGIN CERTIFICATE-----' 'VGhpcyBpcyBub3QgYSBjZXJ0aWZpY2F0ZS4K' \
	'-----END CERTIFICATE-----' >garbage.pem
touch .complete
