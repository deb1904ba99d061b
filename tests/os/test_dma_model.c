// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma_model.c - model-based random test of page table + IOTLB + DMA API.
 *
 * A random sequence of map, unmap, sync, CPU write, device read, device
 * write, probes of dead IOVAs and page frees runs against a simple
 * reference: the list of live mappings, each with the bytes the device must
 * see ("device view").  Every device access is checked against it:
 *   - inside a live mapping, with the permission its direction grants, the
 *     access succeeds and reads exactly the device view;
 *   - without the permission it faults (translating domains);
 *   - at a dead IOVA no live mapping covers it faults under strict, may
 *     succeed under lazy until dma_flush_lazy(), and must fault after it;
 *   - after sync_for_cpu / unmap of a device-written mapping, the CPU buffer
 *     holds what the device wrote.
 * Under strict the safety rule is checked on every page free.  Runs every
 * domain type, trusted and untrusted.  The seed is printed; SEED= replays.
 */
#include "harness.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NBLOCKS 24
#define MAXMAP 32
#define STEPS 4000

struct block {
	pfn_t pfn;
	bool live;
	unsigned int users;	/* live mappings inside it */
};

struct mapping {
	bool live;
	int block;
	size_t off, size;
	enum dma_data_direction dir;
	dma_addr_t addr;
	uint8_t *view;		/* what the device must read */
	bool dev_wrote;
};

struct dead {
	dma_addr_t addr;
	size_t size;
};

struct model {
	struct lab *lab;
	struct dma_device *dev;
	enum dma_domain_type type;
	bool untrusted;
	uint64_t rng;
	struct block blk[NBLOCKS];
	struct mapping map[MAXMAP];
	struct dead dead[64];
	unsigned int ndead;
	unsigned long checks;
};

static uint8_t *cpu(struct model *md, struct mapping *mp)
{
	return (uint8_t *)phys_to_virt(md->lab->m, md->blk[mp->block].pfn << PAGE_SHIFT) +
	       mp->off;
}

static bool can_read(enum dma_data_direction d)
{
	return d == DMA_TO_DEVICE || d == DMA_BIDIRECTIONAL;
}

static bool can_write(enum dma_data_direction d)
{
	return d == DMA_FROM_DEVICE || d == DMA_BIDIRECTIONAL;
}

static uint64_t rnd(struct model *md, uint64_t n)
{
	return test_rand(&md->rng) % n;
}

static void op_map(struct model *md)
{
	int slot = -1, b = (int)rnd(md, NBLOCKS);
	struct mapping *mp;
	size_t span;

	for (int i = 0; i < MAXMAP; i++)
		if (!md->map[i].live)
			slot = i;
	if (slot < 0 || !md->blk[b].live)
		return;
	mp = &md->map[slot];
	span = 2 * PAGE_SIZE;	/* blocks are order 1 */
	mp->off = rnd(md, 4) ? rnd(md, span - 1) : 0;
	mp->size = 1 + rnd(md, span - mp->off);
	if (!rnd(md, 4)) {	/* page-aligned whole pages, common in practice */
		mp->off = 0;
		mp->size = rnd(md, 2) ? PAGE_SIZE : span;
	}
	/* Buffers never overlap (DMA-API rule): each owns its bytes. */
	for (int i = 0; i < MAXMAP; i++) {
		struct mapping *o = &md->map[i];

		if (o->live && o->block == b && o->off < mp->off + mp->size &&
		    mp->off < o->off + o->size)
			return;
	}
	mp->dir = (enum dma_data_direction)rnd(md, 3);
	mp->block = b;
	mp->view = malloc(mp->size);
	for (size_t i = 0; i < mp->size; i++)
		cpu(md, mp)[i] = (uint8_t)test_rand(&md->rng);
	memcpy(mp->view, cpu(md, mp), mp->size);
	mp->addr = dma_map_single(md->dev, cpu(md, mp), mp->size, mp->dir);
	if (dma_mapping_error(mp->addr)) {
		CHECK(0, "map failed: off %zu size %zu", mp->off, mp->size);
		free(mp->view);
		return;
	}
	mp->live = true;
	mp->dev_wrote = false;
	md->blk[b].users++;
}

