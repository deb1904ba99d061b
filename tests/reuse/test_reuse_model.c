// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse_model.c - random sequences per strategy, checking the safety
 * rule after every step.
 *
 * Owners allocate blocks, map parts of them through a strategy, let the
 * device thread read and write them (every byte checked), unmap them, and
 * free their blocks in random order -- including while the cache still
 * maps them or a reusable list is still registered.  Stop-reuse, shrink
 * and reclaim happen at random too.  A free hook checks, at every frame's
 * return to the allocator, that no PTE and no IOTLB entry reaches it; a
 * step that breaks the rule fails the test with the seed to replay it.
 */
#include "harness.h"

#include <dmareuse/reuse.h>
#include <dmareuse/sg_reuse.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NBLK 12
#define NH 8
#define STEPS 2500

struct blk {
	pfn_t pfn;
	bool owned;		/* the owner's reference is held */
	unsigned int maps;	/* live handles into it */
	struct scatterlist sg[1];
	bool marked;		/* reusable list registered on it */
};

struct live {
	bool on;
	int b;
	size_t off, len;
	enum dma_data_direction dir;
	struct rmap_handle h;
	struct rpool_buf *pb;	/* pool */
	unsigned int seed;
};

struct model {
	struct lab *lab;
	struct dma_device *dev;
	struct devthread *dt;
	enum reuse_strategy s;
	struct rmapper *m;
	struct rreuse *r;
	struct rpool *pool;
	uint64_t rng;
	struct blk blk[NBLK];
	struct live lv[NH];
	unsigned long checked;
};

static uint64_t rnd(struct model *md, uint64_t n)
{
	return test_rand(&md->rng) % n;
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 13);
}

static uint8_t *va_of(struct model *md, int b)
{
	return phys_to_virt(md->lab->m, md->blk[b].pfn << PAGE_SHIFT);
}

static void exchange(struct model *md, dma_addr_t a, size_t len,
		     enum dma_data_direction dir, unsigned int seed)
{
	uint8_t *got = malloc(len), *want = malloc(len);

	if (dir != DMA_FROM_DEVICE) {
		fill(want, len, seed);
		CHECK(devthread_read(md->dt, a, got, len) == 0, "%s: read faulted",
		      reuse_strategy_name(md->s));
		CHECK(!memcmp(got, want, len), "%s: device read wrong bytes",
		      reuse_strategy_name(md->s));
	}
	if (dir != DMA_TO_DEVICE) {
		fill(want, len, ~seed);
		CHECK(devthread_write(md->dt, a, want, len) == 0, "%s: write faulted",
		      reuse_strategy_name(md->s));
	}
	md->checked++;
	free(got);
	free(want);
}

static void op_alloc(struct model *md)
{
	int b = (int)rnd(md, NBLK);

	if (md->blk[b].owned || md->blk[b].maps || md->blk[b].marked)
		return;
	if (pages_alloc(md->lab->pa, 1, 400, false, &md->blk[b].pfn) == 0)
		md->blk[b].owned = true;
}

/* The owner lets go.  Allowed while the cache or a registration pins it. */
static void op_free(struct model *md)
{
	int b = (int)rnd(md, NBLK);

	if (!md->blk[b].owned || md->blk[b].maps)
		return;
	page_put(md->lab->pa, md->blk[b].pfn);
	md->blk[b].owned = false;
}

