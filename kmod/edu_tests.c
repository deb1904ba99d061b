// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_tests.c - the kernel track's data tests and benchmark, run at probe.
 *
 * Each test prints one "RESULT <name> PASS|FAIL <details>" line (per case
 * where there are cases, plus a summary); scripts/harness.sh collects them
 * from the serial console of three boots, one per IOMMU mode.  The
 * isolation tests (stale DMA, pinning) are in edu_isolation.c.
 *
 * iommu_mode        which IOMMU mode the device is in, read from its default
 *                   domain's type; the harness compares it with the boot's
 *                   command line, so a test is never run in the wrong mode.
 * roundtrip_<s>     RAM -> device buffer -> RAM through strategy <s>, one
 *                   map/unmap (or get/put) per transfer, for lengths
 *                   1..4095 at offsets within and across a page; every byte
 *                   compared, and the bytes around the destination checked
 *                   untouched.  A strategy lends buffers in one or more ways
 *                   (edu_strategy_ops.rt_modes), each a set of cases:
 *                     exact  the mapping is exactly the bytes transferred;
 *                     pages  the mapping is the whole pages around them
 *                            (the cache maps whole pages only), and the
 *                            device is pointed inside it;
 *                     own    the strategy's own buffers (pool): the CPU
 *                            fills one, the device reads it, the device
 *                            writes another, the CPU reads it.
 * roundtrip_sync_<s> the same data path with each buffer mapped (or got)
 *                   once and ownership handed back and forth by
 *                   sync_for_cpu and sync_for_device ("map once, sync per use").
 * bench <s>         N map+unmap (or get+put) pairs of a 4 KiB page
 *                   (TO_DEVICE), in three passes (after the strategy's
 *                   tests, and twice after all tests, seconds apart), each
 *                   timed as 5 loops of N/5 with their own instance of
 *                   the strategy and their own page (all alive at once)
 *                   after an untimed warm-up (100 ms of the same loop,
 *                   then 64 pairs per loop); the lowest of the passes'
 *                   median loops is reported, with all three medians.  For
 *                   reuse and cache the timed pairs are hits: the
 *                   registration or cache entry made by the warm-up is
 *                   used again.
 *
 * A strategy that refuses this boot's IOMMU mode (reuse, cache and auto
 * refuse a lazy device by design) gets "PASS n/a" lines with the reason.
 *
 * Test buffers are compound pages: the reuse and cache strategies pin the
 * pages they map, and only a referenced page can be pinned (a tail page of a
 * non-compound block has no reference count of its own).
 *
 * Timing under TCG measures the emulated CPU: compare strategies and modes
 * only against each other, never against hardware numbers.
 *
 * Size: over 800 lines, on purpose: every data test the module runs at
 * probe shares the device fixture and the RESULT line format; the
 * isolation tests and the benchmark live in their own files.
 */
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
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

/**
 * edu_fill_pattern() - a byte pattern that differs per seed.
 * @p:	  destination.
 * @len:  bytes.
 * @seed: selects the pattern; it does not repeat within 4 KiB.
 */
void edu_fill_pattern(u8 *p, size_t len, u32 seed)
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

/**
 * edu_first_not() - find the first byte that is not a given value.
 * @p:	 bytes.
 * @len: how many.
 * @c:	 the value.
 *
 * Return: the index of the first byte of @p[0..@len) that differs from @c,
 * or @len.
 */
size_t edu_first_not(const u8 *p, size_t len, u8 c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return i;
	return len;
}

/**
 * edu_first_diff() - find the first difference of two byte ranges.
 * @a:	 bytes.
 * @b:	 bytes.
 * @len: how many.
 *
 * Return: the first index where @a and @b differ, or @len.
 */
size_t edu_first_diff(const u8 *a, const u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			return i;
	return len;
}

/*
 * Where the mapping for the bytes [@off, @off + @len) of a test buffer
 * starts (@moff) and how long it is (@mlen), for lending mode @mode.
 */
static void rt_span(unsigned int mode, u32 off, u32 len, u32 *moff, u32 *mlen)
{
	if (mode == EDU_RT_PAGES) {
		*moff = round_down(off, PAGE_SIZE);
		*mlen = round_up(off + len, PAGE_SIZE) - *moff;
	} else {
		*moff = off;
		*mlen = len;
	}
}

