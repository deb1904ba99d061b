// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma_misuse.c - the DMA API used as an attacker would use it: map
 * arguments whose address arithmetic wraps into another owner's page,
 * unmaps and syncs whose address + size wraps, scatterlists unmapped with
 * another entry count than they were mapped with, two-step IOVA states
 * freed twice or forged, and devices destroyed with mappings still live.
 *
 * Every test runs on every domain type (passthrough, strict, lazy), on a
 * trusted and an untrusted device, with dma_debug on and off.  A refused
 * call must return the error, be counted as misuse, tell the observer
 * nothing and map nothing -- and the device must not reach the other
 * owner's bytes through the machine's access path (mdev_access()), not
 * only by the return value's say-so.
 */
#include "harness.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

struct cfg {
	enum dma_domain_type type;
	bool untrusted, debug;
};

#define CFG_FMT "%s%s debug=%d"
#define CFG_ARGS(c) dma_domain_type_name((c)->type), (c)->untrusted ? " untrusted" : "", \
		    (c)->debug

/* Run @fn on every domain type, trusted and untrusted, dma_debug on and off. */
static void each_config(void (*fn)(const struct cfg *c))
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++)
		for (int u = 0; u < 2; u++)
			for (int d = 0; d < 2; d++) {
				struct cfg c = { (enum dma_domain_type)t, u, d };

				fn(&c);
			}
}

static bool translating(const struct cfg *c)
{
	return c->type != DMA_DOMAIN_PASSTHROUGH;
}

static struct dma_device *mkdev(struct lab *lab, const struct cfg *c)
{
	struct dma_device_opts o = {
		.type = c->type, .untrusted = c->untrusted, .no_debug = !c->debug,
	};

	return dma_device_create(lab->os, "attacker", &o);
}

/* An observer that counts DMA events. */
struct evlog {
	unsigned int n[DMA_EV_SYNC_FOR_DEVICE + 1];
	unsigned int total;
};

static void record_event(void *arg, const struct dma_event *ev)
{
	struct evlog *log = arg;

	log->n[ev->kind]++;
	log->total++;
}

#define SECRET 0x5e		/* the other owner's bytes */
#define SECRET0 0x5f		/* frame 0's bytes */

/*
 * Can the device read a secret byte through @a?  Reads @len bytes through
 * the machine's access path; a fault reads nothing.
 */
static bool reads_secret(struct mdev *hw, dma_addr_t a, size_t len)
{
	static uint8_t buf[4 * PAGE_SIZE];

	if (len > sizeof(buf))
		len = sizeof(buf);
	memset(buf, 0, len);
	if (mdev_access(hw, a, buf, len, DEV_READ))
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == SECRET || buf[i] == SECRET0)
			return true;
	return false;
}

/*
 * A lab with a victim page (another owner's, full of SECRET) right below
 * the attacker's page (full of 0x11), and frame 0 full of SECRET0.
 */
struct scene {
	struct lab *lab;
	struct dma_device *dev;
	struct mdev *hw;
	pfn_t victim, mine;
	struct evlog log;
	struct dma_stats s0;
};

static bool scene_up(struct scene *sc, const struct cfg *c)
{
	memset(sc, 0, sizeof(*sc));
	sc->lab = lab_up(32, 1, "ideal");
	if (!sc->lab)
		return false;
	sc->dev = mkdev(sc->lab, c);
	if (!sc->dev || pages_alloc(sc->lab->pa, 0, 66, true, &sc->victim) ||
	    pages_alloc(sc->lab->pa, 0, 77, true, &sc->mine) || sc->victim >= sc->mine)
		return false;
	sc->hw = dma_device_mdev(sc->dev);
	memset(phys_to_virt(sc->lab->m, sc->victim << PAGE_SHIFT), SECRET, PAGE_SIZE);
	memset(phys_to_virt(sc->lab->m, sc->mine << PAGE_SHIFT), 0x11, PAGE_SIZE);
	memset(phys_to_virt(sc->lab->m, 0), SECRET0, PAGE_SIZE);
	os_set_dma_observer(sc->lab->os, record_event, &sc->log);
	dma_stats_read(sc->dev, &sc->s0);
	return true;
}

/*
 * The device reaches neither the victim nor frame 0: no PTE or IOTLB entry
 * points at them and the domain maps @mapped pages, and no swiotlb slot
 * holds a copy.
 */
