// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vrun.c - how a workload runs in virtual time (wl_int.h): the profile's
 * cost table configures the scheduler, and the workload's body runs as
 * its first simulated CPU; the threads the body starts become the other
 * CPUs.  zswap and net share it; map_bench reports through its own result
 * and keeps its own three lines.
 */
#include "wl_int.h"

#include <dmareuse/vtime.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int wl_run_virtual(const struct platform_profile *prof, bool has_os, void (*body)(void *arg),
		   void *arg, char *err, size_t errlen)
{
	struct vtime_cfg vc;
	int ret;

	if (has_os) {
		snprintf(err, errlen, "a virtual-time run builds its own machine: no os may be given");
		return -EINVAL;
	}
	if (profile_vtime_cfg(prof, &vc)) {
		snprintf(err, errlen, "profile %s has no cost table: it cannot run in virtual time",
			 prof ? prof->name : "(none)");
		return -ENOENT;
	}
	ret = vtime_run(&vc, body, arg, NULL);
	if (ret)
		snprintf(err, errlen, "the virtual-time run failed (%s)", strerror(-ret));
	return ret;
}
