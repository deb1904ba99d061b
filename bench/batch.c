// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * batch.c - the batch strategy's figures that `dmabench scale` does not
 * give, all in virtual time (every number follows from the profile, the
 * seed and the counts, so they are the same on any host):
 *
 *   rx     the NIC's RX buffers in one IOVA block per ring against an IOVA
 *          of their own each (nic_drv_config.rx_scattered), on platforms
 *          with and without a cheap long range invalidation, for the
 *          default packet mix and for 1500-byte packets;
 *   size   the batch size swept on net and zswap: 1 is strict's one
 *          invalidation per unmap; on zswap 2 is one flush per zip
 *          request (each request unmaps a source and a destination), what
 *          a flush per completion would cost;
 *   rogue  a rogue device probing what it has seen, net and zswap, the
 *          oracle's counts for strict, lazy and batch over two seeds.
 *
 * Each figure is one run; columns: DMA-layer ns per operation,
 * invalidation commands per operation, IOTLB miss rate, operations per
 * virtual second per CPU, and the unmaps one batch flush covered on
 * average.  Built and run by bench/batch.sh; not a test.
 */
#include <dmareuse/net.h>
#include <dmareuse/zswap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(const char *name, struct platform_profile *p)
{
	char err[512];

	if (profile_load(name, p, err, sizeof(err))) {
		fprintf(stderr, "batch: %s\n", err);
		return -1;
	}
	return 0;
}

static void row(const char *label, const struct wl_result *r, unsigned int cpus)
{
	uint64_t acc = r->iommu.iotlb_hits + r->iommu.iotlb_misses;

	printf("%-34s %9.0f %8.3f %7.2f %10.0f %9.1f\n", label,
	       r->ops ? (double)r->dma_cpu_ns / (double)r->ops : 0,
	       r->ops ? (double)r->iommu.cmds / (double)r->ops : 0,
	       acc ? 100.0 * (double)r->iommu.iotlb_misses / (double)acc : 0,
	       r->wall_ns ? (double)r->ops * 1e9 / (double)r->wall_ns / cpus : 0,
	       r->reuse.flushes ? (double)r->reuse.deferred / (double)r->reuse.flushes : 0);
}

static void head(const char *what)
{
	printf("%-34s %9s %8s %7s %10s %9s\n", what, "dma-ns/op", "inv/op", "miss%",
	       "ops/s/cpu", "per-flush");
}

static int net(const struct platform_profile *prof, enum reuse_strategy s, unsigned int cpus,
	       uint64_t packets, uint32_t size, unsigned int batch, bool scattered,
	       bool rogue, uint64_t seed, struct wl_result *r)
{
	struct net_params p = {
		.pair = reuse_strategy_pair(s), .threads = cpus, .packets = packets,
		.size = size, .seed = seed, .nic_threads = cpus < 64 ? cpus : 64,
		.profile = prof, .virtual_time = true, .batch_size = batch,
		.rx_scattered = scattered, .rogue = rogue, .rogue_pokes = rogue ? 8 : 0,
	};
	struct net_stats st;
	char err[256] = "";
	int ret = net_run(&p, r, &st, err, sizeof(err));

	if (ret || r->failed)
		fprintf(stderr, "batch: net %s: %s (%llu failed)\n", reuse_strategy_name(s), err,
			(unsigned long long)r->failed);
	return ret ? ret : r->failed ? -1 : 0;
}

static int zswap(const struct platform_profile *prof, enum reuse_strategy s, uint64_t pages,
		 unsigned int batch, bool rogue, uint64_t seed, struct wl_result *r)
{
	struct zswap_params p = {
		.pair = reuse_strategy_pair(s), .threads = 1, .pages = pages, .seed = seed,
		.engine_threads = 1, .profile = prof, .virtual_time = true, .rogue = rogue,
	};
	char err[256] = "";
	int ret;

	zswap_default_mix(p.mix);
	p.drv.poll = true;
	p.drv.batch_size = batch;
	ret = zswap_run(&p, r, err, sizeof(err));
	if (ret || r->failed)
		fprintf(stderr, "batch: zswap %s: %s (%llu failed)\n", reuse_strategy_name(s), err,
			(unsigned long long)r->failed);
	return ret ? ret : r->failed ? -1 : 0;
}

