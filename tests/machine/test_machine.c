// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_machine.c - the machine model: page table, IOTLB, command queue,
 * faults, reverse query and the device access path, against a page
 * allocator from os/ for table pages.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <errno.h>
#include <string.h>

static int pt_alloc(void *ctx, pfn_t *pfn)
{
	return pages_alloc(ctx, 0, 99, true, pfn);
}

static void pt_free(void *ctx, pfn_t pfn)
{
	page_put(ctx, pfn);
}

static const struct pgtable_alloc_ops ops = { pt_alloc, pt_free };

/* Map, translate, unmap; table pages come and go; counts stay exact. */
static void test_pgtable_map_unmap(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d;
	phys_addr_t pa;
	unsigned int prot;
	pfn_t f;

	REQUIRE(lab);
	d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	REQUIRE(d);
	CHECK(iommu_domain_pt_pages(d) == 1, "root only");
	REQUIRE(pages_alloc(lab->pa, 2, 7, false, &f) == 0);
	CHECK(iommu_map(d, 0x7fff0000000ull, f << PAGE_SHIFT, 4 * PAGE_SIZE,
			IOMMU_READ) == 0);
	CHECK(iommu_domain_pt_pages(d) == 4, "root + 3 levels, got %zu",
	      iommu_domain_pt_pages(d));
	CHECK(iommu_domain_mapped_pages(d) == 4);
	CHECK(iommu_iova_to_phys(d, 0x7fff0002123ull, &pa, &prot) == 0);
	CHECK(pa == ((f + 2) << PAGE_SHIFT) + 0x123, "pa %llx", (unsigned long long)pa);
	CHECK(prot == IOMMU_READ);
	CHECK(iommu_frame_reachable(lab->m, f + 1) == 1);
	/* Remapping a mapped page is refused and changes nothing. */
	CHECK(iommu_map(d, 0x7fff0003000ull, f << PAGE_SHIFT, 2 * PAGE_SIZE,
			IOMMU_WRITE) == -EEXIST);
	CHECK(iommu_domain_mapped_pages(d) == 4);
	CHECK(iommu_iova_to_phys(d, 0x7fff0004000ull, &pa, &prot) == -ENOENT);
	/* Misaligned and out-of-range arguments. */
	CHECK(iommu_map(d, 0x1001, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == -EINVAL);
	CHECK(iommu_map(d, 1ull << 48, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == -EINVAL);
	CHECK(iommu_unmap(d, 0x7fff0000000ull, 4 * PAGE_SIZE) == 4 * PAGE_SIZE);
	CHECK(iommu_domain_pt_pages(d) == 1, "empty tables freed, got %zu",
	      iommu_domain_pt_pages(d));
	CHECK(iommu_frame_reachable(lab->m, f + 1) == 0);
	CHECK(iommu_unmap(d, 0x7fff0000000ull, PAGE_SIZE) == 0, "second unmap clears nothing");
	CHECK(iommu_domain_free(d) == 0);
	page_put(lab->pa, f);
	lab_down(lab);
}

/* The IOTLB keeps a translation after the PTE is cleared, until invalidated. */
static void test_iotlb_survives_pte_clear(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d;
	struct iommu_stats st;
	struct mdev *dev;
	char buf[16] = "hello, device!";
	char out[16] = { 0 };
	pfn_t f;

	REQUIRE(lab);
	d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	dev = mdev_create(lab->m, "t");
	REQUIRE(d && dev);
	mdev_attach(dev, d);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &f) == 0);
	CHECK(mdev_access(dev, 0x10000, buf, 16, DEV_WRITE) == -EFAULT, "unmapped: fault");
	REQUIRE(iommu_map(d, 0x10000, f << PAGE_SHIFT, PAGE_SIZE,
			  IOMMU_READ | IOMMU_WRITE) == 0);
	CHECK(mdev_access(dev, 0x10008, buf, 16, DEV_WRITE) == 0);
	CHECK(!memcmp((char *)phys_to_virt(lab->m, f << PAGE_SHIFT) + 8, buf, 16));
	iommu_unmap(d, 0x10000, PAGE_SIZE);
	CHECK(mdev_access(dev, 0x10008, out, 16, DEV_READ) == 0, "stale IOTLB hit");
	CHECK(!memcmp(out, buf, 16));
	CHECK(iommu_frame_reachable(lab->m, f) == 1, "IOTLB entry still reaches the frame");
	{
		struct iommu_cmd c = { CMD_INV_RANGE, iommu_domain_id(d), 0x10000, 1 };

		iommu_cmdq_submit(lab->m, 0, &c, 1, true);
	}
	CHECK(mdev_access(dev, 0x10008, out, 16, DEV_READ) == -EFAULT);
	CHECK(iommu_frame_reachable(lab->m, f) == 0);
	iommu_stats_read(lab->m, &st);
	CHECK(st.iotlb_hits >= 1 && st.iotlb_misses >= 2 && st.syncs == 1,
	      "hits %llu misses %llu syncs %llu", (unsigned long long)st.iotlb_hits,
	      (unsigned long long)st.iotlb_misses, (unsigned long long)st.syncs);
	mdev_attach(dev, NULL);
	mdev_destroy(dev);
	iommu_domain_free(d);
	page_put(lab->pa, f);
	lab_down(lab);
}