static void check_nothing_reached(struct scene *sc, const struct cfg *c, size_t mapped,
				  const char *what)
{
	if (translating(c)) {
		CHECK(iommu_domain_mapped_pages(mdev_domain(sc->hw)) == mapped,
		      CFG_FMT ": %s: the domain maps %zu page(s), expected %zu", CFG_ARGS(c),
		      what, iommu_domain_mapped_pages(mdev_domain(sc->hw)), mapped);
		CHECK(iommu_frame_reachable(sc->lab->m, sc->victim) == 0 &&
		      iommu_frame_reachable(sc->lab->m, 0) == 0,
		      CFG_FMT ": %s: the victim or frame 0 is reachable", CFG_ARGS(c), what);
	}
	CHECK(os_swiotlb_used_slots(sc->lab->os) == 0, CFG_FMT ": %s: %zu slot(s) in use",
	      CFG_ARGS(c), what, os_swiotlb_used_slots(sc->lab->os));
}

/* The refused calls: @n misuse, no map, unmap or sync counted, no event. */
static void check_refused(struct scene *sc, const struct cfg *c, unsigned int n,
			  const char *what)
{
	struct dma_stats s1;

	dma_stats_read(sc->dev, &s1);
	CHECK(sc->log.total == 0, CFG_FMT ": %s: %u event(s) for refused calls", CFG_ARGS(c),
	      what, sc->log.total);
	CHECK(s1.misuse - sc->s0.misuse == n, CFG_FMT ": %s: misuse +%llu, expected +%u",
	      CFG_ARGS(c), what, (unsigned long long)(s1.misuse - sc->s0.misuse), n);
	CHECK(s1.maps == sc->s0.maps && s1.unmaps == sc->s0.unmaps && s1.syncs == sc->s0.syncs,
	      CFG_FMT ": %s: a refused call counted as a map, unmap or sync", CFG_ARGS(c), what);
}

static void scene_down(struct scene *sc, const struct cfg *c)
{
	os_set_dma_observer(sc->lab->os, NULL, NULL);
	CHECK(dma_device_destroy(sc->dev) == 0, CFG_FMT ": mappings left at teardown",
	      CFG_ARGS(c));
	page_put(sc->lab->pa, sc->victim);
	page_put(sc->lab->pa, sc->mine);
	lab_down(sc->lab);
}

/* ---- map entry points --------------------------------------------------- */

static void map_page_offset_wrap(const struct cfg *c)
{
	struct scene sc;

	REQUIRE(scene_up(&sc, c));
	{
		const size_t down = (size_t)((sc.mine - sc.victim) << PAGE_SHIFT);
		const struct { pfn_t page; size_t offset, size; } bad[] = {
			/* The issue's: an offset that wraps to the page below. */
			{ sc.mine, SIZE_MAX - 10, 20 },
			/* The same, landing inside the victim page. */
			{ sc.mine, (size_t)0 - down + 0x100, 64 },
			/* Frame ~0 plus a page is frame 0. */
			{ ~(pfn_t)0, PAGE_SIZE, PAGE_SIZE },
			/* A frame number whose address wraps to the victim's. */
			{ ((pfn_t)1 << (64 - PAGE_SHIFT)) + sc.victim, 0, 64 },
			/* Beyond memory without wrapping (refused on main too). */
			{ sc.mine, SIZE_MAX / 2, 64 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			dma_addr_t a = dma_map_page(sc.dev, bad[i].page, bad[i].offset,
						    bad[i].size, DMA_BIDIRECTIONAL);

			CHECK(dma_mapping_error(a), CFG_FMT ": case %zu mapped at %#llx",
			      CFG_ARGS(c), i, (unsigned long long)a);
			CHECK(!reads_secret(sc.hw, a, bad[i].size),
			      CFG_FMT ": case %zu: the device reads another owner's bytes",
			      CFG_ARGS(c), i);
		}
		check_nothing_reached(&sc, c, 0, "dma_map_page");
		check_refused(&sc, c, ARRAY_SIZE(bad), "dma_map_page");
	}
	scene_down(&sc, c);
}

/*
 * dma_map_page() computed (page << PAGE_SHIFT) + offset before checking it
 * against memory, so an offset near SIZE_MAX wrapped to the page below
 * (the issue: pfn 3, offset SIZE_MAX - 10, 20 bytes read page 2), frame
 * ~0 plus a page wrapped to frame 0, and a frame number of 2^52 or more
 * shifted out of its top bits.  Each is refused, maps nothing, and the
 * device reads none of the other owner's bytes.
 */
static void test_map_page_offset_wrap_maps_nothing(void)
{
	each_config(map_page_offset_wrap);
}

static void map_single_coherent_bounds(const struct cfg *c)
{
	struct scene sc;
	uintptr_t base;
	uint64_t mem;

	REQUIRE(scene_up(&sc, c));
	base = (uintptr_t)machine_mem(sc.lab->m)->base;
	mem = (uint64_t)machine_mem(sc.lab->m)->nframes * PAGE_SIZE;
	{
		const struct { uintptr_t va; size_t size; } bad[] = {
			{ base - 16, 20 },		/* below the arena, into frame 0 */
			{ base - 16, PAGE_SIZE + 16 + 32 },
			{ base + (uintptr_t)mem - 8, 16 },	/* past its end */
			{ 0, 64 },
		};
		const size_t sizes[] = { 0, ((size_t)4 << 20) + 1, SIZE_MAX };

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			dma_addr_t a = dma_map_single(sc.dev, (void *)bad[i].va, bad[i].size,
						      DMA_BIDIRECTIONAL);

			CHECK(dma_mapping_error(a), CFG_FMT ": case %zu mapped at %#llx",
			      CFG_ARGS(c), i, (unsigned long long)a);
			CHECK(!reads_secret(sc.hw, a, bad[i].size));
		}
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			dma_addr_t h = 0x1234;

			CHECK(dma_alloc_coherent(sc.dev, sizes[i], &h) == NULL && h == 0x1234,
			      CFG_FMT ": coherent of %zu bytes", CFG_ARGS(c), sizes[i]);
		}
		check_nothing_reached(&sc, c, 0, "dma_map_single");
		check_refused(&sc, c, ARRAY_SIZE(bad) + ARRAY_SIZE(sizes), "dma_map_single");
	}
	scene_down(&sc, c);
}

