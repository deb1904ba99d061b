// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_tests.c - the kernel track's tests and benchmark, run at probe.
 *
 * Each test prints one "RESULT <name> PASS|FAIL <details>" line (per case
 * where there are cases, plus a summary); scripts/check.sh collects them
 * from the serial console of three boots, one per IOMMU mode.
 *
 * iommu_mode        which IOMMU mode the device is in, read from its default
 *                   domain's type; the harness compares it with the boot's
 *                   command line, so a test is never run in the wrong mode.
 * roundtrip_<s>     RAM -> device buffer -> RAM through strategy <s>, one
 *                   map/unmap per transfer, for lengths 1..4095 at offsets
 *                   within and across a page; every byte compared, and the
 *                   bytes around the destination checked untouched.
 * roundtrip_sync_<s> the same data path with each mapping made once and
 *                   ownership handed back and forth by sync_for_cpu and
 *                   sync_for_device (the "map once, sync per use" shape).
 * stale_unmap       the device DMAs to an IOVA after the driver unmapped it
 *                   (a device that kept an address).  Strict must block it,
 *                   passthrough lets it through (no isolation), lazy may do
 *                   either; the outcome is reported by name.
 * bench <s>         N map+unmap pairs of a 4 KiB buffer (TO_DEVICE), timed as
 *                   5 loops of N/5; the median loop's ns per pair is reported.
 *
 * Why stale_unmap disables interrupts: edu starts a transfer ~100 ms after
 * the doorbell, while Linux's lazy mode flushes its queue of deferred IOTLB
 * invalidations from a 10 ms timer.  Left alone, the flush would always win
 * and lazy would look strict.  A real device acts within microseconds, well
 * inside the window; to keep that ordering, the unmap and the device's
 * access both happen with local interrupts off, so the flush timer cannot
 * run in between.  This relies on the guest having one CPU (the harness
 * boots -smp 1): with more, the timer could fire on another CPU and lazy
 * would report "blocked", which is still a correct observation.  The device
 * first reads through the mapping so that the emulated IOMMU's IOTLB holds
 * the translation, as it would after any real transfer.
 *
 * Timing under TCG measures the emulated CPU: compare strategies and modes
 * only against each other, never against hardware numbers.
 */
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "edu_int.h"

/* Round trips use two pages so that a transfer may cross a page boundary. */
#define RT_BUF_ORDER	1
#define RT_BUF_SIZE	(PAGE_SIZE << RT_BUF_ORDER)
#define RT_GUARD	0xa5

static const u32 rt_lens[] = { 1, 63, 512, 2048, 4095 };
static const u32 rt_offs[] = { 0, 1, 100, 4001 };

#define SYNC_ROUNDS	3
#define SYNC_LEN	3000u

/* Stale DMA: where the device buffer holds the pattern, where the warm-up
 * read lands, and where in the target page the stale write is aimed.
 */
#define STALE_LEN	1024u
#define STALE_WARM_OFF	2048u
#define STALE_WARM_LEN	64u
#define STALE_TGT_OFF	1024u
#define STALE_FILL	0x5a

/**
 * edu_iommu_mode() - the IOMMU mode a device's DMA goes through.
 * @dev:	 the device.
 * @domain_type: set to the domain type's name, for the log.
 *
 * Reads the type of the device's current domain: IDENTITY is passthrough,
 * DMA is strict (unmap invalidates synchronously), DMA_FQ is lazy (flush
 * queue).  No domain means no IOMMU translates this device.
 *
 * Return: "strict", "lazy", "passthrough", "none" or "unknown".
 */
const char *edu_iommu_mode(struct device *dev, const char **domain_type)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	if (!domain) {
		*domain_type = "none";
		return "none";
	}
	switch (domain->type) {
	case IOMMU_DOMAIN_IDENTITY:
		*domain_type = "IDENTITY";
		return "passthrough";
	case IOMMU_DOMAIN_DMA:
		*domain_type = "DMA";
		return "strict";
#ifdef IOMMU_DOMAIN_DMA_FQ
	case IOMMU_DOMAIN_DMA_FQ:
		*domain_type = "DMA_FQ";
		return "lazy";
#endif
	case IOMMU_DOMAIN_BLOCKED:
		*domain_type = "BLOCKED";
		return "unknown";
	case IOMMU_DOMAIN_UNMANAGED:
		*domain_type = "UNMANAGED";
		return "unknown";
	default:
		*domain_type = "other";
		return "unknown";
	}
}