/* Permission faults: a read-only PTE refuses writes; faults are recorded. */
static void test_faults_recorded(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	struct mdev *dev = mdev_create(lab->m, "t");
	struct iommu_fault fr[4];
	size_t got;
	char b[8] = { 0 };
	pfn_t f;

	REQUIRE(d && dev);
	mdev_attach(dev, d);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &f) == 0);
	REQUIRE(iommu_map(d, 0x20000, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == 0);
	CHECK(mdev_access(dev, 0x20000, b, 8, DEV_READ) == 0);
	CHECK(mdev_access(dev, 0x20000, b, 8, DEV_WRITE) == -EFAULT);
	CHECK(mdev_access(dev, 1ull << 50, b, 8, DEV_READ) == -EFAULT);
	CHECK(iommu_faults_read(lab->m, fr, 4, &got) == 2);
	CHECK(got == 2 && fr[0].reason == FAULT_PERMISSION && fr[0].addr == 0x20000 &&
	      fr[0].access == DEV_WRITE && fr[0].dev_id == mdev_id(dev));
	CHECK(fr[1].reason == FAULT_ADDRESS);
	/* A page-crossing access stops at the first faulting page. */
	CHECK(mdev_access(dev, 0x20ffc, b, 8, DEV_READ) == -EFAULT);
	mdev_attach(dev, NULL);
	CHECK(mdev_access(dev, 0x20000, b, 8, DEV_READ) == -EFAULT, "detached: blocked");
	iommu_unmap(d, 0x20000, PAGE_SIZE);
	mdev_destroy(dev);
	iommu_domain_free(d);
	page_put(lab->pa, f);
	lab_down(lab);
}

/*
 * A probe spanning pages: the buffer-less walk goes page by page exactly as
 * an access does (the second page's fault is found and recorded at its own
 * address), and moves nothing.  Regression: the walk advanced its NULL
 * buffer pointer by each chunk -- arithmetic on a null pointer, undefined
 * behaviour clang's UBSan reports (fuzz_reuse_ops found it through an
 * rmo unmap callback that probed; corpus reuse_ops/probe-null-buffer).
 */
static void test_probe_spanning_pages_moves_nothing(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	struct mdev *dev = mdev_create(lab->m, "t");
	struct iommu_fault fr[1];
	uint64_t n0;
	uint8_t *va;
	pfn_t f;

	REQUIRE(d && dev);
	mdev_attach(dev, d);
	REQUIRE(pages_alloc(lab->pa, 1, 7, true, &f) == 0);
	va = phys_to_virt(lab->m, f << PAGE_SHIFT);
	memset(va, 0x3c, 2 * PAGE_SIZE);
	REQUIRE(iommu_map(d, 0x40000, f << PAGE_SHIFT, 2 * PAGE_SIZE,
			  IOMMU_READ | IOMMU_WRITE) == 0);
	n0 = iommu_faults_read(lab->m, NULL, 0, NULL);
	CHECK(mdev_probe(dev, 0x40010, 2 * PAGE_SIZE - 0x20, DEV_WRITE) == 0,
	      "probe of two mapped pages");
	CHECK(va[0x10] == 0x3c && va[2 * PAGE_SIZE - 0x11] == 0x3c, "a probe wrote memory");
	CHECK(iommu_faults_read(lab->m, NULL, 0, NULL) == n0, "a good probe recorded a fault");
	/* Three pages: the third is not mapped; the fault names its first byte. */
	CHECK(mdev_probe(dev, 0x40800, 2 * PAGE_SIZE + 16, DEV_READ) == -EFAULT);
	CHECK(iommu_faults_read(lab->m, fr, 1, NULL) == n0 + 1);
	CHECK(fr[0].addr == 0x42000 && fr[0].reason == FAULT_TRANSLATION,
	      "fault at %#llx", (unsigned long long)fr[0].addr);
	iommu_unmap(d, 0x40000, 2 * PAGE_SIZE);
	mdev_destroy(dev);
	iommu_domain_free(d);
	page_put(lab->pa, f);
	lab_down(lab);
}

