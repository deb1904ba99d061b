// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * cmdq.c - the IOMMU command queue: invalidations and CMD_SYNC.
 *
 * Cost model (all figures from the profile):
 *   CPU issue  = cmdq_issue_ns + n * cmdq_issue_per_cmd_ns, paid by the
 *                submitter; under CMDQ_LOCK it is paid holding the queue lock
 *                (so CPUs queue behind each other, as arm-smmu-v3 did before
 *                Linux 5.4), under CMDQ_BATCH without it.
 *   hardware   = sum of per-command times (+ sync_ns with a SYNC).  The
 *                hardware is a single server: a batch starts at
 *                max(issue end, busy_until) and pushes busy_until forward.
 *   wait       = with a SYNC, the submitter spins until its batch completes.
 * The functional effect (entries removed from the IOTLB) is applied when the
 * batch is issued, so it is complete by the time a synced submit returns;
 * a synced submit with invalidations also waits for device accesses that
 * were already under way (machine_drain_accesses()), as CMD_SYNC completes
 * only after outstanding transactions that used the old translations.
 */
#include "machine_int.h"

#include <dmareuse/clock.h>

static uint64_t hw_time(const struct platform_profile *p,
			const struct iommu_cmd *c)
{
	switch (c->op) {
	case CMD_INV_RANGE: return p->inv_range_ns;
	case CMD_INV_DOMAIN: return p->inv_domain_ns;
	case CMD_INV_ALL: return p->inv_all_ns;
	}
	return 0;
}

/* Reserve [start, start + service) on the hardware server; return the end. */
static uint64_t hw_reserve(struct cmdq *q, uint64_t now, uint64_t service)
{
	uint64_t busy = atomic_load(&q->busy_until), start, end;

	do {
		start = busy > now ? busy : now;
		end = start + service;
	} while (!atomic_compare_exchange_weak(&q->busy_until, &busy, end));
	return end;
}

uint64_t iommu_cmdq_submit(struct machine *m, const struct iommu_cmd *cmds,
			   size_t n, bool sync)
{
	const struct platform_profile *p = &m->profile;
	struct cmdq *q = &m->cmdq;
	uint64_t t0 = mclock_now(), service = 0, done, spent;
	bool locked = p->cmdq_model == CMDQ_LOCK;

	if (locked)
		pthread_mutex_lock(&q->issue_lock);
	mclock_spend(p->cmdq_issue_ns + n * p->cmdq_issue_per_cmd_ns);
	for (size_t i = 0; i < n; i++) {
		const struct iommu_cmd *c = &cmds[i];

		service += hw_time(p, c);
		switch (c->op) {
		case CMD_INV_RANGE:
			iotlb_inv_range(m, c->domain, c->iova >> PAGE_SHIFT, c->npages);
			break;
		case CMD_INV_DOMAIN:
			iotlb_inv_domain(m, c->domain);
			break;
		case CMD_INV_ALL:
			iotlb_inv_all(m);
			break;
		}
	}
	if (sync)
		service += p->sync_ns;
	done = hw_reserve(q, mclock_now(), service);
	if (locked)
		pthread_mutex_unlock(&q->issue_lock);
	if (sync) {
		mclock_wait_until(done);
		/* CMD_SYNC also waits for device accesses already translated. */
		if (n)
			machine_drain_accesses(m);
	}
	spent = mclock_now() - t0;
	stat_add(m, cmds, n);
	stat_add(m, syncs, sync ? 1 : 0);
	stat_inc(m, batches);
	stat_add(m, cmdq_cpu_ns, spent);
	return spent;
}
