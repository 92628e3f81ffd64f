# sipsidecar build.  `make` builds build/native/sipsidecar; `make check` installs
# what the tests need (Debian packages), then builds and runs every test; see
# README.md and docs/development.md.
#
# Cross builds: make ARCH=arm64 (or armhf) uses Debian's cross compiler and a
# sysroot of the target's libraries made by platform/sysroot.sh.

ARCH ?= native
SAN ?=
BUILD ?= build/$(ARCH)$(if $(SAN),-san)

include platform/$(ARCH).mk

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -I. $(WARN) $(CFLAGS) $(PLATFORM_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(PLATFORM_LDFLAGS)
LIBS := -lwolfssl -luv -lyaml

# The daemon is linked with link-time optimisation when the compiler is GCC
# and this is not a sanitizer build: the rooms (relay/, conf/, net/ ...) are
# separate files, and LTO lets GCC inline across them again, which keeps the
# armhf binary under 100 KB (docs/benchmarks.md).  Objects carry both forms
# (fat LTO objects), so the unit tests link as before, without LTO.
# LTO= (empty) turns it off.
LTO ?= $(if $(SAN),,$(if $(filter gcc,$(word 1,$(shell $(CC) -v 2>&1 | tail -n 1))),-flto=auto))
ifneq ($(LTO),)
ALL_CFLAGS += $(LTO) -ffat-lto-objects
endif

ifneq ($(SAN),)
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=address,undefined
endif

CORE_SRC := $(sort $(wildcard sidecar/*.c sidecar/*/*.c)) platform/posix.c platform/privdrop.c
CORE_SRC := $(filter-out sidecar/main.c,$(CORE_SRC))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/sipsidecar

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libsidecar.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/sipsidecar: $(BUILD)/sidecar/main.o $(BUILD)/libsidecar.a
	$(CC) $(ALL_LDFLAGS) $(LTO) $(filter -O%,$(CFLAGS)) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libsidecar.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

# Small tools the interop tests use (raw sends no SIP tool would make).
$(BUILD)/tools/%: $(BUILD)/tests/tools/%.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

tools: $(BUILD)/tools/sipsend

# Build the unit tests without running them (the cross builds run them under
# qemu-user from tests/unit/run.sh).
unit-build: $(TEST_BIN) $(BUILD)/sipsidecar

# Run the unit tests of this ARCH/SAN build.
unit: unit-build
	tests/unit/run.sh $(BUILD) $(RUNNER)

deps:
	platform/deps.sh build

check:
	platform/deps.sh check
	tests/check.sh

fuzz:
	platform/deps.sh fuzz
	tests/fuzz/run.sh $(FUZZ_RUNS)

demo:
	platform/deps.sh demo
	$(MAKE) all
	tests/interop/demo.sh

# sipsidecar against a Kamailio edge doing the same job: throughput and CPU,
# memory per flow, latency, footprint (docs/benchmarks.md).  Not part of
# check; BENCH_QUICK=1 for a short smoke run.
bench:
	platform/deps.sh bench
	$(MAKE) all tools
	tests/bench/run.sh

strip: $(BUILD)/sipsidecar
	$(STRIP) -o $(BUILD)/sipsidecar.stripped $<
	@ls -l $(BUILD)/sipsidecar.stripped

clean:
	rm -rf build

# Keep test objects between runs (they are intermediate files to make).
.SECONDARY:

.PHONY: tools all unit unit-build deps check fuzz demo bench strip clean

-include $(CORE_OBJ:.o=.d) $(BUILD)/sidecar/main.d $(TEST_BIN:$(BUILD)/tests/%=$(BUILD)/tests/unit/%.d)
