// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_reuse.c - the "reuse" strategy: dmareuse's map-once API.
 *
 * The seed's reusable scatterlists, in the kernel's form: struct
 * scatterlist cannot carry a reuse flag from outside the tree, so the upper
 * layer marks a buffer reusable by registering it (rmo_register(): map and
 * pin once), hands it to the device and back per use (rmo_for_device() /
 * rmo_for_cpu(): syncs, no map), and stops reuse with rmo_unregister()
 * (unmap with a synchronous invalidation, then unpin).
 *
 * Here the instance plays the upper layer for the tests and benchmarks,
 * which speak map/unmap: the first map of a buffer (address, length,
 * direction) registers it, every map is rmo_for_device(), every unmap
 * rmo_for_cpu().  Registrations are kept on a list, most recently used
 * first (a hit is normally the head), at most REUSE_MAX_REGS of them; the
 * least recently used idle one is unregistered to make room, and destroy
 * unregisters them all -- that is stop-reuse.
 *
 * The map-once registry refuses a lazy (flush-queue) device, because stop-
 * reuse could not guarantee the mapping is gone before the pages are
 * unpinned; the reuse layer's table refuses the pair (lazy, reuse), so
 * edu_strategy_create() fails with -EOPNOTSUPP before init runs, which the
 * tests report as n/a.
 */
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "edu_int.h"

#define REUSE_MAX_REGS	64

/**
 * struct reuse_reg - one registered buffer.
 * @node:	in reuse_priv.regs, most recently used first.
 * @buf:	CPU address, with @len and @dir the key.
 * @len:	bytes.
 * @dir:	direction.
 * @mo:		the registration.
 * @dma:	its device address, kept as an upper layer keeps
 *		sg_dma_address() of a mapped scatterlist.
 * @lent:	device-owned (after rmo_for_device, before rmo_for_cpu).
 */
struct reuse_reg {
	struct list_head node;
	void *buf;
	size_t len;
	enum dma_data_direction dir;
	struct rmo *mo;
	dma_addr_t dma;
	bool lent;
};

/**
 * struct reuse_priv - one instance.
 * @r:		the map-once registry.
 * @regs:	registered buffers, most recently used first.
 * @nregs:	length of @regs.
 */
struct reuse_priv {
	struct rreuse *r;
	struct list_head regs;
	unsigned int nregs;
};

static int reuse_init(struct edu_strategy *s)
{
	struct reuse_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->r = dmareuse_reuse_create(s->dev);
	if (!p->r) {
		kfree(p);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&p->regs);
	s->priv = p;
	return 0;
}

/* Stop reuse of @reg: unregister (unmap, invalidate, unpin) and forget. */
static void reg_stop(struct reuse_priv *p, struct reuse_reg *reg)
{
	if (reg->lent)
		rmo_for_cpu(reg->mo);
	rmo_unregister(reg->mo);
	list_del(&reg->node);
	p->nregs--;
	kfree(reg);
}

static void reuse_destroy(struct edu_strategy *s)
{
	struct reuse_priv *p = s->priv;
	struct reuse_reg *reg, *next;
	struct reuse_stats st;

	list_for_each_entry_safe(reg, next, &p->regs, node)
		reg_stop(p, reg);
	/* Hits that needed a sync show up here: none on a coherent device. */
	rreuse_stats(p->r, &st);
	dev_dbg(s->dev, "reuse: %llu hits, %llu syncs, %llu registrations\n",
		(unsigned long long)st.hits, (unsigned long long)st.syncs,
		(unsigned long long)st.misses);
	dmareuse_reuse_destroy(p->r);
	kfree(p);
}

static struct reuse_reg *reg_find(struct reuse_priv *p, void *buf, size_t len,
				  enum dma_data_direction dir)
{
	struct reuse_reg *reg;

	list_for_each_entry(reg, &p->regs, node) {
		if (reg->buf == buf && reg->len == len && reg->dir == dir) {
			if (p->regs.next != &reg->node)
				list_move(&reg->node, &p->regs);
			return reg;
		}
	}
	return NULL;
}

/* Register @buf: the upper layer's sg_mark_reusable(). */
static struct reuse_reg *reg_new(struct reuse_priv *p, void *buf, size_t len,
				 enum dma_data_direction dir)
{
	struct rseg seg = {
		.page = virt_to_page(buf),
		.offset = offset_in_page(buf),
		.len = len,
	};
	struct reuse_reg *reg, *victim;

	if (p->nregs >= REUSE_MAX_REGS) {
		list_for_each_entry_reverse(victim, &p->regs, node) {
			if (!victim->lent) {
				reg_stop(p, victim);
				break;
			}
		}
		if (p->nregs >= REUSE_MAX_REGS)
			return NULL;
	}
	reg = kzalloc(sizeof(*reg), GFP_KERNEL);
	if (!reg)
		return NULL;
	reg->mo = rmo_register(p->r, &seg, 1, dir, NULL, NULL);
	if (!reg->mo) {
		kfree(reg);
		return NULL;
	}
	reg->buf = buf;
	reg->len = len;
	reg->dir = dir;
	reg->dma = rmo_dma_addr(reg->mo, 0);
	list_add(&reg->node, &p->regs);
	p->nregs++;
	return reg;
}

static dma_addr_t reuse_map(struct edu_strategy *s, void *buf, size_t len,
			    enum dma_data_direction dir)
{
	struct reuse_priv *p = s->priv;
	struct reuse_reg *reg = reg_find(p, buf, len, dir);

	if (!reg) {
		reg = reg_new(p, buf, len, dir);
		if (!reg)
			return DMA_MAPPING_ERROR;
	}
	if (rmo_for_device(reg->mo))
		return DMA_MAPPING_ERROR;
	reg->lent = true;
	return reg->dma;
}

static void reuse_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			size_t len, enum dma_data_direction dir)
{
	struct reuse_priv *p = s->priv;
	struct reuse_reg *reg = reg_find(p, buf, len, dir);

	if (WARN_ON_ONCE(!reg || !reg->lent))
		return;
	if (!rmo_for_cpu(reg->mo))
		reg->lent = false;
}

static void reuse_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				  void *buf, size_t len,
				  enum dma_data_direction dir)
{
	struct reuse_priv *p = s->priv;
	struct reuse_reg *reg = reg_find(p, buf, len, dir);

	if (!WARN_ON_ONCE(!reg) && !rmo_for_device(reg->mo))
		reg->lent = true;
}

static void reuse_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
			       void *buf, size_t len,
			       enum dma_data_direction dir)
{
	struct reuse_priv *p = s->priv;
	struct reuse_reg *reg = reg_find(p, buf, len, dir);

	if (!WARN_ON_ONCE(!reg) && !rmo_for_cpu(reg->mo))
		reg->lent = false;
}

const struct edu_strategy_ops edu_strategy_reuse = {
	.name		 = "reuse",
	.mech		 = RMECH_REUSE,
	.rt_modes	 = EDU_RT_EXACT,
	.init		 = reuse_init,
	.destroy	 = reuse_destroy,
	.map		 = reuse_map,
	.unmap		 = reuse_unmap,
	.sync_for_device = reuse_sync_for_device,
	.sync_for_cpu	 = reuse_sync_for_cpu,
};