static const char *rt_mode_name(unsigned int mode)
{
	switch (mode) {
	case EDU_RT_EXACT:
		return "exact";
	case EDU_RT_PAGES:
		return "pages";
	default:
		return "own";
	}
}

/*
 * Check a received buffer: @len bytes at @off of @dst must equal @ref, and
 * @dst[0..@size) outside [@keep_lo, @keep_hi) must still hold the guard.
 * Returns 0, or -EIO with @why filled in.
 */
static int rt_check(const u8 *ref, const u8 *dst, u32 off, u32 len,
		    u32 keep_lo, u32 keep_hi, size_t size, char *why,
		    size_t why_size)
{
	size_t bad;

	bad = edu_first_diff(ref + off, dst + off, len);
	if (bad < len) {
		scnprintf(why, why_size,
			  "byte %zu of %u differs: sent 0x%02x got 0x%02x",
			  bad, len, ref[off + bad], dst[off + bad]);
		return -EIO;
	}
	bad = edu_first_not(dst, keep_lo, RT_GUARD);
	if (bad == keep_lo)
		bad = keep_hi + edu_first_not(dst + keep_hi, size - keep_hi,
					      RT_GUARD);
	if (bad < size) {
		scnprintf(why, why_size,
			  "device wrote outside the buffer at byte %zd",
			  (ssize_t)bad - (ssize_t)off);
		return -EIO;
	}
	return 0;
}

/*
 * One RAM -> device -> RAM trip of @len bytes at offset @off of two
 * RT_BUF_SIZE buffers, mapped as @mode says.  Returns 0, or -errno with
 * @why filled in.
 *
 * In pages mode the guard is checked outside the mapping only: the bytes of
 * a FROM_DEVICE mapping that the device does not write are the subject of
 * edu_isolation.c's bounce_rx_partial test, not of this one.
 */
static int roundtrip_map(struct edu_dev *edu, struct edu_strategy *s,
			 unsigned int mode, u8 *src, u8 *dst, u32 off, u32 len,
			 u32 dev_off, u32 seed, char *why, size_t why_size)
{
	u32 moff, mlen;
	dma_addr_t a;
	int ret;

	rt_span(mode, off, len, &moff, &mlen);
	memset(src, 0, RT_BUF_SIZE);
	edu_fill_pattern(src + off, len, seed);
	memset(dst, RT_GUARD, RT_BUF_SIZE);

	a = edu_map(s, src + moff, mlen, DMA_TO_DEVICE);
	if (a == DMA_MAPPING_ERROR) {
		scnprintf(why, why_size, "map of source failed");
		return -ENOMEM;
	}
	ret = edu_dma_xfer(edu, a + (off - moff), dev_off, len, false);
	edu_unmap(s, a, src + moff, mlen, DMA_TO_DEVICE);
	if (ret) {
		scnprintf(why, why_size, "RAM->device transfer: %d", ret);
		return ret;
	}

	a = edu_map(s, dst + moff, mlen, DMA_FROM_DEVICE);
	if (a == DMA_MAPPING_ERROR) {
		scnprintf(why, why_size, "map of destination failed");
		return -ENOMEM;
	}
	ret = edu_dma_xfer(edu, a + (off - moff), dev_off, len, true);
	edu_unmap(s, a, dst + moff, mlen, DMA_FROM_DEVICE);
	if (ret) {
		scnprintf(why, why_size, "device->RAM transfer: %d", ret);
		return ret;
	}
	return rt_check(src, dst, off, len, moff, moff + mlen, RT_BUF_SIZE,
			why, why_size);
}

/*
 * The same trip through a strategy's own buffers (pool): @ref holds the
 * pattern the CPU copies into the lent source buffer and compares the lent
 * destination buffer with.  Ownership follows the DMA API: a lent buffer is
 * the device's, so the CPU syncs it for itself before touching it and back
 * for the device afterwards.
 */
