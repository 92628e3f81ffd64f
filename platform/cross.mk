# Shared by the cross targets: Debian's cross compiler, headers and libraries
# from a sysroot of the target's Debian packages (platform/sysroot.sh), and
# qemu-user to run the tests.  TRIPLET, DEB_ARCH and QEMU come from the
# including file.
SYSROOT ?= build/sysroot/$(DEB_ARCH)
# The ARM targets are routers and small boards: optimise for size, as
# OpenWrt builds its packages (the armhf binary must stay under 100 KB).
CFLAGS ?= -Os -g
CC := $(TRIPLET)-gcc
AR := $(TRIPLET)-ar
STRIP := $(TRIPLET)-strip
PLATFORM_CFLAGS := -isystem $(SYSROOT)/usr/include -isystem $(SYSROOT)/usr/include/$(TRIPLET)
PLATFORM_LDFLAGS := -L$(SYSROOT)/usr/lib/$(TRIPLET) -Wl,-rpath-link,$(SYSROOT)/usr/lib/$(TRIPLET)
RUNNER := $(QEMU) -L /usr/$(TRIPLET) -E LD_LIBRARY_PATH=$(abspath $(SYSROOT))/usr/lib/$(TRIPLET)
