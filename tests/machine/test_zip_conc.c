// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_zip_conc.c - the zip engine under concurrency: two engine cores and
 * two CPU threads, each CPU keeping a batch of requests in flight on one
 * shared queue (doorbells under the driver lock, as a real driver's).
 * Every round compresses a batch of pages of random kinds and formats,
 * decompresses the results and compares every byte.  The isolation oracle
 * watches all of it: on a strict device every access the engine makes --
 * descriptors, SG tables, data, completions -- must be `ok`.  The run ends
 * with a batch still queued when the engine is stopped without draining:
 * every request still completes exactly once (OK or ABORTED).
 * Run under ThreadSanitizer by `make check-tsan`.
 */
#include "zip_testdrv.h"

#include <dmareuse/oracle.h>

#include <stdatomic.h>

#define ROUNDS 150
#define BATCH 8

struct cpu {
	struct lab *lab;
	struct ztd *d;
	unsigned int cpu;
	uint64_t seed;
	_Atomic unsigned long *errors;
	pfn_t src[BATCH], dst[BATCH], back[BATCH];
};

static uint8_t *va(struct lab *lab, pfn_t pfn)
{
	return phys_to_virt(lab->m, pfn << PAGE_SHIFT);
}

static void *cpu_fn(void *arg)
{
	struct cpu *c = arg;
	struct ztd *d = c->d;
	uint64_t rng = c->seed;

	os_set_cpu(c->cpu);
	for (int round = 0; round < ROUNDS; round++) {
		dma_addr_t a[BATCH], b[BATCH];
		uint32_t idx[BATCH], clen[BATCH];
		enum zip_format fmt[BATCH];

		for (int i = 0; i < BATCH; i++) {
			struct zip_sge s, t;

			fmt[i] = (enum zip_format)(test_rand(&rng) & 1);
			ztd_fill(va(c->lab, c->src[i]), PAGE_SIZE, (int)(test_rand(&rng) % 3),
				 &rng);
			a[i] = dma_map_single(d->dev, va(c->lab, c->src[i]), PAGE_SIZE,
					      DMA_TO_DEVICE);
			b[i] = dma_map_single(d->dev, va(c->lab, c->dst[i]), 2 * PAGE_SIZE,
					      DMA_FROM_DEVICE);
			s = (struct zip_sge){ .addr = a[i], .len = PAGE_SIZE };
			t = (struct zip_sge){ .addr = b[i], .len = 2 * PAGE_SIZE };
			idx[i] = ztd_submit(d, ZIP_OP_COMPRESS, fmt[i], &s, 1, &t, 1, PAGE_SIZE,
					    2 * PAGE_SIZE, c->cpu * 1000 + i);
		}
		for (int i = 0; i < BATCH; i++) {
			struct zip_cqe q = ztd_wait(d, idx[i], NULL);

			if (q.status != ZIP_ST_OK || q.tag != c->cpu * 1000 + i)
				atomic_fetch_add(c->errors, 1);
			clen[i] = q.produced;
			dma_unmap_single(d->dev, a[i], PAGE_SIZE, DMA_TO_DEVICE);
			dma_unmap_single(d->dev, b[i], 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		}
		for (int i = 0; i < BATCH; i++) {
			struct zip_sge s, t;

			a[i] = dma_map_single(d->dev, va(c->lab, c->dst[i]), clen[i],
					      DMA_TO_DEVICE);
			b[i] = dma_map_single(d->dev, va(c->lab, c->back[i]), PAGE_SIZE,
					      DMA_FROM_DEVICE);
			s = (struct zip_sge){ .addr = a[i], .len = clen[i] };
			t = (struct zip_sge){ .addr = b[i], .len = PAGE_SIZE };
			idx[i] = ztd_submit(d, ZIP_OP_DECOMPRESS, fmt[i], &s, 1, &t, 1, clen[i],
					    PAGE_SIZE, i);
		}
		for (int i = 0; i < BATCH; i++) {
			struct zip_cqe q = ztd_wait(d, idx[i], NULL);

			dma_unmap_single(d->dev, a[i], clen[i], DMA_TO_DEVICE);
			dma_unmap_single(d->dev, b[i], PAGE_SIZE, DMA_FROM_DEVICE);
			if (q.status != ZIP_ST_OK || q.produced != PAGE_SIZE ||
			    memcmp(va(c->lab, c->back[i]), va(c->lab, c->src[i]), PAGE_SIZE))
				atomic_fetch_add(c->errors, 1);
		}
	}
	return NULL;
}

static void test_two_cores_two_cpus_verified(void)
{
	struct lab *lab = lab_up(64, 2, "ideal");
	struct zip_config cfg = { .nthreads = 2 };
	struct oracle *o = oracle_attach(lab->os);
	uint64_t seed = test_seed();
	_Atomic unsigned long errors = 0;
	struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 32, &cfg);
	struct cpu cpus[2];
	pthread_t tid[2];
	struct oracle_counts oc;
	struct zip_stats st;

	REQUIRE(o && d);
	for (unsigned int k = 0; k < 2; k++) {
		cpus[k] = (struct cpu){
			.lab = lab, .d = d, .cpu = k, .seed = seed + k, .errors = &errors,
		};
		for (int i = 0; i < BATCH; i++) {
			REQUIRE(pages_alloc(lab->pa, 0, 50 + k, true, &cpus[k].src[i]) == 0);
			REQUIRE(pages_alloc(lab->pa, 1, 50 + k, true, &cpus[k].dst[i]) == 0);
			REQUIRE(pages_alloc(lab->pa, 0, 50 + k, true, &cpus[k].back[i]) == 0);
		}
	}
	for (int k = 0; k < 2; k++)
		REQUIRE(pthread_create(&tid[k], NULL, cpu_fn, &cpus[k]) == 0);
	for (int k = 0; k < 2; k++)
		pthread_join(tid[k], NULL);
	CHECK(atomic_load(&errors) == 0, "%lu requests failed or differed",
	      atomic_load(&errors));
	zip_stats_read(d->eng, &st);
	CHECK(st.ok == 2 * 2 * ROUNDS * BATCH, "%llu ok", (unsigned long long)st.ok);
	CHECK(oracle_read(o, dma_device_mdev(d->dev), &oc) == 0);
	CHECK(oc.ok > 0 && oc.stale == 0 && oc.subpage == 0 && oc.breach == 0 &&
	      oc.blocked == 0, "engine reached only lent buffers: ok %llu stale %llu "
	      "subpage %llu breach %llu blocked %llu", (unsigned long long)oc.ok,
	      (unsigned long long)oc.stale, (unsigned long long)oc.subpage,
	      (unsigned long long)oc.breach, (unsigned long long)oc.blocked);
	CHECK(!strcmp(oracle_isolation(o, dma_device_mdev(d->dev)), "buffer"));

	/*
	 * A last batch (its own destination each: two cores write at once),
	 * stopped without draining: one completion each, OK or ABORTED.
	 */
	{
		dma_addr_t a = dma_map_single(d->dev, va(lab, cpus[0].src[0]), PAGE_SIZE,
					      DMA_TO_DEVICE);
		struct zip_sge s = { .addr = a, .len = PAGE_SIZE };
		dma_addr_t b[2 * BATCH];
		uint32_t idx[2 * BATCH];
		uint64_t before = d->completions;
		unsigned int done = 0;

		for (int i = 0; i < 2 * BATCH; i++) {
			struct zip_sge t;

			b[i] = dma_map_single(d->dev, va(lab, cpus[i % 2].dst[i / 2]),
					      2 * PAGE_SIZE, DMA_FROM_DEVICE);
			t = (struct zip_sge){ .addr = b[i], .len = 2 * PAGE_SIZE };
			idx[i] = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_DEFLATE, &s, 1, &t, 1,
					    PAGE_SIZE, 2 * PAGE_SIZE, (uint64_t)i);
		}
		zip_stop(d->eng, false);
		for (int i = 0; i < 2 * BATCH; i++) {
			struct zip_cqe q = ztd_wait(d, idx[i], NULL);

			done += q.status == ZIP_ST_OK || q.status == ZIP_ST_ABORTED;
			dma_unmap_single(d->dev, b[i], 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		}
		CHECK(done == 2 * BATCH && d->completions - before == 2 * BATCH &&
		      d->bad_index == 0);
		dma_unmap_single(d->dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	}
	CHECK(ztd_destroy(d, false) == 0);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < BATCH; i++) {
			page_put(lab->pa, cpus[k].src[i]);
			page_put(lab->pa, cpus[k].dst[i]);
			page_put(lab->pa, cpus[k].back[i]);
		}
	oracle_detach(o);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_two_cores_two_cpus_verified),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