static int roundtrip_own(struct edu_dev *edu, struct edu_strategy *s,
			 u8 *ref, u32 off, u32 len, u32 dev_off, u32 seed,
			 char *why, size_t why_size)
{
	dma_addr_t a;
	u8 *buf;
	int ret;

	memset(ref, 0, RT_BUF_SIZE);
	edu_fill_pattern(ref + off, len, seed);

	buf = edu_get(s, RT_BUF_SIZE, DMA_TO_DEVICE, &a);
	if (!buf) {
		scnprintf(why, why_size, "no source buffer");
		return -ENOMEM;
	}
	edu_sync_for_cpu(s, a, buf, off + len, DMA_TO_DEVICE);
	memcpy(buf + off, ref + off, len);
	edu_sync_for_device(s, a, buf, off + len, DMA_TO_DEVICE);
	ret = edu_dma_xfer(edu, a + off, dev_off, len, false);
	edu_put(s, buf, a, off + len, DMA_TO_DEVICE);
	if (ret) {
		scnprintf(why, why_size, "RAM->device transfer: %d", ret);
		return ret;
	}

	buf = edu_get(s, RT_BUF_SIZE, DMA_FROM_DEVICE, &a);
	if (!buf) {
		scnprintf(why, why_size, "no destination buffer");
		return -ENOMEM;
	}
	edu_sync_for_cpu(s, a, buf, RT_BUF_SIZE, DMA_FROM_DEVICE);
	memset(buf, RT_GUARD, RT_BUF_SIZE);
	edu_sync_for_device(s, a, buf, RT_BUF_SIZE, DMA_FROM_DEVICE);
	ret = edu_dma_xfer(edu, a + off, dev_off, len, true);
	if (ret) {
		scnprintf(why, why_size, "device->RAM transfer: %d", ret);
	} else {
		edu_sync_for_cpu(s, a, buf, RT_BUF_SIZE, DMA_FROM_DEVICE);
		ret = rt_check(ref, buf, off, len, off, off + len, RT_BUF_SIZE,
			       why, why_size);
	}
	edu_put(s, buf, a, RT_BUF_SIZE, DMA_FROM_DEVICE);
	return ret;
}

/* Every (offset, length) case of one lending mode; counts into *@cases. */
static void roundtrip_cases(struct edu_dev *edu, struct edu_strategy *s,
			    unsigned int mode, u8 *src, u8 *dst,
			    unsigned int *cases, unsigned int *failed)
{
	unsigned int i, j;
	char why[96];

	for (i = 0; i < ARRAY_SIZE(rt_offs); i++) {
		for (j = 0; j < ARRAY_SIZE(rt_lens); j++) {
			u32 off = rt_offs[i], len = rt_lens[j];
			/* Vary the device-side offset too, keeping
			 * dev_off + len < EDU_BUF_SIZE.
			 */
			u32 dev_off = (off * 7 + len) % (EDU_BUF_SIZE - len);
			u32 seed = ++*cases;
			int ret;

			why[0] = '\0';
			if (mode)
				ret = roundtrip_map(edu, s, mode, src, dst, off,
						    len, dev_off, seed, why,
						    sizeof(why));
			else
				ret = roundtrip_own(edu, s, src, off, len,
						    dev_off, seed, why,
						    sizeof(why));
			if (ret)
				++*failed;
			pr_info(EDU_RESULT "roundtrip_%s %s map=%s off=%u len=%u dev_off=%u%s%s\n",
				s->ops->name, ret ? "FAIL" : "PASS",
				rt_mode_name(mode), off, len, dev_off,
				ret ? " " : "", why);
		}
	}
}

static void test_roundtrip(struct edu_dev *edu, struct edu_strategy *s,
			   u8 *src, u8 *dst)
{
	unsigned int cases = 0, failed = 0;
	char extra[32] = "";

	if (edu_own_buffers(s)) {
		roundtrip_cases(edu, s, 0, src, dst, &cases, &failed);
	} else {
		if (s->ops->rt_modes & EDU_RT_EXACT)
			roundtrip_cases(edu, s, EDU_RT_EXACT, src, dst, &cases,
					&failed);
		if (s->ops->rt_modes & EDU_RT_PAGES)
			roundtrip_cases(edu, s, EDU_RT_PAGES, src, dst, &cases,
					&failed);
	}
	if (s->ops->mech == RMECH_AUTO)
		scnprintf(extra, sizeof(extra), " crossover=%zu",
			  edu_strategy_crossover(s));
	pr_info(EDU_RESULT "roundtrip_%s_summary %s cases=%u failed=%u%s\n",
		s->ops->name, failed ? "FAIL" : "PASS", cases, failed, extra);
}

/*
 * Lend @len bytes at @buf for @dir: map it, or get a buffer of the
 * strategy's own (then *@cpu is that buffer).  Returns DMA_MAPPING_ERROR on
 * failure.
 */
