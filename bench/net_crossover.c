// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * net_crossover.c - where does bounce stop beating strict for packets?
 *
 * For each platform profile, for fixed packet sizes 64 B .. 64 KiB (powers
 * of two), run the net workload (1 CPU thread, 1 NIC thread) under bounce
 * and under strict and take the DMA-layer CPU ns per packet: what the
 * sending CPU spends in map/unmap/sync/copy for the TX buffer and for the
 * RX buffer the packet lands in.  Bounce pays two copies that grow with the
 * size; strict pays two maps and two unmaps, each unmap an IOTLB
 * invalidation + CMD_SYNC, nearly flat in the size.  The crossover is the
 * first size at which bounce costs at least as much as strict.
 *
 * Each point is the median of --reps runs.  Runs go repetition by
 * repetition over all sizes, bounce and strict side by side (which goes
 * first alternating), so that a burst of load on a shared machine spoils
 * one sample of several points rather than every sample of one; one
 * discarded warm-up pair per platform absorbs first-touch effects.  One lab
 * (machine + OS) per platform serves every run on it.
 *
 * Built by bench/net_crossover.sh against build/libdmareuse.a; not a test.
 */
#include <dmareuse/net.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SHIFT 6		/* 64 B */
#define MAX_SHIFT 16		/* 64 KiB */
#define NSIZES (MAX_SHIFT - MIN_SHIFT + 1)
#define MAX_REPS 31

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: net_crossover [--packets N] [--reps R] [--seed S] [PLATFORM...]\n"
		   "  --packets N  packets per run, 100-1000000 (default 4000)\n"
		   "  --reps R     runs per point, median taken, 1-%d (default 7)\n"
		   "  --seed S     workload seed (default 1)\n"
		   "  PLATFORM     profile names or paths (default: ideal kunpeng920-smmuv3)\n",
		MAX_REPS);
}

static bool parse_num(const char *flag, const char *v, unsigned long long lo,
		      unsigned long long hi, unsigned long long *out)
{
	char *end;

	*out = v ? strtoull(v, &end, 0) : 0;
	if (!v || !*v || *end || *out < lo || *out > hi) {
		fprintf(stderr, "net_crossover: %s '%s': expected %llu-%llu\n", flag,
			v ? v : "", lo, hi);
		return false;
	}
	return true;
}

/* One lab per platform, shared by every run on it. */
struct lab {
	struct platform_profile prof;
	struct machine *m;
	struct os *os;
};

static int lab_up(struct lab *l, const char *name)
{
	struct machine_config mc = { .mem_bytes = 256u << 20, .populate = true };
	struct os_config oc = { .ncpus = 1 };
	char err[512];

	if (profile_load(name, &l->prof, err, sizeof(err))) {
		fprintf(stderr, "net_crossover: %s\n", err);
		return -EINVAL;
	}
	mc.profile = &l->prof;
	l->m = machine_create(&mc);
	if (!l->m)
		return -ENOMEM;
	oc.machine = l->m;
	l->os = os_create(&oc);
	if (!l->os) {
		machine_destroy(l->m);
		return -ENOMEM;
	}
	return 0;
}

static void lab_down(struct lab *l)
{
	size_t leaked = os_destroy(l->os);

	if (leaked)
		fprintf(stderr, "net_crossover: %zu frames leaked\n", leaked);
	machine_destroy(l->m);
}

/* DMA-layer ns per packet of one run; < 0 on failure. */
static double one_run(struct lab *l, enum reuse_strategy s, uint32_t size,
		      uint64_t packets, uint64_t seed)
{
	struct net_params p = {
		.pair = reuse_strategy_pair(s),
		.threads = 1, .packets = packets, .size = size, .seed = seed,
		.os = l->os,
	};
	struct wl_result r;
	char err[256] = "";
	int ret = net_run(&p, &r, NULL, err, sizeof(err));

	if (ret || r.failed || r.verified != packets) {
		fprintf(stderr, "net_crossover: %s %s %u B: %s (verified %llu of %llu)\n",
			l->prof.name, reuse_strategy_name(s), size, ret ? err : "packets failed",
			(unsigned long long)r.verified, (unsigned long long)packets);
		return -1;
	}
	return (double)r.dma_cpu_ns / (double)r.ops;
}

