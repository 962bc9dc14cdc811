# hvlab - hypervisor evaluation lab.  See README.md and docs/.
#
#   make deps      install the Debian packages hvlab needs (root, idempotent)
#   make           build bin/hvlab, bin/hvd, bin/hvctl and the guest image
#   make check     deps + build + unit tests (ASan/UBSan) + integration tests
#   make run       deps + build + the default suite on the embedded lab
#   make compare   deps + build + the default suite on ref and libvirt, one
#                  report with a column per platform
#   make bench     benchmarks that print figures
#   make fuzz      libFuzzer on the parsers of outside input, FUZZ_SECONDS
#                  (60) per harness; not part of make check
#
# V=1 shows full command lines; WERROR=0 drops -Werror.

VERSION   := 0.1.0
# hvlab's version in results.json: `git describe` of the tree it was built
# from (VERSION-gHASH[-dirty] without tags), else VERSION (a tarball).
DESCRIBE  := $(shell git describe --tags --dirty 2>/dev/null || \
	h=$$(git describe --always --dirty 2>/dev/null) && echo $(VERSION)-g$$h || \
	echo $(VERSION))
PREFIX    ?= /usr/local
DESTDIR   ?=
WERROR    ?= 1
V         ?= 0

CC        ?= cc
PKGS      := libcurl libcjson libpcap yaml-0.1 libmicrohttpd gnutls \
	     libvirt libvirt-qemu libxml-2.0 libarchive libxxhash openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

WARN      := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-format-truncation
ifeq ($(WERROR),1)
WARN      += -Werror
endif
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -I. -Icommon $(PKG_CFLAGS) \
	     -DHV_VERSION='"$(VERSION)"' -D_GNU_SOURCE -MMD -MP
LDLIBS    := $(PKG_LIBS) -lpthread -lm
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=undefined

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
endif

BUILD := build
OBJ   := $(BUILD)/obj
SOBJ  := $(BUILD)/asan

# Each component lists its sources in its own fragment.
include common/common.mk
include lab/lab.mk
include probes/probes.mk
include reports/reports.mk
include scenarios/scenarios.mk
include hvlab/hvlab.mk
include platform/platform.mk
include lab/guest/guest.mk
include tests/tests.mk
include tests/fuzz/fuzz.mk

HVLAB_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(HVLAB_MAIN) $(SCENARIOS_SRCS) \
	$(LAB_SRCS) $(PROBES_SRCS) $(REPORTS_SRCS) $(COMMON_SRCS) \
	$(COMMON_YAML_SRCS))
HVD_OBJS   := $(patsubst %.c,$(OBJ)/%.o,$(HVD_MAIN) $(PLATFORM_SRCS) \
	$(COMMON_SRCS))
HVCTL_OBJS := $(patsubst %.c,$(OBJ)/%.o,$(HVCTL_MAIN) $(HVCTL_SRCS) \
	$(COMMON_SRCS))
# Unit tests link every non-main module, built with ASan and UBSan.
UNIT_OBJS  := $(patsubst %.c,$(SOBJ)/%.o,$(CHECK_SRCS) $(SCENARIOS_SRCS) \
	$(LAB_SRCS) $(PROBES_SRCS) $(REPORTS_SRCS) $(PLATFORM_SRCS) \
	$(HVCTL_SRCS) $(COMMON_SRCS) $(COMMON_YAML_SRCS))

PROGS := bin/hvlab bin/hvd bin/hvctl $(EXTRA_PROGS)

.PHONY: all deps check check-root check-unit check-integration run compare \
	bench install clean guest distclean FORCE
.DEFAULT_GOAL := all

all: $(PROGS) guest

deps:
	$(Q)sh tools/deps.sh

bin/hvlab: $(HVLAB_OBJS)
bin/hvd: $(HVD_OBJS)
bin/hvctl: $(HVCTL_OBJS)
bin/%:
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SOBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC-SAN,$<)
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

# Only run_cmd.c uses HV_DESCRIBE; it is rebuilt when the description
# changes (build/describe is rewritten only then).
$(BUILD)/describe: FORCE
	@mkdir -p $(@D)
	@echo '$(DESCRIBE)' | cmp -s - $@ || echo '$(DESCRIBE)' >$@
$(OBJ)/scenarios/run_cmd.o $(SOBJ)/scenarios/run_cmd.o: $(BUILD)/describe
$(OBJ)/scenarios/run_cmd.o $(SOBJ)/scenarios/run_cmd.o: \
	ALL_CFLAGS += -DHV_DESCRIBE='"$(DESCRIBE)"'
FORCE:

$(BUILD)/check_unit: $(UNIT_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(SAN_FLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

# The builds use every core (half the wall time of a serial build on 2
# cores); the tests run one at a time.
JOBS      ?= $(shell nproc 2>/dev/null || echo 1)

check: check-root deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all $(BUILD)/check_unit \
		$(BUILD)/vmtool $(BUILD)/pinggap $(BUILD)/pvedrive \
		$(BUILD)/xapidrive
	$(Q)$(MAKE) --no-print-directory check-unit
	$(Q)$(MAKE) --no-print-directory check-integration

# The integration half needs root: say so before anything else runs.
check-root:
	@if [ "$$(id -u)" -ne 0 ]; then echo "make check: the integration tests need root (network namespaces, OVS, QEMU taps): run 'make check' as root or 'sudo make check' ('make check-unit' runs the unit tests without root)" >&2; exit 1; fi

check-unit: $(BUILD)/check_unit bin/hvd-watchdog
	$(Q)cd tests && CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-10} ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 ../$(BUILD)/check_unit

check-integration: all $(BUILD)/vmtool $(BUILD)/pinggap $(BUILD)/pvedrive \
	$(BUILD)/xapidrive
	$(Q)sh tests/integration/run.sh $(TESTS)

run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tools/run.sh

compare: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh tools/compare.sh

bench: all
	$(Q)sh bench/run.sh $(BENCH)

install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/hvlab
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 scenarios.yaml $(DESTDIR)$(PREFIX)/share/hvlab/

clean:
	rm -rf bin $(OBJ) $(SOBJ) $(BUILD)/check_unit

distclean: clean
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