/*
 * Not a regression (main refused these too): dma_map_single() with a
 * pointer below the arena -- whose physical address wraps -- or a buffer
 * past its end, and dma_alloc_coherent() sizes of 0, above 4 MiB and
 * SIZE_MAX, are refused, counted, and map nothing.
 */
static void test_map_single_and_coherent_bounds(void)
{
	each_config(map_single_coherent_bounds);
}

static void map_sg_entry_wrap(const struct cfg *c)
{
	const pfn_t wraps[] = {
		((pfn_t)1 << (64 - PAGE_SHIFT)),	/* + victim: its address */
		~(pfn_t)0,				/* the last page of 2^64 */
	};
	struct scene sc;

	REQUIRE(scene_up(&sc, c));
	for (size_t i = 0; i < ARRAY_SIZE(wraps); i++) {
		struct scatterlist sg[2];

		sg_init_table(sg, 2);
		sg_set_page(&sg[0], sc.mine, 64, 0);
		sg[1].page = wraps[i] + (i ? 0 : sc.victim);
		sg[1].length = 64;
		/* A refused call leaves it: a device reading through it faults. */
		sg[0].dma_address = sg[1].dma_address = DMA_MAPPING_ERROR;
		CHECK(dma_map_sg(sc.dev, sg, 2, DMA_TO_DEVICE) == 0,
		      CFG_FMT ": entry page %#llx mapped", CFG_ARGS(c),
		      (unsigned long long)sg[1].page);
		CHECK(!reads_secret(sc.hw, sg[1].dma_address, 64),
		      CFG_FMT ": case %zu: the device reads another owner's bytes", CFG_ARGS(c), i);
	}
	check_nothing_reached(&sc, c, 0, "dma_map_sg");
	check_refused(&sc, c, ARRAY_SIZE(wraps), "dma_map_sg");
	scene_down(&sc, c);
}

/*
 * dma_map_sg() computed each entry's address as (page << PAGE_SHIFT) +
 * offset before checking it: an entry whose frame number is 2^52 + the
 * victim's shifted to the victim's address and was mapped (one walk
 * further, frame ~0's entry passed the end check by wrapping).  The whole
 * list is refused, its good entry included, and nothing is reachable.
 */
static void test_map_sg_entry_page_wrap_maps_nothing(void)
{
	each_config(map_sg_entry_wrap);
}

