#!/bin/sh
# Installs the Debian packages a make target needs, and only those missing.
# usage: platform/deps.sh build|check|fuzz|demo|bench
#
# `apt-get update` may exit 100 when a single index is mid-sync on the mirror
# (seen for the armhf security index); that is only a warning here: what
# counts is whether the packages then install.
set -eu

build="gcc make libc6-dev libwolfssl-dev libuv1-dev libyaml-dev"
case "${1:-build}" in
build) want="$build" ;;
check) want="$build clang libclang-rt-14-dev openssl gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross qemu-user musl-tools kamailio kamailio-tls-modules sip-tester baresip-core iproute2 nftables python3-minimal" ;;
demo) want="$build openssl kamailio kamailio-tls-modules sip-tester iproute2" ;;
fuzz) want="$build clang libclang-rt-14-dev" ;;
bench) want="$build openssl kamailio kamailio-tls-modules sip-tester iproute2 procps jq util-linux ca-certificates gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf libc6-dev-arm64-cross libc6-dev-armhf-cross" ;;
*) echo "deps.sh: unknown profile '$1'" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

sudo=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "deps.sh: need root (or sudo) to install:$missing" >&2
		exit 1
	}
	sudo=sudo
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update || echo "deps.sh: apt-get update reported a problem (exit $?); trying the install anyway" >&2
# shellcheck disable=SC2086
$sudo apt-get install -y --no-install-recommends $missing
