TRIPLET := arm-linux-gnueabihf
DEB_ARCH := armhf
QEMU := qemu-arm
include platform/cross.mk
