// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * cmdq.c - the IOMMU command queue: invalidations and CMD_SYNC, three ways
 * of submitting them, and the hardware that serves them.
 *
 * Hardware (every figure from the profile).  A queue's hardware is one
 * server taking commands in order: a command starts at max(its arrival,
 * the end of the previous one) and occupies the server for its service
 * time -- inv_range_ns (+ inv_range_page_ns per page beyond the first),
 * inv_domain_ns, inv_all_ns, sync_ns.  An invalidation is complete
 * inv_latency_ns after its service ends (the TLBs it reaches are far; the
 * queue moves on meanwhile); a CMD_SYNC completes when its own service
 * ends and every invalidation before it is complete.  So one TLBI + SYNC
 * on an idle queue takes inv_range_ns + max(sync_ns, inv_latency_ns), and
 * a busy queue serves one pair every inv_range_ns + sync_ns.
 *
 * Submission (the CPU side), chosen by cmdq_model:
 *   lock      a spinlock around insertion, as arm-smmu-v3 before Linux 5.4
 *             and VT-d's queued invalidation: cmdq_lock_hold says whether
 *             each command takes the lock on its own (arm-smmu-v3 of 4.x
 *             issued every TLBI and the SYNC through its own
 *             lock/insert/unlock) or the whole batch takes it once;
 *             cmdq_sync_poll says whether the CPU polls for CMD_SYNC
 *             holding the lock (the non-MSI path, and the issue's "one
 *             spinlock around build, issue and wait") or after releasing it
 *             (4.16-5.3 with MSI-signalled completion).  Each acquisition
 *             costs cmdq_issue_ns (reading the consumer index, writing the
 *             producer register) and each command cmdq_issue_per_cmd_ns.
 *   lockfree  Linux 5.4+: a CPU claims slots with an atomic on the producer
 *             index (a cache line every CPU writes: a modelled lock held
 *             for the claim), writes its commands into them, and the first
 *             CPU to claim since the last issue becomes the owner: it waits
 *             for the previous owner, closes the gather, waits until every
 *             gathered slot is written and issues them all with one
 *             producer-register write.  Everyone waits for its own SYNC.
 *   ecmdq     SMMUv3.3's Enhanced Command Queues: each group of ecmdq_cpus
 *             CPUs has its own queue, run lock-free as above, with its own
 *             hardware front end; the groups share nothing.
 * The functional effect (entries leaving the IOTLB) is applied when a
 * command reaches the hardware, so a synced submit returns with it done;
 * a synced submit with invalidations also waits for device accesses that
 * were already translating (machine_drain_accesses()), as CMD_SYNC
 * completes only after outstanding transactions that used old entries.
 *
 * Every latency is paid through mclock_spend()/mclock_wait_until(), so the
 * same code runs in real time (spinning) and in virtual time, where the
 * queue lock and the producer-index line are modelled locks.
 */
#include "machine_int.h"

#include <dmareuse/clock.h>

#include <stdatomic.h>

/* Service time of one command on the hardware server. */
static uint64_t service_ns(const struct platform_profile *p, const struct iommu_cmd *c)
{
	switch (c->op) {
	case CMD_INV_RANGE:
		return p->inv_range_ns +
		       (c->npages > 1 ? (uint64_t)(c->npages - 1) * p->inv_range_page_ns : 0);
	case CMD_INV_DOMAIN: return p->inv_domain_ns;
	case CMD_INV_ALL: return p->inv_all_ns;
	}
	return 0;
}

/*
 * Put one invalidation through @q's hardware, arriving at @t: the IOTLB
 * forgets the entries now.  Caller holds the lock that orders @q's
 * hardware (the issue lock, or the owner lock).
 */
static void hw_inv_locked(struct machine *m, struct cmdq_hw *q,
			  const struct iommu_cmd *c, uint64_t t)
{
	const struct platform_profile *p = &m->profile;
	uint64_t start = t > q->busy_until ? t : q->busy_until, done;

	assert(mlock_held(&q->issue_lock) || mlock_held(&q->owner_lock));

	q->busy_until = start + service_ns(p, c);
	done = q->busy_until + p->inv_latency_ns;
	if (done > q->inv_done)
		q->inv_done = done;
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

/* A CMD_SYNC arriving at @t; returns when it completes. */
static uint64_t hw_sync_locked(struct machine *m, struct cmdq_hw *q, uint64_t t)
{
	uint64_t start = t > q->busy_until ? t : q->busy_until;

	assert(mlock_held(&q->issue_lock) || mlock_held(&q->owner_lock));

	q->busy_until = start + m->profile.sync_ns;
	return q->busy_until > q->inv_done ? q->busy_until : q->inv_done;
}

/* ---- lock: a spinlock around insertion ----------------------------------- */

static uint64_t submit_lock(struct machine *m, const struct iommu_cmd *cmds,
			    size_t n, bool sync)
{
	const struct platform_profile *p = &m->profile;
	struct cmdq_hw *q = &m->cmdq.hw[0];
	bool per_cmd = p->cmdq_lock_hold == CMDQ_HOLD_COMMAND;
	bool poll_locked = p->cmdq_sync_poll == CMDQ_POLL_LOCKED;
	uint64_t done = 0, wait = 0;

	if (!per_cmd) {
		mlock_lock(&q->issue_lock);
		mclock_spend(p->cmdq_issue_ns + (n + sync) * p->cmdq_issue_per_cmd_ns);
	}
	for (size_t i = 0; i < n; i++) {
		if (per_cmd) {
			mlock_lock(&q->issue_lock);
			mclock_spend(p->cmdq_issue_ns + p->cmdq_issue_per_cmd_ns);
		}
		hw_inv_locked(m, q, &cmds[i], mclock_now());
		if (per_cmd)
			mlock_unlock(&q->issue_lock);
	}
	if (sync) {
		if (per_cmd) {
			mlock_lock(&q->issue_lock);
			mclock_spend(p->cmdq_issue_ns + p->cmdq_issue_per_cmd_ns);
		}
		done = hw_sync_locked(m, q, mclock_now());
		if (poll_locked)
			wait = mclock_wait_until(done);
	}
	if (!per_cmd || sync)
		mlock_unlock(&q->issue_lock);
	if (sync && !poll_locked)
		wait = mclock_wait_until(done);
	return wait;
}

/* ---- lockfree: claim, write, one owner issues the gather ------------------ */

struct cmdq_sub {
	struct cmdq_sub *next;
	const struct iommu_cmd *cmds;
	size_t n;
	bool sync;
	uint64_t ready_ns;		/* its slots are written from then on */
	_Atomic bool written;		/* ready_ns is valid (release/acquire) */
	uint64_t done_ns;		/* its CMD_SYNC completes then */
	_Atomic bool issued;		/* the owner issued it; done_ns is valid */
};

static uint64_t submit_lockfree(struct machine *m, struct cmdq_hw *q,
				const struct iommu_cmd *cmds, size_t n, bool sync)
{
	const struct platform_profile *p = &m->profile;
	struct cmdq_sub me = { .cmds = cmds, .n = n, .sync = sync };
	bool owner;

	/* The claim: one atomic on the producer index, a line every CPU writes. */
	mlock_lock(&q->prod_line);
	me.next = NULL;
	*q->gather_tail = &me;
	q->gather_tail = &me.next;
	owner = !q->gather_open;
	q->gather_open = true;
	mlock_unlock(&q->prod_line);
	/* Write the claimed slots. */
	mclock_spend((n + sync) * p->cmdq_issue_per_cmd_ns);
	me.ready_ns = mclock_now();
	/* Pairs with the owner's acquire load in the gather loop below. */
	atomic_store_explicit(&me.written, true, memory_order_release);
	if (owner) {
		struct cmdq_sub *list, *s;
		uint64_t t = 0;

		mlock_lock(&q->owner_lock);	/* the previous owner has issued */
		mlock_lock(&q->prod_line);	/* close the gather: clear the owner flag */
		list = q->gather_head;
		q->gather_head = NULL;
		q->gather_tail = &q->gather_head;
		q->gather_open = false;
		mlock_unlock(&q->prod_line);
		for (s = list; s; s = s->next) {
			/* Pairs with each submitter's release store of written. */
			while (!atomic_load_explicit(&s->written, memory_order_acquire))
				mclock_relax();
			if (s->ready_ns > t)
				t = s->ready_ns;
		}
		mclock_wait_until(t);
		mclock_spend(p->cmdq_issue_ns);	/* the producer-register write */
		t = mclock_now();
		for (s = list; s;) {
			struct cmdq_sub *next = s->next;	/* @s may go once issued */

			for (size_t i = 0; i < s->n; i++)
				hw_inv_locked(m, q, &s->cmds[i], t);
			if (s->sync)
				s->done_ns = hw_sync_locked(m, q, t);
			/* Pairs with the waiter's acquire load of issued below. */
			atomic_store_explicit(&s->issued, true, memory_order_release);
			s = next;
		}
		mlock_unlock(&q->owner_lock);
	} else {
		while (!atomic_load_explicit(&me.issued, memory_order_acquire))
			mclock_relax();
	}
	return sync ? mclock_wait_until(me.done_ns) : 0;
}

uint64_t iommu_cmdq_submit(struct machine *m, unsigned int cpu,
			   const struct iommu_cmd *cmds, size_t n, bool sync)
{
	const struct platform_profile *p = &m->profile;
	uint64_t t0 = mclock_now(), wait, spent;

	switch (p->cmdq_model) {
	case CMDQ_LOCK:
		wait = submit_lock(m, cmds, n, sync);
		break;
	case CMDQ_ECMDQ:
		wait = submit_lockfree(m, &m->cmdq.hw[(cpu / p->ecmdq_cpus) % CMDQ_MAX_QUEUES],
				       cmds, n, sync);
		break;
	case CMDQ_LOCKFREE:
	default:
		wait = submit_lockfree(m, &m->cmdq.hw[0], cmds, n, sync);
		break;
	}
	/* CMD_SYNC also waits for device accesses already translated. */
	if (sync && n)
		machine_drain_accesses(m);
	spent = mclock_now() - t0;
	stat_add(m, cmds, n);
	stat_add(m, syncs, sync ? 1 : 0);
	stat_inc(m, batches);
	stat_add(m, cmdq_cpu_ns, spent);
	stat_add(m, cmdq_wait_ns, wait);
	return spent;
}

void cmdq_init(struct cmdq *q)
{
	for (unsigned int i = 0; i < CMDQ_MAX_QUEUES; i++) {
		struct cmdq_hw *h = &q->hw[i];

		mlock_init(&h->issue_lock, "cmdq issue", MLOCK_MODELLED);
		mlock_init(&h->prod_line, "cmdq prod", MLOCK_MODELLED);
		mlock_init(&h->owner_lock, "cmdq owner", MLOCK_MODELLED);
		h->gather_tail = &h->gather_head;
	}
}

void cmdq_destroy(struct cmdq *q)
{
	for (unsigned int i = 0; i < CMDQ_MAX_QUEUES; i++) {
		mlock_destroy(&q->hw[i].issue_lock);
		mlock_destroy(&q->hw[i].prod_line);
		mlock_destroy(&q->hw[i].owner_lock);
	}
}
