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
#   make soak       the soak (tests/soak/soak.c): SOAK_S seconds (default 600),
#                   SOAK_STRATEGY strategies (default all), SOAK_SEED (1), SOAK_ARGS
#
# VARIANT selects the build flavour (plain, san, tsan); each has its own
# object tree under build/, so the three never mix.

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

ifeq ($(VARIANT),plain)
OPT := -O2
BUILD := build
else ifeq ($(VARIANT),san)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
BUILD := build/san
else ifeq ($(VARIANT),tsan)
OPT := -O1 -fsanitize=thread
BUILD := build/tsan
else
$(error VARIANT must be plain, san or tsan, not '$(VARIANT)')
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

.SECONDARY:
.PHONY: all run check check-tsan test-bins bench clean deps kernel-check kernel-run soak
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

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d) $(BUILD)/obj/tests/harness.d
