// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * os.c - the lab OS instance and the CPU identity of threads.
 *
 * A thread says which CPU it stands for with os_set_cpu(); the value lives
 * in a thread-local so per-CPU lookups cost one TLS read (in virtual time
 * the scheduler saves and restores it at each switch: vtime.h).
 *
 * The census (os_census()) is what a leak check compares with a baseline:
 * what the OS holds now, found by scanning the frames (one pass, no lock:
 * a test takes it when nothing runs), and what device teardowns found
 * left -- counted there, because a device's IOVA allocator, domain and
 * swiotlb slots go with it and would otherwise leave no trace.
 */
#include "os_int.h"

#include "../machine/failinject.h"

#include <dmareuse/vtime.h>

#include <stdio.h>
#include <stdlib.h>

static _Thread_local unsigned int this_cpu;
VTIME_TLS(this_cpu)	/* each context of a virtual-time run is its own CPU */

void os_set_cpu(unsigned int cpu)
{
	this_cpu = cpu;
}

unsigned int os_this_cpu(void)
{
	return this_cpu;
}

struct os *os_create(const struct os_config *cfg)
{
	struct os *os;

	if (!cfg || !cfg->machine || !cfg->ncpus || cfg->ncpus > OS_MAX_CPUS)
		return NULL;
	os = lab_calloc(1, sizeof(*os));
	if (!os)
		return NULL;
	os->m = cfg->machine;
	os->ncpus = cfg->ncpus;
	os->pa = page_alloc_create(cfg->machine);
	if (!os->pa)
		goto out_free;
	os->swiotlb = swiotlb_create(os, cfg->swiotlb_bytes ? cfg->swiotlb_bytes :
				     4u << 20);
	if (!os->swiotlb)
		goto out_pa;
	return os;

out_pa:
	page_alloc_destroy(os->pa);
out_free:
	free(os);
	return NULL;
}

size_t os_destroy(struct os *os)
{
	size_t leaked;

	if (!os)
		return 0;
	if (atomic_load(&os->ndevices))
		fprintf(stderr, "os: destroyed with %u device(s) alive\n",
			atomic_load(&os->ndevices));
	swiotlb_destroy(os, os->swiotlb);
	leaked = page_alloc_destroy(os->pa);
	free(os);
	return leaked;
}

struct page_alloc *os_page_alloc(const struct os *os)
{
	return os->pa;
}

struct machine *os_machine(const struct os *os)
{
	return os->m;
}

unsigned int os_ncpus(const struct os *os)
{
	return os->ncpus;
}

size_t os_swiotlb_used_slots(struct os *os)
{
	return swiotlb_used(os->swiotlb);
}

void os_census(struct os *os, struct os_census *out)
{
	struct page_alloc *pa = os->pa;
	size_t nframes = machine_mem(os->m)->nframes;

	*out = (struct os_census){
		.frames = page_alloc_used_frames(pa),
		.slots = swiotlb_used(os->swiotlb),
		.devices = atomic_load(&os->ndevices),
		.torn_mappings = atomic_load(&os->torn_mappings),
		.torn_ptes = atomic_load(&os->torn_ptes),
		.torn_slots = atomic_load(&os->torn_slots),
		.torn_iovas = atomic_load(&os->torn_iovas),
	};
	/* Frame 0 is reserved; a free frame has no reference. */
	for (pfn_t pfn = 1; pfn < nframes; pfn++) {
		unsigned int refs = page_refcount(pa, pfn);

		if (!refs)
			continue;
		if (refs > 1)
			out->pinned++;
		if (page_owner(pa, pfn) == OWNER_PGTABLE)
			out->pt_pages++;
	}
}

void os_set_dma_observer(struct os *os, dma_observer_fn fn, void *arg)
{
	os->obs_arg = arg;
	atomic_store(&os->obs, fn);
}
