// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * sg_reuse.c - the seed's sg_mark_reusable / sg_mark_stop_reuse on the
 * lab's scatterlist, over the map-once API (reuse/maponce.c).
 *
 * State lives in entry 0: reuse_flags (MARKED, STOPPED) and reuse_ctx (the
 * marking: registry, callback, and the registration once mapped).  The
 * scatterlist belongs to its owner; like Linux's, it is not locked -- the
 * owner does not hand the same list to two transfers at once.
 *
 * The entries' pages, offsets and lengths reach the OS only through
 * rmo_register(), which checks every span (nonempty, no sum wrapping, inside
 * memory) before it pins or maps anything; a list it refuses is -EINVAL
 * here, told from a registration that could not get memory by the
 * registry's count of refused calls.
 */
#include "../osdep.h"

#include <dmareuse/sg_reuse.h>

/* reuse_flags of entry 0 (the field is reuse/'s: scatterlist.h). */
#define SG_REUSE_MARKED 1u
#define SG_REUSE_STOPPED 2u

struct sg_reuse_ctx {
	struct rreuse *r;
	rmo_unmap_cb cb;
	void *arg;
	struct rmo *mo;
	int nents;
	enum dma_data_direction dir;
	struct rseg segs[RMO_MAX_SEGS];	/* what was registered */
};

int sg_mark_reusable(struct scatterlist *sg, int nents, struct rreuse *r,
		     rmo_unmap_cb cb, void *arg)
{
	struct sg_reuse_ctx *ctx;

	if (nents <= 0 || nents > RMO_MAX_SEGS || !r) {
		osdep_warn("sg_mark_reusable(%p, %d): expected 1-%d entries and a registry",
			   (void *)sg, nents, RMO_MAX_SEGS);
		return -EINVAL;
	}
	if (sg->reuse_flags & SG_REUSE_MARKED) {
		osdep_warn("sg_mark_reusable(%p): already marked reusable", (void *)sg);
		return -EINVAL;
	}
	ctx = osdep_zalloc(sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	*ctx = (struct sg_reuse_ctx){ .r = r, .cb = cb, .arg = arg, .nents = nents };
	sg->reuse_ctx = ctx;
	sg->reuse_flags = SG_REUSE_MARKED;
	return 0;
}

bool sg_is_reusable(const struct scatterlist *sg)
{
	return sg->reuse_flags & SG_REUSE_MARKED;
}

int sg_mark_stop_reuse(struct scatterlist *sg)
{
	struct sg_reuse_ctx *ctx = sg->reuse_ctx;
	int r;

	if (!(sg->reuse_flags & SG_REUSE_MARKED)) {
		osdep_warn("sg_mark_stop_reuse(%p): %s", (void *)sg,
			   sg->reuse_flags & SG_REUSE_STOPPED ? "reuse already stopped (stop-reuse twice)"
							      : "list was never marked reusable");
		return -EINVAL;
	}
	if (ctx->mo) {
		r = rmo_unregister(ctx->mo);
		if (r)
			return r;	/* in flight: nothing changed */
	}
	sg->reuse_flags = SG_REUSE_STOPPED;
	sg->reuse_ctx = NULL;
	osdep_free(ctx);
	return 0;
}

/* The list still describes the memory that was registered. */
static bool same_memory(const struct sg_reuse_ctx *ctx, const struct scatterlist *sg)
{
	for (int i = 0; i < ctx->nents; i++)
		if (sg[i].page != ctx->segs[i].page || sg[i].offset != ctx->segs[i].offset ||
		    sg[i].length != ctx->segs[i].len)
			return false;
	return true;
}

int reuse_map_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir)
{
	struct sg_reuse_ctx *ctx = sg->reuse_ctx;
	int r;

	if (sg->reuse_flags & SG_REUSE_STOPPED) {
		osdep_warn("reuse_map_sg(%p): use after stop-reuse", (void *)sg);
		return -ESTALE;
	}
	if (!(sg->reuse_flags & SG_REUSE_MARKED))
		return -ENOENT;
	if (nents != ctx->nents || (ctx->mo && dir != ctx->dir)) {
		osdep_warn("reuse_map_sg(%p, %d, %s): marked with %d entries%s", (void *)sg,
			   nents, dma_dir_name(dir), ctx->nents,
			   ctx->mo ? " and mapped for another direction" : "");
		return -EINVAL;
	}
	if (!ctx->mo) {
		struct reuse_stats before, after;

		for (int i = 0; i < nents; i++)
			ctx->segs[i] = (struct rseg){ sg[i].page, sg[i].offset, sg[i].length };
		rreuse_stats(ctx->r, &before);
		ctx->mo = rmo_register(ctx->r, ctx->segs, (unsigned int)nents, dir, ctx->cb,
				       ctx->arg);
		if (!ctx->mo) {
			/* Refused (logged by the registry), or out of memory. */
			rreuse_stats(ctx->r, &after);
			return after.errors != before.errors ? -EINVAL : -ENOMEM;
		}
		ctx->dir = dir;
	} else if (!same_memory(ctx, sg)) {
		osdep_warn("reuse_map_sg(%p): the pages of a reusable list changed; "
			   "stop reuse before reusing the list for other memory", (void *)sg);
		return -EINVAL;
	}
	r = rmo_for_device(ctx->mo);
	if (r)
		return r;
	for (int i = 0; i < nents; i++) {
		sg[i].dma_address = rmo_dma_addr(ctx->mo, (unsigned int)i);
		sg[i].dma_length = sg[i].length;
	}
	return 0;
}

int reuse_unmap_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir)
{
	struct sg_reuse_ctx *ctx = sg->reuse_ctx;

	if (sg->reuse_flags & SG_REUSE_STOPPED) {
		osdep_warn("reuse_unmap_sg(%p): use after stop-reuse", (void *)sg);
		return -ESTALE;
	}
	if (!(sg->reuse_flags & SG_REUSE_MARKED) || !ctx->mo)
		return -ENOENT;
	if (nents != ctx->nents || dir != ctx->dir) {
		osdep_warn("reuse_unmap_sg(%p, %d, %s): does not match the registration",
			   (void *)sg, nents, dma_dir_name(dir));
		return -EINVAL;
	}
	return rmo_for_cpu(ctx->mo);
}