static int section_rx(void)
{
	static const char *const plats[] = { "kunpeng920-smmuv3", "xeon-vtd" };
	static const unsigned int cpus[] = { 1, 16 };
	static const uint32_t sizes[] = { 0, 1500 };

	printf("== rx: net under batch, RX buffers in one IOVA block per ring (block) or an "
	       "IOVA each (scattered); 50000 packets, seed 1\n");
	for (size_t p = 0; p < 2; p++) {
		struct platform_profile prof;

		if (load(plats[p], &prof))
			return 1;
		printf("-- %s: range invalidation %llu ns + %llu per page, domain %llu ns\n",
		       prof.name, (unsigned long long)prof.inv_range_ns,
		       (unsigned long long)prof.inv_range_page_ns,
		       (unsigned long long)prof.inv_domain_ns);
		head("");
		for (size_t c = 0; c < 2; c++)
			for (size_t z = 0; z < 2; z++)
				for (int sc = 0; sc <= 1; sc++) {
					struct wl_result r;
					char label[64];

					if (net(&prof, RS_BATCH, cpus[c], 50000, sizes[z], 0, sc,
						false, 1, &r))
						return 1;
					snprintf(label, sizeof(label), "%u CPU%s, %s, %s", cpus[c],
						 cpus[c] == 1 ? "" : "s", sizes[z] ? "1500 B" : "mix",
						 sc ? "scattered" : "block");
					row(label, &r, cpus[c]);
				}
	}
	return 0;
}

static int section_size(void)
{
	static const unsigned int sizes[] = { 1, 2, 4, 16, 64, 256 };
	struct platform_profile prof;
	struct wl_result r;
	char label[64];

	if (load("kunpeng920-smmuv3", &prof))
		return 1;
	printf("\n== size: the batch size, kunpeng920-smmuv3, 1 CPU, seed 1 (strict and lazy "
	       "for reference)\n");
	head("-- net, 50000 packets");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (net(&prof, RS_BATCH, 1, 50000, 0, sizes[i], false, false, 1, &r))
			return 1;
		snprintf(label, sizeof(label), "batch, size %u", sizes[i]);
		row(label, &r, 1);
	}
	if (net(&prof, RS_STRICT, 1, 50000, 0, 0, false, false, 1, &r))
		return 1;
	row("strict", &r, 1);
	if (net(&prof, RS_LAZY, 1, 50000, 0, 0, false, false, 1, &r))
		return 1;
	row("lazy", &r, 1);
	head("-- zswap, 20000 pages");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (zswap(&prof, RS_BATCH, 20000, sizes[i], false, 1, &r))
			return 1;
		snprintf(label, sizeof(label), "batch, size %u%s", sizes[i],
			 sizes[i] == 2 ? " (= per request)" : "");
		row(label, &r, 1);
	}
	if (zswap(&prof, RS_STRICT, 20000, 0, false, 1, &r))
		return 1;
	row("strict", &r, 1);
	if (zswap(&prof, RS_LAZY, 20000, 0, false, 1, &r))
		return 1;
	row("lazy", &r, 1);
	return 0;
}

static int section_rogue(void)
{
	static const enum reuse_strategy ss[] = { RS_STRICT, RS_LAZY, RS_BATCH };
	struct platform_profile prof;

	if (load("kunpeng920-smmuv3", &prof))
		return 1;
	printf("\n== rogue: the device probes what it has seen and its neighbours (net: 8 "
	       "probes after every packet, 2000 packets; zswap: its own thread, 1500 pages); "
	       "kunpeng920-smmuv3, 1 CPU\n");
	printf("%-8s %-8s %4s %9s %7s %8s %7s %-9s\n", "workload", "strategy", "seed", "ok",
	       "stale", "subpage", "breach", "isolation");
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < ARRAY_SIZE(ss); i++)
			for (uint64_t seed = 1; seed <= 2; seed++) {
				struct wl_result r;

				if (w ? zswap(&prof, ss[i], 1500, 0, true, seed, &r) :
					net(&prof, ss[i], 1, 2000, 0, 0, false, true, seed, &r))
					return 1;
				printf("%-8s %-8s %4llu %9llu %7llu %8llu %7llu %-9s\n",
				       w ? "zswap" : "net", reuse_strategy_name(ss[i]),
				       (unsigned long long)seed, (unsigned long long)r.oracle.ok,
				       (unsigned long long)r.oracle.stale,
				       (unsigned long long)r.oracle.subpage,
				       (unsigned long long)r.oracle.breach, r.isolation);
			}
	return 0;
}

int main(int argc, char **argv)
{
	bool all = argc < 2;
	int ret = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "rx") && strcmp(argv[i], "size") && strcmp(argv[i], "rogue")) {
			fprintf(stderr, "usage: batch [rx] [size] [rogue]  (default: all three)\n");
			return 2;
		}
	for (int i = 0; i < 3 && !ret; i++) {
		static const char *const names[] = { "rx", "size", "rogue" };
		bool want = all;

		for (int k = 1; k < argc; k++)
			want |= !strcmp(argv[k], names[i]);
		if (!want)
			continue;
		ret = i == 0 ? section_rx() : i == 1 ? section_size() : section_rogue();
	}
	return ret;
}