/* A byte pattern that differs per seed and never repeats within 4 KiB. */
static void fill_pattern(u8 *p, size_t len, u32 seed)
{
	u32 x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (u8)x;
	}
}

/* Index of the first byte of @p[0..len) that differs from @c, or @len. */
static size_t first_not(const u8 *p, size_t len, u8 c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return i;
	return len;
}

static size_t first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return len;
}

/*
 * One RAM -> device -> RAM trip of @len bytes at offset @off of two
 * RT_BUF_SIZE buffers.  Returns 0, or -errno with @why filled in.
 */
static int roundtrip_one(struct edu_dev *edu, struct edu_strategy *s,
			 u8 *src, u8 *dst, u32 off, u32 len, u32 dev_off,
			 u32 seed, char *why, size_t why_size)
{
	dma_addr_t a;
	size_t bad;
	int ret;

	memset(src, 0, RT_BUF_SIZE);
	fill_pattern(src + off, len, seed);
	memset(dst, RT_GUARD, RT_BUF_SIZE);

	a = edu_map(s, src + off, len, DMA_TO_DEVICE);
	if (a == DMA_MAPPING_ERROR) {
		scnprintf(why, why_size, "map of source failed");
		return -ENOMEM;
	}
	ret = edu_dma_xfer(edu, a, dev_off, len, false);
	edu_unmap(s, a, src + off, len, DMA_TO_DEVICE);
	if (ret) {
		scnprintf(why, why_size, "RAM->device transfer: %d", ret);
		return ret;
	}

	a = edu_map(s, dst + off, len, DMA_FROM_DEVICE);
	if (a == DMA_MAPPING_ERROR) {
		scnprintf(why, why_size, "map of destination failed");
		return -ENOMEM;
	}
	ret = edu_dma_xfer(edu, a, dev_off, len, true);
	edu_unmap(s, a, dst + off, len, DMA_FROM_DEVICE);
	if (ret) {
		scnprintf(why, why_size, "device->RAM transfer: %d", ret);
		return ret;
	}

	bad = first_diff(src + off, dst + off, len);
	if (bad < len) {
		scnprintf(why, why_size,
			  "byte %zu of %u differs: sent 0x%02x got 0x%02x",
			  bad, len, src[off + bad], dst[off + bad]);
		return -EIO;
	}
	bad = first_not(dst, off, RT_GUARD);
	if (bad == off)
		bad = off + len + first_not(dst + off + len,
					    RT_BUF_SIZE - off - len, RT_GUARD);
	if (bad < RT_BUF_SIZE) {
		scnprintf(why, why_size,
			  "device wrote outside the buffer at byte %zd",
			  (ssize_t)bad - (ssize_t)off);
		return -EIO;
	}
	return 0;
}

static void test_roundtrip(struct edu_dev *edu, struct edu_strategy *s,
			   u8 *src, u8 *dst)
{
	const char *name = s->ops->name;
	unsigned int i, j, cases = 0, failed = 0;
	char why[96];

	for (i = 0; i < ARRAY_SIZE(rt_offs); i++) {
		for (j = 0; j < ARRAY_SIZE(rt_lens); j++) {
			u32 off = rt_offs[i], len = rt_lens[j];
			/* Vary the device-side offset too, keeping
			 * dev_off + len < EDU_BUF_SIZE.
			 */
			u32 dev_off = (off * 7 + len) % (EDU_BUF_SIZE - len);
			int ret;

			why[0] = '\0';
			ret = roundtrip_one(edu, s, src, dst, off, len, dev_off,
					    cases + 1, why, sizeof(why));
			cases++;
			if (ret)
				failed++;
			pr_info(EDU_RESULT "roundtrip_%s %s off=%u len=%u dev_off=%u%s%s\n",
				name, ret ? "FAIL" : "PASS", off, len, dev_off,
				ret ? " " : "", why);
		}
	}
	pr_info(EDU_RESULT "roundtrip_%s_summary %s cases=%u failed=%u\n",
		name, failed ? "FAIL" : "PASS", cases, failed);
}

