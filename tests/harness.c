// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * harness.c - the test harness: test runner, seeds, lab setup and teardown
 * with leak checks, and the safety-rule check on page free.
 */
#include "harness.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

int test_failures;
static _Atomic uint64_t safety_violations;

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	test_failures++;
	fprintf(stderr, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int test_main(int argc, char **argv, const struct test_case *cases, size_t n)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		bool want = argc < 2;

		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], cases[i].name);
		if (!want)
			continue;
		test_failures = 0;
		cases[i].fn();
		if (test_failures) {
			printf("FAIL %s\n", cases[i].name);
			failed++;
		} else {
			printf("ok   %s\n", cases[i].name);
			passed++;
		}
		fflush(stdout);
	}
	printf("# %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

uint64_t test_seed(void)
{
	static uint64_t seed;
	const char *s;

	if (seed)
		return seed;
	s = getenv("SEED");
	seed = s && *s ? strtoull(s, NULL, 0) : (mclock_now() ^ 0x9e3779b97f4a7c15ull);
	if (!seed)
		seed = 1;
	printf("# seed %llu (replay with SEED=%llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	return seed;
}

uint64_t test_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

struct lab *lab_up(size_t mem_mb, unsigned int ncpus, const char *profile)
{
	static struct platform_profile prof;
	struct machine_config mc = { .mem_bytes = mem_mb << 20 };
	struct os_config oc = { .ncpus = ncpus };
	struct lab *lab = calloc(1, sizeof(*lab));
	char err[512];

	if (!lab)
		return NULL;
	if (profile) {
		if (profile_load(profile, &prof, err, sizeof(err))) {
			fprintf(stderr, "lab_up: %s\n", err);
			free(lab);
			return NULL;
		}
		mc.profile = &prof;
	}
	lab->m = machine_create(&mc);
	if (!lab->m) {
		free(lab);
		return NULL;
	}
	oc.machine = lab->m;
	lab->os = os_create(&oc);
	if (!lab->os) {
		machine_destroy(lab->m);
		free(lab);
		return NULL;
	}
	lab->pa = os_page_alloc(lab->os);
	lab->free_at_start = page_alloc_free_frames(lab->pa);
	return lab;
}

void lab_down(struct lab *lab)
{
	size_t leaked;

	if (!lab)
		return;
	CHECK(page_alloc_free_frames(lab->pa) == lab->free_at_start,
	      "frames leaked: %zu", lab->free_at_start - page_alloc_free_frames(lab->pa));
	CHECK(os_swiotlb_used_slots(lab->os) == 0, "swiotlb slots leaked");
	leaked = os_destroy(lab->os);
	CHECK(leaked == 0, "os_destroy reported %zu leaked frames", leaked);
	CHECK(machine_destroy(lab->m), "machine had live domains or devices");
	free(lab);
}

static void safety_hook(void *arg, pfn_t pfn, unsigned int order)
{
	struct lab *lab = arg;

	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++) {
		size_t n = iommu_frame_reachable(lab->m, pfn + i);

		if (n) {
			atomic_fetch_add(&safety_violations, 1);
			fprintf(stderr, "  SAFETY: frame %#llx freed while %zu translation(s) reach it\n",
				(unsigned long long)(pfn + i), n);
		}
	}
}

void check_run_error(uint64_t n, int ret, const char *err)
{
	CHECK(err[0], "n=%llu: %d (%s) without a message", (unsigned long long)n, ret,
	      strerror(-ret));
	CHECK(ret != -EINVAL && ret != -EIO, "n=%llu: %d: %s", (unsigned long long)n, ret, err);
}

int lab_install_safety_check(struct lab *lab)
{
	int r = page_alloc_add_free_hook(lab->pa, safety_hook, lab);

	CHECK(r == 0, "safety check not installed: %d", r);
	return r;
}

uint64_t lab_safety_violations(void)
{
	return atomic_load(&safety_violations);
}

struct devthread {
	struct mdev *hw;
	pthread_t tid;
	pthread_mutex_t client;		/* one request at a time */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, pending, done;
	dma_addr_t addr;
	void *buf;
	size_t len;
	enum dev_access acc;
	int result;
};

static void *devthread_fn(void *arg)
{
	struct devthread *d = arg;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!d->pending && !d->stop)
			pthread_cond_wait(&d->cond, &d->lock);
		if (d->stop)
			break;
		pthread_mutex_unlock(&d->lock);
		d->result = mdev_access(d->hw, d->addr, d->buf, d->len, d->acc);
		pthread_mutex_lock(&d->lock);
		d->pending = false;
		d->done = true;
		pthread_cond_broadcast(&d->cond);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

struct devthread *devthread_start(struct mdev *hw)
{
	struct devthread *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->hw = hw;
	pthread_mutex_init(&d->client, NULL);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	if (pthread_create(&d->tid, NULL, devthread_fn, d)) {
		free(d);
		return NULL;
	}
	return d;
}

static int devthread_do(struct devthread *d, dma_addr_t a, void *buf, size_t len,
			enum dev_access acc)
{
	int r;

	pthread_mutex_lock(&d->client);
	pthread_mutex_lock(&d->lock);
	d->addr = a;
	d->buf = buf;
	d->len = len;
	d->acc = acc;
	d->done = false;
	d->pending = true;
	pthread_cond_broadcast(&d->cond);
	while (!d->done)
		pthread_cond_wait(&d->cond, &d->lock);
	r = d->result;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_unlock(&d->client);
	return r;
}

int devthread_read(struct devthread *d, dma_addr_t a, void *buf, size_t len)
{
	return devthread_do(d, a, buf, len, DEV_READ);
}

int devthread_write(struct devthread *d, dma_addr_t a, const void *buf, size_t len)
{
	return devthread_do(d, a, (void *)buf, len, DEV_WRITE);
}

void devthread_stop(struct devthread *d)
{
	pthread_mutex_lock(&d->lock);
	d->stop = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	pthread_join(d->tid, NULL);
	pthread_mutex_destroy(&d->client);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}