static dma_addr_t lend(struct edu_strategy *s, u8 *buf, size_t len,
		       enum dma_data_direction dir, u8 **cpu)
{
	dma_addr_t a = DMA_MAPPING_ERROR;

	if (edu_own_buffers(s)) {
		*cpu = edu_get(s, len, dir, &a);
		return *cpu ? a : DMA_MAPPING_ERROR;
	}
	*cpu = buf;
	return edu_map(s, buf, len, dir);
}

static void give_back(struct edu_strategy *s, dma_addr_t a, u8 *cpu,
		      size_t len, enum dma_data_direction dir)
{
	if (edu_own_buffers(s))
		edu_put(s, cpu, a, len, dir);
	else
		edu_unmap(s, a, cpu, len, dir);
}

/*
 * Map once, sync per use.  A strategy that maps whole pages only (cache)
 * gets the whole page around the SYNC_LEN bytes, as roundtrip's pages mode.
 */
static void test_roundtrip_sync(struct edu_dev *edu, struct edu_strategy *s,
				u8 *src, u8 *dst)
{
	const char *name = s->ops->name;
	size_t mlen = SYNC_LEN;
	dma_addr_t a, b;
	unsigned int round;
	char why[96] = "";
	u8 *ref = src, *tx, *rx;
	int ret = 0;
	size_t bad;

	if (!edu_own_buffers(s) && !(s->ops->rt_modes & EDU_RT_EXACT))
		mlen = round_up(SYNC_LEN, PAGE_SIZE);
	memset(src, 0, RT_BUF_SIZE);
	memset(dst, RT_GUARD, RT_BUF_SIZE);
	a = lend(s, src, mlen, DMA_TO_DEVICE, &tx);
	if (a == DMA_MAPPING_ERROR) {
		ret = -ENOMEM;
		scnprintf(why, sizeof(why), "map of source failed");
		goto out;
	}
	b = lend(s, dst, mlen, DMA_FROM_DEVICE, &rx);
	if (b == DMA_MAPPING_ERROR) {
		ret = -ENOMEM;
		scnprintf(why, sizeof(why), "map of destination failed");
		goto out_unmap_src;
	}
	if (rx != dst) {
		/* Own buffers: guard the destination like dst. */
		edu_sync_for_cpu(s, b, rx, SYNC_LEN, DMA_FROM_DEVICE);
		memset(rx, RT_GUARD, SYNC_LEN);
		edu_sync_for_device(s, b, rx, SYNC_LEN, DMA_FROM_DEVICE);
	}

	/* After map both buffers belong to the device. */
	for (round = 0; round < SYNC_ROUNDS; round++) {
		edu_sync_for_cpu(s, a, tx, mlen, DMA_TO_DEVICE);
		edu_fill_pattern(ref, SYNC_LEN, 1000 + round);
		if (tx != ref)
			memcpy(tx, ref, SYNC_LEN);
		edu_sync_for_device(s, a, tx, mlen, DMA_TO_DEVICE);

		ret = edu_dma_xfer(edu, a, 0, SYNC_LEN, false);
		if (!ret)
			ret = edu_dma_xfer(edu, b, 0, SYNC_LEN, true);
		if (ret) {
			scnprintf(why, sizeof(why), "round %u: transfer: %d",
				  round, ret);
			break;
		}

		edu_sync_for_cpu(s, b, rx, mlen, DMA_FROM_DEVICE);
		bad = edu_first_diff(ref, rx, SYNC_LEN);
		if (bad < SYNC_LEN) {
			scnprintf(why, sizeof(why),
				  "round %u: byte %zu differs: sent 0x%02x got 0x%02x",
				  round, bad, ref[bad], rx[bad]);
			ret = -EIO;
			edu_sync_for_device(s, b, rx, mlen, DMA_FROM_DEVICE);
			break;
		}
		memset(rx, RT_GUARD, SYNC_LEN);
		edu_sync_for_device(s, b, rx, mlen, DMA_FROM_DEVICE);
	}

	give_back(s, b, rx, mlen, DMA_FROM_DEVICE);
out_unmap_src:
	give_back(s, a, tx, mlen, DMA_TO_DEVICE);
out:
	pr_info(EDU_RESULT "roundtrip_sync_%s %s rounds=%u len=%u map_len=%zu%s%s\n",
		name, ret ? "FAIL" : "PASS", SYNC_ROUNDS, SYNC_LEN, mlen,
		ret ? " " : "", why);
}