static void check_cpu_sees_device(struct model *md, struct mapping *mp)
{
	if (mp->dev_wrote && can_write(mp->dir)) {
		CHECK(!memcmp(cpu(md, mp), mp->view, mp->size),
		      "CPU does not see the device's write (dir %s, size %zu)",
		      dma_dir_name(mp->dir), mp->size);
		md->checks++;
	}
}

static void op_unmap(struct model *md, int i)
{
	struct mapping *mp = &md->map[i];

	CHECK(dma_unmap_single(md->dev, mp->addr, mp->size, mp->dir) == 0);
	check_cpu_sees_device(md, mp);
	md->dead[md->ndead++ % 64] = (struct dead){ mp->addr, mp->size };
	md->blk[mp->block].users--;
	mp->live = false;
	free(mp->view);
}

static void op_sync_for_cpu(struct model *md, int i)
{
	struct mapping *mp = &md->map[i];

	CHECK(dma_sync_single_for_cpu(md->dev, mp->addr, mp->size, mp->dir) == 0);
	check_cpu_sees_device(md, mp);
}

static void op_cpu_write(struct model *md, int i)
{
	struct mapping *mp = &md->map[i];

	if (!can_read(mp->dir))
		return;
	/* The CPU owns the buffer between for_cpu and for_device. */
	CHECK(dma_sync_single_for_cpu(md->dev, mp->addr, mp->size, mp->dir) == 0);
	check_cpu_sees_device(md, mp);
	for (size_t k = 0; k < mp->size; k += 1 + rnd(md, 64))
		cpu(md, mp)[k] = (uint8_t)test_rand(&md->rng);
	memcpy(mp->view, cpu(md, mp), mp->size);
	mp->dev_wrote = false;
	CHECK(dma_sync_single_for_device(md->dev, mp->addr, mp->size, mp->dir) == 0);
}

static void op_dev_read(struct model *md, int i)
{
	struct mapping *mp = &md->map[i];
	size_t off = rnd(md, mp->size), len = 1 + rnd(md, mp->size - off);
	uint8_t *b = malloc(len);
	int r = mdev_access(dma_device_mdev(md->dev), mp->addr + off, b, len, DEV_READ);

	if (can_read(mp->dir) || md->type == DMA_DOMAIN_PASSTHROUGH) {
		CHECK(r == 0, "read of a live %s mapping failed", dma_dir_name(mp->dir));
		if (!r && can_read(mp->dir))
			CHECK(!memcmp(b, mp->view + off, len), "device read wrong bytes");
	} else {
		CHECK(r == -EFAULT, "device read a FROM_DEVICE mapping");
	}
	md->checks++;
	free(b);
}

static void op_dev_write(struct model *md, int i)
{
	struct mapping *mp = &md->map[i];
	size_t off = rnd(md, mp->size), len = 1 + rnd(md, mp->size - off);
	uint8_t *b = malloc(len);
	int r;

	for (size_t k = 0; k < len; k++)
		b[k] = (uint8_t)test_rand(&md->rng);
	if (!can_write(mp->dir) && md->type == DMA_DOMAIN_PASSTHROUGH) {
		free(b);	/* would succeed and scribble: the model skips it */
		return;
	}
	r = mdev_access(dma_device_mdev(md->dev), mp->addr + off, b, len, DEV_WRITE);
	if (can_write(mp->dir)) {
		CHECK(r == 0, "write to a live %s mapping failed", dma_dir_name(mp->dir));
		memcpy(mp->view + off, b, len);
		mp->dev_wrote = true;
	} else {
		CHECK(r == -EFAULT, "device wrote a TO_DEVICE mapping");
	}
	md->checks++;
	free(b);
}

/* Is any byte of [a, a + n) covered, page-wise, by a live mapping? */
static bool page_covered(struct model *md, dma_addr_t a, size_t n)
{
	for (int i = 0; i < MAXMAP; i++) {
		struct mapping *mp = &md->map[i];

		if (mp->live && (mp->addr & PAGE_MASK) < a + n &&
		    a < ((mp->addr + mp->size + PAGE_SIZE - 1) & PAGE_MASK))
			return true;
	}
	return false;
}