static void iova_link_phys_wrap(const struct cfg *c)
{
	struct dma_iova_state st;
	struct scene sc;

	REQUIRE(scene_up(&sc, c));
	if (!translating(c)) {
		CHECK(dma_iova_try_alloc(sc.dev, &st, 4 * PAGE_SIZE) == -EOPNOTSUPP);
		scene_down(&sc, c);
		return;
	}
	REQUIRE(dma_iova_try_alloc(sc.dev, &st, 4 * PAGE_SIZE) == 0);
	{
		const uint64_t end = (uint64_t)machine_mem(sc.lab->m)->nframes * PAGE_SIZE;
		const struct { phys_addr_t phys; size_t size; } bad[] = {
			/* Pages from the top of 2^64 wrap to frame 0, then the victim. */
			{ (phys_addr_t)0 - sc.victim * PAGE_SIZE - PAGE_SIZE,
			  (sc.victim + 2) * PAGE_SIZE },
			/* The last frame and one past the end (no wrap). */
			{ end - PAGE_SIZE, 2 * PAGE_SIZE },
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			CHECK(dma_iova_link(sc.dev, &st, bad[i].phys, 0, bad[i].size,
					    DMA_BIDIRECTIONAL) == -EINVAL,
			      CFG_FMT ": case %zu linked", CFG_ARGS(c), i);
			CHECK(!reads_secret(sc.hw, st.addr, 4 * PAGE_SIZE),
			      CFG_FMT ": case %zu: the device reads another owner's bytes",
			      CFG_ARGS(c), i);
		}
		check_nothing_reached(&sc, c, 0, "dma_iova_link");
		check_refused(&sc, c, ARRAY_SIZE(bad), "dma_iova_link");
	}
	dma_iova_free(sc.dev, &st);
	scene_down(&sc, c);
}

/*
 * dma_iova_link() passed phys + size to the machine, whose check added the
 * two: pages from the top of the 64-bit space wrapped past 0 and were
 * linked to frame 0 and the victim's page.  Refused and logged, as a
 * buffer beyond the end of memory now is too (it was refused unlogged).
 */
static void test_iova_link_phys_wrap_maps_nothing(void)
{
	each_config(iova_link_phys_wrap);
}

/* ---- unmap and sync ----------------------------------------------------- */

static void sync_range_wrap(const struct cfg *c)
{
	struct scatterlist sg[1];
	struct scene sc;
	dma_addr_t a;
	unsigned int n = 0;

	REQUIRE(scene_up(&sc, c));
	a = dma_map_page(sc.dev, sc.mine, 0, 64, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a));
	sc.log.total = 0;
	dma_stats_read(sc.dev, &sc.s0);
	CHECK(dma_sync_single_for_cpu(sc.dev, a, SIZE_MAX, DMA_BIDIRECTIONAL) == -EINVAL,
	      CFG_FMT ": sync for cpu, size SIZE_MAX", CFG_ARGS(c));
	CHECK(dma_sync_single_for_device(sc.dev, a + 16, (size_t)0 - a, DMA_BIDIRECTIONAL) ==
	      -EINVAL, CFG_FMT ": sync for device wrapping to 16", CFG_ARGS(c));
	CHECK(dma_sync_single_for_cpu(sc.dev, (dma_addr_t)0 - 32, 64, DMA_BIDIRECTIONAL) ==
	      -EINVAL, CFG_FMT ": sync of the last 32 bytes of 2^64 and on", CFG_ARGS(c));
	n += 3;
	sg_init_table(sg, 1);
	sg_set_page(&sg[0], sc.mine, 64, 0);
	sg[0].dma_address = (dma_addr_t)0 - 16;
	sg[0].dma_length = 64;
	CHECK(dma_sync_sg_for_cpu(sc.dev, sg, 1, DMA_BIDIRECTIONAL) == -EINVAL,
	      CFG_FMT ": sync_sg entry wrapping", CFG_ARGS(c));
	CHECK(dma_sync_sg_for_device(sc.dev, sg, 1, DMA_BIDIRECTIONAL) == -EINVAL);
	n += 2;
	check_refused(&sc, c, n, "sync");
	CHECK(dma_unmap_page(sc.dev, a, 64, DMA_BIDIRECTIONAL) == 0);
	scene_down(&sc, c);
}

