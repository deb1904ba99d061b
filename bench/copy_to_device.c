// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * copy_to_device.c - what a bounce copy toward the device costs, cached
 * (memcpy) against osdep_copy_to_device() (the lab binding's streaming
 * copy), in the pattern a bounce buffer sees.
 *
 * Two threads stand for the CPU and the device, each pinned to its own core
 * when there are two.  Each round the CPU thread writes a hot source (as
 * zswap fills a page just before it is stored), copies it into the buffer
 * and hands the buffer over; the device thread reads the whole buffer (as
 * the engine reads its source) and hands it back.  Only the copy is timed.
 * The buffer the device read last is in the device core's cache, so a
 * cached copy must take each line back before it overwrites it; a
 * streaming copy writes whole lines to memory instead.
 *
 * Each point: the median over --reps runs of the mean of --rounds copies;
 * the two methods alternate run by run so that a burst of load on a shared
 * machine spoils one run of each, not all runs of one.
 *
 * Built by bench/copy_to_device.sh; not a test.  It measures the binding
 * itself, so it includes the lab's binding of the reuse layer by path
 * (reuse/lab/osdep_os.h), which no user of the library needs.
 */
#include "../reuse/lab/osdep_os.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEN (64u << 10)
#define MAX_REPS 31

static uint8_t *src, *buf, *dev;
static size_t cur_len;
static _Atomic int turn;		/* 0: the CPU's, 1: the device's, 2: stop */

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *device_fn(void *arg)
{
	int t;

	(void)arg;
	pin(1);
	/* Pairs with run()'s release stores of turn: buf is written before 1. */
	while ((t = atomic_load_explicit(&turn, memory_order_acquire)) != 2) {
		if (t != 1) {
			mclock_relax();
			continue;
		}
		memcpy(dev, buf, cur_len);
		atomic_store_explicit(&turn, 0, memory_order_release);
	}
	return NULL;
}

/* Mean ns of @rounds copies of @len bytes by @method (0 memcpy, 1 stream). */
static double run(int method, size_t len, unsigned int rounds)
{
	uint64_t sum = 0;

	cur_len = len;
	for (unsigned int i = 0; i < rounds; i++) {
		uint64_t t0;

		memset(src, (int)i, len);
		t0 = mclock_now();
		if (method)
			osdep_copy_to_device(buf, src, len);
		else
			memcpy(buf, src, len);
		sum += mclock_now() - t0;
		atomic_store_explicit(&turn, 1, memory_order_release);
		/* Pairs with device_fn()'s release store of 0: its read of buf is done. */
		while (atomic_load_explicit(&turn, memory_order_acquire) != 0)
			mclock_relax();
	}
	return (double)sum / rounds;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static unsigned int arg_count(const char *flag, const char *v, unsigned int max)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v ? v : "", &end, 10);
	if (!v || errno || *end || n == 0 || n > max) {
		fprintf(stderr, "copy_to_device: %s '%s': expected a count 1..%u\n",
			flag, v ? v : "", max);
		exit(2);
	}
	return (unsigned int)n;
}

int main(int argc, char **argv)
{
	unsigned int reps = 9, rounds = 2000;
	pthread_t tid;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--reps"))
			reps = arg_count("--reps", argv[++i], MAX_REPS);
		else if (!strcmp(argv[i], "--rounds"))
			rounds = arg_count("--rounds", argv[++i], 1000000);
		else {
			fprintf(stderr, "copy_to_device: unknown argument '%s'; "
				"expected --reps N (1..%u) or --rounds N\n", argv[i], MAX_REPS);
			return 2;
		}
	}
	src = aligned_alloc(4096, MAX_LEN);
	buf = aligned_alloc(4096, MAX_LEN);
	dev = aligned_alloc(4096, MAX_LEN);
	if (!src || !buf || !dev) {
		fprintf(stderr, "copy_to_device: out of memory\n");
		return 1;
	}
	memset(buf, 0, MAX_LEN);
	memset(dev, 0, MAX_LEN);
	if (pthread_create(&tid, NULL, device_fn, NULL)) {
		fprintf(stderr, "copy_to_device: cannot start the device thread\n");
		return 1;
	}
	pin(0);
	printf("# ns per copy, median of %u runs of %u copies; ratio = memcpy / stream\n",
	       reps, rounds);
	printf("%8s %10s %10s %7s\n", "bytes", "memcpy", "stream", "ratio");
	for (size_t len = 256; len <= MAX_LEN; len *= 2) {
		double m[MAX_REPS], s[MAX_REPS];

		for (unsigned int r = 0; r < reps; r++) {
			int first = (int)(r & 1);
			double a = run(first, len, rounds), b = run(!first, len, rounds);

			m[r] = first ? b : a;
			s[r] = first ? a : b;
		}
		qsort(m, reps, sizeof(m[0]), cmp_double);
		qsort(s, reps, sizeof(s[0]), cmp_double);
		printf("%8zu %10.0f %10.0f %7.2f\n", len, m[reps / 2], s[reps / 2],
		       m[reps / 2] / s[reps / 2]);
	}
	atomic_store_explicit(&turn, 2, memory_order_release);
	pthread_join(tid, NULL);
	free(src);
	free(buf);
	free(dev);
	return 0;
}
