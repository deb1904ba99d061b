// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_batch.c - the batch mechanism (reuse/batch.c): an unmap defers its
 * invalidation into this CPU's batch, a batch is flushed with one command
 * when full, at rbatch_flush() and at rbatch_flush_all(), and nothing an
 * unmap gave back -- its page, its owner's completion, its IOVA or ring
 * slot -- is released before that flush.
 *
 * The model test runs random map / device access / unmap / owner free /
 * flush / CPU switch / ring sequences against a reference of what each
 * CPU's batch holds, with the free hook of tests/harness.c checking at
 * every frame's return to the allocator that no PTE or IOTLB entry
 * reaches it, and each owner's completion checking the same for its
 * buffer.  Moving the release before the SYNC in batch.c's flush makes it
 * fail (the hook and the completions both see the frame still reachable).
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <dmareuse/reuse.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct dma_device *mkdev(struct lab *lab, enum dma_domain_type t)
{
	struct dma_device_opts o = { .type = t };

	return dma_device_create(lab->os, "batch", &o);
}

static uint64_t cmds_now(struct lab *lab)
{
	struct iommu_stats s;

	iommu_stats_read(lab->m, &s);
	return s.cmds;
}

static uint8_t dev_read(struct dma_device *dev, dma_addr_t a, int *r)
{
	uint8_t v = 0;

	*r = mdev_access(dma_device_mdev(dev), a, &v, 1, DEV_READ);
	return v;
}

/*
 * The window and its end: after an unmap the device still reaches the
 * buffer it read (IOTLB), no command has gone out, and the page the owner
 * freed at once is still held; rbatch_flush() closes the window with one
 * command and only then frees the page.
 */
static void test_unmap_defers_until_flush(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev;
	struct rmap_handle h[3];
	struct reuse_stats st;
	struct rbatch *b;
	size_t free0;
	pfn_t pfn[3];
	uint64_t c0;
	int r;

	REQUIRE(lab);
	lab_install_safety_check(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT);
	REQUIRE(dev);
	b = rbatch_create(dev, 4);
	REQUIRE(b);
	CHECK(rbatch_size(b) == 4);
	for (int i = 0; i < 3; i++) {
		REQUIRE(pages_alloc(lab->pa, 0, 9, true, &pfn[i]) == 0);
		*(uint8_t *)phys_to_virt(lab->m, pfn[i] << PAGE_SHIFT) = (uint8_t)(0x40 + i);
		REQUIRE(rbatch_map(b, pfn[i], 0, PAGE_SIZE, DMA_TO_DEVICE, &h[i]) == 0);
		CHECK(dev_read(dev, h[i].dma, &r) == 0x40 + i && r == 0);
	}
	c0 = cmds_now(lab);
	free0 = page_alloc_free_frames(lab->pa);
	for (int i = 0; i < 3; i++) {
		CHECK(rbatch_unmap(b, &h[i]) == 0);
		page_put(lab->pa, pfn[i]);	/* the owner frees at once */
	}
	CHECK(cmds_now(lab) == c0, "no invalidation before the flush");
	CHECK(page_alloc_free_frames(lab->pa) == free0, "the batch holds the pages");
	for (int i = 0; i < 3; i++) {
		CHECK(dev_read(dev, h[i].dma, &r) == 0x40 + i && r == 0,
		      "the window: the IOTLB still reaches buffer %d", i);
		CHECK(page_refcount(lab->pa, pfn[i]) == 1, "only the batch's reference");
	}
	rbatch_stats(b, &st);
	CHECK(st.deferred == 3 && st.pages_deferred == 3 && st.pages_pinned == 3 &&
	      st.flushes == 0 && st.in_use == 0);
	rbatch_flush(b);
	CHECK(cmds_now(lab) == c0 + 1, "one command for three unmaps");
	CHECK(page_alloc_free_frames(lab->pa) == free0 + 3, "pages freed after the flush");
	for (int i = 0; i < 3; i++) {
		dev_read(dev, h[i].dma, &r);
		CHECK(r == -EFAULT, "buffer %d unreachable after the flush", i);
	}
	rbatch_stats(b, &st);
	CHECK(st.flushes == 1 && st.batch_max == 3 && st.pages_pinned == 0 && st.maps == 3 &&
	      st.unmaps == 3 && st.invalidations == 3);
	rbatch_flush(b);
	CHECK(cmds_now(lab) == c0 + 1, "an empty batch costs nothing");
	CHECK(rbatch_destroy(b) == 0);
	CHECK(dma_device_destroy(dev) == 0);
	CHECK(lab_safety_violations() == 0);
	lab_down(lab);
}