/*
 * A sync whose address + size wraps around 2^64 (or runs past the end of
 * the IOVA space, or of memory under passthrough) is refused, counted and
 * sends no event.  It broke on trusted devices and under passthrough
 * without dma_debug: the sync was accepted and its wrapping range told to
 * the observer as handed to the CPU or the device.
 */
static void test_sync_range_wrap_refused(void)
{
	each_config(sync_range_wrap);
}

static void unmap_range_wrap(const struct cfg *c)
{
	struct dma_unmap_desc d;
	struct scatterlist sg[1];
	struct scene sc;
	dma_addr_t a;
	uint8_t b;

	REQUIRE(scene_up(&sc, c));
	a = dma_map_page(sc.dev, sc.mine, 0, 64, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a));
	sc.log.total = 0;
	dma_stats_read(sc.dev, &sc.s0);
	CHECK(dma_unmap_page(sc.dev, a, SIZE_MAX, DMA_BIDIRECTIONAL) == -EINVAL,
	      CFG_FMT ": unmap_page, size SIZE_MAX", CFG_ARGS(c));
	CHECK(dma_unmap_single(sc.dev, a, (size_t)0 - a + 64, DMA_BIDIRECTIONAL) == -EINVAL,
	      CFG_FMT ": unmap_single wrapping to 64", CFG_ARGS(c));
	d = (struct dma_unmap_desc){ a, SIZE_MAX - 4095, DMA_BIDIRECTIONAL };
	CHECK(dma_unmap_batch(sc.dev, &d, 1) == -EINVAL, CFG_FMT ": batch", CFG_ARGS(c));
	sg_init_table(sg, 1);
	sg_set_page(&sg[0], sc.mine, 64, 0);
	sg[0].dma_address = (dma_addr_t)0 - 16;
	sg[0].dma_length = 64;
	CHECK(dma_unmap_sg(sc.dev, sg, 1, DMA_BIDIRECTIONAL) == -EINVAL,
	      CFG_FMT ": unmap_sg entry wrapping", CFG_ARGS(c));
	check_refused(&sc, c, 4, "unmap");
	CHECK(mdev_access(sc.hw, a, &b, 1, DEV_READ) == 0 && b == 0x11,
	      CFG_FMT ": a refused unmap unmapped", CFG_ARGS(c));
	CHECK(dma_unmap_page(sc.dev, a, 64, DMA_BIDIRECTIONAL) == 0);
	scene_down(&sc, c);
}

/*
 * An unmap whose address + size wraps -- dma_unmap_page/single, a batch
 * entry, a scatterlist entry -- is refused, counted, unmaps nothing and
 * sends no event.  It broke under passthrough without dma_debug: every one
 * was accepted and its wrapping range told to the observer as taken back.
 */
static void test_unmap_range_wrap_refused(void)
{
	each_config(unmap_range_wrap);
}

/* ---- scatterlist entry count ------------------------------------------ */

static bool entry_reachable(struct mdev *hw, const struct scatterlist *e)
{
	uint8_t b;

	return mdev_access(hw, e->dma_address, &b, 1, DEV_READ) == 0 &&
	       mdev_access(hw, e->dma_address + e->length - 1, &b, 1, DEV_READ) == 0;
}

