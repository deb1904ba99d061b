// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_clock.c - the lab's clock (machine/clock.c): the stamp overhead
 * calibration, in both clocks.
 *
 * Properties: in virtual time mclock_stamp_overhead() is 0 and measures
 * nothing, so a call there first does not leave 0 cached for real time;
 * in real time the value is measured once and cached (the same every
 * call), and is the cost of a pair of stamps, far below a microsecond.
 */
#include "harness.h"

#include <dmareuse/clock.h>

#include <string.h>

static void overhead_in_vtime(void *arg)
{
	uint64_t *v = arg;

	*v = mclock_stamp_overhead();
}

/*
 * Virtual time first, then real time: the real-time value is a measurement,
 * not the 0 virtual time answered.  Run first in the binary, so that no
 * earlier call has calibrated already.
 */
static void test_stamp_overhead_virtual_then_real(void)
{
	struct vtime_cfg cfg;
	uint64_t in_vtime = UINT64_MAX, real, again;

	memset(&cfg, 0, sizeof(cfg));
	REQUIRE(vtime_run(&cfg, overhead_in_vtime, &in_vtime, NULL) == 0);
	CHECK(in_vtime == 0, "virtual time: %llu stamps", (unsigned long long)in_vtime);
	real = mclock_stamp_overhead();
	again = mclock_stamp_overhead();
	CHECK(real == again, "not cached: %llu then %llu", (unsigned long long)real,
	      (unsigned long long)again);
#if defined(__x86_64__) || defined(__i386__)
	/* rdtscp waits for the instructions before it: a pair is never 0 ticks. */
	CHECK(real > 0, "real time: 0 ticks for a pair of rdtscp (virtual time's 0 kept?)");
#endif
	CHECK(mclock_stamp_ns(real) < 1000.0, "a pair of stamps costs %.0f ns",
	      mclock_stamp_ns(real));
	/* And inside virtual time again, still 0 with a real value cached. */
	in_vtime = UINT64_MAX;
	REQUIRE(vtime_run(&cfg, overhead_in_vtime, &in_vtime, NULL) == 0);
	CHECK(in_vtime == 0, "virtual time after calibration: %llu stamps",
	      (unsigned long long)in_vtime);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_stamp_overhead_virtual_then_real),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