static void test_roundtrip_sync(struct edu_dev *edu, struct edu_strategy *s,
				u8 *src, u8 *dst)
{
	const char *name = s->ops->name;
	dma_addr_t a, b;
	unsigned int round;
	char why[96] = "";
	int ret = 0;
	size_t bad;

	memset(src, 0, RT_BUF_SIZE);
	memset(dst, RT_GUARD, RT_BUF_SIZE);
	a = edu_map(s, src, SYNC_LEN, DMA_TO_DEVICE);
	if (a == DMA_MAPPING_ERROR) {
		ret = -ENOMEM;
		scnprintf(why, sizeof(why), "map of source failed");
		goto out;
	}
	b = edu_map(s, dst, SYNC_LEN, DMA_FROM_DEVICE);
	if (b == DMA_MAPPING_ERROR) {
		ret = -ENOMEM;
		scnprintf(why, sizeof(why), "map of destination failed");
		goto out_unmap_src;
	}

	/* After map both buffers belong to the device. */
	for (round = 0; round < SYNC_ROUNDS; round++) {
		edu_sync_for_cpu(s, a, src, SYNC_LEN, DMA_TO_DEVICE);
		fill_pattern(src, SYNC_LEN, 1000 + round);
		edu_sync_for_device(s, a, src, SYNC_LEN, DMA_TO_DEVICE);

		ret = edu_dma_xfer(edu, a, 0, SYNC_LEN, false);
		if (!ret)
			ret = edu_dma_xfer(edu, b, 0, SYNC_LEN, true);
		if (ret) {
			scnprintf(why, sizeof(why), "round %u: transfer: %d",
				  round, ret);
			break;
		}

		edu_sync_for_cpu(s, b, dst, SYNC_LEN, DMA_FROM_DEVICE);
		bad = first_diff(src, dst, SYNC_LEN);
		if (bad < SYNC_LEN) {
			scnprintf(why, sizeof(why),
				  "round %u: byte %zu differs: sent 0x%02x got 0x%02x",
				  round, bad, src[bad], dst[bad]);
			ret = -EIO;
			break;
		}
		memset(dst, RT_GUARD, SYNC_LEN);
		edu_sync_for_device(s, b, dst, SYNC_LEN, DMA_FROM_DEVICE);
	}

	edu_unmap(s, b, dst, SYNC_LEN, DMA_FROM_DEVICE);
out_unmap_src:
	edu_unmap(s, a, src, SYNC_LEN, DMA_TO_DEVICE);
out:
	pr_info(EDU_RESULT "roundtrip_sync_%s %s rounds=%u len=%u%s%s\n", name,
		ret ? "FAIL" : "PASS", SYNC_ROUNDS, SYNC_LEN, ret ? " " : "",
		why);
}

/*
 * Stale DMA after a plain unmap.  See the file comment for the sequence and
 * why interrupts are off across unmap + device access.
 */