static void unmap_sg_count(const struct cfg *c)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, c);
	struct mdev *hw = dma_device_mdev(dev);
	/* Contiguous on a trusted translating domain: 2 + 1 + 1 pages, a range of 4. */
	bool contig = translating(c) && !c->untrusted;
	struct evlog log = { 0 };
	struct dma_stats s0, s1;
	struct scatterlist sg[4];
	unsigned int refused = 0;
	pfn_t p2, p1, pb;

	REQUIRE(dev);
	REQUIRE(pages_alloc(lab->pa, 1, 77, true, &p2) == 0);
	REQUIRE(pages_alloc(lab->pa, 1, 77, true, &p1) == 0);
	REQUIRE(pages_alloc(lab->pa, 0, 88, true, &pb) == 0);
	sg_init_table(sg, 4);
	sg_set_page(&sg[0], p2, 2 * PAGE_SIZE, 0);
	sg_set_page(&sg[1], p1, PAGE_SIZE, 0);
	sg_set_page(&sg[2], p1 + 1, 100, 8);		/* bounced if untrusted */
	sg_set_page(&sg[3], pb, PAGE_SIZE, 0);		/* another list, B */
	REQUIRE(dma_map_sg(dev, sg, 3, DMA_BIDIRECTIONAL) == 3);
	REQUIRE(dma_map_sg(dev, &sg[3], 1, DMA_BIDIRECTIONAL) == 1);
	os_set_dma_observer(lab->os, record_event, &log);
	dma_stats_read(dev, &s0);
	/*
	 * Fewer: with dma_debug always refused; without it only on a
	 * contiguous list, where 3 of the range's 4 pages leave one mapped
	 * (entries mapped one by one are each a mapping of their own).
	 */
	if (c->debug || contig) {
		CHECK(dma_unmap_sg(dev, sg, 2, DMA_BIDIRECTIONAL) == -EINVAL,
		      CFG_FMT ": 2 of 3 entries unmapped", CFG_ARGS(c));
		refused++;
	}
	/* More: list A and B's entry as one list of 4. */
	if (c->debug || contig) {
		CHECK(dma_unmap_sg(dev, sg, 4, DMA_BIDIRECTIONAL) == -EINVAL,
		      CFG_FMT ": 4 entries where 3 were mapped", CFG_ARGS(c));
		refused++;
	}
	/* B's entry as entry 1 of A, with dma_debug. */
	if (c->debug) {
		struct scatterlist mix[2] = { sg[0], sg[3] };

		CHECK(dma_unmap_sg(dev, mix, 2, DMA_BIDIRECTIONAL) == -EINVAL,
		      CFG_FMT ": entries of two lists", CFG_ARGS(c));
		refused++;
	}
	dma_stats_read(dev, &s1);
	CHECK(log.total == 0, CFG_FMT ": %u event(s) for refused unmaps", CFG_ARGS(c),
	      log.total);
	CHECK(s1.misuse - s0.misuse == refused && s1.unmaps == s0.unmaps,
	      CFG_FMT ": misuse +%llu (expected +%u), unmaps +%llu", CFG_ARGS(c),
	      (unsigned long long)(s1.misuse - s0.misuse), refused,
	      (unsigned long long)(s1.unmaps - s0.unmaps));
	for (int i = 0; i < 4; i++)
		CHECK(entry_reachable(hw, &sg[i]), CFG_FMT ": entry %d unmapped by a refused call",
		      CFG_ARGS(c), i);
	/* The right calls still work, and take everything back. */
	CHECK(dma_unmap_sg(dev, sg, 3, DMA_BIDIRECTIONAL) == 0,
	      CFG_FMT ": the right unmap is refused", CFG_ARGS(c));
	CHECK(dma_unmap_sg(dev, &sg[3], 1, DMA_BIDIRECTIONAL) == 0);
	CHECK(log.n[DMA_EV_UNMAP] == 4, CFG_FMT ": %u unmap event(s)", CFG_ARGS(c),
	      log.n[DMA_EV_UNMAP]);
	if (c->type == DMA_DOMAIN_LAZY)
		dma_flush_lazy(dev);
	if (translating(c))
		for (int i = 0; i < 4; i++)
			CHECK(!entry_reachable(hw, &sg[i]), CFG_FMT ": entry %d still reachable",
			      CFG_ARGS(c), i);
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(dev) == 0, CFG_FMT ": left mapped", CFG_ARGS(c));
	page_put(lab->pa, p2);
	page_put(lab->pa, p1);
	page_put(lab->pa, pb);
	lab_down(lab);
}

/*
 * dma_unmap_sg() with another entry count than dma_map_sg() was given is
 * refused and changes nothing: with dma_debug always (each entry's record
 * knows its list, its place in it and the list's entry count), without it
 * where the page table proves it (a contiguous list: more entries run
 * past the list, fewer leave a page of its IOVA range mapped).  It broke:
 * with fewer entries the unmap returned 0 and left the last entry mapped
 * and readable, and the right unmap was then refused; with more, a second
 * list's entry was dropped from dma_debug and its mapping left behind.
 */
static void test_unmap_sg_wrong_count_refused(void)
{
	each_config(unmap_sg_count);
}

/* ---- teardown ----------------------------------------------------------- */