/*
 * A full batch flushes itself: N unmaps cost ceil(N / size) commands, and
 * a batch of 1 is strict's one per unmap -- the same count a strict
 * mapper's direct unmaps give.
 */
static void test_full_batch_and_size_one_is_strict(void)
{
	static const unsigned int sizes[] = { 1, 3, 64 };
	struct lab *lab = lab_up(32, 1, "kunpeng920-smmuv3");
	struct dma_device *dev;
	struct rmapper *m;
	struct rmap_handle h;
	uint64_t c0, strict_cmds;
	uint8_t *va;
	pfn_t pfn;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT);
	REQUIRE(dev);
	REQUIRE(pages_alloc(lab->pa, 0, 9, true, &pfn) == 0);
	va = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	m = rmapper_create(dev, RMECH_NONE, NULL);
	REQUIRE(m);
	c0 = cmds_now(lab);
	for (int i = 0; i < 10; i++) {
		REQUIRE(rmapper_map(m, va, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
		CHECK(rmapper_unmap(m, &h) == 0);
	}
	strict_cmds = cmds_now(lab) - c0;
	CHECK(strict_cmds == 10);
	CHECK(rmapper_destroy(m) == 0);
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct reuse_stats st;

		m = rmapper_create(dev, RMECH_BATCH,
				   &(struct rmapper_cfg){ .batch_size = sizes[k] });
		REQUIRE(m);
		c0 = cmds_now(lab);
		for (int i = 0; i < 10; i++) {
			REQUIRE(rmapper_map(m, va, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
			CHECK(rmapper_unmap(m, &h) == 0);
		}
		CHECK(cmds_now(lab) - c0 == 10 / sizes[k], "size %u: %llu commands for 10 unmaps",
		      sizes[k], (unsigned long long)(cmds_now(lab) - c0));
		if (sizes[k] == 1)
			CHECK(cmds_now(lab) - c0 == strict_cmds, "size 1 gives strict's count");
		rmapper_maintain(m);	/* flushes what is left */
		CHECK(cmds_now(lab) - c0 == (10 + sizes[k] - 1) / sizes[k]);
		rmapper_stats(m, &st);
		CHECK(st.deferred == 10 && st.flushes == (10 + sizes[k] - 1) / sizes[k] &&
		      st.batch_max == (sizes[k] < 10 ? sizes[k] : 10) && st.pages_pinned == 0,
		      "size %u: deferred %llu, flushes %llu, max %llu", sizes[k],
		      (unsigned long long)st.deferred, (unsigned long long)st.flushes,
		      (unsigned long long)st.batch_max);
		CHECK(rmapper_destroy(m) == 0);
	}
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

struct note {
	struct lab *lab;
	pfn_t pfn;
	int calls;
	size_t reach;		/* translations reaching the frame when told */
};

static void told(void *arg)
{
	struct note *n = arg;

	n->calls++;
	n->reach += iommu_frame_reachable(n->lab->m, n->pfn);
}

/* The owner's completion comes after the flush, with nothing reaching its buffer. */
static void test_notify_after_flush(void)
{
	struct lab *lab = lab_up(32, 2, "ideal");
	struct note n = { 0 };
	struct dma_device *dev;
	struct rmap_handle h;
	struct reuse_stats st;
	struct rbatch *b;
	int r;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT);
	b = dev ? rbatch_create(dev, 8) : NULL;
	REQUIRE(b);
	n.lab = lab;
	REQUIRE(pages_alloc(lab->pa, 0, 9, true, &n.pfn) == 0);
	os_set_cpu(1);
	REQUIRE(rbatch_map(b, n.pfn, 100, 200, DMA_TO_DEVICE, &h) == 0);
	dev_read(dev, h.dma, &r);
	CHECK(r == 0);
	CHECK(rbatch_unmap_notify(b, &h, told, &n) == 0);
	rbatch_stats(b, &st);
	CHECK(st.pages_deferred == 0 && st.pages_pinned == 0, "notify takes no reference");
	CHECK(n.calls == 0, "not told before the flush");
	os_set_cpu(0);
	rbatch_flush(b);
	CHECK(n.calls == 0, "CPU 0's flush leaves CPU 1's batch alone");
	os_set_cpu(1);
	rbatch_flush(b);
	CHECK(n.calls == 1 && n.reach == 0, "told once (%d), nothing reaching it (%zu)", n.calls,
	      n.reach);
	os_set_cpu(0);
	page_put(lab->pa, n.pfn);
	CHECK(rbatch_destroy(b) == 0);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/*
 * A ring: slots at consecutive places of one IOVA block, so a pass's
 * unmaps gather into one span (one range command); a slot is mapped again
 * only after its flush -- a map that finds it waiting flushes first and
 * gets the same IOVA back.
 */
static void test_ring_slots_contiguous_and_reused_after_flush(void)
{
	struct lab *lab = lab_up(32, 2, "ideal");
	struct rmap_handle h[4], h2;
	struct dma_device *dev;
	struct iommu_stats s0, s1;
	struct rbatch_ring *ring;
	struct rbatch *b;
	pfn_t pfn[4], p2;

	REQUIRE(lab);
	lab_install_safety_check(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT);
	b = dev ? rbatch_create(dev, 64) : NULL;
	REQUIRE(b);
	ring = rbatch_ring_create(b, 4, 5000);
	REQUIRE(ring);
	for (int i = 0; i < 4; i++) {
		REQUIRE(pages_alloc(lab->pa, 1, 9, true, &pfn[i]) == 0);
		REQUIRE(rbatch_ring_map(ring, (unsigned int)i, pfn[i], 5000, DMA_FROM_DEVICE,
					&h[i]) == 0);
		CHECK(h[i].dma == h[0].dma + (dma_addr_t)i * 2 * PAGE_SIZE, "slot %d at %#llx", i,
		      (unsigned long long)h[i].dma);
		CHECK(mdev_access(dma_device_mdev(dev), h[i].dma + 4999, &(uint8_t){ 1 }, 1,
				  DEV_WRITE) == 0);
	}
	CHECK(rbatch_ring_map(ring, 2, pfn[0], 100, DMA_FROM_DEVICE, &h2) == -EINVAL,
	      "a lent slot");
	CHECK(rbatch_ring_map(ring, 4, pfn[0], 100, DMA_FROM_DEVICE, &h2) == -EINVAL,
	      "a slot past the ring");
	CHECK(rbatch_ring_map(ring, 0, pfn[0], 3 * PAGE_SIZE, DMA_FROM_DEVICE, &h2) == -EINVAL,
	      "more than a slot");
	iommu_stats_read(lab->m, &s0);
	for (int i = 0; i < 4; i++) {
		CHECK(rbatch_ring_unmap(ring, &h[i]) == 0);
		page_put(lab->pa, pfn[i]);	/* the driver frees its page: held */
	}
	CHECK(rbatch_ring_unmap(ring, &h[1]) == -EINVAL, "a slot unmapped twice");
	CHECK(mdev_access(dma_device_mdev(dev), h[3].dma + 4999, &(uint8_t){ 1 }, 1,
			  DEV_WRITE) == 0, "the window");
	/* Map slot 1 again from CPU 1: its unmap waits in CPU 0's batch, flushed first. */
	os_set_cpu(1);
	REQUIRE(pages_alloc(lab->pa, 0, 9, true, &p2) == 0);
	REQUIRE(rbatch_ring_map(ring, 1, p2, 100, DMA_FROM_DEVICE, &h2) == 0);
	iommu_stats_read(lab->m, &s1);
	CHECK(s1.cmds - s0.cmds == 1, "one command for the four slots (%llu)",
	      (unsigned long long)(s1.cmds - s0.cmds));
	CHECK(h2.dma == h[1].dma, "the slot's IOVA again");
	for (int i = 0; i < 4; i++)
		CHECK(iommu_frame_reachable(lab->m, pfn[i]) == 0);
	CHECK(mdev_access(dma_device_mdev(dev), h[3].dma + 4999, &(uint8_t){ 1 }, 1,
			  DEV_WRITE) == -EFAULT, "slot 3 closed by the flush");
	CHECK(rbatch_ring_destroy(ring) == -EBUSY, "a slot is lent");
	CHECK(rbatch_destroy(b) == -EBUSY, "a ring is alive");
	CHECK(rbatch_ring_unmap(ring, &h2) == 0);
	page_put(lab->pa, p2);
	os_set_cpu(0);
	CHECK(rbatch_ring_destroy(ring) == 0, "flushes CPU 1's batch");
	CHECK(iommu_frame_reachable(lab->m, p2) == 0);
	CHECK(rbatch_destroy(b) == 0);
	CHECK(dma_device_destroy(dev) == 0);
	CHECK(lab_safety_violations() == 0);
	lab_down(lab);
}

/* Misuse is refused, counted and changes nothing. */
static void test_batch_misuse_refused(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct rmap_handle h, copy;
	struct dma_device *dev;
	struct reuse_stats st;
	struct rbatch *b, *other;
	pfn_t pfn;
	int r;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT);
	REQUIRE(dev);
	CHECK(rbatch_create(dev, RBATCH_MAX_SIZE + 1) == NULL, "a size out of range");
	b = rbatch_create(dev, 0);
	other = rbatch_create(dev, 2);
	REQUIRE(b && other);
	CHECK(rbatch_size(b) == RBATCH_DEFAULT_SIZE);
	REQUIRE(pages_alloc(lab->pa, 0, 9, true, &pfn) == 0);
	CHECK(rbatch_map(b, pfn, 0, 0, DMA_TO_DEVICE, &h) == -EINVAL, "no bytes");
	CHECK(rbatch_map(b, pfn, 0, 10, DMA_NONE, &h) == -EINVAL, "no direction");
	CHECK(rbatch_map(b, pfn, (size_t)-100, 200, DMA_TO_DEVICE, &h) == -EINVAL, "a wrap");
	REQUIRE(rbatch_map(b, pfn, 0, 64, DMA_TO_DEVICE, &h) == 0);
	copy = h;
	CHECK(rbatch_unmap(other, &h) == -EINVAL, "another object's handle");
	h.len = 128;
	CHECK(rbatch_unmap(b, &h) == -EINVAL, "a changed length");
	CHECK(rbatch_sync_for_cpu(b, &h) == -EINVAL);
	h.len = 64;
	CHECK(rbatch_destroy(b) == -EBUSY, "a buffer is lent");
	dev_read(dev, h.dma, &r);
	CHECK(r == 0, "still mapped after the refusals");
	CHECK(rbatch_sync_for_device(b, &h) == 0);
	CHECK(rbatch_unmap(b, &h) == 0);
	CHECK(rbatch_unmap(b, &copy) == -EINVAL, "a copy of a handle taken back");
	CHECK(rbatch_unmap(b, &h) == -EINVAL, "the same handle again");
	rbatch_stats(b, &st);
	CHECK(st.errors == 7, "every refusal counted: %llu", (unsigned long long)st.errors);
	CHECK(st.unmaps == 1 && st.in_use == 0);
	CHECK(rbatch_ring_create(b, 0, 4096) == NULL && rbatch_ring_create(b, 4, 0) == NULL &&
	      rbatch_ring_create(b, 65537, 4096) == NULL, "rings out of range");
	CHECK(rbatch_destroy(other) == 0);
	CHECK(rbatch_destroy(b) == 0);
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/*
 * In every mode: lazy's batch is the batch's own (its flush queue is not
 * used: the flush closes the window); passthrough has nothing to defer
 * (each unmap completes at once) and no IOVA block for a ring.
 */
static void test_batch_under_lazy_and_passthrough(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *lz, *pt;
	struct rmap_handle h;
	struct reuse_stats st;
	struct note n = { 0 };
	struct rbatch *b;
	uint64_t c0;
	int r;

	REQUIRE(lab);
	lz = mkdev(lab, DMA_DOMAIN_LAZY);
	pt = mkdev(lab, DMA_DOMAIN_PASSTHROUGH);
	REQUIRE(lz && pt);
	n.lab = lab;
	REQUIRE(pages_alloc(lab->pa, 0, 9, true, &n.pfn) == 0);
	b = rbatch_create(lz, 4);
	REQUIRE(b);
	REQUIRE(rbatch_map(b, n.pfn, 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
	dev_read(lz, h.dma, &r);
	c0 = cmds_now(lab);
	CHECK(rbatch_unmap(b, &h) == 0);
	dev_read(lz, h.dma, &r);
	CHECK(r == 0, "lazy: the window before the flush");
	rbatch_flush(b);
	CHECK(cmds_now(lab) == c0 + 1, "the batch's own command, not the flush queue's");
	dev_read(lz, h.dma, &r);
	CHECK(r == -EFAULT, "lazy: closed by the batch's flush, no 10 ms wait");
	CHECK(rbatch_destroy(b) == 0);
	b = rbatch_create(pt, 4);
	REQUIRE(b);
	CHECK(rbatch_ring_create(b, 4, 4096) == NULL, "passthrough has no IOVA block");
	REQUIRE(rbatch_map(b, n.pfn, 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
	CHECK(h.dma == n.pfn << PAGE_SHIFT, "identity");
	CHECK(rbatch_unmap_notify(b, &h, told, &n) == 0);
	CHECK(n.calls == 1, "nothing to defer: told at once");
	rbatch_stats(b, &st);
	CHECK(st.deferred == 0 && st.unmaps == 1 && st.pages_pinned == 0);
	CHECK(rbatch_destroy(b) == 0);
	page_put(lab->pa, n.pfn);
	CHECK(dma_device_destroy(lz) == 0);
	CHECK(dma_device_destroy(pt) == 0);
	lab_down(lab);
}

/*
 * The Nth allocation fails, for every N: creating the object, a CPU's
 * first unmap (its entries), a ring.  Whatever fails unwinds, and an
 * unmap whose batch could not be allocated is flushed on its own --
 * nothing left reachable, no page held.
 */
static void test_batch_allocation_failures(void)
{
	bool fell_back = false;

	for (uint64_t n = 1; n < 2000; n++) {
		struct lab *lab = lab_up(32, 2, "ideal");
		struct dma_device *dev;
		struct rbatch *b;
		size_t used;
		pfn_t buf;
		bool hit;

		REQUIRE(lab);
		REQUIRE(pages_alloc(lab->pa, 1, 9, true, &buf) == 0);
		used = page_alloc_used_frames(lab->pa);
		failinject_arm(n);
		dev = mkdev(lab, DMA_DOMAIN_STRICT);
		b = dev ? rbatch_create(dev, 4) : NULL;
		if (b) {
			struct rbatch_ring *ring = rbatch_ring_create(b, 2, PAGE_SIZE);

			for (unsigned int cpu = 0; cpu < 2; cpu++) {
				struct rmap_handle h;

				os_set_cpu(cpu);
				if (rbatch_map(b, buf, 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0) {
					struct reuse_stats s0, st;
					int r;

					dev_read(dev, h.dma, &r);
					rbatch_stats(b, &s0);
					CHECK(rbatch_unmap(b, &h) == 0);
					rbatch_stats(b, &st);
					if (st.deferred == s0.deferred) {
						/* no entries for this CPU: flushed on its own */
						fell_back = true;
						dev_read(dev, h.dma, &r);
						CHECK(r == -EFAULT, "n=%llu: not flushed at once",
						      (unsigned long long)n);
					}
				}
				if (ring && rbatch_ring_map(ring, cpu, buf + 1, 64, DMA_FROM_DEVICE,
							    &h) == 0)
					CHECK(rbatch_ring_unmap(ring, &h) == 0);
			}
			os_set_cpu(0);
			CHECK(rbatch_ring_destroy(ring) == 0);
			CHECK(rbatch_destroy(b) == 0);
		}
		if (dev)
			CHECK(dma_device_destroy(dev) == 0, "n=%llu: mappings left",
			      (unsigned long long)n);
		hit = failinject_disarm();
		CHECK(page_alloc_used_frames(lab->pa) == used, "n=%llu: frames leaked",
		      (unsigned long long)n);
		CHECK(page_refcount(lab->pa, buf) == 1, "n=%llu: a reference left",
		      (unsigned long long)n);
		for (int i = 0; i < 2; i++)
			CHECK(iommu_frame_reachable(lab->m, buf + i) == 0, "n=%llu: reachable",
			      (unsigned long long)n);
		page_put(lab->pa, buf);
		lab_down(lab);
		if (!hit || test_failures) {
			CHECK(n > 3, "only %llu allocation points", (unsigned long long)n);
			CHECK(fell_back, "no run found a CPU without its entries");
			return;
		}
	}
	CHECK(0, "injector never stopped firing");
}

/* ---- the model ------------------------------------------------------------ */

#define NCPU 3
#define NBUF 10
#define NSLOT 6
#define STEPS 4000

enum { B_FREE, B_OWNED, B_LENT, B_PENDING };

struct mbuf {
	int state;
	pfn_t pfn;
	unsigned int order;
	bool owned;		/* the owner still holds its reference */
	bool notify;		/* B_PENDING: unmapped with a completion */
	bool told;		/* that completion came */
	unsigned int cpu;	/* B_PENDING: whose batch */
	uint8_t fill;
	enum dma_data_direction dir;
	struct rmap_handle h;
	dma_addr_t dma;		/* kept after the unmap, for probes */
	struct note note;
};

struct mslot {
	int state;		/* B_FREE, B_LENT or B_PENDING */
	pfn_t pfn;
	unsigned int cpu;
	struct rmap_handle h;
	dma_addr_t dma;
};

struct model {
	struct lab *lab;
	struct dma_device *dev;
	struct rbatch *b;
	struct rbatch_ring *ring;
	unsigned int size, cpu;
	uint64_t rng;
	unsigned int pending[NCPU];	/* entries each CPU's batch holds */
	struct mbuf buf[NBUF];
	struct mslot slot[NSLOT];
	unsigned long probes_hit, probes_closed, flushes;
};

static uint64_t rnd(struct model *md, uint64_t n)
{
	return test_rand(&md->rng) % n;
}

/* Every IOVA of CPU @c's batch is unreachable now (call right after its flush). */
static void check_closed(struct model *md, unsigned int c)
{
	for (int i = 0; i < NBUF; i++) {
		struct mbuf *u = &md->buf[i];
		int r;

		if (u->state != B_PENDING || u->cpu != c)
			continue;
		dev_read(md->dev, u->dma, &r);
		CHECK(r == -EFAULT, "buffer %d readable after its flush", i);
		CHECK(!u->notify || (u->told && u->note.reach == 0),
		      "buffer %d: told %d, reach %zu at the completion", i, u->told, u->note.reach);
		u->state = u->owned ? B_OWNED : B_FREE;
		md->probes_closed++;
	}
	for (int s = 0; s < NSLOT; s++) {
		struct mslot *l = &md->slot[s];
		int r;

		if (l->state != B_PENDING || l->cpu != c)
			continue;
		dev_read(md->dev, l->dma, &r);
		CHECK(r == -EFAULT, "slot %d reachable after its flush", s);
		l->state = B_FREE;
	}
	md->pending[c] = 0;
}

/* What the model knows the batch does when CPU @c's batch takes one more. */
static void one_more(struct model *md, unsigned int c)
{
	if (++md->pending[c] == md->size) {
		md->flushes++;
		check_closed(md, c);
	}
}

static void told_cb(void *arg)
{
	struct mbuf *u = (struct mbuf *)((char *)arg - offsetof(struct mbuf, note));

	told(arg);
	u->told = true;
}

static void op_buffer(struct model *md)
{
	struct mbuf *u = &md->buf[rnd(md, NBUF)];
	int r;

	switch (u->state) {
	case B_FREE:
		u->order = (unsigned int)rnd(md, 2);
		if (u->owned || pages_alloc(md->lab->pa, u->order, 400, false, &u->pfn))
			return;
		u->owned = true;
		u->state = B_OWNED;
		u->note = (struct note){ .lab = md->lab, .pfn = u->pfn };
		return;
	case B_OWNED:
		if (rnd(md, 4) == 0) {
			page_put(md->lab->pa, u->pfn);
			u->owned = false;
			u->state = B_FREE;
			return;
		}
		u->fill = (uint8_t)rnd(md, 256);
		u->dir = rnd(md, 2) ? DMA_TO_DEVICE : DMA_BIDIRECTIONAL;
		memset(phys_to_virt(md->lab->m, u->pfn << PAGE_SHIFT), u->fill,
		       PAGE_SIZE << u->order);
		REQUIRE(rbatch_map(md->b, u->pfn, rnd(md, 64),
				   1 + rnd(md, (PAGE_SIZE << u->order) - 64), u->dir, &u->h) == 0);
		u->dma = u->h.dma;
		CHECK(dev_read(md->dev, u->dma, &r) == u->fill && r == 0, "a lent buffer reads");
		u->state = B_LENT;
		return;
	case B_LENT:
		if (rnd(md, 3) == 0) {
			CHECK(dev_read(md->dev, u->dma, &r) == u->fill && r == 0);
			return;
		}
		u->notify = rnd(md, 3) == 0;
		u->told = false;
		u->note.calls = 0;
		u->note.reach = 0;
		u->cpu = md->cpu;
		u->state = B_PENDING;
		CHECK((u->notify ? rbatch_unmap_notify(md->b, &u->h, told_cb, &u->note) :
			rbatch_unmap(md->b, &u->h)) == 0);
		/* The owner frees at once where a reference holds the frame. */
		if (!u->notify && rnd(md, 2)) {
			page_put(md->lab->pa, u->pfn);
			u->owned = false;
		}
		one_more(md, md->cpu);
		return;
	case B_PENDING: {
		/* A probe in the window: the buffer's own bytes or a fault, never another frame. */
		uint8_t v = dev_read(md->dev, u->dma, &r);

		CHECK(r == -EFAULT || v == u->fill, "a probe in the window read %#x, not %#x",
		      v, u->fill);
		md->probes_hit += r == 0;
		CHECK(!u->told, "told before the flush");
		return;
	}
	}
}

static void op_slot(struct model *md)
{
	unsigned int s = (unsigned int)rnd(md, NSLOT);
	struct mslot *l = &md->slot[s];
	bool was_pending = l->state == B_PENDING;
	unsigned int c = l->cpu;
	uint8_t v = 0x77;

	if (l->state == B_LENT) {
		CHECK(rbatch_ring_unmap(md->ring, &l->h) == 0);
		page_put(md->lab->pa, l->pfn);	/* the driver lets its page go at once */
		l->state = B_PENDING;
		l->cpu = md->cpu;
		one_more(md, md->cpu);
		return;
	}
	if (pages_alloc(md->lab->pa, 0, 401, false, &l->pfn))
		return;
	REQUIRE(rbatch_ring_map(md->ring, s, l->pfn, 1 + rnd(md, PAGE_SIZE), DMA_FROM_DEVICE,
				&l->h) == 0);
	l->state = B_LENT;
	l->dma = l->h.dma;
	if (was_pending) {
		/* The map flushed the batch that held the slot, first. */
		md->flushes++;
		check_closed(md, c);
	}
	CHECK(mdev_access(dma_device_mdev(md->dev), l->dma, &v, 1, DEV_WRITE) == 0);
}

static void model_run(unsigned int size)
{
	struct model *md = calloc(1, sizeof(*md));
	uint64_t viol0 = lab_safety_violations();
	struct reuse_stats st;

	REQUIRE(md);
	md->size = size;
	md->rng = test_seed() * 131 + size;
	md->lab = lab_up(64, NCPU, "ideal");
	REQUIRE(md->lab);
	lab_install_safety_check(md->lab);
	md->dev = mkdev(md->lab, DMA_DOMAIN_STRICT);
	REQUIRE(md->dev);
	md->b = rbatch_create(md->dev, size);
	REQUIRE(md->b);
	md->ring = rbatch_ring_create(md->b, NSLOT, PAGE_SIZE);
	REQUIRE(md->ring);
	for (int step = 0; step < STEPS && !test_failures; step++) {
		uint64_t op = rnd(md, 100);
		uint64_t pinned = 0;

		if (op < 55) {
			op_buffer(md);
		} else if (op < 75) {
			op_slot(md);
		} else if (op < 85) {
			md->cpu = (unsigned int)rnd(md, NCPU);
			os_set_cpu(md->cpu);
		} else if (op < 95) {
			if (md->pending[md->cpu])
				md->flushes++;
			rbatch_flush(md->b);	/* a completion pass on this CPU */
			check_closed(md, md->cpu);
		} else {
			for (unsigned int c = 0; c < NCPU; c++)
				md->flushes += md->pending[c] != 0;
			rbatch_flush_all(md->b);
			for (unsigned int c = 0; c < NCPU; c++)
				check_closed(md, c);
		}
		/* The batch holds a reference for each pending hold and slot, nothing else. */
		for (int i = 0; i < NBUF; i++)
			pinned += md->buf[i].state == B_PENDING && !md->buf[i].notify;
		for (int s = 0; s < NSLOT; s++)
			pinned += md->slot[s].state == B_PENDING;
		rbatch_stats(md->b, &st);
		CHECK(st.pages_pinned == pinned && st.flushes == md->flushes,
		      "step %d: pinned %llu (model %llu), flushes %llu (model %lu)", step,
		      (unsigned long long)st.pages_pinned, (unsigned long long)pinned,
		      (unsigned long long)st.flushes, md->flushes);
		CHECK(lab_safety_violations() == viol0, "size %u: safety rule broken at step %d",
		      size, step);
	}
	/* Teardown: take everything back, flush, let the owners go. */
	for (int s = 0; s < NSLOT; s++)
		if (md->slot[s].state == B_LENT) {
			CHECK(rbatch_ring_unmap(md->ring, &md->slot[s].h) == 0);
			page_put(md->lab->pa, md->slot[s].pfn);
		}
	for (int i = 0; i < NBUF; i++)
		if (md->buf[i].state == B_LENT)
			CHECK(rbatch_unmap(md->b, &md->buf[i].h) == 0);
	CHECK(rbatch_ring_destroy(md->ring) == 0);
	rbatch_stats(md->b, &st);
	CHECK(rbatch_destroy(md->b) == 0);
	for (int i = 0; i < NBUF; i++) {
		CHECK(md->buf[i].state != B_PENDING || !md->buf[i].notify || md->buf[i].told,
		      "buffer %d: its completion never came", i);
		if (md->buf[i].owned)
			page_put(md->lab->pa, md->buf[i].pfn);
	}
	/* A batch of 1 is strict: no window at all.  Larger ones have one, and it closes. */
	CHECK(size == 1 ? md->probes_hit == 0 : md->probes_hit > 20,
	      "size %u: %lu probes in the window reached their buffer", size, md->probes_hit);
	CHECK(md->probes_closed > 50, "size %u: only %lu windows checked closed", size,
	      md->probes_closed);
	CHECK(st.deferred > 200, "size %u: only %llu unmaps deferred", size,
	      (unsigned long long)st.deferred);
	os_set_cpu(0);
	CHECK(dma_device_destroy(md->dev) == 0);
	CHECK(lab_safety_violations() == viol0, "size %u: safety rule broken", size);
	lab_down(md->lab);
	free(md);
}

static void test_model_batch_of_1(void) { model_run(1); }
static void test_model_batch_of_3(void) { model_run(3); }
static void test_model_batch_of_64(void) { model_run(64); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_unmap_defers_until_flush),
		TEST(test_full_batch_and_size_one_is_strict),
		TEST(test_notify_after_flush),
		TEST(test_ring_slots_contiguous_and_reused_after_flush),
		TEST(test_batch_misuse_refused),
		TEST(test_batch_under_lazy_and_passthrough),
		TEST(test_batch_allocation_failures),
		TEST(test_model_batch_of_1),
		TEST(test_model_batch_of_3),
		TEST(test_model_batch_of_64),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
