// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy.c - strategy names and the isolation each keeps (DESIGN.md
 * section 6), and counter arithmetic.
 */
#include "reuse_int.h"

static const struct {
	const char *name, *cls, *isolation;
} strategies[RS_COUNT] = {
	[RS_PASSTHROUGH] = { "passthrough", "none",
		"none: the device reaches all memory" },
	[RS_STRICT] = { "strict", "strict",
		"the device reaches a buffer only while it is lent" },
	[RS_LAZY] = { "lazy", "window",
		"window: unmapped (even freed) pages reachable until the flush (<= 10 ms)" },
	[RS_BOUNCE] = { "bounce", "copy",
		"the device never reaches caller memory, only its own bounce buffers" },
	[RS_REUSE] = { "reuse", "registered",
		"the device reaches a registered buffer between uses; never after stop-reuse" },
	[RS_POOL] = { "pool", "pool",
		"the device reaches the driver's pool buffers only" },
	[RS_CACHE] = { "cache", "pinned",
		"the device reaches cached pages between uses; never a freed page" },
	[RS_IOVA_LINK] = { "iova-link", "strict",
		"as strict at unlink; no IOVA allocation per use" },
	[RS_AUTO] = { "auto", "mixed",
		"per buffer: bounce below the crossover, cache for whole pages, strict otherwise" },
};

const char *reuse_strategy_name(enum reuse_strategy s)
{
	return s < RS_COUNT ? strategies[s].name : "?";
}

const char *reuse_strategy_isolation(enum reuse_strategy s)
{
	return s < RS_COUNT ? strategies[s].isolation : "?";
}

const char *reuse_strategy_isolation_class(enum reuse_strategy s)
{
	return s < RS_COUNT ? strategies[s].cls : "?";
}

int reuse_strategy_parse(const char *name)
{
	for (int i = 0; i < RS_COUNT; i++) {
		const char *a = strategies[i].name, *b = name;

		while (*a && *a == *b)
			a++, b++;
		if (!*a && !*b)
			return i;
	}
	return -1;
}

void reuse_stats_add(struct reuse_stats *acc, const struct reuse_stats *s)
{
	acc->hits += s->hits;
	acc->misses += s->misses;
	acc->maps += s->maps;
	acc->unmaps += s->unmaps;
	acc->syncs += s->syncs;
	acc->invalidations += s->invalidations;
	acc->bytes_copied += s->bytes_copied;
	acc->pages_pinned += s->pages_pinned;
	acc->reclaimed += s->reclaimed;
	acc->evicted += s->evicted;
	acc->in_use += s->in_use;
	acc->errors += s->errors;
}
