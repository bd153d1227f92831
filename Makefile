# lode — build, test, run. See README.md.
#
#   make            release build: build/lib/liblode-<layer>.a, build/bin/lode
#   make test       deps + ASan/UBSan build + every test; ends with "N passed, N failed"
#   make run        deps + build + start the single-node server
#   make deps       install missing Debian packages (idempotent)
#   make protogen   regenerate src/proto/gen from ../shared/kafka-protocol
#   make protogen-check   regenerate into a temp dir and fail on any difference
#   make fuzz       build libFuzzer targets and run each for FUZZ_SECONDS
#   make bench      deps + build + the benchmark suite (bench/suite): writes
#                   docs/performance.md and docs/perf/*.png (QUICK=1: a smoke run)
#   make format     apply .clang-format

SHELL := /bin/bash
.DEFAULT_GOAL := all
# Build directory; helpers working in parallel can use their own (make B=build-x).
B ?= build
CC ?= cc
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || command -v python3)
PROTO_DIR ?= ../shared/kafka-protocol
FUZZ_SECONDS ?= 30

# Layers, lowest first. A layer's sources are src/<layer>/*.c and src/<layer>/*/*.c.
LAYERS := core proto storage config net metadata raft controller group broker server
LIBS_EXT := -lz -llz4 -lzstd -lsnappy -lpthread -lm

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
CPPFLAGS_ALL := -Isrc -D_GNU_SOURCE
CFLAGS_REL := -std=c11 -O2 -g $(WARN)
CFLAGS_ASAN := -std=c11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

layer_srcs = $(sort $(wildcard src/$(1)/*.c src/$(1)/*/*.c))
CLI_SRCS := $(sort $(wildcard tools/cli/*.c))
TEST_SUPPORT_SRCS := $(sort $(wildcard tests/unit/support/*.c tests/unit/support/*/*.c))
UNIT_TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
ITEST_C_SRCS := $(sort $(wildcard tests/integration/*.c))
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_SUPPORT_SRCS := $(sort $(wildcard bench/support/*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

# ---- per-variant rules --------------------------------------------------
# $(1) = variant dir ($(B) or $(B)/asan), $(2) = CFLAGS
define variant
$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$(CPPFLAGS_ALL) -MMD -MP -c $$< -o $$@

$(1)_LIBS := $(foreach L,$(shell echo $(LAYERS) | tr ' ' '\n' | tac),$(1)/lib/liblode-$(L).a)

$(1)/bin/lode: $(patsubst %.c,$(1)/obj/%.o,$(CLI_SRCS)) $$($(1)_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ -o $$@ $$(LIBS_EXT) -lrdkafka
	@cd $$(dir $$@) && for t in $$$$(./lode --kafka-names); do ln -sf lode $$$$t; ln -sf lode $$$$t.sh; done

$(1)/lib/liblode-testsupport.a: $(patsubst %.c,$(1)/obj/%.o,$(TEST_SUPPORT_SRCS))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^

$(1)/tests/%: $(1)/obj/tests/unit/%.o $(1)/obj/tests/unit/harness.o $(1)/lib/liblode-testsupport.a $$($(1)_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ -o $$@ $$(LIBS_EXT) -lrdkafka

$(1)/itests/%: $(1)/obj/tests/integration/%.o $$($(1)_LIBS)
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ -o $$@ $$(LIBS_EXT) -lrdkafka

-include $$(shell find $(1)/obj -name '*.d' 2>/dev/null)
endef

define layer_lib
$(1)/lib/liblode-$(2).a: $(patsubst %.c,$(1)/obj/%.o,$(call layer_srcs,$(2)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef

$(foreach V,$(B) $(B)/asan,$(foreach L,$(LAYERS),$(eval $(call layer_lib,$(V),$(L)))))
$(eval $(call variant,$(B),$(CFLAGS_REL)))
$(eval $(call variant,$(B)/asan,$(CFLAGS_ASAN)))

.SECONDARY:
.SECONDEXPANSION:
.PHONY: all deps test run protogen protogen-check fuzz bench format clean check-build

REL_LIBS := $(foreach L,$(LAYERS),$(B)/lib/liblode-$(L).a)
UNIT_TESTS_ASAN := $(patsubst tests/unit/%.c,$(B)/asan/tests/%,$(UNIT_TEST_SRCS))
ITESTS_ASAN := $(patsubst tests/integration/%.c,$(B)/asan/itests/%,$(ITEST_C_SRCS))

all: $(REL_LIBS) $(B)/bin/lode

deps:
	@scripts/deps.sh

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS_ASAN) $(ITESTS_ASAN) $(B)/asan/bin/lode
	@LODE_BUILD=$(B) tests/run

run: deps
	@$(MAKE) --no-print-directory all
	exec $(B)/bin/lode server config/server.properties

protogen:
	$(PYTHON) tools/protogen/protogen.py --schemas $(PROTO_DIR) --out src/proto/gen --test-out tests/unit/support/gen

protogen-check:
	@tmp=$$(mktemp -d) && \
	$(PYTHON) tools/protogen/protogen.py --schemas $(PROTO_DIR) --out $$tmp/gen --test-out $$tmp/testgen && \
	diff -r $$tmp/gen src/proto/gen && diff -r $$tmp/testgen tests/unit/support/gen && \
	echo "protogen-check: generated code is up to date" ; rc=$$?; rm -rf $$tmp; exit $$rc

FUZZ_CFLAGS := -std=c11 -O1 -g $(WARN) -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer

ALL_LAYER_SRCS := $(foreach L,$(LAYERS),$(call layer_srcs,$(L)))

$(B)/fuzz/%: tests/fuzz/%.c $(ALL_LAYER_SRCS)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(CPPFLAGS_ALL) $< $(ALL_LAYER_SRCS) -o $@ $(LIBS_EXT)

fuzz: deps $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
	@scripts/fuzz.sh $(FUZZ_SECONDS) $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))

bench: deps
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRCS))
	@B=$(B) bench/suite $(if $(QUICK),--quick)

# bench_peers also drives Redis and NATS (hiredis, the NATS C client); nothing else links them.
$(B)/bench/bench_peers: BENCH_LIBS := -lhiredis -lnats
$(B)/bench/%: $(B)/obj/bench/%.o $(patsubst %.c,$(B)/obj/%.o,$(BENCH_SUPPORT_SRCS)) $$($(B)_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) $^ -o $@ $(LIBS_EXT) -lrdkafka $(BENCH_LIBS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^src/proto/gen/' | grep -v '^tests/unit/support/gen/')

clean:
	rm -rf $(B)