static void count_cb(void *arg, unsigned int dom, iova_t iova, bool in_iotlb)
{
	unsigned int *n = arg;

	n[in_iotlb]++;
	(void)dom;
	(void)iova;
}

/* The reverse query finds every PTE and IOTLB entry reaching a frame. */
static void test_reverse_query(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d1 = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	struct iommu_domain *d2 = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	struct mdev *dev = mdev_create(lab->m, "t");
	unsigned int n[2] = { 0, 0 };
	char b[4];
	pfn_t f;

	REQUIRE(d1 && d2 && dev);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &f) == 0);
	CHECK(iommu_map(d1, 0x1000, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == 0);
	CHECK(iommu_map(d1, 0x5000, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == 0);
	CHECK(iommu_map(d2, 0x9000, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == 0);
	mdev_attach(dev, d2);
	CHECK(mdev_access(dev, 0x9000, b, 4, DEV_READ) == 0);
	CHECK(iommu_frame_reach(lab->m, f, count_cb, n) == 4);
	CHECK(n[0] == 3 && n[1] == 1, "ptes %u iotlb %u", n[0], n[1]);
	CHECK(iommu_frame_reachable(lab->m, f) == 4);
	iommu_unmap(d1, 0x1000, PAGE_SIZE);
	iommu_unmap(d1, 0x5000, PAGE_SIZE);
	iommu_unmap(d2, 0x9000, PAGE_SIZE);
	CHECK(iommu_frame_reachable(lab->m, f) == 1, "only the IOTLB entry is left");
	mdev_attach(dev, NULL);
	mdev_destroy(dev);
	iommu_domain_free(d1);
	iommu_domain_free(d2);	/* invalidates its entries */
	CHECK(iommu_frame_reachable(lab->m, f) == 0);
	page_put(lab->pa, f);
	lab_down(lab);
}

/* Identity domains reach any frame of the arena and nothing beyond it. */
static void test_identity_path(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct iommu_domain *d = iommu_domain_alloc(lab->m, true, NULL, NULL);
	struct mdev *dev = mdev_create(lab->m, "pt");
	uint32_t v = 0xabcd1234, r = 0;

	REQUIRE(d && dev);
	mdev_attach(dev, d);
	CHECK(mdev_access(dev, 0x123400, &v, 4, DEV_WRITE) == 0);
	CHECK(mdev_access(dev, 0x123400, &r, 4, DEV_READ) == 0 && r == v);
	CHECK(mdev_access(dev, 16ull << 20, &r, 4, DEV_READ) == -EFAULT);
	mdev_attach(dev, NULL);
	mdev_destroy(dev);
	iommu_domain_free(d);
	lab_down(lab);
}

/* Set-associative eviction: ways+1 pages in one set evict exactly one. */
static void test_iotlb_eviction(void)
{
	struct lab *lab = lab_up(16, 1, "ideal");
	const struct platform_profile *p;
	struct iommu_domain *d;
	struct mdev *dev;
	struct iommu_stats st;
	unsigned int ways;
	char b;
	pfn_t f;

	REQUIRE(lab);
	p = machine_profile(lab->m);
	ways = p->iotlb_ways;
	d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
	dev = mdev_create(lab->m, "t");
	REQUIRE(d && dev);
	mdev_attach(dev, d);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &f) == 0);
	for (unsigned int i = 0; i <= ways; i++) {
		iova_t iova = ((iova_t)(i + 1) * p->iotlb_sets) << PAGE_SHIFT;

		CHECK(iommu_map(d, iova, f << PAGE_SHIFT, PAGE_SIZE, IOMMU_READ) == 0);
		CHECK(mdev_access(dev, iova, &b, 1, DEV_READ) == 0);
	}
	iommu_stats_read(lab->m, &st);
	CHECK(st.iotlb_evictions == 1, "evictions %llu", (unsigned long long)st.iotlb_evictions);
	/* The first page was least recently used: it misses again. */
	CHECK(mdev_access(dev, (iova_t)p->iotlb_sets << PAGE_SHIFT, &b, 1, DEV_READ) == 0);
	iommu_stats_read(lab->m, &st);
	CHECK(st.iotlb_misses == ways + 2u, "misses %llu", (unsigned long long)st.iotlb_misses);
	for (unsigned int i = 0; i <= ways; i++)
		iommu_unmap(d, ((iova_t)(i + 1) * p->iotlb_sets) << PAGE_SHIFT, PAGE_SIZE);
	mdev_attach(dev, NULL);
	mdev_destroy(dev);
	iommu_domain_free(d);
	page_put(lab->pa, f);
	lab_down(lab);
}

