/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * harness.h - a small test harness.
 *
 * A test binary is a list of test functions run by test_main().  CHECK()
 * records a failure (file:line and a message) and lets the test go on so
 * one run shows every broken property; REQUIRE() also returns from the
 * test.  Every binary ends with a line "# N passed, M failed" that
 * tests/run.sh adds up.  Random tests take their seed from $SEED or the
 * clock and print it, so any failure can be replayed.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <dmareuse/dma.h>
#include <dmareuse/machine.h>
#include <dmareuse/os.h>

#include <stdio.h>

extern int test_failures;	/* failures in the running test */

void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		if (!(cond))                                               \
			test_fail(__FILE__, __LINE__, "CHECK(" #cond ") " __VA_ARGS__); \
	} while (0)

#define REQUIRE(cond, ...)                                                 \
	do {                                                               \
		if (!(cond)) {                                             \
			test_fail(__FILE__, __LINE__, "REQUIRE(" #cond ") " __VA_ARGS__); \
			return;                                            \
		}                                                          \
	} while (0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(fn) { #fn, fn }

/** test_main() - run @cases (all, or those named in argv); exit status 1 on failure. */
int test_main(int argc, char **argv, const struct test_case *cases, size_t n);

/** test_seed() - $SEED or a clock-derived seed; printed once. */
uint64_t test_seed(void);
/** test_rand() - xorshift64* over a caller-held state. */
uint64_t test_rand(uint64_t *state);

/* A machine + OS for tests, on a named profile (NULL = zero latency). */
struct lab {
	struct machine *m;
	struct os *os;
	struct page_alloc *pa;
	size_t free_at_start;
};

/** lab_up() - build a lab of @mem_mb MiB with @ncpus CPUs; NULL on failure. */
struct lab *lab_up(size_t mem_mb, unsigned int ncpus, const char *profile);
/**
 * lab_down() - tear down, CHECKing that no frame, device or domain leaked.
 */
void lab_down(struct lab *lab);
/**
 * lab_install_safety_check() - CHECK the safety rule on every page free.
 * Return: 0, or -ENOSPC (and a CHECK failure) if the allocator has no free
 * hook slot left.
 */
int lab_install_safety_check(struct lab *lab);
/** lab_safety_violations() - frames freed while still reachable. */
uint64_t lab_safety_violations(void);
/**
 * check_run_error() - CHECK what a workload run that failed reported.
 * @n:   the fault-injection point that was armed (for the messages).
 * @ret: the run's return value, a negative errno.
 * @err: the run's error text.
 *
 * A failure under fault injection must say why, and must not pass for bad
 * input (-EINVAL) or a data error (-EIO).
 */
void check_run_error(uint64_t n, int ret, const char *err);

/*
 * A device thread: DMA runs on its own thread, as a real engine's would.
 * devthread_read/write hand one access to it and wait for the result.
 */
struct devthread;
struct devthread *devthread_start(struct mdev *hw);
int devthread_read(struct devthread *d, dma_addr_t a, void *buf, size_t len);
int devthread_write(struct devthread *d, dma_addr_t a, const void *buf, size_t len);
void devthread_stop(struct devthread *d);

#endif
