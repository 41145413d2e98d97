# linelock build.
#
#   make            build linelockd and linelockctl from .config (Kconfig)
#   make run        install missing Debian deps, build, start on etc/linelock.conf
#   make test       install missing deps, build, run every test; ends "N passed, N failed"
#   make asan       the whole suite under ASan + UBSan (in build/asan)
#   make min        build and unit-test the minimal configuration (allnoconfig)
#   make defconfig / menuconfig / allnoconfig
#   make bench      benchmarks (bench/), make fuzz  fuzzers (tests/fuzz)
#   make cross ARCH=aarch64
#
# Each room (sip/ storage/ policy/ b2bua/ web/) lists its sources in its own
# room.mk, kbuild style: `sip-y += txn.c`, `sip-$(CONFIG_TLS) += tls.c`.
# Unit tests are found by name: tests/unit/<room>/test_<file>.c.

BUILD		?= build
KCONFIG_CONFIG	?= .config
PYTHON		:= /usr/bin/python3
CC		?= cc
PKG_CONFIG	?= pkg-config
export KCONFIG_CONFIG

-include $(KCONFIG_CONFIG)

ROOMS := sip storage policy b2bua web
core-y := log.c netaddr.c
$(foreach r,$(ROOMS),$(eval $(r)-y :=))
include $(wildcard $(addsuffix /room.mk,$(ROOMS)))

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wundef -Wpointer-arith \
	-Wno-unused-parameter
OPT ?= -Os -g
CPPFLAGS += -I. -I$(BUILD)/include -D_DEFAULT_SOURCE \
	-D_POSIX_C_SOURCE=200809L \
	-DLL_VERSION='"$(VERSION)"' -DLL_GIT_REV='"$(GIT_REV)"'
CFLAGS += -std=c11 $(OPT) $(WARN) -fno-common -ffunction-sections \
	-fdata-sections $(shell $(PKG_CONFIG) --cflags libcjson 2>/dev/null)
LDFLAGS += -Wl,--gc-sections
LDLIBS += -losipparser2 -losip2 -luv -llmdb -lcjson -linih -lmbedcrypto
ifeq ($(CONFIG_TLS),y)
LDLIBS += -lmbedtls -lmbedx509
endif
LDLIBS += -lpthread -lm

ifdef SANITIZE
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=$(SANITIZE)
endif

OBJ := $(BUILD)/obj
room_objs = $(patsubst %.c,$(OBJ)/$(1)/%.o,$($(1)-y))
LIBS := $(foreach r,$(ROOMS) core,$(BUILD)/lib$(r).a)
# Link order: dependants before dependencies.
LINK_LIBS := $(BUILD)/libb2bua.a $(BUILD)/libweb.a $(BUILD)/libpolicy.a \
	$(BUILD)/libstorage.a $(BUILD)/libsip.a $(BUILD)/libcore.a

AUTOCONF := $(BUILD)/include/autoconf.h

.PHONY: all run test asan min defconfig allnoconfig menuconfig clean deps \
	test-deps unit bench bench-pol bench-txn fuzz cross style install
CTL := $(if $(wildcard linelockctl.c),$(BUILD)/linelockctl)
all: $(BUILD)/linelockd $(CTL)

# A new option in Kconfig reaches an existing .config with its default
# (make then re-reads .config, so room.mk lists and autoconf.h agree).
$(KCONFIG_CONFIG): Kconfig
	$(PYTHON) -m olddefconfig Kconfig >/dev/null

$(AUTOCONF): $(KCONFIG_CONFIG) Kconfig
	@mkdir -p $(dir $@)
	$(PYTHON) -m genconfig --header-path $@.tmp Kconfig >/dev/null
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

defconfig:
	$(PYTHON) -m alldefconfig Kconfig
allnoconfig:
	$(PYTHON) -m allnoconfig Kconfig
menuconfig:
	$(PYTHON) -m menuconfig Kconfig