static void destroy_live(const struct cfg *c)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, c);
	struct scatterlist tiny[4], whole[2];
	struct dma_iova_state st = { 0 };
	struct evlog log = { 0 };
	uint64_t safety0 = lab_safety_violations();
	unsigned int mappings = 0;
	dma_addr_t h, a1, a2;
	size_t live, expect;
	pfn_t p, q;
	void *coh;

	REQUIRE(dev);
	if (c->type == DMA_DOMAIN_STRICT)
		lab_install_safety_check(lab);
	REQUIRE(pages_alloc(lab->pa, 2, 77, true, &p) == 0);
	REQUIRE(pages_alloc(lab->pa, 0, 77, true, &q) == 0);
	os_set_dma_observer(lab->os, record_event, &log);
	/* The list: 4 two-byte entries (bounced when untrusted). */
	sg_init_table(tiny, 4);
	for (int i = 0; i < 4; i++)
		sg_set_page(&tiny[i], p, 2, (unsigned int)(i * 512));
	REQUIRE(dma_map_sg(dev, tiny, 4, DMA_FROM_DEVICE) == 4);
	sg_init_table(whole, 2);
	sg_set_page(&whole[0], p + 1, PAGE_SIZE, 0);
	sg_set_page(&whole[1], p + 2, PAGE_SIZE, 0);
	REQUIRE(dma_map_sg(dev, whole, 2, DMA_TO_DEVICE) == 2);
	a1 = dma_map_page(dev, p + 3, 100, 2, DMA_BIDIRECTIONAL);
	a2 = dma_map_page(dev, q, 0, PAGE_SIZE, DMA_TO_DEVICE);
	REQUIRE(!dma_mapping_error(a1) && !dma_mapping_error(a2));
	coh = dma_alloc_coherent(dev, PAGE_SIZE, &h);
	REQUIRE(coh);
	mappings = 4 + 2 + 2 + 1;
	if (translating(c)) {
		REQUIRE(dma_iova_try_alloc(dev, &st, 4 * PAGE_SIZE) == 0);
		REQUIRE(dma_iova_link(dev, &st, q << PAGE_SHIFT, PAGE_SIZE, PAGE_SIZE,
				      DMA_TO_DEVICE) == 0);
	}
	log.total = 0;
	log.n[DMA_EV_UNMAP] = 0;
	live = dma_device_destroy(dev);
	/* dma_debug's records and the IOVA range; without records, the pages mapped. */
	expect = c->debug ? mappings : (translating(c) ? 4 + 2 + 2 + 1 : 0);
	if (translating(c))
		expect += 1;
	CHECK(live == expect, CFG_FMT ": destroy found %zu live mapping(s), expected %zu",
	      CFG_ARGS(c), live, expect);
	CHECK(os_swiotlb_used_slots(lab->os) == 0, CFG_FMT ": %zu swiotlb slot(s) leaked",
	      CFG_ARGS(c), os_swiotlb_used_slots(lab->os));
	/* The observer hears of every mapping dma_debug recorded and of the link. */
	CHECK(log.n[DMA_EV_UNMAP] == (c->debug ? mappings : 0) + (translating(c) ? 1 : 0),
	      CFG_FMT ": %u unmap event(s) at teardown", CFG_ARGS(c), log.n[DMA_EV_UNMAP]);
	for (int i = 0; i < 4; i++)
		CHECK(iommu_frame_reachable(lab->m, p + (pfn_t)i) == 0);
	CHECK(iommu_frame_reachable(lab->m, q) == 0);
	os_set_dma_observer(lab->os, NULL, NULL);
	/* Coherent pages stay the caller's (documented): give them back. */
	page_put(lab->pa, virt_to_phys(lab->m, coh) >> PAGE_SHIFT);
	page_put(lab->pa, p);
	page_put(lab->pa, q);
	CHECK(lab_safety_violations() == safety0, CFG_FMT ": a frame freed while mapped",
	      CFG_ARGS(c));
	lab_down(lab);
}

/*
 * dma_device_destroy() with mappings live frees every swiotlb slot and
 * tears down every two-step IOVA range, telling the observer of each.  It
 * broke: the slots of bounced scatterlist entries stayed in use (the
 * issue: untrusted strict, dma_debug on, 4 two-byte entries, 8 slots),
 * and without dma_debug those of every bounced mapping; the links of an
 * IOVA range still reserved went with the domain without an event, and
 * the range was reported as a leak.
 */
static void test_destroy_frees_every_slot_and_link(void)
{
	each_config(destroy_live);
}

/* ---- two-step IOVA states --------------------------------------------- */