/*
 * How the map+unmap benchmark keeps the host out of its figures.  The
 * guest's clock is the host's (TCG without icount): whatever slows the
 * emulator's thread on the host lengthens a timed loop with nothing in the
 * guest to show it.  Two effects were measured here:
 *
 * - Cold start.  A pass used to begin right after its strategy's tests,
 *   whose edu transfers leave the guest idle for ~100 ms each.  Its first
 *   tens of ms then ran slow (the five rounds of a hit-path pass take ~20
 *   ms together): in one boot the reuse pass took 337 ns a pair right
 *   after the tests and 190 ns a pair later, strict 4051 against 3087 ns,
 *   with the emulator doing no extra work (a host profile of a slow boot
 *   was the fast boot's, only longer).  Sleeps between the rounds did
 *   not help (each is another idle spell).  So each pass first runs the
 *   hit path for BENCH_WARM_NS untimed; after that a pass taken right
 *   after the tests agrees with one taken later within a few percent.
 * - Interference: short spells, at random times, in which a pass runs
 *   slow -- the hypervisor or another process taking the CPU, or causes
 *   not found.  Measured on a quiet machine over six boots, two passes per
 *   strategy: in 12 of 36 (strategy, boot) pairs one pass was 1.2-1.8x the
 *   other, either one, never both (pool 586/333, cache 191/263, reuse
 *   293/196); once, in another boot, both (cache 293/284).  Interference
 *   only ever adds time, so each strategy runs three passes -- after its
 *   own tests, then twice more once every strategy's tests are done, each
 *   time with a fresh instance -- and the figure is the lowest median.
 *   All three medians are printed.
 *
 * Within a pass the median of BENCH_ROUNDS rounds keeps one slow round (a
 * timer tick) out of the number.
 */
#define BENCH_ROUNDS	5
#define BENCH_PASSES	3
#define BENCH_WARMUP	64
#define BENCH_WARM_NS	(100 * NSEC_PER_MSEC)

static void sort_u64(u64 *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--)
			swap(v[j - 1], v[j]);
}

/* @n map+unmap pairs of @buf; returns how many succeeded. */
static unsigned int bench_map_pairs(struct edu_strategy *s, void *buf,
				    unsigned int n)
{
	unsigned int i;
	dma_addr_t a;

	for (i = 0; i < n; i++) {
		a = edu_map(s, buf, PAGE_SIZE, DMA_TO_DEVICE);
		if (a == DMA_MAPPING_ERROR)
			break;
		edu_unmap(s, a, buf, PAGE_SIZE, DMA_TO_DEVICE);
	}
	return i;
}

/* @n get+put pairs of one of the strategy's own pages. */
static unsigned int bench_own_pairs(struct edu_strategy *s, unsigned int n)
{
	unsigned int i;
	dma_addr_t a;
	void *buf;

	for (i = 0; i < n; i++) {
		buf = edu_get(s, PAGE_SIZE, DMA_TO_DEVICE, &a);
		if (!buf)
			break;
		edu_put(s, buf, a, PAGE_SIZE, DMA_TO_DEVICE);
	}
	return i;
}

static unsigned int bench_pairs(struct edu_strategy *s, void *buf,
				unsigned int n)
{
	return edu_own_buffers(s) ? bench_own_pairs(s, n) :
				    bench_map_pairs(s, buf, n);
}

/**
 * struct bench_rec - one strategy's benchmark passes.
 * @ns:	    ns per pair of each round, sorted within each pass.
 * @passes: passes done.
 * @failed: a pass failed (its FAIL line is printed); no figure.
 */
struct bench_rec {
	u64 ns[BENCH_PASSES][BENCH_ROUNDS];
	unsigned int passes;
	bool failed;
};

/*
 * One pass: BENCH_ROUNDS timed loops of @per_round pairs.  Each round has
 * its own instance of the strategy (round 0 uses @s) and its own page, all
 * made before the first round and alive together, so that their objects
 * sit at different addresses: under TCG a hot path's time also depends on
 * where its data lands (the emulated TLB is direct-mapped).  The warm-up of
 * each round fills the IOVA caches and the emulated IOTLB paths and makes
 * the registration or cache entry the round then hits.
 */