static void op_map(struct model *md)
{
	int b = (int)rnd(md, NBLK), i;
	struct live *l = NULL;

	for (i = 0; i < NH && !l; i++)
		if (!md->lv[i].on)
			l = &md->lv[i];
	if (!l || !md->blk[b].owned || md->blk[b].maps || md->blk[b].marked)
		return;
	l->b = b;
	l->dir = (enum dma_data_direction)rnd(md, 3);
	l->seed = (unsigned int)rnd(md, 1u << 30);
	switch (rnd(md, 3)) {
	case 0: l->off = 0; l->len = PAGE_SIZE * (1 + rnd(md, 2)); break;
	case 1: l->off = rnd(md, PAGE_SIZE); l->len = 1 + rnd(md, PAGE_SIZE); break;
	default: l->off = 64 * rnd(md, 8); l->len = 1 + rnd(md, 700); break;
	}
	fill(va_of(md, b) + l->off, l->len, l->seed);
	if (rmapper_map(md->m, va_of(md, b) + l->off, l->len, l->dir, &l->h)) {
		CHECK(0, "map failed");
		return;
	}
	exchange(md, l->h.dma, l->len, l->dir, l->seed);
	l->on = true;
	md->blk[b].maps++;
}

static void op_unmap(struct model *md)
{
	struct live *l = &md->lv[rnd(md, NH)];
	uint8_t *want;

	if (!l->on)
		return;
	CHECK(rmapper_unmap(md->m, &l->h) == 0);
	want = malloc(l->len);
	fill(want, l->len, l->dir == DMA_TO_DEVICE ? l->seed : ~l->seed);
	CHECK(!memcmp(va_of(md, l->b) + l->off, want, l->len), "%s: reply lost",
	      reuse_strategy_name(md->s));
	free(want);
	l->on = false;
	md->blk[l->b].maps--;
}

/* reuse: register a list on a block, use it, stop reuse -- at random. */
static void op_reuse(struct model *md)
{
	int b = (int)rnd(md, NBLK);
	struct blk *k = &md->blk[b];
	unsigned int seed = (unsigned int)rnd(md, 1u << 30);

	if (k->marked) {
		if (rnd(md, 4) == 0) {
			CHECK(sg_mark_stop_reuse(k->sg) == 0);
			k->marked = false;
			return;
		}
		/* The owner may already have freed the page: the registration pins it. */
		if (k->owned)
			fill(va_of(md, b), PAGE_SIZE, seed);
		else
			return;
		REQUIRE(reuse_map_sg(k->sg, 1, DMA_BIDIRECTIONAL) == 0);
		exchange(md, k->sg[0].dma_address, PAGE_SIZE, DMA_BIDIRECTIONAL, seed);
		CHECK(reuse_unmap_sg(k->sg, 1, DMA_BIDIRECTIONAL) == 0);
		return;
	}
	if (!k->owned || k->maps)
		return;
	sg_init_table(k->sg, 1);
	sg_set_page(k->sg, k->pfn, PAGE_SIZE, 0);
	CHECK(sg_mark_reusable(k->sg, 1, md->r, NULL, NULL) == 0);
	fill(va_of(md, b), PAGE_SIZE, seed);
	REQUIRE(reuse_map_sg(k->sg, 1, DMA_BIDIRECTIONAL) == 0);
	exchange(md, k->sg[0].dma_address, PAGE_SIZE, DMA_BIDIRECTIONAL, seed);
	CHECK(reuse_unmap_sg(k->sg, 1, DMA_BIDIRECTIONAL) == 0);
	k->marked = true;
}

static void op_pool(struct model *md)
{
	struct live *l = &md->lv[rnd(md, NH)];

	if (l->on) {
		CHECK(rpool_sync_for_cpu(md->pool, l->pb, 512) == 0);
		{
			uint8_t want[512];

			fill(want, 512, ~l->seed);
			CHECK(!memcmp(l->pb->cpu, want, 512), "pool: reply lost");
		}
		CHECK(rpool_put(md->pool, l->pb, 512) == 0);
		l->on = false;
		return;
	}
	l->pb = rpool_get(md->pool);
	if (!l->pb)
		return;
	l->seed = (unsigned int)rnd(md, 1u << 30);
	fill(l->pb->cpu, 512, l->seed);
	exchange(md, l->pb->dma, 512, DMA_BIDIRECTIONAL, l->seed);
	l->on = true;
}

