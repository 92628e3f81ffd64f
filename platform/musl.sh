#!/bin/sh
# Compiles every source file against musl's headers (musl-gcc), to catch
# glibc-only names before an OpenWrt build does.  Only compiles: Debian has
# no musl builds of wolfSSL, libuv and libyaml to link against, so their
# (architecture-neutral) headers are borrowed from the installed -dev packages
# through a folder of links that holds nothing else of /usr/include.
# Prints "musl: N passed, N failed" (one per file).
set -u
inc=build/musl/include
mkdir -p "$inc"
for h in wolfssl uv uv.h yaml.h; do
	[ -e "$inc/$h" ] || ln -s "/usr/include/$h" "$inc/$h"
done
passed=0
failed=0
for src in sidecar/*.c sidecar/*/*.c platform/*.c; do
	if musl-gcc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wshadow \
		-Wstrict-prototypes -Wmissing-prototypes -Wvla -isystem "$inc" \
		-c "$src" -o /dev/null; then
		passed=$((passed + 1))
	else
		echo "musl: $src does not compile against musl"
		failed=$((failed + 1))
	fi
done
echo "musl: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
