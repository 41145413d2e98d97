# Fuzz targets (tests/fuzz/fuzz_<name>.c), included by the top Makefile.
#
# Each target is built two ways:
#   $(BUILD)/tests/fuzz/test_fuzz_<name>  replay.c's cmocka main(): the
#       checked-in corpus and crashers, run by `make test` (gcc or clang,
#       then valgrind) like any unit test;
#   $(BUILD)/fuzzers/fuzz_<name>  libFuzzer (clang -fsanitize=fuzzer), in
#       `make fuzz`, which builds everything in build/fuzz with ASan, UBSan
#       and coverage instrumentation and runs tests/fuzz/run.sh.

FUZZ_DIR := tests/fuzz
FUZZ_SRCS := $(sort $(wildcard $(FUZZ_DIR)/fuzz_*.c))
FUZZ_NAMES := $(patsubst $(FUZZ_DIR)/fuzz_%.c,%,$(FUZZ_SRCS))
# The HTTP target drives the web console: only when it is built in.
ifneq ($(CONFIG_WEB),y)
FUZZ_NAMES := $(filter-out http,$(FUZZ_NAMES))
endif
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/test_fuzz_%)
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzzers/fuzz_%)
# The room libraries each target links (the rest of the tree may be
# mid-change: a target only waits for what it uses). Default: all rooms.
FUZZ_ROOMS_conf := core
FUZZ_ROOMS_sip := sip core
FUZZ_ROOMS_pattern := policy storage core
FUZZ_ROOMS_http := web policy storage core
FUZZ_ROOMS_b2b := b2bua policy storage sip core
# More sources of a target (tests/fuzz/, not fuzz_*.c): none by default.
FUZZ_EXTRA_b2b := $(FUZZ_DIR)/b2b_sipp.c
fuzz_libs = $(filter $(patsubst %,$(BUILD)/lib%.a,$(or \
	$(FUZZ_ROOMS_$(1)),$(ROOMS) core)),$(LINK_LIBS))

unit: $(FUZZ_REPLAY_BINS)

define fuzz_rules
$(BUILD)/tests/fuzz/test_fuzz_$(1): $(FUZZ_DIR)/fuzz_$(1).c \
    $(FUZZ_DIR)/replay.c $(FUZZ_DIR)/fuzz.h $(call fuzz_libs,$(1)) \
    $(FUZZ_EXTRA_$(1)) $(wildcard $(FUZZ_DIR)/*.h) $(AUTOCONF) \
    $(OBJ)/conf.o
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(call fuzz_cppflags,$(1)) $$(CFLAGS) \
	    -Wno-missing-prototypes -o $$@ $(FUZZ_DIR)/replay.c \
	    $(FUZZ_DIR)/fuzz_$(1).c $(FUZZ_EXTRA_$(1)) $$(OBJ)/conf.o \
	    $(call fuzz_libs,$(1)) $$(LDLIBS) $$(TEST_LDLIBS)

$(BUILD)/fuzzers/fuzz_$(1): $(FUZZ_DIR)/fuzz_$(1).c $(FUZZ_DIR)/fuzz.h \
    $(FUZZ_EXTRA_$(1)) $(wildcard $(FUZZ_DIR)/*.h) \
    $(call fuzz_libs,$(1)) $(AUTOCONF) $(OBJ)/conf.o
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) $$(call fuzz_cppflags,$(1)) $$(CFLAGS) \
	    -fsanitize=fuzzer -o $$@ $(FUZZ_DIR)/fuzz_$(1).c \
	    $(FUZZ_EXTRA_$(1)) $$(OBJ)/conf.o $(call fuzz_libs,$(1)) \
	    $$(LDLIBS)
endef
fuzz_cppflags = -DLL_FUZZ_DIR='"$(CURDIR)/$(FUZZ_DIR)"' \
	-DLL_FUZZ_NAME='"$(1)"' -I$(LLHTTP_INC)
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_rules,$(n))))

fuzz-bins: $(FUZZ_BINS)
.PHONY: fuzz-bins