static void run(enum reuse_strategy s)
{
	struct dma_device_opts o = { .type = DMA_DOMAIN_STRICT };
	struct model *md = calloc(1, sizeof(*md));
	uint64_t viol0 = lab_safety_violations();

	md->s = s;
	md->rng = test_seed() * 31 + s;
	md->lab = lab_up(64, 1, "ideal");
	REQUIRE(md->lab);
	lab_install_safety_check(md->lab);
	md->dev = dma_device_create(md->lab->os, "model", &o);
	REQUIRE(md->dev);
	md->dt = devthread_start(dma_device_mdev(md->dev));
	if (s == RS_REUSE)
		md->r = rreuse_create(md->dev);
	else if (s == RS_POOL)
		md->pool = rpool_create(md->dev, 1024, 4, DMA_BIDIRECTIONAL);
	else
		md->m = rmapper_create(md->dev, reuse_strategy_pair(s).mech,
				       &(struct rmapper_cfg){ .cache_entries = 6 });
	REQUIRE(md->m || md->r || md->pool);
	for (int step = 0; step < STEPS && !test_failures; step++) {
		uint64_t op = rnd(md, 100);
		uint64_t before = lab_safety_violations();

		if (op < 15)
			op_alloc(md);
		else if (op < 30)
			op_free(md);
		else if (s == RS_REUSE)
			op_reuse(md);
		else if (s == RS_POOL)
			op_pool(md);
		else if (op < 60)
			op_map(md);
		else if (op < 90)
			op_unmap(md);
		else if (op < 95)
			rmapper_maintain(md->m);	/* cache reclaim */
		else if (s == RS_CACHE || s == RS_AUTO) {
			struct reuse_stats st;

			rmapper_stats(md->m, &st);
			(void)st;
		}
		CHECK(lab_safety_violations() == before, "%s: safety rule broken at step %d",
		      reuse_strategy_name(s), step);
	}
	/* Tear down in the owner's order: unmaps, stops, frees, destroy. */
	for (int i = 0; i < NH; i++) {
		if (md->lv[i].on && s == RS_POOL)
			rpool_put(md->pool, md->lv[i].pb, 0);
		else if (md->lv[i].on) {
			rmapper_unmap(md->m, &md->lv[i].h);
			md->blk[md->lv[i].b].maps--;
		}
	}
	for (int b = 0; b < NBLK; b++) {
		if (md->blk[b].marked)
			CHECK(sg_mark_stop_reuse(md->blk[b].sg) == 0);
		if (md->blk[b].owned)
			page_put(md->lab->pa, md->blk[b].pfn);
	}
	CHECK(md->checked > 100, "%s: only %lu checked transfers", reuse_strategy_name(s),
	      md->checked);
	if (md->m)
		CHECK(rmapper_destroy(md->m) == 0);
	if (md->r)
		CHECK(rreuse_destroy(md->r) == 0);
	if (md->pool)
		CHECK(rpool_destroy(md->pool) == 0);
	devthread_stop(md->dt);
	CHECK(dma_device_destroy(md->dev) == 0);
	CHECK(lab_safety_violations() == viol0, "%s: safety rule broken",
	      reuse_strategy_name(s));
	lab_down(md->lab);
	free(md);
}

static void test_model_bounce(void) { run(RS_BOUNCE); }
static void test_model_cache(void) { run(RS_CACHE); }
static void test_model_iova_link(void) { run(RS_IOVA_LINK); }
static void test_model_auto(void) { run(RS_AUTO); }
static void test_model_strict(void) { run(RS_STRICT); }
static void test_model_reuse(void) { run(RS_REUSE); }
static void test_model_pool(void) { run(RS_POOL); }
static void test_model_batch(void) { run(RS_BATCH); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_model_bounce),
		TEST(test_model_cache),
		TEST(test_model_iova_link),
		TEST(test_model_auto),
		TEST(test_model_strict),
		TEST(test_model_reuse),
		TEST(test_model_pool),
		TEST(test_model_batch),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