/*
 * A synced submit waits for the modelled hardware time; an unsynced one
 * pays only the issue cost.  The hardware time is made huge (200 ms) so the
 * difference cannot be blurred by a loaded machine.
 */
static void test_cmdq_latency_charged(void)
{
	struct platform_profile p;
	struct machine_config mc = { .mem_bytes = 16u << 20, .profile = &p };
	struct machine *m;
	struct iommu_cmd c = { CMD_INV_ALL, 0, 0, 0 };
	char err[256];
	uint64_t spent;

	REQUIRE(profile_load("ideal", &p, err, sizeof(err)) == 0, "%s", err);
	p.cmdq_issue_ns = 20000;
	p.inv_all_ns = 30000;
	p.sync_ns = 200000000;
	m = machine_create(&mc);
	REQUIRE(m);
	spent = iommu_cmdq_submit(m, 0, &c, 1, true);
	CHECK(spent >= 200050000, "synced submit took %llu ns, expected >= 200050000",
	      (unsigned long long)spent);
	/* The hardware is busy for 200 ms more; an unsynced submit does not wait. */
	spent = iommu_cmdq_submit(m, 0, &c, 1, false);
	CHECK(spent >= 20000 && spent < 100000000,
	      "unsynced submit pays the issue only (%llu ns)", (unsigned long long)spent);
	machine_destroy(m);
}

/* Table-page allocation failure leaves nothing mapped and nothing leaked. */
static void test_map_enomem_rolls_back(void)
{
	for (uint64_t n = 1; n <= 4; n++) {
		struct lab *lab = lab_up(16, 1, NULL);
		size_t before = page_alloc_used_frames(lab->pa);
		struct iommu_domain *d = iommu_domain_alloc(lab->m, false, &ops, lab->pa);
		pfn_t f;
		int r;

		REQUIRE(d);
		REQUIRE(pages_alloc(lab->pa, 1, 7, true, &f) == 0);
		/* Two pages straddling a level-1 boundary need fresh tables. */
		failinject_arm(n);
		r = iommu_map(d, 0x1ff000, f << PAGE_SHIFT, 2 * PAGE_SIZE, IOMMU_READ);
		failinject_disarm();
		if (r) {
			CHECK(r == -ENOMEM);
			CHECK(iommu_domain_mapped_pages(d) == 0, "n=%llu", (unsigned long long)n);
			CHECK(iommu_domain_pt_pages(d) == 1);
		} else {
			iommu_unmap(d, 0x1ff000, 2 * PAGE_SIZE);
		}
		CHECK(iommu_domain_free(d) == 0);
		page_put(lab->pa, f);
		CHECK(page_alloc_used_frames(lab->pa) == before, "n=%llu: table frames leaked",
		      (unsigned long long)n);
		lab_down(lab);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_pgtable_map_unmap),
		TEST(test_iotlb_survives_pte_clear),
		TEST(test_faults_recorded),
		TEST(test_probe_spanning_pages_moves_nothing),
		TEST(test_reverse_query),
		TEST(test_identity_path),
		TEST(test_iotlb_eviction),
		TEST(test_cmdq_latency_charged),
		TEST(test_map_enomem_rolls_back),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
