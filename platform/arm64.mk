TRIPLET := aarch64-linux-gnu
DEB_ARCH := arm64
QEMU := qemu-aarch64
include platform/cross.mk
