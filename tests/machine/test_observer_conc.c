// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_observer_conc.c - several access observers on one machine: the
 * primary slot (machine_set_observer) and added ones all see every chunk,
 * the slots are limited, removal is exact, and -- the concurrent part --
 * once machine_remove_observer() returns, the observer is not running and
 * never runs again, while a device thread keeps accessing.  Run under
 * ThreadSanitizer by `make check-tsan`.
 */
#include "harness.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

struct counter {
	_Atomic unsigned long chunks, faults;
	_Atomic bool freed;		/* set once the owner "freed" it */
	_Atomic unsigned long after_free;
};

static void count_cb(void *arg, const struct mdev *dev, dma_addr_t addr, pfn_t pfn,
		     size_t len, enum dev_access acc, bool ok)
{
	struct counter *c = arg;

	if (atomic_load(&c->freed))
		atomic_fetch_add(&c->after_free, 1);
	if (ok)
		atomic_fetch_add(&c->chunks, 1);
	else
		atomic_fetch_add(&c->faults, 1);
}

static void other_cb(void *arg, const struct mdev *dev, dma_addr_t addr, pfn_t pfn,
		     size_t len, enum dev_access acc, bool ok)
{
	count_cb(arg, dev, addr, pfn, len, acc, ok);
}

/* Every observer sees every chunk; slots are limited; removal is exact. */
static void test_several_observers(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = dma_device_create(lab->os, "obs", NULL);
	struct mdev *hw = dma_device_mdev(dev);
	struct counter c[4] = { 0 };
	uint8_t buf[2 * PAGE_SIZE];
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(dev && pages_alloc(lab->pa, 1, 77, true, &pfn) == 0);
	a = dma_map_page(dev, pfn, 0, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	machine_set_observer(lab->m, count_cb, &c[0]);
	CHECK(machine_add_observer(lab->m, count_cb, &c[1]) == 0);
	CHECK(machine_add_observer(lab->m, other_cb, &c[2]) == 0);
	CHECK(machine_add_observer(lab->m, count_cb, &c[3]) == 0);
	CHECK(machine_add_observer(lab->m, count_cb, &c[3]) == -ENOSPC, "slots full");
	CHECK(machine_add_observer(lab->m, NULL, NULL) == -EINVAL);
	CHECK(mdev_access(hw, a + 100, buf, PAGE_SIZE, DEV_READ) == 0);	/* 2 chunks */
	CHECK(mdev_access(hw, a, buf, 8, DEV_WRITE) == -EFAULT);		/* 1 fault */
	for (int i = 0; i < 4; i++)
		CHECK(c[i].chunks == 2 && c[i].faults == 1, "observer %d: %lu chunks %lu faults",
		      i, atomic_load(&c[i].chunks), atomic_load(&c[i].faults));
	CHECK(machine_remove_observer(lab->m, count_cb, &c[2]) == -ENOENT, "wrong fn");
	CHECK(machine_remove_observer(lab->m, other_cb, &c[2]) == 0);
	CHECK(machine_remove_observer(lab->m, other_cb, &c[2]) == -ENOENT, "only once");
	machine_set_observer(lab->m, NULL, NULL);
	CHECK(mdev_access(hw, a, buf, 8, DEV_READ) == 0);
	CHECK(c[0].chunks == 2 && c[2].chunks == 2, "removed ones see nothing");
	CHECK(c[1].chunks == 3 && c[3].chunks == 3, "the others still see");
	CHECK(machine_add_observer(lab->m, other_cb, &c[2]) == 0, "a freed slot is reused");
	CHECK(machine_remove_observer(lab->m, count_cb, &c[1]) == 0);
	CHECK(machine_remove_observer(lab->m, other_cb, &c[2]) == 0);
	CHECK(machine_remove_observer(lab->m, count_cb, &c[3]) == 0);
	dma_unmap_page(dev, a, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

struct dev_run {
	struct mdev *hw;
	dma_addr_t a;
	_Atomic bool stop;
	_Atomic unsigned long accesses;
};

static void *device_fn(void *arg)
{
	struct dev_run *d = arg;
	uint8_t buf[64];

	while (!atomic_load(&d->stop)) {
		mdev_access(d->hw, d->a, buf, sizeof(buf), DEV_READ);
		atomic_fetch_add(&d->accesses, 1);
	}
	return NULL;
}

/*
 * While a device thread accesses without pause, observers are added and
 * removed over and over; after each removal the observer is marked freed
 * and must never run again.
 */
static void test_remove_waits_for_running_observers(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = dma_device_create(lab->os, "obs", NULL);
	struct dev_run d = { 0 };
	struct counter c[200] = { 0 };
	unsigned long seen = 0;
	pthread_t tid;
	pfn_t pfn;

	REQUIRE(dev && pages_alloc(lab->pa, 0, 77, true, &pfn) == 0);
	d.hw = dma_device_mdev(dev);
	d.a = dma_map_page(dev, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE);
	REQUIRE(pthread_create(&tid, NULL, device_fn, &d) == 0);
	for (int i = 0; i < 200; i++) {
		unsigned long start = atomic_load(&d.accesses);

		REQUIRE(machine_add_observer(lab->m, count_cb, &c[i]) == 0);
		while (atomic_load(&d.accesses) < start + 3)
			;
		CHECK(machine_remove_observer(lab->m, count_cb, &c[i]) == 0);
		atomic_store(&c[i].freed, true);
		seen += atomic_load(&c[i].chunks) > 0;
	}
	atomic_store(&d.stop, true);
	pthread_join(tid, NULL);
	for (int i = 0; i < 200; i++)
		CHECK(atomic_load(&c[i].after_free) == 0, "observer %d ran after removal", i);
	CHECK(seen > 100, "observers saw accesses (%lu of 200)", seen);
	dma_unmap_page(dev, d.a, PAGE_SIZE, DMA_TO_DEVICE);
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_several_observers),
		TEST(test_remove_waits_for_running_observers),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
