// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_net_conc.c - the net workload with two CPU threads and the NIC
 * thread(s) running at once, every strategy that applies, short runs; also
 * built with ThreadSanitizer (make check-tsan).  Property: every packet is
 * verified end to end and nothing leaks, whatever the interleaving of
 * transmit, interrupts, polls and RX refills.
 */
#include "harness.h"

#include <dmareuse/net.h>

#include <string.h>

static const enum reuse_strategy applicable[] = {
	RS_PASSTHROUGH, RS_STRICT, RS_LAZY, RS_BOUNCE, RS_POOL, RS_CACHE, RS_IOVA_LINK, RS_AUTO,
};

static void run_all(unsigned int nic_threads, uint64_t packets)
{
	for (size_t i = 0; i < ARRAY_SIZE(applicable); i++) {
		struct lab *lab = lab_up(256, 2, "ideal");
		struct net_params p = {
			.pair = reuse_strategy_pair(applicable[i]),
			.threads = 2, .packets = packets,
			.seed = test_seed() + i, .nic_threads = nic_threads, .tx_depth = 16,
			.rx_depth = 16, .debug = true,
		};
		struct wl_result r;
		struct net_stats st;
		char err[256] = "";
		int ret;

		REQUIRE(lab);
		p.os = lab->os;
		ret = net_run(&p, &r, &st, err, sizeof(err));
		CHECK(ret == 0, "%s: %s", reuse_strategy_name(applicable[i]), err);
		CHECK(r.ops == packets && r.verified == packets && r.failed == 0,
		      "%s: ops %llu verified %llu failed %llu", reuse_strategy_name(applicable[i]),
		      (unsigned long long)r.ops, (unsigned long long)r.verified,
		      (unsigned long long)r.failed);
		CHECK(st.nic.drops == 0 && st.nic.ok == packets);
		lab_down(lab);
	}
}

/* Two CPU threads, one NIC thread serving both queue pairs. */
static void test_two_cpus_one_nic_thread(void)
{
	run_all(1, 300);
}

/* Two CPU threads, two NIC threads: queue pairs served in parallel. */
static void test_two_cpus_two_nic_threads(void)
{
	run_all(2, 200);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_two_cpus_one_nic_thread),
		TEST(test_two_cpus_two_nic_threads),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