define room_rules
$(BUILD)/lib$(1).a: $(call room_objs,$(1))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach r,$(ROOMS) core,$(eval $(call room_rules,$(r))))

$(OBJ)/core/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
$(OBJ)/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

DAEMON_OBJS := $(OBJ)/main.o $(OBJ)/conf.o
$(OBJ)/main.o $(OBJ)/conf.o: $(OBJ)/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/linelockd: $(DAEMON_OBJS) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(LINK_LIBS) $(LDLIBS)

CTL_OBJS := $(OBJ)/linelockctl.o $(if $(wildcard ctlrules.c),$(OBJ)/ctlrules.o)
$(OBJ)/linelockctl.o $(OBJ)/ctlrules.o: $(OBJ)/%.o: %.c $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/linelockctl: $(CTL_OBJS) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(CTL_OBJS) $(LINK_LIBS) $(LDLIBS)

# Unit tests: tests/unit/<room>/test_<name>.c -> $(BUILD)/tests/<room>/test_<name>
UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TEST_LDLIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
$(BUILD)/tests/%: tests/unit/%.c $(LIBS) $(AUTOCONF) $(OBJ)/conf.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) -Wno-missing-prototypes \
	    -o $@ $< $(OBJ)/conf.o $(LINK_LIBS) $(LDLIBS) $(TEST_LDLIBS)
unit: $(UNIT_BINS)
# Fuzz targets: replay binaries join `unit`; libFuzzer builds for `fuzz`.
include tests/fuzz/fuzz.mk

deps:
	@scripts/install-deps.sh build
test-deps:
	@scripts/install-deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var/lib/linelock
	$(BUILD)/linelockd -c etc/linelock.conf

test: test-deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) tests/run.sh

# Benchmarks side by side with Kamailio, about 15 minutes: bench/run.sh,
# results in bench/out/. Small C benches build as $(BUILD)/bench/<name>.
bench:
	@BUILD=$(BUILD) bench/run.sh
# pol_decide() latency, 100,000 lines and 1,000 patterns (storage helper).
bench-pol: $(BUILD)/bench/pol_bench
	$(BUILD)/bench/pol_bench 1000000 100000 1000
# Transaction lookup, sip/'s hash table against libosip2's osip_t lists,
# 10,000 open transactions (sip helper); then the tables and timers with
# 768,000 lingering transactions (8,000 calls/s, txn_bench -s).
bench-txn: $(BUILD)/bench/txn_bench
	$(BUILD)/bench/txn_bench 10000 1000000
	$(BUILD)/bench/txn_bench -s 24000 2
$(BUILD)/bench/%: bench/%.c $(LIBS) $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LINK_LIBS) $(LDLIBS)

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	    SANITIZE=address,undefined OPT='-O1 -g' all unit
	@BUILD=build/asan LL_SANITIZED=1 \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh

min: deps
	@mkdir -p build/min
	@KCONFIG_CONFIG=build/min/.config $(PYTHON) -m allnoconfig Kconfig >/dev/null
	@$(MAKE) --no-print-directory BUILD=build/min \
	    KCONFIG_CONFIG=build/min/.config all unit
	@BUILD=build/min LL_UNIT_ONLY=1 tests/run.sh

# Fuzzers (clang, libFuzzer, ASan + UBSan) in build/fuzz, FUZZ_SECONDS
# (default 60) each, from tests/fuzz/corpus; see tests/fuzz/run.sh.
fuzz: test-deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
	    SANITIZE=address,undefined,fuzzer-no-link OPT='-O1 -g' fuzz-bins
	@BUILD=build/fuzz tests/fuzz/run.sh

# Cross build into build/$(ARCH)/ with Debian's cross gcc and multiarch
# -dev packages (installed on demand); see scripts/cross.sh.
ARCH ?= aarch64
cross:
	+@scripts/cross.sh $(ARCH)

style:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