static void test_stale_unmap(struct edu_dev *edu, const char *mode)
{
	struct device *dev = edu->dev;
	struct page *src_pg, *tgt_pg;
	u8 *src, *tgt;
	dma_addr_t a, iova;
	unsigned long flags;
	const char *outcome;
	bool pass;
	size_t bad;
	int ret;

	src_pg = alloc_page(GFP_KERNEL);
	tgt_pg = alloc_page(GFP_KERNEL);
	if (!src_pg || !tgt_pg) {
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s out of memory\n",
			mode);
		goto out_free;
	}
	src = page_address(src_pg);
	tgt = page_address(tgt_pg);

	/* 1. Load the pattern into the device buffer, through a mapping. */
	fill_pattern(src, STALE_LEN, 4242);
	a = dma_map_single(dev, src, STALE_LEN, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, a)) {
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s map of source failed\n",
			mode);
		goto out_free;
	}
	ret = edu_dma_xfer(edu, a, 0, STALE_LEN, false);
	dma_unmap_single(dev, a, STALE_LEN, DMA_TO_DEVICE);
	if (ret) {
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s loading the device: %d\n",
			mode, ret);
		goto out_free;
	}

	/* 2. Map the target page and let the device use the mapping once
	 *    (a read, so the target keeps its fill), as after any transfer.
	 */
	memset(tgt, STALE_FILL, PAGE_SIZE);
	iova = dma_map_single(dev, tgt, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, iova)) {
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s map of target failed\n",
			mode);
		goto out_free;
	}
	ret = edu_dma_xfer(edu, iova, STALE_WARM_OFF, STALE_WARM_LEN, false);
	if (ret) {
		dma_unmap_single(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s warm-up read: %d\n",
			mode, ret);
		goto out_free;
	}

	/* 3. Unmap, then point the device at the old IOVA. */
	local_irq_save(flags);
	dma_unmap_single(dev, iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	ret = edu_dma_start(edu, iova + STALE_TGT_OFF, 0, STALE_LEN, true);
	if (!ret)
		ret = edu_dma_wait(edu, 2 * NSEC_PER_SEC, false);
	local_irq_restore(flags);
	if (ret) {
		pr_info(EDU_RESULT "stale_unmap FAIL mode=%s stale transfer: %d\n",
			mode, ret);
		goto out_free;
	}

	/* 4. What reached the page?  The CPU owns it again since the unmap. */
	if (first_not(tgt, PAGE_SIZE, STALE_FILL) == PAGE_SIZE) {
		outcome = "blocked";
	} else if (first_diff(tgt + STALE_TGT_OFF, src, STALE_LEN) ==
			   STALE_LEN &&
		   first_not(tgt, STALE_TGT_OFF, STALE_FILL) == STALE_TGT_OFF &&
		   first_not(tgt + STALE_TGT_OFF + STALE_LEN,
			     PAGE_SIZE - STALE_TGT_OFF - STALE_LEN,
			     STALE_FILL) ==
			   PAGE_SIZE - STALE_TGT_OFF - STALE_LEN) {
		outcome = "reachable";
	} else {
		outcome = "corrupt";
	}

	if (!strcmp(outcome, "corrupt"))
		pass = false;
	else if (!strcmp(mode, "strict"))
		pass = !strcmp(outcome, "blocked");
	else if (!strcmp(mode, "passthrough") || !strcmp(mode, "none"))
		pass = !strcmp(outcome, "reachable");
	else
		pass = true;	/* lazy: either is a correct observation */

	bad = first_not(tgt, PAGE_SIZE, STALE_FILL);
	pr_info(EDU_RESULT "stale_unmap %s %s mode=%s iova=%pad first_changed_byte=%zd\n",
		pass ? "PASS" : "FAIL", outcome, mode, &iova,
		bad == PAGE_SIZE ? (ssize_t)-1 : (ssize_t)bad);

out_free:
	if (tgt_pg)
		__free_page(tgt_pg);
	if (src_pg)
		__free_page(src_pg);
}

/* Rounds of the map+unmap benchmark; the median round is reported, which
 * keeps one slow round (a timer tick, an emulator hiccup under TCG) out of
 * the number.
 */
#define BENCH_ROUNDS	5

static void sort_u64(u64 *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--)
			swap(v[j - 1], v[j]);
}