static void iova_free_twice(const struct cfg *c)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, c);
	struct dma_iova_state st, copy, x, y;
	struct dma_stats s0, s1;

	REQUIRE(dev);
	if (!translating(c)) {
		CHECK(dma_iova_try_alloc(dev, &st, 2 * PAGE_SIZE) == -EOPNOTSUPP);
		CHECK(dma_device_destroy(dev) == 0);
		lab_down(lab);
		return;
	}
	REQUIRE(dma_iova_try_alloc(dev, &st, 2 * PAGE_SIZE) == 0);
	copy = st;
	dma_iova_free(dev, &st);
	dma_stats_read(dev, &s0);
	dma_iova_free(dev, &copy);
	dma_stats_read(dev, &s1);
	CHECK(s1.misuse == s0.misuse + 1, CFG_FMT ": second free not refused", CFG_ARGS(c));
	REQUIRE(dma_iova_try_alloc(dev, &x, 2 * PAGE_SIZE) == 0);
	REQUIRE(dma_iova_try_alloc(dev, &y, 2 * PAGE_SIZE) == 0);
	CHECK(x.addr != y.addr, CFG_FMT ": one IOVA range handed out twice (%#llx)",
	      CFG_ARGS(c), (unsigned long long)x.addr);
	dma_iova_free(dev, &x);
	dma_iova_free(dev, &y);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/*
 * dma_iova_free() of a copy of a state already freed is refused.  It
 * broke: the range went back to the allocator twice, and the next two
 * ranges of its size were one and the same, so two users linked pages
 * into each other's IOVAs.
 */
static void test_iova_state_freed_twice_refused(void)
{
	each_config(iova_free_twice);
}

static void iova_forged_state(const struct cfg *c)
{
	struct dma_iova_state st, forged;
	struct scene sc;
	dma_addr_t a;

	if (!translating(c) || !c->debug)
		return;		/* no range to forge; without dma_debug, trusted */
	REQUIRE(scene_up(&sc, c));
	REQUIRE(dma_iova_try_alloc(sc.dev, &st, 4 * PAGE_SIZE) == 0);
	/* A state naming a single mapping's IOVA range instead. */
	a = dma_map_page(sc.dev, sc.mine, 0, PAGE_SIZE, DMA_TO_DEVICE);
	REQUIRE(!dma_mapping_error(a));
	forged = (struct dma_iova_state){ .addr = a - PAGE_SIZE, .size = 4 * PAGE_SIZE };
	sc.log.total = 0;
	dma_stats_read(sc.dev, &sc.s0);
	CHECK(dma_iova_link(sc.dev, &forged, sc.victim << PAGE_SHIFT, 0, PAGE_SIZE,
			    DMA_TO_DEVICE) == -EINVAL, CFG_FMT ": forged link", CFG_ARGS(c));
	dma_iova_unlink(sc.dev, &forged, PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(dma_iova_sync(sc.dev, &forged, 0, PAGE_SIZE) == -EINVAL);
	dma_iova_free(sc.dev, &forged);
	check_refused(&sc, c, 4, "forged state");
	CHECK(!reads_secret(sc.hw, a - PAGE_SIZE, PAGE_SIZE),
	      CFG_FMT ": the forged link reaches the victim", CFG_ARGS(c));
	CHECK(mdev_access(sc.hw, a, &(uint8_t){ 0 }, 1, DEV_READ) == 0,
	      CFG_FMT ": the forged unlink took the mapping's page", CFG_ARGS(c));
	CHECK(dma_unmap_page(sc.dev, a, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	dma_iova_free(sc.dev, &st);
	scene_down(&sc, c);
}

/*
 * With dma_debug, a two-step state that names no range the device
 * reserved -- here one around a single mapping's IOVA -- is refused by
 * link, unlink, sync and free.  It broke: the link mapped the victim's
 * page next to the mapping, the unlink cleared the mapping's PTE, and the
 * free handed its IOVA back to the allocator.
 */
static void test_iova_forged_state_refused(void)
{
	each_config(iova_forged_state);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_map_page_offset_wrap_maps_nothing),
		TEST(test_map_single_and_coherent_bounds),
		TEST(test_map_sg_entry_page_wrap_maps_nothing),
		TEST(test_iova_link_phys_wrap_maps_nothing),
		TEST(test_sync_range_wrap_refused),
		TEST(test_unmap_range_wrap_refused),
		TEST(test_unmap_sg_wrong_count_refused),
		TEST(test_destroy_frees_every_slot_and_link),
		TEST(test_iova_state_freed_twice_refused),
		TEST(test_iova_forged_state_refused),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
