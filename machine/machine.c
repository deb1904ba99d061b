// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * machine.c - the machine object: arena, per-frame bookkeeping, fault log,
 * access observers and statistics.
 *
 * The arena is one anonymous mapping; its pages are touched lazily by the
 * host, so a 256 MiB machine costs little until used.  Frame 0 is never
 * handed out by the OS (see os/page_alloc.c), so physical address 0 never
 * names a live buffer.
 */
#include "machine_int.h"
#include "failinject.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const struct platform_profile zero_profile = {
	.name = "zero",
	.description = "built-in: no hardware latency",
	.iotlb_sets = 64,
	.iotlb_ways = 8,
	.cmdq_model = CMDQ_LOCKFREE,
	.ecmdq_cpus = 1,
};

_Static_assert(offsetof(struct machine, mem) == 0,
	       "machine_mem() relies on mem being the first member");

struct machine *machine_create(const struct machine_config *cfg)
{
	size_t bytes = cfg && cfg->mem_bytes ? cfg->mem_bytes : 256u << 20;
	struct machine *m;

	if (bytes % PAGE_SIZE || bytes < 16 * PAGE_SIZE)
		return NULL;
	m = lab_calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->profile = cfg && cfg->profile ? *cfg->profile : zero_profile;
	m->mem.nframes = bytes / PAGE_SIZE;
	if (failinject_should_fail())
		goto out_free;
	m->mem.base = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			   (cfg && cfg->populate ? MAP_POPULATE : 0), -1, 0);
	if (m->mem.base == MAP_FAILED)
		goto out_free;
	m->pte_refs = lab_calloc(m->mem.nframes, sizeof(*m->pte_refs));
	if (!m->pte_refs)
		goto out_unmap;
	m->pt_used = lab_calloc(m->mem.nframes, sizeof(*m->pt_used));
	if (!m->pt_used)
		goto out_refs;
	if (iotlb_init(&m->tlb, m->profile.iotlb_sets, m->profile.iotlb_ways))
		goto out_used;
	mlock_init(&m->dom_lock, "machine domains", MLOCK_FREE);
	mlock_init(&m->fault_lock, "fault ring", MLOCK_FREE);
	cmdq_init(&m->cmdq);
	mlock_init(&m->obs_lock, "observers", MLOCK_FREE);
	mlock_init(&m->drain_lock, "access drain", MLOCK_FREE);
	return m;

out_used:
	free(m->pt_used);
out_refs:
	free(m->pte_refs);
out_unmap:
	munmap(m->mem.base, bytes);
out_free:
	free(m);
	return NULL;
}

bool machine_destroy(struct machine *m)
{
	unsigned int live = 0;

	if (!m)
		return true;
	for (unsigned int i = 0; i < MAX_DOMAINS; i++)
		live += m->domains[i] != NULL;
	if (live)
		fprintf(stderr, "machine: destroyed with %u domain(s) still allocated\n",
			live);
	if (m->ndev)
		fprintf(stderr, "machine: destroyed with %u device(s) still created\n",
			m->ndev);
	iotlb_destroy(&m->tlb);
	mlock_destroy(&m->dom_lock);
	mlock_destroy(&m->fault_lock);
	cmdq_destroy(&m->cmdq);
	mlock_destroy(&m->obs_lock);
	mlock_destroy(&m->drain_lock);
	munmap(m->mem.base, m->mem.nframes * PAGE_SIZE);
	free(m->pt_used);
	free(m->pte_refs);
	free(m);
	return live == 0;
}

const struct platform_profile *machine_profile(const struct machine *m)
{
	return &m->profile;
}

const char *iommu_fault_reason_name(enum iommu_fault_reason r)
{
	switch (r) {
	case FAULT_TRANSLATION: return "translation";
	case FAULT_PERMISSION: return "permission";
	case FAULT_ADDRESS: return "address-size";
	case FAULT_BLOCKED: return "blocked";
	}
	return "?";
}

void record_fault(struct machine *m, const struct mdev *dev, dma_addr_t addr,
		  enum dev_access acc, enum iommu_fault_reason why)
{
	mlock_lock(&m->fault_lock);
	m->faults[m->nfaults % FAULT_RING] = (struct iommu_fault){
		.dev_id = dev->id, .addr = addr, .access = acc, .reason = why,
	};
	m->nfaults++;
	mlock_unlock(&m->fault_lock);
	stat_inc(m, faults);
}