static int platform(const char *name, uint64_t packets, unsigned int reps, uint64_t seed)
{
	static const enum reuse_strategy ss[2] = { RS_BOUNCE, RS_STRICT };
	static double v[NSIZES][2][MAX_REPS];
	double med[NSIZES][2];
	int cross = -1, recross = -1;
	struct lab l;
	int ret;

	ret = lab_up(&l, name);
	if (ret)
		return ret;
	/* Warm-up, discarded: first-touch and clock effects land here. */
	for (int i = 0; i < 2; i++)
		if (one_run(&l, ss[i], 1u << MIN_SHIFT, packets, seed) < 0) {
			lab_down(&l);
			return -EIO;
		}
	printf("== %s: DMA-layer CPU ns per packet (TX + RX), 1 CPU thread, median of %u "
	       "runs of %llu packets ==\n", l.prof.name, reps, (unsigned long long)packets);
	/*
	 * Repetitions outside, sizes inside: a burst of load from elsewhere
	 * spoils one sample of several sizes, not every sample of one size.
	 */
	for (unsigned int r = 0; r < reps; r++)
		for (int k = 0; k < NSIZES; k++)
			for (int n = 0; n < 2; n++) {
				int i = (int)((r + (unsigned int)k) & 1) ^ n; /* which goes first */

				v[k][i][r] = one_run(&l, ss[i], 1u << (MIN_SHIFT + k), packets,
						     seed + r);
				if (v[k][i][r] < 0) {
					lab_down(&l);
					return -EIO;
				}
			}
	printf("%8s %12s %12s %14s  %s\n", "size", "bounce", "strict", "strict/bounce",
	       "cheaper");
	for (int k = 0; k < NSIZES; k++) {
		uint32_t size = 1u << (MIN_SHIFT + k);

		for (int i = 0; i < 2; i++) {
			qsort(v[k][i], reps, sizeof(double), cmp_double);
			med[k][i] = v[k][i][reps / 2];
		}
		printf("%8u %12.0f %12.0f %14.2f  %s\n", size, med[k][0], med[k][1],
		       med[k][1] / med[k][0], med[k][0] < med[k][1] ? "bounce" : "strict");
		if (cross < 0 && med[k][0] >= med[k][1])
			cross = k;
		else if (cross >= 0 && recross < 0 && med[k][0] < med[k][1])
			recross = k;
	}
	if (cross < 0)
		printf("%s: bounce beats strict at every size up to %u B: no crossover in "
		       "range\n", l.prof.name, 1u << MAX_SHIFT);
	else if (cross == 0)
		printf("%s: strict beats bounce already at %u B: no crossover in range\n",
		       l.prof.name, 1u << MIN_SHIFT);
	else
		printf("%s: crossover %u B -- bounce beats strict up to %u B, strict wins from "
		       "%u B\n", l.prof.name, 1u << (MIN_SHIFT + cross),
		       1u << (MIN_SHIFT + cross - 1), 1u << (MIN_SHIFT + cross));
	if (recross >= 0)
		printf("%s: note: bounce is cheaper again at %u B (noise near the crossover)\n",
		       l.prof.name, 1u << (MIN_SHIFT + recross));
	printf("\n");
	lab_down(&l);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = { "ideal", "kunpeng920-smmuv3" };
	unsigned long long packets = 4000, reps = 7, seed = 1;
	const char *plats[16];
	int nplat = 0, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--packets")) {
			if (!parse_num("--packets", argv[++i], 100, 1000000, &packets))
				return 2;
		} else if (!strcmp(argv[i], "--reps")) {
			if (!parse_num("--reps", argv[++i], 1, MAX_REPS, &reps))
				return 2;
		} else if (!strcmp(argv[i], "--seed")) {
			if (!parse_num("--seed", argv[++i], 0, ~0ull, &seed))
				return 2;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "net_crossover: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		} else if (nplat < (int)ARRAY_SIZE(plats)) {
			plats[nplat++] = argv[i];
		} else {
			fprintf(stderr, "net_crossover: at most %zu platforms\n", ARRAY_SIZE(plats));
			return 2;
		}
	}
	if (!nplat)
		for (nplat = 0; nplat < (int)ARRAY_SIZE(defaults); nplat++)
			plats[nplat] = defaults[nplat];
	for (i = 0; i < nplat; i++) {
		int r = platform(plats[i], packets, (unsigned int)reps, seed);

		if (r)
			return r == -EINVAL ? 2 : 1;
	}
	return 0;
}
