// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * latency.c - a small latency histogram: two buckets per power of two
 * (about 41% wide), enough for p50/p99 within that resolution without
 * keeping samples.
 */
#include <dmareuse/workload.h>

static unsigned int bucket_of(uint64_t ns)
{
	unsigned int lg = 0;

	if (ns < 2)
		return 0;
	while ((ns >> (lg + 1)) != 0)
		lg++;
	/* second half of the octave if the bit below the top is set */
	return 2 * lg + (unsigned int)((ns >> (lg - 1)) & 1);
}

void wl_latency_add(struct wl_latency *l, uint64_t ns)
{
	unsigned int b = bucket_of(ns);

	l->bucket[b < WL_LAT_BUCKETS ? b : WL_LAT_BUCKETS - 1]++;
	l->n++;
}

void wl_latency_merge(struct wl_latency *a, const struct wl_latency *b)
{
	for (unsigned int i = 0; i < WL_LAT_BUCKETS; i++)
		a->bucket[i] += b->bucket[i];
	a->n += b->n;
}

uint64_t wl_latency_quantile(const struct wl_latency *l, double q)
{
	uint64_t want, seen = 0;

	if (!l->n)
		return 0;
	want = (uint64_t)(q * (double)l->n);
	if (want >= l->n)
		want = l->n - 1;
	for (unsigned int b = 0; b < WL_LAT_BUCKETS; b++) {
		seen += l->bucket[b];
		if (seen > want) {
			/* the bucket's midpoint */
			unsigned int lg = b / 2;
			uint64_t lo = b < 2 ? b : (1ull << lg) + (b & 1 ? 1ull << (lg - 1) : 0);
			uint64_t width = b < 2 ? 1 : 1ull << (lg - 1);

			return lo + width / 2;
		}
	}
	return 0;
}