uint64_t iommu_faults_read(struct machine *m, struct iommu_fault *out,
			   size_t max, size_t *copied)
{
	uint64_t total, first;
	size_t n;

	mlock_lock(&m->fault_lock);
	total = m->nfaults;
	n = total < FAULT_RING ? (size_t)total : FAULT_RING;
	if (n > max)
		n = max;
	first = total - n;
	for (size_t i = 0; i < n; i++)
		out[i] = m->faults[(first + i) % FAULT_RING];
	mlock_unlock(&m->fault_lock);
	if (copied)
		*copied = n;
	return total;
}

/*
 * Empty slot @i and wait until no access can still be calling its old
 * observer.  Pairs with mdev_access(): it increments obs_busy before loading
 * a slot (seq_cst), we clear the slot before loading obs_busy (seq_cst), so
 * either it sees the slot empty or we see it busy.  Under obs_lock.
 */
static void obs_clear_locked(struct machine *m, unsigned int i)
{
	mlock_assert_held(&m->obs_lock);

	if (!atomic_load(&m->obs[i].fn))
		return;
	atomic_store(&m->obs[i].fn, NULL);
	atomic_fetch_sub(&m->nobs, 1);
	while (atomic_load(&m->obs_busy))
		mclock_relax();
	atomic_store(&m->obs[i].arg, NULL);
}

/* Fill the empty slot @i; the argument is visible before the function. */
static void obs_fill_locked(struct machine *m, unsigned int i,
			    access_observer_fn fn, void *arg)
{
	mlock_assert_held(&m->obs_lock);

	atomic_store(&m->obs[i].arg, arg);
	atomic_store(&m->obs[i].fn, fn);
	atomic_fetch_add(&m->nobs, 1);
}

void machine_set_observer(struct machine *m, access_observer_fn fn, void *arg)
{
	mlock_lock(&m->obs_lock);
	obs_clear_locked(m, 0);
	if (fn)
		obs_fill_locked(m, 0, fn, arg);
	mlock_unlock(&m->obs_lock);
}

int machine_add_observer(struct machine *m, access_observer_fn fn, void *arg)
{
	int ret = -ENOSPC;

	if (!fn)
		return -EINVAL;
	mlock_lock(&m->obs_lock);
	for (unsigned int i = 1; i < MACHINE_MAX_OBSERVERS; i++) {
		if (!atomic_load(&m->obs[i].fn)) {
			obs_fill_locked(m, i, fn, arg);
			ret = 0;
			break;
		}
	}
	mlock_unlock(&m->obs_lock);
	if (ret)
		fprintf(stderr, "machine: machine_add_observer: all %d observer slots are taken\n",
			MACHINE_MAX_OBSERVERS - 1);
	return ret;
}

int machine_remove_observer(struct machine *m, access_observer_fn fn, void *arg)
{
	int ret = -ENOENT;

	mlock_lock(&m->obs_lock);
	for (unsigned int i = 1; i < MACHINE_MAX_OBSERVERS; i++) {
		if (atomic_load(&m->obs[i].fn) == fn && atomic_load(&m->obs[i].arg) == arg) {
			obs_clear_locked(m, i);
			ret = 0;
			break;
		}
	}
	mlock_unlock(&m->obs_lock);
	return ret;
}

void iommu_stats_read(struct machine *m, struct iommu_stats *out)
{
	out->iotlb_hits = atomic_load(&m->st.iotlb_hits);
	out->iotlb_misses = atomic_load(&m->st.iotlb_misses);
	out->iotlb_evictions = atomic_load(&m->st.iotlb_evictions);
	out->iotlb_invalidated = atomic_load(&m->st.iotlb_invalidated);
	out->cmds = atomic_load(&m->st.cmds);
	out->syncs = atomic_load(&m->st.syncs);
	out->batches = atomic_load(&m->st.batches);
	out->cmdq_cpu_ns = atomic_load(&m->st.cmdq_cpu_ns);
	out->cmdq_wait_ns = atomic_load(&m->st.cmdq_wait_ns);
	out->faults = atomic_load(&m->st.faults);
	out->walks = atomic_load(&m->st.walks);
}

size_t iommu_frame_reachable(struct machine *m, pfn_t pfn)
{
	if (pfn >= m->mem.nframes)
		return 0;
	return atomic_load(&m->pte_refs[pfn]) +
	       iotlb_frame_entries(m, pfn, NULL, NULL);
}
