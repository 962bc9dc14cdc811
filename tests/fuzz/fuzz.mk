# tests/fuzz/: libFuzzer harnesses for the parsers that read outside input
# (docs/testing.md).  `make fuzz` builds them with clang, their objects
# under build/fuzz/obj/ apart from gcc's, and runs each FUZZ_SECONDS.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ         := $(BUILD)/fuzz
FOBJ         := $(FUZZ)/obj
# The harness links with the fuzzer's main; the code under test is only
# instrumented for it.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CFLAGS   = -std=gnu11 $(filter-out -Wno-format-truncation,$(WARN)) -O1 -g -I. -Icommon $(PKG_CFLAGS) \
	-DHV_VERSION='"$(VERSION)"' -D_GNU_SOURCE -MMD -MP $(FUZZ_SAN)

FUZZ_HARNESSES := fuzz_scenarios fuzz_api fuzz_results
# The import/export formats' descriptors (platform/vmfmt/).
FUZZ_HARNESSES += fuzz_ovf fuzz_mf fuzz_xva
FUZZ_COMMON   := tests/fuzz/fuzz_util.c $(COMMON_SRCS)
FUZZ_SCENARIOS_SRCS := tests/fuzz/fuzz_scenarios.c scenarios/suite.c \
	lab/topo.c $(COMMON_YAML_SRCS) $(FUZZ_COMMON)
FUZZ_API_SRCS := tests/fuzz/fuzz_api.c $(PLATFORM_SRCS) $(FUZZ_COMMON)
FUZZ_RESULTS_SRCS := tests/fuzz/fuzz_results.c reports/results.c \
	reports/report_table.c reports/report_html.c reports/report.c \
	reports/report_plot.c \
	reports/names.c $(FUZZ_COMMON)
FUZZ_VMFMT_SRCS := platform/vmfmt/vmfmt.c platform/vmfmt/ovf.c \
	platform/vmfmt/manifest.c platform/vmfmt/xva_meta.c $(FUZZ_COMMON)

$(FUZZ)/fuzz_scenarios: $(patsubst %.c,$(FOBJ)/%.o,$(FUZZ_SCENARIOS_SRCS))
$(FUZZ)/fuzz_api: $(patsubst %.c,$(FOBJ)/%.o,$(FUZZ_API_SRCS))
$(FUZZ)/fuzz_results: $(patsubst %.c,$(FOBJ)/%.o,$(FUZZ_RESULTS_SRCS))
$(FUZZ)/fuzz_ovf: $(patsubst %.c,$(FOBJ)/%.o,tests/fuzz/fuzz_ovf.c $(FUZZ_VMFMT_SRCS))
$(FUZZ)/fuzz_mf: $(patsubst %.c,$(FOBJ)/%.o,tests/fuzz/fuzz_mf.c $(FUZZ_VMFMT_SRCS))
$(FUZZ)/fuzz_xva: $(patsubst %.c,$(FOBJ)/%.o,tests/fuzz/fuzz_xva.c $(FUZZ_VMFMT_SRCS))
$(FUZZ)/fuzz_%:
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

$(FOBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(call msg,CC-FUZZ,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

.PHONY: fuzz fuzz-build
fuzz-build: $(addprefix $(FUZZ)/,$(FUZZ_HARNESSES))

fuzz: fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh \
		$(FUZZ_HARNESSES)
