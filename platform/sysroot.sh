#!/bin/sh
# Makes a sysroot with the target architecture's wolfSSL, libuv and libyaml
# for a cross build: build/sysroot/ARCH/usr/{include,lib/TRIPLET}.
#
# The -dev packages and the runtime libraries they depend on are downloaded
# with `apt-get download` and unpacked with `dpkg -x`, instead of being
# co-installed as multiarch packages: co-installation needs the very same
# version on every architecture, and the archives are not always in step.
# usage: platform/sysroot.sh arm64|armhf
set -eu

arch=$1
root=build/sysroot/$arch
stamp=$root/.complete
devs="libwolfssl-dev libuv1-dev libyaml-dev"
[ -f "$stamp" ] && exit 0

sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo

# apt needs the architecture's package lists before it can download for it.
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	$sudo dpkg --add-architecture "$arch"
	$sudo apt-get update || echo "sysroot.sh: apt-get update reported a problem (exit $?); trying anyway" >&2
elif ! apt-cache show "libyaml-dev:$arch" >/dev/null 2>&1; then
	$sudo apt-get update || echo "sysroot.sh: apt-get update reported a problem (exit $?); trying anyway" >&2
fi

debs=$root.debs
rm -rf "$root" "$debs"
mkdir -p "$root" "$debs"
abs=$(cd "$debs" && pwd)

# Runs in the download directory; apt's sandbox user may not write to it,
# so downloads run unsandboxed (apt prints a harmless warning otherwise).
dl() {
	(cd "$abs" && apt-get -q -o APT::Sandbox::User=root download "$@")
}

for d in $devs; do
	dl "$d:$arch"
done
# The runtime libraries, at exactly the versions the -dev packages require.
for f in "$abs"/*.deb; do
	dpkg-deb -f "$f" Depends | tr ',' '\n' | sed -n 's/^ *\(lib[^ ]*\) (= \([^)]*\)).*/\1=\2/p' |
		while read -r pv; do
			dl "${pv%%=*}:$arch=${pv#*=}"
		done
done
for f in "$abs"/*.deb; do
	dpkg -x "$f" "$root"
done
touch "$stamp"
echo "sysroot.sh: $root ready ($(ls "$abs" | wc -l) packages)"
