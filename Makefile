# dmareuse - top-level build.  GNU make.
#
#   make            build build/dmabench and build/libdmareuse.a (-O2)
#   make run        install what is missing, build, run the default benchmark;
#                   its JSON and SVG chart go to build/dmabench-default.*
#   make check      every test twice: -O2 and ASan+UBSan, then the kernel track
#                   in QEMU (SKIP_KERNEL=1 skips it); ends "N passed, N failed"
#   make check-tsan the concurrency tests under ThreadSanitizer
#   make kernel-check / kernel-run   the kernel track alone (kmod/README.md)
#   make bench      record benchmark figures into bench/results/
#   make fuzz       build the libFuzzer harnesses (tests/fuzz/) with clang and
#                   run each for FUZZ_S seconds (default 60) on a scratch copy
#                   of its corpus (tests/fuzz/run.sh)
#   make soak       the soak (tests/soak/soak.c): SOAK_S seconds (default 600),
#                   SOAK_STRATEGY strategies (default all), SOAK_SEED (1), SOAK_ARGS
#
# VARIANT selects the build flavour (plain, san, tsan, fuzz); each has its own
# object tree under build/, so they never mix.

VARIANT ?= plain
CC ?= gcc
ifeq ($(CC),cc)
CC := gcc
endif

WARN := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wundef \
	-Wno-unused-parameter -Werror
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -Iinclude -pthread -g $(WARN) \
	-DDMAREUSE_PROFILE_DIR_DEFAULT='"$(CURDIR)/profiles"'
LDLIBS := -pthread -lz -lm -ljansson

FUZZ_CC ?= clang-14
FUZZ_S ?= 60
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined

ifeq ($(VARIANT),plain)
OPT := -O2
BUILD := build
else ifeq ($(VARIANT),san)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BUILD := build/san
else ifeq ($(VARIANT),tsan)
OPT := -O1 -fsanitize=thread
BUILD := build/tsan
else ifeq ($(VARIANT),fuzz)
# libFuzzer wants clang: coverage hooks in every object (fuzzer-no-link), its
# driver and main() only in the harness links (FUZZ_LDFLAGS).
override CC := $(FUZZ_CC)
OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
BUILD := build/fuzz
else
$(error VARIANT must be plain, san, tsan or fuzz, not '$(VARIANT)')
endif

CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(CFLAGS)
LDFLAGS_ALL := $(OPT) $(LDFLAGS)

LAYERS := machine os reuse reuse/lab drivers workloads oracle
LIB_SRCS := $(sort $(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libdmareuse.a

TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
DMABENCH := $(BUILD)/dmabench

TEST_SRCS := $(sort $(wildcard tests/*/test_*.c))
TEST_BINS := $(TEST_SRCS:%.c=$(BUILD)/%)
TEST_COMMON := tests/harness.c

# Every tests/fuzz/fuzz_NAME.c is a harness, build/fuzz/fuzz/fuzz_NAME, with
# its seed corpus in tests/fuzz/corpus/NAME/.  Harnesses link fuzzlib.c (byte
# readers) and the dmabench objects but main() (tools/main.c), as an archive,
# so a harness pulls in only what it calls.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
TOOLLIB := $(BUILD)/libdmabench-tools.a
TOOLLIB_OBJS := $(filter-out $(BUILD)/obj/tools/main.o,$(TOOL_OBJS))

.SECONDARY:
.PHONY: all run check check-tsan test-bins bench clean deps kernel-check kernel-run \
	fuzz fuzz-bins soak
all: $(DMABENCH) $(LIB)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(OBJ_CFLAGS) -MMD -MP -c $< -o $@

# The reuse layer reaches the OS through <osdep_os.h> (reuse/osdep.h): in the
# lab, reuse/lab/osdep_os.h.  Only reuse/ sees that folder; everything else --
# the rest of the library, tests, tools, users -- builds with -Iinclude alone.
$(BUILD)/obj/reuse/%.o: OBJ_CFLAGS := -Ireuse/lab

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(DMABENCH): $(TOOL_OBJS) $(LIB)
	$(CC) $(LDFLAGS_ALL) $(TOOL_OBJS) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(BUILD)/obj/tests/harness.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests $< $(BUILD)/obj/tests/harness.o $(LIB) $(LDFLAGS_ALL) $(LDLIBS) -o $@

test-bins: $(TEST_BINS) $(DMABENCH) $(BUILD)/soak

# The soak driver: a program, not a test binary; tests/soak/test_soak.sh
# runs it briefly in every `make check`, `make soak` for as long as asked.
$(BUILD)/soak: tests/soak/soak.c $(LIB)
	$(CC) $(CFLAGS_ALL) $< $(LIB) $(LDFLAGS_ALL) $(LDLIBS) -o $@

SOAK_S ?= 600
SOAK_STRATEGY ?= all
SOAK_SEED ?= 1
soak: $(BUILD)/soak
	$(BUILD)/soak --seconds $(SOAK_S) --strategy $(SOAK_STRATEGY) --seed $(SOAK_SEED) $(SOAK_ARGS)

$(TOOLLIB): $(TOOLLIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/obj/tests/fuzz/fuzzlib.o $(TOOLLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/fuzz -Itools $< $(BUILD)/obj/tests/fuzz/fuzzlib.o $(TOOLLIB) \
		$(LIB) $(LDFLAGS_ALL) $(FUZZ_LDFLAGS) $(LDLIBS) -o $@

ifeq ($(VARIANT),fuzz)
fuzz-bins: $(FUZZ_BINS)
else
fuzz-bins:
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-bins
endif

# Each harness FUZZ_S seconds on a scratch copy of its corpus; the tree's
# corpus is never grown (tests/fuzz/run.sh says how to keep an input).
fuzz:
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-bins
	@sh tests/fuzz/run.sh fuzz $(FUZZ_S)

# The benchmark programs of bench/ (each run by its bench/*.sh), not tests.
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $< $(LIB) $(LDFLAGS_ALL) $(LDLIBS) -o $@

# Packages a fresh Debian machine may lack; installed only when missing.
deps:
	@sh tools/install-deps.sh

# The default scenario's table on stdout, its JSON and chart beside it.
run: deps
	@$(MAKE) --no-print-directory VARIANT=plain all
	@status=0; build/dmabench run --json build/dmabench-default.json || status=$$?; \
	[ $$status -le 1 ] || exit $$status; \
	build/dmabench plot build/dmabench-default.json -o build/dmabench-default.svg || exit 1; \
	echo "make run: wrote $(CURDIR)/build/dmabench-default.json and" \
		"$(CURDIR)/build/dmabench-default.svg"; \
	exit $$status

check: deps
	@$(MAKE) --no-print-directory VARIANT=plain test-bins
	@$(MAKE) --no-print-directory VARIANT=san test-bins
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-bins
	@sh tests/check.sh

kernel-check:
	@$(MAKE) --no-print-directory -C kmod check

kernel-run:
	@$(MAKE) --no-print-directory -C kmod run

check-tsan:
	@$(MAKE) --no-print-directory VARIANT=tsan test-bins
	@TSAN_ONLY=1 sh tests/run.sh build/tsan

bench: all
	@sh bench/run.sh

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(BUILD)/obj/tests/harness.d \
	$(BUILD)/obj/tests/fuzz/fuzzlib.d