static void bench_pairs_run(struct edu_strategy *s, const char *mode,
			    unsigned int pairs)
{
	const char *name = s->ops->name;
	unsigned int i, r = 0, per_round = max(pairs / BENCH_ROUNDS, 1u);
	u64 ns[BENCH_ROUNDS];
	struct page *pg;
	dma_addr_t a;
	u64 t0;
	void *buf;

	pg = alloc_page(GFP_KERNEL);
	if (!pg) {
		pr_info(EDU_RESULT "bench_%s FAIL out of memory\n", name);
		return;
	}
	buf = page_address(pg);
	memset(buf, 0, PAGE_SIZE);

	/* Warm the IOVA caches and the emulated IOTLB paths once. */
	for (i = 0; i < 64; i++) {
		a = edu_map(s, buf, PAGE_SIZE, DMA_TO_DEVICE);
		if (a == DMA_MAPPING_ERROR)
			goto fail;
		edu_unmap(s, a, buf, PAGE_SIZE, DMA_TO_DEVICE);
	}

	for (r = 0; r < BENCH_ROUNDS; r++) {
		t0 = ktime_get_ns();
		for (i = 0; i < per_round; i++) {
			a = edu_map(s, buf, PAGE_SIZE, DMA_TO_DEVICE);
			if (a == DMA_MAPPING_ERROR)
				goto fail;
			edu_unmap(s, a, buf, PAGE_SIZE, DMA_TO_DEVICE);
		}
		ns[r] = div64_u64(ktime_get_ns() - t0, per_round);
		cond_resched();
	}
	sort_u64(ns, BENCH_ROUNDS);

	pr_info(EDU_RESULT "bench %s ns_per_pair=%llu min=%llu max=%llu pairs=%u rounds=%u len=%lu dir=to_device mode=%s\n",
		name, ns[BENCH_ROUNDS / 2], ns[0], ns[BENCH_ROUNDS - 1],
		per_round * BENCH_ROUNDS, BENCH_ROUNDS, PAGE_SIZE, mode);
	__free_page(pg);
	return;
fail:
	pr_info(EDU_RESULT "bench_%s FAIL map failed in round %u after %u pairs\n",
		name, r, i);
	__free_page(pg);
}

/**
 * edu_run_tests() - run every test and benchmark on one edu device.
 * @edu:	 the device, probed, DMA mask set.
 * @bench_pairs: map+unmap pairs per benchmark; 0 skips the benchmark.
 *
 * Prints the RESULT lines.  Takes @edu->xfer_lock; sleeps; takes a few
 * seconds because each edu transfer takes ~100 ms of virtual time.
 */
void edu_run_tests(struct edu_dev *edu, unsigned int bench_pairs)
{
	const struct edu_strategy_ops *ops;
	struct page *src_pg, *dst_pg;
	const char *mode, *domain_type;
	unsigned int i;

	mode = edu_iommu_mode(edu->dev, &domain_type);
	pr_info(EDU_RESULT "iommu_mode PASS mode=%s domain=%s\n", mode,
		domain_type);

	src_pg = alloc_pages(GFP_KERNEL, RT_BUF_ORDER);
	dst_pg = alloc_pages(GFP_KERNEL, RT_BUF_ORDER);
	if (!src_pg || !dst_pg) {
		pr_info(EDU_RESULT "alloc FAIL out of memory for test buffers\n");
		goto out_free;
	}

	mutex_lock(&edu->xfer_lock);
	for (i = 0; (ops = edu_strategy_get(i)); i++) {
		struct edu_strategy *s = edu_strategy_create(ops, edu->dev);

		if (IS_ERR(s)) {
			pr_info(EDU_RESULT "strategy_%s FAIL create: %ld\n",
				ops->name, PTR_ERR(s));
			continue;
		}
		test_roundtrip(edu, s, page_address(src_pg),
			       page_address(dst_pg));
		test_roundtrip_sync(edu, s, page_address(src_pg),
				    page_address(dst_pg));
		if (bench_pairs)
			bench_pairs_run(s, mode, bench_pairs);
		edu_strategy_destroy(s);
	}
	test_stale_unmap(edu, mode);
	mutex_unlock(&edu->xfer_lock);

out_free:
	if (dst_pg)
		__free_pages(dst_pg, RT_BUF_ORDER);
	if (src_pg)
		__free_pages(src_pg, RT_BUF_ORDER);
}