static void bench_pass(struct edu_strategy *s, unsigned int per_round,
		       struct bench_rec *rec)
{
	const char *name = s->ops->name;
	struct edu_strategy *inst[BENCH_ROUNDS] = { NULL };
	struct page *pg[BENCH_ROUNDS] = { NULL };
	u64 *ns = rec->ns[rec->passes];
	unsigned int done = 0, r;
	void *buf;
	u64 t0;

	for (r = 0; r < BENCH_ROUNDS; r++) {
		pg[r] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		inst[r] = r ? edu_strategy_create(s->ops, s->dev) : s;
		if (!pg[r] || IS_ERR(inst[r])) {
			pr_info(EDU_RESULT "bench_%s FAIL out of memory\n", name);
			if (IS_ERR(inst[r]))
				inst[r] = NULL;
			rec->failed = true;
			goto out;
		}
	}
	/* Warm up on round 0's instance until BENCH_WARM_NS have passed. */
	t0 = ktime_get_ns();
	do {
		done = bench_pairs(s, page_address(pg[0]), BENCH_WARMUP);
		if (done < BENCH_WARMUP) {
			r = 0;
			goto fail;
		}
	} while (ktime_get_ns() - t0 < BENCH_WARM_NS);
	for (r = 0; r < BENCH_ROUNDS; r++) {
		buf = page_address(pg[r]);
		done = bench_pairs(inst[r], buf, BENCH_WARMUP);
		if (done < BENCH_WARMUP)
			goto fail;
		t0 = ktime_get_ns();
		done = bench_pairs(inst[r], buf, per_round);
		ns[r] = div64_u64(ktime_get_ns() - t0, per_round);
		if (done < per_round)
			goto fail;
		cond_resched();
	}
	sort_u64(ns, BENCH_ROUNDS);
	rec->passes++;
	goto out;
fail:
	pr_info(EDU_RESULT "bench_%s FAIL map failed in pass %u round %u after %u pairs\n",
		name, rec->passes + 1, r, done);
	rec->failed = true;
out:
	/* The extra instances let go of their registrations and cache entries;
	 * the caller's own (round 0) does when the caller destroys it.
	 */
	for (r = 1; r < BENCH_ROUNDS; r++)
		if (inst[r])
			edu_strategy_destroy(inst[r]);
	for (r = 0; r < BENCH_ROUNDS; r++)
		if (pg[r])
			__free_page(pg[r]);
}

/* The RESULT line of a strategy whose passes all ran. */
static void bench_report(const char *name, const char *mode,
			 const struct bench_rec *rec, unsigned int per_round)
{
	u64 med[BENCH_PASSES], lo = U64_MAX, hi = 0, fig = U64_MAX;
	unsigned int p;

	BUILD_BUG_ON(BENCH_PASSES != 3);	/* the format below prints three */

	for (p = 0; p < BENCH_PASSES; p++) {
		med[p] = rec->ns[p][BENCH_ROUNDS / 2];
		fig = min(fig, med[p]);
		lo = min(lo, rec->ns[p][0]);
		hi = max(hi, rec->ns[p][BENCH_ROUNDS - 1]);
	}
	pr_info(EDU_RESULT "bench %s ns_per_pair=%llu passes=%llu,%llu,%llu min=%llu max=%llu pairs=%u rounds=%u len=%lu dir=to_device mode=%s\n",
		name, fig, med[0], med[1], med[2], lo, hi,
		per_round * BENCH_ROUNDS * BENCH_PASSES,
		BENCH_ROUNDS * BENCH_PASSES, PAGE_SIZE, mode);
}

/*
 * The later passes, once every strategy's tests are done -- pass 2 of every
 * strategy, then pass 3 of every strategy, so that one strategy's passes
 * are seconds apart -- and the RESULT lines.  Each pass gets a fresh
 * instance.  A strategy whose first pass failed has printed its FAIL.
 */
static void bench_later_passes(struct device *dev, const char *mode,
			       struct bench_rec *recs, unsigned int n,
			       unsigned int per_round)
{
	const struct edu_strategy_ops *ops;
	struct edu_strategy *s;
	unsigned int i, pass;

	for (pass = 1; pass < BENCH_PASSES; pass++) {
		for (i = 0; i < n && (ops = edu_strategy_get(i)); i++) {
			if (recs[i].failed || recs[i].passes != pass)
				continue;
			s = edu_strategy_create(ops, dev);
			if (IS_ERR(s)) {
				pr_info(EDU_RESULT "bench_%s FAIL create for pass %u: %ld\n",
					ops->name, pass + 1, PTR_ERR(s));
				recs[i].failed = true;
				continue;
			}
			bench_pass(s, per_round, &recs[i]);
			edu_strategy_destroy(s);
		}
	}
	for (i = 0; i < n && (ops = edu_strategy_get(i)); i++)
		if (!recs[i].failed && recs[i].passes == BENCH_PASSES)
			bench_report(ops->name, mode, &recs[i], per_round);
}

