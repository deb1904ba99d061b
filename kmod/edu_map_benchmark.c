// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_map_benchmark.c - /sys/kernel/debug/dma_map_benchmark for the edu device.
 *
 * An implementation, written for this project, of the interface that Linux's
 * CONFIG_DMA_MAP_BENCHMARK module offers, so that the upstream user-space
 * tool (tools/testing/selftests/dma/dma_map_benchmark) and our guest client
 * (user/map_bench.c) can drive it.  The ABI is in map_benchmark_abi.h.
 *
 * Behaviour (the interface's documented one):
 *   - one ioctl, DMA_MAP_BENCHMARK, takes the parameters, runs the whole
 *     benchmark synchronously and returns the statistics in the same struct;
 *   - it starts @threads kernel threads (bound to @node's CPUs when a node is
 *     given), each with its own buffer of @granule pages, and lets them
 *     map, wait @dma_trans_ns, unmap, in a loop for @seconds;
 *   - each map and each unmap is timed separately; the reply carries the
 *     mean and standard deviation of each over all threads, in 100 ns units;
 *   - the device's DMA mask is set to @dma_bits for the run and restored,
 *     whether the run succeeds or fails;
 *   - a field out of its range (map_benchmark_abi.h; dma_bits below 20
 *     too, as upstream's tool) is refused with EINVAL and one log line.
 *
 * Differences, on purpose: the mapping goes through a DMA strategy (module
 * parameter strategy=, read at the start of each run; see edu_strategy.c),
 * so every strategy can be measured with the same tool; each thread gets its
 * own strategy instance, as a driver keeps per-queue contexts.  For pool,
 * which lends its own buffers, "map" is a get and "unmap" a put; for reuse
 * and cache every pair after the first is a hit on the same buffer.  A
 * strategy that refuses the device's IOMMU mode (reuse, cache and auto on a
 * lazy device) fails the ioctl with EOPNOTSUPP.  Buffers are compound pages,
 * so that the strategies that pin (reuse, cache) can take references.  Means are computed from ns sums
 * before converting to 100 ns units (upstream truncates each sample), and
 * non-zero reserved bytes are refused.  Only one run at a time; a second
 * caller waits.
 *
 * Bounds, so that no request can take the guest down with it:
 *   - the buffers of a run may take at most half the available memory,
 *     and each is allocated without retries or a failure report
 *     (__GFP_NORETRY | __GFP_NOWARN): a request beyond that fails with
 *     ENOMEM and one line;
 *   - the threads are stopped through a flag they all poll, so stopping
 *     costs one turn of each thread on a CPU, not one scheduler period per
 *     thread (1024 threads on one vCPU took minutes);
 *   - a failed run must not leave later runs failing: see "The guard
 *     mapping" below.
 * Any thread count up to 1024 is accepted whatever the number of CPUs, as
 * upstream does: with more threads than CPUs they take turns, and a run
 * takes its @seconds plus the start and stop of its threads (8-15 s for
 * 1024 threads on the harness's one emulated vCPU).
 *
 * If the path already exists (the upstream module is loaded), the file is
 * not created and the driver goes on without it.
 *
 * Overflow: sums of squares are kept in (10 ns)^2 units, so a u64 holds a
 * 300 s run unless single samples last seconds; an overflow is detected and
 * reported as -EOVERFLOW rather than as a wrong number.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <linux/uaccess.h>

#include "edu_int.h"
#include "map_benchmark_abi.h"

#if __has_include(<linux/map_benchmark.h>)
#include <linux/map_benchmark.h>
#define HAVE_UPSTREAM_MAP_BENCHMARK_H 1
#endif

#define MB_FILE_NAME	"dma_map_benchmark"

/*
 * The guard mapping.  Linux's IOVA allocator (drivers/iommu/iova.c) keeps a
 * "32-bit space is full" mark: once an allocation below 4 GiB fails, every
 * later one of that size or larger below 4 GiB fails at once, without a
 * search, until an IOVA below 4 GiB is freed back to the allocator's tree.
 * A failed allocation also empties the allocator's per-CPU caches first,
 * and the benchmark's default mask is 32 bits, so one run that ran out of
 * IOVA space under a narrow mask (a 20-bit mask has 255 pages of it; a lazy
 * domain's flush queue alone holds up to 256 IOVAs) left every later
 * 32-bit run of the boot failing with ENOMEM.  Each run therefore maps this
 * guard under a 32-bit mask before it starts and unmaps it after: the guard
 * is larger than the per-CPU caches take (32 pages), so its free goes to
 * the tree and clears the mark.  A lazy domain frees it from its flush
 * queue within 10 ms, so there a run waits MB_FQ_WAIT_MS after unmapping
 * it (a run that succeeded may have set the mark too: under a mask above
 * 32 bits each map tries below 4 GiB first).
 */
#define MB_GUARD_ORDER	6	/* 64 pages: beyond the IOVA caches' 32 */
#define MB_FQ_WAIT_MS	50	/* a flush queue frees within 10 ms */

/**
 * struct edu_map_bench - the debugfs interface of one device.
 * @edu:	the device measured.
 * @run_lock:	one benchmark run at a time: a run changes the DMA mask.
 * @guard:	MB_GUARD_ORDER pages mapped around each run (see above), or
 *		NULL when they could not be allocated.
 */
struct edu_map_bench {
	struct edu_dev *edu;
	struct mutex run_lock;
	struct page *guard;
};

/*
 * Per-thread state; written only by its thread until kthread_stop().
 * @stop points to the run's stop flag, set once by the ioctl when the run's
 * time is up.  Every thread polls it, so that all of them leave their loops
 * on their next turn on a CPU: kthread_stop() of one thread after another
 * would wait for each in turn to be scheduled among all the others still
 * running, a whole scheduler period per thread (minutes for 1024 threads on
 * one CPU).  The flag orders nothing else: the counters are read after
 * kthread_stop(), which waits for the thread's exit.
 */
struct mb_thread {
	struct task_struct *task;
	struct edu_strategy *s;
	const bool *stop;
	struct page *pages;
	unsigned int order;
	size_t len;
	enum dma_data_direction dir;
	u32 trans_ns;
	int err;
	u64 loops;
	u64 map_ns, unmap_ns;		/* sums, ns */
	u64 map_10, unmap_10;		/* sums, 10 ns units */
	u64 map_sq, unmap_sq;		/* sums of squares, (10 ns)^2 */
	bool overflow;
};

static void mb_account(struct mb_thread *t, u64 ns, u64 *sum, u64 *sum10,
		       u64 *sq)
{
	u64 x = div_u64(ns, 10);

	*sum += ns;
	*sum10 += x;
	if (check_add_overflow(*sq, x * x, sq))
		t->overflow = true;
}

static int mb_thread_fn(void *data)
{
	struct mb_thread *t = data;
	void *buf = page_address(t->pages);
	bool own = edu_own_buffers(t->s);
	u64 t0, t1, t2, t3;
	dma_addr_t a;
	void *lent;

	while (!READ_ONCE(*t->stop) && !kthread_should_stop()) {
		t0 = ktime_get_ns();
		if (own) {
			lent = edu_get(t->s, t->len, t->dir, &a);
			if (!lent)
				a = DMA_MAPPING_ERROR;
		} else {
			lent = buf;
			a = edu_map(t->s, buf, t->len, t->dir);
		}
		t1 = ktime_get_ns();
		if (a == DMA_MAPPING_ERROR) {
			t->err = -ENOMEM;
			break;
		}
		/* Stands for the device's transfer, as upstream. */
		if (t->trans_ns)
			ndelay(t->trans_ns);
		t2 = ktime_get_ns();
		if (own)
			edu_put(t->s, lent, a, t->len, t->dir);
		else
			edu_unmap(t->s, a, buf, t->len, t->dir);
		t3 = ktime_get_ns();

		t->loops++;
		mb_account(t, t1 - t0, &t->map_ns, &t->map_10, &t->map_sq);
		mb_account(t, t3 - t2, &t->unmap_ns, &t->unmap_10,
			   &t->unmap_sq);
		cond_resched();
	}
	return t->err;
}

/* Standard deviation in 100 ns units from sums in 10 ns units. */
static u64 mb_stddev_100ns(u64 sum10, u64 sq, u64 n)
{
	u64 mean10 = div64_u64(sum10, n);
	u64 ex2 = div64_u64(sq, n);
	u64 m2 = mean10 * mean10;

	return ex2 > m2 ? int_sqrt64(ex2 - m2) / 10 : 0;
}

/*
 * Every field of a request, checked before anything is allocated.  A bad
 * one is refused with -EINVAL and one line naming the field, its value and
 * what is accepted (the limits are upstream's, restated in
 * map_benchmark_abi.h; the node must also be online, since its memory is
 * allocated from).
 */
static int mb_validate(struct device *dev,
		       const struct dmareuse_map_benchmark *p)
{
	const u8 *bad;

	if (p->threads < 1 || p->threads > DMAREUSE_MAP_BENCHMARK_MAX_THREADS) {
		dev_err(dev, "dma_map_benchmark: threads=%u: expected 1 to %u\n",
			p->threads, DMAREUSE_MAP_BENCHMARK_MAX_THREADS);
		return -EINVAL;
	}
	if (p->seconds < 1 || p->seconds > DMAREUSE_MAP_BENCHMARK_MAX_SECONDS) {
		dev_err(dev, "dma_map_benchmark: seconds=%u: expected 1 to %u\n",
			p->seconds, DMAREUSE_MAP_BENCHMARK_MAX_SECONDS);
		return -EINVAL;
	}
	if (p->dma_trans_ns > DMAREUSE_MAP_BENCHMARK_MAX_TRANS_NS) {
		dev_err(dev, "dma_map_benchmark: dma_trans_ns=%u: expected 0 to %u (10 ms)\n",
			p->dma_trans_ns, DMAREUSE_MAP_BENCHMARK_MAX_TRANS_NS);
		return -EINVAL;
	}
	if (p->granule < 1 || p->granule > DMAREUSE_MAP_BENCHMARK_MAX_GRANULE) {
		dev_err(dev, "dma_map_benchmark: granule=%u: expected 1 to %u pages\n",
			p->granule, DMAREUSE_MAP_BENCHMARK_MAX_GRANULE);
		return -EINVAL;
	}
	if (p->dma_bits < DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS || p->dma_bits > 64) {
		dev_err(dev, "dma_map_benchmark: dma_bits=%u: expected %u to 64\n",
			p->dma_bits, DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS);
		return -EINVAL;
	}
	if (p->dma_dir != DMAREUSE_MAP_BIDIRECTIONAL &&
	    p->dma_dir != DMAREUSE_MAP_TO_DEVICE &&
	    p->dma_dir != DMAREUSE_MAP_FROM_DEVICE) {
		dev_err(dev, "dma_map_benchmark: dma_dir=%u: expected %u (bidirectional), %u (to device) or %u (from device)\n",
			p->dma_dir, DMAREUSE_MAP_BIDIRECTIONAL,
			DMAREUSE_MAP_TO_DEVICE, DMAREUSE_MAP_FROM_DEVICE);
		return -EINVAL;
	}
	if (p->node != NUMA_NO_NODE &&
	    (p->node < 0 || p->node >= MAX_NUMNODES || !node_online(p->node))) {
		dev_err(dev, "dma_map_benchmark: node=%d: expected %d (any node) or an online NUMA node (%*pbl)\n",
			p->node, NUMA_NO_NODE,
			nodemask_pr_args(&node_states[N_ONLINE]));
		return -EINVAL;
	}
	bad = memchr_inv(p->expansion, 0, sizeof(p->expansion));
	if (bad) {
		dev_err(dev, "dma_map_benchmark: expansion[%td]=%u: expected every reserved byte to be 0\n",
			bad - p->expansion, *bad);
		return -EINVAL;
	}
	return 0;
}

/*
 * The buffers of a run, all allocated before it starts, may take at most
 * half of the memory the kernel reports available: a request beyond that
 * (200 threads of 4 MiB in a 512 MiB guest) would leave the rest of the
 * system, down to the threads' own stacks, without memory.
 */
static int mb_check_memory(struct device *dev,
			   const struct dmareuse_map_benchmark *p,
			   unsigned int order)
{
	unsigned long need = (unsigned long)p->threads << order;
	long avail = si_mem_available();

	if (need > (unsigned long)avail / 2) {
		dev_err(dev, "dma_map_benchmark: threads=%u granule=%u: %u buffers of %lu KiB need %lu MiB; expected at most half of the %ld MiB available\n",
			p->threads, p->granule, p->threads,
			(PAGE_SIZE << order) >> 10, need >> (20 - PAGE_SHIFT),
			avail >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}
	return 0;
}

static void mb_threads_free(struct mb_thread *th, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (th[i].task) {
			kthread_stop(th[i].task);
			put_task_struct(th[i].task);
		}
		if (th[i].pages)
			__free_pages(th[i].pages, th[i].order);
		edu_strategy_destroy(th[i].s);
	}
	kfree(th);
}

/* Map the guard under a 32-bit mask; the caller restores the mask. */
static dma_addr_t mb_guard_map(struct edu_map_bench *mb)
{
	struct device *dev = mb->edu->dev;

	if (!mb->guard || dma_set_mask(dev, DMA_BIT_MASK(32)))
		return DMA_MAPPING_ERROR;
	return dma_map_page_attrs(dev, mb->guard, 0, PAGE_SIZE << MB_GUARD_ORDER,
				  DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
}

static void mb_guard_unmap(struct edu_map_bench *mb, dma_addr_t guard)
{
	struct device *dev = mb->edu->dev;
	const char *type;

	if (dma_mapping_error(dev, guard))
		return;
	dma_unmap_page_attrs(dev, guard, PAGE_SIZE << MB_GUARD_ORDER,
			     DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	if (!strcmp(edu_iommu_mode(dev, &type), "lazy"))
		msleep(MB_FQ_WAIT_MS);
}

static int mb_run(struct edu_map_bench *mb, struct dmareuse_map_benchmark *p)
{
	const struct edu_strategy_ops *ops = edu_bench_strategy();
	struct device *dev = mb->edu->dev;
	u64 loops = 0, map_ns = 0, unmap_ns = 0, map_10 = 0, unmap_10 = 0;
	u64 map_sq = 0, unmap_sq = 0;
	size_t len = (size_t)p->granule * PAGE_SIZE;
	unsigned int order = get_order(len);
	bool overflow = false, stop = false;
	struct mb_thread *th;
	dma_addr_t guard;
	unsigned int i;
	u64 old_mask;
	int ret;

	ret = mb_check_memory(dev, p, order);
	if (ret)
		return ret;
	th = kcalloc(p->threads, sizeof(*th), GFP_KERNEL | __GFP_NOWARN);
	if (!th) {
		dev_err(dev, "dma_map_benchmark: threads=%u: no memory for their state\n",
			p->threads);
		return -ENOMEM;
	}

	old_mask = dma_get_mask(dev);
	guard = mb_guard_map(mb);
	ret = dma_set_mask(dev, DMA_BIT_MASK(p->dma_bits));
	if (ret) {
		dev_err(dev, "dma_map_benchmark: dma_bits=%u: this device cannot take a %u-bit DMA mask in this IOMMU mode\n",
			p->dma_bits, p->dma_bits);
		kfree(th);
		ret = -EINVAL;
		goto out_mask;
	}

	for (i = 0; i < p->threads; i++) {
		struct mb_thread *t = &th[i];
		struct edu_strategy *s;

		t->stop = &stop;
		t->len = len;
		t->order = order;
		t->dir = (enum dma_data_direction)p->dma_dir;
		t->trans_ns = p->dma_trans_ns;
		/* No retries and no warning: a benchmark that cannot have its
		 * buffers says so (ENOMEM) instead of pushing the system into
		 * reclaim or logging an allocation-failure report.
		 */
		t->pages = alloc_pages_node(p->node, GFP_KERNEL | __GFP_COMP |
					    __GFP_NORETRY | __GFP_NOWARN,
					    t->order);
		if (!t->pages) {
			dev_err(dev, "dma_map_benchmark: no memory for the %lu KiB buffer of thread %u of %u\n",
				(PAGE_SIZE << order) >> 10, i + 1, p->threads);
			ret = -ENOMEM;
			goto out_free;
		}
		s = edu_strategy_create(ops, dev);
		if (IS_ERR(s)) {
			ret = PTR_ERR(s);
			if (ret != -EOPNOTSUPP)
				dev_err(dev, "dma_map_benchmark: strategy %s: no instance for thread %u of %u (%d)\n",
					ops->name, i + 1, p->threads, ret);
			goto out_free;
		}
		t->s = s;
		t->task = kthread_create_on_node(mb_thread_fn, t, p->node,
						 "dma-map-bench/%u", i);
		if (IS_ERR(t->task)) {
			ret = PTR_ERR(t->task);
			t->task = NULL;
			dev_err(dev, "dma_map_benchmark: no thread %u of %u (%d)\n",
				i + 1, p->threads, ret);
			goto out_free;
		}
		/* Held until after kthread_stop(): a thread that hits an
		 * error or sees the stop flag returns on its own.
		 */
		get_task_struct(t->task);
		if (p->node != NUMA_NO_NODE)
			set_cpus_allowed_ptr(t->task, cpumask_of_node(p->node));
	}

	for (i = 0; i < p->threads; i++)
		wake_up_process(th[i].task);

	if (msleep_interruptible(p->seconds * MSEC_PER_SEC))
		ret = -EINTR;

	/* All threads leave their loops at their next turn; each
	 * kthread_stop() then finds its thread gone or about to go.
	 * kthread_stop() waits for each thread; their counters are final
	 * (and visible here) once it returns.
	 */
	WRITE_ONCE(stop, true);
	for (i = 0; i < p->threads; i++) {
		struct mb_thread *t = &th[i];

		kthread_stop(t->task);
		put_task_struct(t->task);
		t->task = NULL;
		if (t->err && !ret)
			ret = t->err;
		loops += t->loops;
		map_ns += t->map_ns;
		unmap_ns += t->unmap_ns;
		map_10 += t->map_10;
		unmap_10 += t->unmap_10;
		overflow |= t->overflow;
		overflow |= check_add_overflow(map_sq, t->map_sq, &map_sq);
		overflow |= check_add_overflow(unmap_sq, t->unmap_sq,
					       &unmap_sq);
	}
	if (!ret && overflow)
		ret = -EOVERFLOW;
	if (ret == -ENOMEM)
		dev_err(dev, "dma_map_benchmark: strategy=%s dma_bits=%u granule=%u threads=%u: a map failed (no IOVA space under the mask, or no memory)\n",
			ops->name, p->dma_bits, p->granule, p->threads);
	if (!ret && loops) {
		p->avg_map_100ns = div64_u64(map_ns, loops) / 100;
		p->avg_unmap_100ns = div64_u64(unmap_ns, loops) / 100;
		p->map_stddev = mb_stddev_100ns(map_10, map_sq, loops);
		p->unmap_stddev = mb_stddev_100ns(unmap_10, unmap_sq, loops);
		dev_info(dev, "dma_map_benchmark: strategy=%s threads=%u loops=%llu map=%llu ns unmap=%llu ns\n",
			 ops->name, p->threads, loops,
			 div64_u64(map_ns, loops), div64_u64(unmap_ns, loops));
	}

out_free:
	mb_threads_free(th, p->threads);
out_mask:
	if (dma_set_mask(dev, old_mask))
		dev_err(dev, "dma_map_benchmark: could not restore the DMA mask %#llx\n",
			old_mask);
	mb_guard_unmap(mb, guard);
	return ret;
}

static long mb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct edu_map_bench *mb = file->private_data;
	struct dmareuse_map_benchmark p;
	void __user *up = (void __user *)arg;
	int ret;

	if (cmd != DMAREUSE_MAP_BENCHMARK)
		return -ENOTTY;
	if (copy_from_user(&p, up, sizeof(p)))
		return -EFAULT;
	ret = mb_validate(mb->edu->dev, &p);
	if (ret)
		return ret;
	p.avg_map_100ns = 0;
	p.avg_unmap_100ns = 0;
	p.map_stddev = 0;
	p.unmap_stddev = 0;

	if (mutex_lock_interruptible(&mb->run_lock))
		return -EINTR;
	ret = mb_run(mb, &p);
	mutex_unlock(&mb->run_lock);
	if (ret)
		return ret;

	if (copy_to_user(up, &p, sizeof(p)))
		return -EFAULT;
	return 0;
}

static const struct file_operations mb_fops = {
	.owner		= THIS_MODULE,
	.open		= simple_open,
	.unlocked_ioctl	= mb_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static void __maybe_unused mb_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct dmareuse_map_benchmark) != 136);
	BUILD_BUG_ON(DMAREUSE_MAP_BIDIRECTIONAL != DMA_BIDIRECTIONAL);
	BUILD_BUG_ON(DMAREUSE_MAP_TO_DEVICE != DMA_TO_DEVICE);
	BUILD_BUG_ON(DMAREUSE_MAP_FROM_DEVICE != DMA_FROM_DEVICE);
#ifdef HAVE_UPSTREAM_MAP_BENCHMARK_H
#define SAME_FIELD(f) \
	BUILD_BUG_ON(offsetof(struct dmareuse_map_benchmark, f) != \
		     offsetof(struct map_benchmark, f))
	BUILD_BUG_ON(sizeof(struct dmareuse_map_benchmark) !=
		     sizeof(struct map_benchmark));
	BUILD_BUG_ON(DMAREUSE_MAP_BENCHMARK != DMA_MAP_BENCHMARK);
	SAME_FIELD(avg_map_100ns);
	SAME_FIELD(map_stddev);
	SAME_FIELD(avg_unmap_100ns);
	SAME_FIELD(unmap_stddev);
	SAME_FIELD(threads);
	SAME_FIELD(seconds);
	SAME_FIELD(node);
	SAME_FIELD(dma_bits);
	SAME_FIELD(dma_dir);
	SAME_FIELD(dma_trans_ns);
	SAME_FIELD(granule);
	SAME_FIELD(expansion);
#undef SAME_FIELD
#endif
}

static void mb_free(struct edu_map_bench *mb)
{
	if (!mb)
		return;
	if (mb->guard)
		__free_pages(mb->guard, MB_GUARD_ORDER);
	kfree(mb);
}

/**
 * edu_map_bench_create() - create /sys/kernel/debug/dma_map_benchmark.
 * @edu: the device whose mappings are measured.
 *
 * The strategy measured is the one strategy= names when a run starts.
 * Sleeps.  A missing debugfs or an existing file of the same name (the
 * upstream module) is reported and is not an error: the driver works
 * without the file.
 *
 * Return: 0, or -ENOMEM.
 */
int edu_map_bench_create(struct edu_dev *edu)
{
	struct edu_map_bench *mb;
	struct dentry *d;

	mb_check_abi();
	mb = kzalloc(sizeof(*mb), GFP_KERNEL);
	if (!mb)
		return -ENOMEM;
	mb->edu = edu;
	mutex_init(&mb->run_lock);
	mb->guard = alloc_pages(GFP_KERNEL | __GFP_NOWARN, MB_GUARD_ORDER);
	if (!mb->guard)
		dev_notice(edu->dev, "dma_map_benchmark: no guard pages: a run that runs out of IOVA space may leave later 32-bit runs failing\n");

	d = debugfs_create_file(MB_FILE_NAME, 0600, NULL, mb, &mb_fops);
	if (IS_ERR_OR_NULL(d)) {
		dev_warn(edu->dev, "debugfs %s not created (%ld): %s\n",
			 MB_FILE_NAME, d ? PTR_ERR(d) : 0L,
			 d == ERR_PTR(-EEXIST) ?
			 "exists already: upstream module or another edu device" :
			 "debugfs unavailable");
		pr_info(EDU_RESULT "map_benchmark_debugfs PASS skipped err=%ld\n",
			d ? PTR_ERR(d) : 0L);
		mb_free(mb);
		return 0;
	}
	edu->debugfs = d;
	edu->bench = mb;
	pr_info(EDU_RESULT "map_benchmark_debugfs PASS created strategy=%s\n",
		edu_bench_strategy()->name);
	return 0;
}

/**
 * edu_map_bench_destroy() - remove the file made by edu_map_bench_create().
 * @edu: the device.
 *
 * Waits for a running ioctl to return (debugfs removal does).
 */
void edu_map_bench_destroy(struct edu_dev *edu)
{
	debugfs_remove(edu->debugfs);
	edu->debugfs = NULL;
	mb_free(edu->bench);
	edu->bench = NULL;
}