static void op_probe_dead(struct model *md, bool after_flush)
{
	struct dead *d;
	uint8_t b[8];
	int r;

	if (!md->ndead || md->type == DMA_DOMAIN_PASSTHROUGH)
		return;
	d = &md->dead[rnd(md, md->ndead < 64 ? md->ndead : 64)];
	if (page_covered(md, d->addr & PAGE_MASK, PAGE_SIZE))
		return;
	r = mdev_access(dma_device_mdev(md->dev), d->addr, b, 1, DEV_READ);
	if (md->type == DMA_DOMAIN_STRICT || after_flush)
		CHECK(r == -EFAULT, "dead IOVA %#llx still reachable%s",
		      (unsigned long long)d->addr, after_flush ? " after the flush" : "");
	md->checks++;
}

static void op_free_block(struct model *md)
{
	int b = (int)rnd(md, NBLOCKS);

	if (md->blk[b].users)
		return;
	if (md->blk[b].live) {
		page_put(md->lab->pa, md->blk[b].pfn);
		md->blk[b].live = false;
	} else if (pages_alloc(md->lab->pa, 1, 55, false, &md->blk[b].pfn) == 0) {
		md->blk[b].live = true;
	}
}

static int pick_live(struct model *md)
{
	int start = (int)rnd(md, MAXMAP);

	for (int k = 0; k < MAXMAP; k++)
		if (md->map[(start + k) % MAXMAP].live)
			return (start + k) % MAXMAP;
	return -1;
}

static void run_model(enum dma_domain_type type, bool untrusted, uint64_t seed)
{
	struct dma_device_opts o = { .type = type, .untrusted = untrusted };
	struct model *md = calloc(1, sizeof(*md));
	uint64_t viol0 = lab_safety_violations();

	md->lab = lab_up(64, 1, "ideal");
	REQUIRE(md->lab);
	md->type = type;
	md->untrusted = untrusted;
	md->rng = seed ^ ((uint64_t)type << 32) ^ untrusted;
	if (type == DMA_DOMAIN_STRICT)
		lab_install_safety_check(md->lab);
	md->dev = dma_device_create(md->lab->os, "model", &o);
	REQUIRE(md->dev);
	for (int b = 0; b < NBLOCKS; b++)
		md->blk[b].live = pages_alloc(md->lab->pa, 1, 55, false, &md->blk[b].pfn) == 0;
	for (int step = 0; step < STEPS && !test_failures; step++) {
		uint64_t op = rnd(md, 100);
		int i = pick_live(md);

		/* With nothing mapped, a step meant for a mapping maps one. */
		if (op < 20 || (op < 85 && i < 0))
			op_map(md);
		else if (op < 35 && i >= 0)
			op_unmap(md, i);
		else if (op < 45 && i >= 0)
			op_sync_for_cpu(md, i);
		else if (op < 52 && i >= 0)
			op_cpu_write(md, i);
		else if (op < 70 && i >= 0)
			op_dev_read(md, i);
		else if (op < 85 && i >= 0)
			op_dev_write(md, i);
		else if (op < 92)
			op_probe_dead(md, false);
		else if (op < 97)
			op_free_block(md);
		else if (type == DMA_DOMAIN_LAZY) {
			dma_flush_lazy(md->dev);
			op_probe_dead(md, true);
		}
		if (test_failures)
			printf("  (failed at step %d: %s%s)\n", step,
			       dma_domain_type_name(type), untrusted ? " untrusted" : "");
	}
	for (int i = 0; i < MAXMAP; i++)
		if (md->map[i].live)
			op_unmap(md, i);
	for (int b = 0; b < NBLOCKS; b++)
		if (md->blk[b].live)
			page_put(md->lab->pa, md->blk[b].pfn);
	CHECK(md->checks > STEPS / 5, "only %lu checked accesses", md->checks);
	CHECK(dma_device_destroy(md->dev) == 0);
	CHECK(lab_safety_violations() == viol0, "safety rule broken under strict");
	lab_down(md->lab);
	free(md);
}

static void test_model_strict(void)
{
	run_model(DMA_DOMAIN_STRICT, false, test_seed());
	run_model(DMA_DOMAIN_STRICT, true, test_seed());
}

static void test_model_lazy(void)
{
	run_model(DMA_DOMAIN_LAZY, false, test_seed());
	run_model(DMA_DOMAIN_LAZY, true, test_seed());
}

static void test_model_passthrough(void)
{
	run_model(DMA_DOMAIN_PASSTHROUGH, false, test_seed());
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_model_strict),
		TEST(test_model_lazy),
		TEST(test_model_passthrough),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