/* A strategy that refuses this boot's IOMMU mode: say so for each test. */
static void report_na(const char *name, const char *mode, bool bench)
{
	pr_info(EDU_RESULT "roundtrip_%s_summary PASS n/a mode=%s " EDU_NA_LAZY "\n",
		name, mode);
	pr_info(EDU_RESULT "roundtrip_sync_%s PASS n/a mode=%s " EDU_NA_LAZY "\n",
		name, mode);
	if (bench)
		pr_info(EDU_RESULT "bench %s ns_per_pair=n/a mode=%s " EDU_NA_LAZY "\n",
			name, mode);
}

/**
 * edu_run_tests() - run every test and benchmark on one edu device.
 * @edu:	 the device, probed, DMA mask set.
 * @bench_pairs: map+unmap pairs per benchmark; 0 skips the benchmark.
 *
 * Prints the RESULT lines.  Takes @edu->xfer_lock; sleeps; takes tens of
 * seconds because each edu transfer takes ~100 ms of virtual time.
 */
void edu_run_tests(struct edu_dev *edu, unsigned int bench_pairs)
{
	const struct edu_strategy_ops *ops;
	struct page *src_pg, *dst_pg;
	const char *mode, *domain_type;
	struct bench_rec *recs = NULL;
	unsigned int i, nstrat, per_round = max(bench_pairs / BENCH_ROUNDS, 1u);

	mode = edu_iommu_mode(edu->dev, &domain_type);
	pr_info(EDU_RESULT "iommu_mode PASS mode=%s domain=%s\n", mode,
		domain_type);

	src_pg = alloc_pages(GFP_KERNEL | __GFP_COMP, RT_BUF_ORDER);
	dst_pg = alloc_pages(GFP_KERNEL | __GFP_COMP, RT_BUF_ORDER);
	if (!src_pg || !dst_pg) {
		pr_info(EDU_RESULT "alloc FAIL out of memory for test buffers\n");
		goto out_free;
	}

	for (nstrat = 0; edu_strategy_get(nstrat); nstrat++)
		;
	if (bench_pairs) {
		recs = kcalloc(nstrat, sizeof(*recs), GFP_KERNEL);
		if (!recs) {
			pr_info(EDU_RESULT "alloc FAIL out of memory for benchmark records\n");
			goto out_free;
		}
	}

	mutex_lock(&edu->xfer_lock);
	for (i = 0; (ops = edu_strategy_get(i)); i++) {
		struct edu_strategy *s = edu_strategy_create(ops, edu->dev);

		if (IS_ERR(s) && PTR_ERR(s) == -EOPNOTSUPP) {
			report_na(ops->name, mode, bench_pairs);
		} else if (IS_ERR(s)) {
			pr_info(EDU_RESULT "strategy_%s FAIL create: %ld\n",
				ops->name, PTR_ERR(s));
		} else {
			test_roundtrip(edu, s, page_address(src_pg),
				       page_address(dst_pg));
			test_roundtrip_sync(edu, s, page_address(src_pg),
					    page_address(dst_pg));
			if (recs)
				bench_pass(s, per_round, &recs[i]);
			edu_strategy_destroy(s);
		}
		/*
		 * The isolation tests that go with this strategy.  Run here,
		 * seconds apart, rather than back to back: the guest logs at
		 * most three DMAR fault records per 5 s (dmar_fault()'s
		 * ratelimit), and the harness needs the record of every
		 * blocked stale DMA.
		 */
		edu_run_isolation_tests(edu, mode, ops->name);
	}
	if (recs)
		bench_later_passes(edu->dev, mode, recs, nstrat, per_round);
	mutex_unlock(&edu->xfer_lock);

out_free:
	kfree(recs);
	if (dst_pg)
		__free_pages(dst_pg, RT_BUF_ORDER);
	if (src_pg)
		__free_pages(src_pg, RT_BUF_ORDER);
}
