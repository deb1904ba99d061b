// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * vtime.c - the virtual-time scheduler: contexts, their clocks, and the
 * locks, conditions and joins that order them (vtime.h says what it models).
 *
 * One run at a time per process, on the host thread that called
 * vtime_run().  A context is a stack and a saved register set; switching is
 * a dozen instructions on x86-64 (dmareuse_vt_swap below) and ucontext
 * elsewhere.  The runnable contexts other than the running one sit in a
 * 4-ary min-heap keyed by (clock, id); the running context is never in it.
 *
 * One file of about a thousand lines, on purpose: the run queue, the switch
 * and the waits that order contexts (locks, conditions, joins) share the
 * context's layout and the queue's invariants below; split, each half would
 * reach into the other's internals through a header.
 *
 * Invariants:
 *   - exactly one context runs; every other live context is in the heap
 *     (runnable, or in a timed wait whose deadline is its key) or blocked
 *     on exactly one lock, condition or join;
 *   - after vtime_sync() no context in the heap is before the running one,
 *     so anything it does next happens after everything earlier in
 *     virtual time (up to the costs it charged since, which never yield);
 *   - a lock is handed to its oldest waiter at release (FIFO, as a ticket
 *     or queued spinlock), so a waiter never needs to retry;
 *   - nothing here reads a host clock: the schedule is a function of the
 *     cost table and the program alone.
 *
 * Sanitizers: AddressSanitizer and ThreadSanitizer are told of every switch
 * through their fiber interfaces, so a virtual-time run can be checked
 * with either.
 *
 * Size: over 800 lines, on purpose: the scheduler, its locks, conditions
 * and joins share the context structure, the run queue and the clock
 * invariant (no context runs ahead of the lowest clock); split, each part
 * would need the others' internals, which this file keeps private.
 */
#include "vtime_int.h"

#include <dmareuse/mthread.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(__x86_64__)
#include <ucontext.h>
#define VT_UCONTEXT 1
#endif

#if defined(__SANITIZE_ADDRESS__)
#define VT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define VT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VT_TSAN 1
#endif
#endif

#ifdef VT_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom,
				    size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
#endif
#ifdef VT_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned int flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned int flags);
#endif

_Thread_local struct vctx *vtime_cur;
const uint64_t *vtime_cost_ps;

/* ---- cost classes -------------------------------------------------------- */

static const struct {
	const char *name, *help;
} cost_info[COST_COUNT] = {
	[COST_DMA_CALL] = { "dma_call", "entry, argument checks and return of a DMA API call" },
	[COST_DMA_SYNC] = { "dma_sync", "a sync call on a mapping that needs no cache work" },
	[COST_REUSE_CALL] = { "reuse_call", "a reuse-layer call's own bookkeeping" },
	[COST_IOVA_FAST] = { "iova_fast", "IOVA alloc or free served by this CPU's magazines" },
	[COST_IOVA_DEPOT] = { "iova_depot", "a magazine exchanged with the depot" },
	[COST_IOVA_SLOW] = { "iova_slow", "IOVA alloc or free in the range tree" },
	[COST_PTE_WRITE] = { "pte_write", "write or clear one leaf PTE" },
	[COST_TLB_GATHER] = { "tlb_gather", "an invalidating unmap's bookkeeping, once per flush" },
	[COST_PT_WALK] = { "pt_walk", "software walk from the root to a leaf table" },
	[COST_PAGE_ALLOC] = { "page_alloc", "one buddy allocation" },
	[COST_PAGE_FREE] = { "page_free", "one buddy free" },
	[COST_PAGE_REF] = { "page_ref", "one page reference taken or dropped" },
	[COST_LOCK] = { "lock", "acquire and release of a free, cache-hot lock" },
	[COST_LINE] = { "line", "one cache line moved from another CPU" },
	[COST_LINE_CONTEND] = { "line_contend", "extra per CPU also spinning on that line" },
	[COST_COPY_BYTE] = { "copy_byte", "memcpy, per byte" },
	[COST_HASH] = { "hash", "one hash-table lookup" },
	[COST_SLOT] = { "slot", "one swiotlb slot search or release" },
	[COST_CMD_BUILD] = { "cmd_build", "build one IOMMU command" },
	[COST_MMIO] = { "mmio", "one register write across the interconnect" },
	[COST_POLL] = { "poll", "one poll of a completion word" },
	[COST_IRQ] = { "irq", "interrupt delivery to a sleeping driver, to its wake-up" },
	[COST_WAKEUP] = { "wakeup", "waking a sleeping thread" },
	[COST_RING] = { "ring", "write or read one descriptor of a device ring" },
	[COST_DEV_BYTE] = { "dev_byte", "device time per byte moved through the IOMMU" },
	[COST_ZIP_BYTE] = { "zip_byte", "compression engine time per input byte" },
	[COST_NIC_BYTE] = { "nic_byte", "NIC wire time per byte" },
};

const char *vtime_cost_name(enum vtime_cost c)
{
	return (unsigned int)c < COST_COUNT ? cost_info[c].name : "?";
}

const char *vtime_cost_help(enum vtime_cost c)
{
	return (unsigned int)c < COST_COUNT ? cost_info[c].help : "?";
}

/* ---- contexts ------------------------------------------------------------ */

#define TLS_MAX 16
#define TLS_VAR_MAX 128

enum vstate { VS_RUNNABLE, VS_RUNNING, VS_BLOCKED, VS_DONE };

struct vctx {
	uint64_t now;			/* ps; first, as struct vctx_clock */
	unsigned int id;
	unsigned int hgen;		/* bumped when it leaves the heap early */
	unsigned int nstale;		/* stale entries of it the heap may hold */
	bool queued;			/* in the heap (runnable or a timed wait) */
	enum vstate state;
	const char *name;
	const char *wait_kind;		/* what a blocked context waits on */
	const void *wait_obj;
	void *(*fn)(void *);
	void *arg, *ret;
	struct vctx *joiner;		/* blocked in mthread_join() on this one */
	struct vctx *wnext, *wprev;	/* in a lock's FIFO or a condition's list */
	struct vcond *wcond;		/* the condition it is listed on, if any */
	uint64_t blocked_now;		/* clock when a timed wait began */
	int wait_result;		/* a condition wait: 0 or -ETIMEDOUT */
	struct vctx *all_next, *all_prev;
	void *map;			/* the stack mapping, guard page first */
	size_t map_len;
	void *stack_lo;			/* usable stack */
	size_t stack_len;
#ifdef VT_UCONTEXT
	ucontext_t uc;
#else
	void *sp;			/* saved stack pointer */
#endif
#ifdef VT_ASAN
	void *asan_fake;
#endif
#ifdef VT_TSAN
	void *tsan_fiber;
#endif
	unsigned char tls[];		/* saved thread-locals, world.tls_total bytes */
};

_Static_assert(offsetof(struct vctx, now) == 0, "struct vctx_clock must alias vctx");

static struct {
	void *(*where)(void);
	size_t size;
} tls_reg[TLS_MAX];
static unsigned int ntls_reg;

static struct world {
	_Atomic bool running;
	struct hent *heap;
	unsigned int n, cap;
	struct vctx *cur;
	struct vctx *host;		/* the host thread; never in the heap */
	struct vctx *first;
	struct vctx *all;		/* every context but the host */
	unsigned int next_id, live;
	size_t stack_bytes;
	uint64_t cost[COST_COUNT];
	struct vtime_stats st;
	uint64_t idle_relax;		/* relax() calls in a row with nothing else runnable */
	unsigned int ntls;
	size_t tls_total;
	struct {
		unsigned char *addr;
		size_t size, off;
	} tls[TLS_MAX];
} W;

int vtime_tls_register(void *(*where)(void), size_t size)
{
	if (!where || !size || size > TLS_VAR_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < ntls_reg; i++)
		if (tls_reg[i].where == where)
			return 0;
	if (ntls_reg == TLS_MAX)
		return -ENOSPC;
	tls_reg[ntls_reg].where = where;
	tls_reg[ntls_reg].size = size;
	ntls_reg++;
	return 0;
}

static void tls_save(struct vctx *c)
{
	for (unsigned int i = 0; i < W.ntls; i++)
		memcpy(c->tls + W.tls[i].off, W.tls[i].addr, W.tls[i].size);
}

static void tls_load(const struct vctx *c)
{
	for (unsigned int i = 0; i < W.ntls; i++)
		memcpy(W.tls[i].addr, c->tls + W.tls[i].off, W.tls[i].size);
}

/* ---- the run heap: (clock, id) order ------------------------------------- */

/*
 * Entries carry their keys, so sifting never touches a context (they are
 * scattered over the heap of the host; their cache misses were half the
 * cost of a switch).  A context leaves the heap early only in a timed wait
 * that is signalled: that bumps its hgen and leaves the entry behind, to be
 * dropped when it reaches the top (lazy deletion).
 */
struct hent {
	uint64_t now;
	unsigned int id, gen;
	struct vctx *c;
};

static bool ent_before(const struct hent *a, const struct hent *b)
{
	return a->now < b->now || (a->now == b->now && a->id < b->id);
}

/* A 4-ary heap: half the depth of a binary one, and a node's children
 * share one or two cache lines. */
#define HEAP_D 4

static void heap_up(unsigned int i)
{
	struct hent e = W.heap[i];

	while (i) {
		unsigned int p = (i - 1) / HEAP_D;

		if (!ent_before(&e, &W.heap[p]))
			break;
		W.heap[i] = W.heap[p];
		i = p;
	}
	W.heap[i] = e;
}

static void heap_down(unsigned int i)
{
	struct hent e = W.heap[i];

	for (;;) {
		unsigned int first = HEAP_D * i + 1, m = first, end;

		if (first >= W.n)
			break;
		end = first + HEAP_D < W.n ? first + HEAP_D : W.n;
		for (unsigned int k = first + 1; k < end; k++)
			if (ent_before(&W.heap[k], &W.heap[m]))
				m = k;
		if (!ent_before(&W.heap[m], &e))
			break;
		W.heap[i] = W.heap[m];
		i = m;
	}
	W.heap[i] = e;
}

static bool stale(const struct hent *e)
{
	return e->gen != e->c->hgen;
}

/* Drop entries left behind by early removals from the top. */
static void heap_clean_top(void)
{
	while (W.n && stale(&W.heap[0])) {
		W.heap[0] = W.heap[--W.n];
		if (W.n)
			heap_down(0);
	}
}

static void heap_push(struct vctx *c)
{
	if (W.n == W.cap) {
		unsigned int cap = W.cap ? 2 * W.cap : 64;
		struct hent *h = realloc(W.heap, cap * sizeof(*h));

		if (!h) {
			fprintf(stderr, "vtime: out of memory growing the run queue to %u\n", cap);
			abort();
		}
		W.heap = h;
		W.cap = cap;
	}
	W.heap[W.n] = (struct hent){ c->now, c->id, c->hgen, c };
	c->queued = true;
	heap_up(W.n++);
}

/* The earliest runnable context, or NULL; it stays queued. */
static struct vctx *heap_peek(void)
{
	heap_clean_top();
	return W.n ? W.heap[0].c : NULL;
}

static struct vctx *heap_pop(void)
{
	struct vctx *top;

	heap_clean_top();
	if (!W.n)
		return NULL;
	top = W.heap[0].c;
	if (--W.n) {
		W.heap[0] = W.heap[W.n];
		heap_down(0);
	}
	top->queued = false;
	return top;
}

/* Take @c out of the heap: its entry goes stale. */
static void heap_remove(struct vctx *c)
{
	c->hgen++;
	c->nstale++;
	c->queued = false;
}

/* Drop every entry of @c, stale ones included: it is about to be freed. */
static void heap_purge(struct vctx *c)
{
	unsigned int i = 0;

	while (i < W.n) {
		if (W.heap[i].c == c)
			W.heap[i] = W.heap[--W.n];
		else
			i++;
	}
	for (unsigned int k = W.n / HEAP_D + 1; k-- > 0;)
		if (k < W.n)
			heap_down(k);
	c->nstale = 0;
}

/* Put @c in the heap in place of its (clean) minimum and return that minimum. */
static struct vctx *heap_exchange_top(struct vctx *c)
{
	struct vctx *top = W.heap[0].c;

	W.heap[0] = (struct hent){ c->now, c->id, c->hgen, c };
	c->queued = true;
	heap_down(0);
	top->queued = false;
	return top;
}

/* ---- switching ----------------------------------------------------------- */

#ifndef VT_UCONTEXT
/*
 * dmareuse_vt_swap(save, load): push the callee-saved registers and the
 * SSE/x87 control words, store the stack pointer in *save, load @load and
 * pop the same set: the System V ABI lets every other register be
 * clobbered by a call.  A new context's stack is laid out so that the
 * first swap into it "returns" to dmareuse_vt_boot with rbx = the context
 * and r12 = vt_entry.
 */
void dmareuse_vt_swap(void **save, void *load);
__asm__(".text\n"
	".p2align 4\n"
	".globl dmareuse_vt_swap\n"
	".hidden dmareuse_vt_swap\n"
	".type dmareuse_vt_swap,@function\n"
	"dmareuse_vt_swap:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size dmareuse_vt_swap, .-dmareuse_vt_swap\n"
	".p2align 4\n"
	"dmareuse_vt_boot:\n"
	"	movq %rbx, %rdi\n"	/* rsp is 16-aligned here: the call makes it the ABI's */
	"	callq *%r12\n"
	"	ud2\n");
#endif

static void san_before_switch(struct vctx *from, struct vctx *to, bool from_dies)
{
#ifdef VT_ASAN
	__sanitizer_start_switch_fiber(from_dies ? NULL : &from->asan_fake, to->stack_lo,
				       to->stack_len);
#endif
#ifdef VT_TSAN
	__tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
	(void)from;
	(void)to;
	(void)from_dies;
}

static void san_after_switch(struct vctx *self)
{
#ifdef VT_ASAN
	__sanitizer_finish_switch_fiber(self->asan_fake, NULL, NULL);
#endif
	(void)self;
}

static void switch_to(struct vctx *next, bool dying)
{
	struct vctx *prev = W.cur;

	if (prev == next) {
		next->state = VS_RUNNING;
		return;
	}
	if (!dying)
		tls_save(prev);
	tls_load(next);
	W.cur = next;
	vtime_cur = next == W.host ? NULL : next;
	next->state = VS_RUNNING;
	W.st.switches++;
	san_before_switch(prev, next, dying);
#ifdef VT_UCONTEXT
	swapcontext(&prev->uc, &next->uc);
#else
	dmareuse_vt_swap(&prev->sp, next->sp);
#endif
	san_after_switch(prev);
}

/* ---- reports ------------------------------------------------------------- */

static const char *state_name(enum vstate s)
{
	switch (s) {
	case VS_RUNNABLE: return "runnable";
	case VS_RUNNING: return "running";
	case VS_BLOCKED: return "blocked";
	case VS_DONE: return "done";
	}
	return "?";
}

static void report_contexts(const char *why)
{
	fprintf(stderr, "vtime: %s; contexts:\n", why);
	for (struct vctx *c = W.all; c; c = c->all_next) {
		const char *what = "";

		if (c->wait_kind && !strcmp(c->wait_kind, "lock"))
			what = ((const struct mlock *)c->wait_obj)->name;
		else if (c->wait_kind && !strcmp(c->wait_kind, "join"))
			what = ((const struct vctx *)c->wait_obj)->name;
		fprintf(stderr, "  #%u %-16s %-8s at %.3f us%s%s%s%s\n", c->id, c->name,
			state_name(c->state), (double)c->now / 1e6,
			c->state == VS_BLOCKED ? " waiting on " : "",
			c->state == VS_BLOCKED && c->wait_kind ? c->wait_kind : "",
			*what ? " " : "", what);
	}
}

static void deadlock(void)
{
	report_contexts("deadlock: every context is blocked");
	abort();
}

/* Block the running context and run the next; returns when it is woken. */
static void block(const char *kind, const void *obj)
{
	struct vctx *c = W.cur, *next;

	c->state = VS_BLOCKED;
	c->wait_kind = kind;
	c->wait_obj = obj;
	next = heap_pop();
	if (!next)
		deadlock();
	switch_to(next, false);
	c->wait_kind = NULL;
	c->wait_obj = NULL;
}

static void wake(struct vctx *w, uint64_t t)
{
	if (w->now < t)
		w->now = t;
	w->state = VS_RUNNABLE;
	heap_push(w);
}

/* ---- the scheduler's entry points ---------------------------------------- */

void vtime_sync(void)
{
	struct vctx *c = W.cur, *next;

	if (!W.n)
		return;
	heap_clean_top();
	if (!W.n || !(W.heap[0].now < c->now ||
		      (W.heap[0].now == c->now && W.heap[0].id < c->id)))
		return;
	c->state = VS_RUNNABLE;
	next = heap_exchange_top(c);
	switch_to(next, false);
}

uint64_t vtime_wait_until_ps(uint64_t t)
{
	struct vctx *c = W.cur;
	uint64_t d = 0;

	if (c->now < t) {
		d = t - c->now;
		c->now = t;
	}
	vtime_sync();
	return d;
}

void vtime_relax(void)
{
	struct vctx *c = W.cur;

	c->now += W.cost[COST_POLL] ? W.cost[COST_POLL] : 1;
	if (!heap_peek()) {
		/* Nothing else can run: only a deadline in the spinner's own loop ends it. */
		if (++W.idle_relax == 100000000ull) {
			report_contexts("livelock: a context spins with nothing else runnable");
			abort();
		}
		return;
	}
	W.idle_relax = 0;
	if (W.heap[0].now > c->now)
		c->now = W.heap[0].now;
	vtime_sync();
}

unsigned int vtime_ctx_id(void)
{
	return W.cur->id;
}

/* ---- contexts: create, enter, exit, free ---------------------------------- */

static void vt_exit(struct vctx *c) __attribute__((noreturn));

static void vt_entry(struct vctx *c)
{
	san_after_switch(c);
	c->ret = c->fn(c->arg);
	vt_exit(c);
}

#ifdef VT_UCONTEXT
static void vt_entry_uc(unsigned int lo, unsigned int hi)
{
	vt_entry((struct vctx *)(((uintptr_t)hi << 32) | lo));
}
#endif

static struct vctx *ctx_new(const char *name, void *(*fn)(void *), void *arg,
			    bool with_stack)
{
	struct vctx *c = calloc(1, sizeof(*c) + W.tls_total);
	long pg = sysconf(_SC_PAGESIZE);

	if (!c)
		return NULL;
	c->name = name;
	c->fn = fn;
	c->arg = arg;
	if (!with_stack)
		return c;
	c->map_len = W.stack_bytes + (size_t)pg;
	c->map = mmap(NULL, c->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (c->map == MAP_FAILED) {
		free(c);
		return NULL;
	}
	mprotect(c->map, (size_t)pg, PROT_NONE);	/* guard page */
	c->stack_lo = (char *)c->map + pg;
	c->stack_len = W.stack_bytes;
#ifdef VT_UCONTEXT
	getcontext(&c->uc);
	c->uc.uc_stack.ss_sp = c->stack_lo;
	c->uc.uc_stack.ss_size = c->stack_len;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, (void (*)(void))vt_entry_uc, 2,
		    (unsigned int)(uintptr_t)c, (unsigned int)((uintptr_t)c >> 32));
#else
	{
		uintptr_t top = ((uintptr_t)c->stack_lo + c->stack_len) & ~(uintptr_t)15;
		uint64_t *sp = (uint64_t *)(top - 64);
		extern char dmareuse_vt_boot[];

		sp[0] = 0x1f80ull | (0x037full << 32);	/* MXCSR, x87 control word */
		sp[1] = 0;				/* r15 */
		sp[2] = 0;				/* r14 */
		sp[3] = 0;				/* r13 */
		sp[4] = (uint64_t)(uintptr_t)vt_entry;	/* r12 */
		sp[5] = (uint64_t)(uintptr_t)c;		/* rbx */
		sp[6] = 0;				/* rbp */
		sp[7] = (uint64_t)(uintptr_t)dmareuse_vt_boot;	/* return address */
		c->sp = sp;
	}
#endif
#ifdef VT_TSAN
	c->tsan_fiber = __tsan_create_fiber(0);
#endif
	c->id = W.next_id++;
	c->all_next = W.all;
	if (W.all)
		W.all->all_prev = c;
	W.all = c;
	W.live++;
	W.st.contexts++;
	return c;
}

static void ctx_free(struct vctx *c)
{
	if (c->nstale)
		heap_purge(c);
	if (c->map) {
		if (c->all_prev)
			c->all_prev->all_next = c->all_next;
		else if (W.all == c)
			W.all = c->all_next;
		if (c->all_next)
			c->all_next->all_prev = c->all_prev;
		munmap(c->map, c->map_len);
	}
#ifdef VT_TSAN
	if (c->tsan_fiber && c->map)
		__tsan_destroy_fiber(c->tsan_fiber);
#endif
	free(c);
}

static void vt_exit(struct vctx *c)
{
	struct vctx *next;

	c->state = VS_DONE;
	W.live--;
	if (c->joiner) {
		struct vctx *j = c->joiner;

		c->joiner = NULL;
		wake(j, c->now + W.cost[COST_WAKEUP]);
	}
	if (c == W.first) {
		W.st.end_ps = c->now;
		next = W.host;
	} else {
		next = heap_pop();
		if (!next)
			deadlock();
	}
	switch_to(next, true);
	abort();	/* a finished context is never switched to */
}

struct vctx *vt_spawn(const char *name, void *(*fn)(void *), void *arg)
{
	struct vctx *c = ctx_new(name, fn, arg, true);

	if (!c)
		return NULL;
	c->now = W.cur->now;
	c->state = VS_RUNNABLE;
	heap_push(c);
	return c;
}

void vt_join(struct vctx *c, void **ret)
{
	struct vctx *me = W.cur;

	if (c == me) {
		report_contexts("a context joins itself");
		abort();
	}
	if (c->state != VS_DONE) {
		if (c->joiner) {
			report_contexts("two contexts join the same one");
			abort();
		}
		c->joiner = me;
		block("join", c);
	} else if (me->now < c->now) {
		me->now = c->now;
	}
	if (ret)
		*ret = c->ret;
	ctx_free(c);
}

/* ---- locks --------------------------------------------------------------- */

void vlock_lock(struct mlock *l)
{
	struct vctx *c = W.cur;
	bool modelled = !(l->flags & MLOCK_FREE);

	if (modelled)
		vtime_sync();
	if (!l->v.owner) {
		if (modelled) {
			if (c->now < l->v.free_at)
				c->now = l->v.free_at;
			c->now += W.cost[COST_LOCK];
			if (l->v.last && l->v.last != c->id + 1)
				c->now += W.cost[COST_LINE];
		}
		l->v.owner = c;
		l->v.last = c->id + 1;
		l->holder = c;
		return;
	}
	if (l->v.owner == c) {
		report_contexts("a context takes a lock it holds");
		fprintf(stderr, "vtime: lock %s, context #%u %s\n", l->name, c->id, c->name);
		abort();
	}
	c->wnext = NULL;
	if (l->v.tail)
		l->v.tail->wnext = c;
	else
		l->v.head = c;
	l->v.tail = c;
	l->v.nwait++;
	W.st.lock_waits++;
	block("lock", l);
	/* The releaser handed the lock over: owner and holder are us. */
}

void vlock_unlock(struct mlock *l)
{
	struct vctx *c = W.cur, *w = l->v.head;
	uint64_t t = c->now;

	if (l->v.owner != c) {
		report_contexts("a context releases a lock it does not hold");
		fprintf(stderr, "vtime: lock %s, context #%u %s\n", l->name, c->id, c->name);
		abort();
	}
	if (!w) {
		l->v.owner = NULL;
		l->holder = NULL;
		l->v.free_at = t;
		return;
	}
	l->v.head = w->wnext;
	if (!l->v.head)
		l->v.tail = NULL;
	w->wnext = NULL;
	l->v.nwait--;
	l->v.owner = w;
	l->v.last = w->id + 1;
	l->holder = w;
	if (!(l->flags & MLOCK_FREE))
		t += W.cost[COST_LINE] + W.cost[COST_LINE_CONTEND] * l->v.nwait;
	wake(w, t);
}

/* ---- conditions ---------------------------------------------------------- */

static void cond_append(struct vcond *cv, struct vctx *c)
{
	c->wnext = NULL;
	c->wprev = cv->tail;
	if (cv->tail)
		cv->tail->wnext = c;
	else
		cv->head = c;
	cv->tail = c;
	c->wcond = cv;
}

static void cond_unlink(struct vcond *cv, struct vctx *c)
{
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		cv->head = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	else
		cv->tail = c->wprev;
	c->wnext = c->wprev = NULL;
	c->wcond = NULL;
}

void vcond_wait(struct mcond *cv, struct mlock *l)
{
	struct vctx *c = W.cur;

	cond_append(&cv->v, c);
	c->wait_result = 0;
	vlock_unlock(l);
	block("condition", cv);
	vlock_lock(l);
}

int vcond_timedwait(struct mcond *cv, struct mlock *l, uint64_t deadline_ps)
{
	struct vctx *c = W.cur, *next;

	if (deadline_ps <= c->now)
		return -ETIMEDOUT;
	cond_append(&cv->v, c);
	vlock_unlock(l);
	c->blocked_now = c->now;
	c->now = deadline_ps;
	c->wait_result = -ETIMEDOUT;
	heap_push(c);
	next = heap_pop();
	if (next != c) {
		c->state = VS_BLOCKED;
		c->wait_kind = "timed condition";
		c->wait_obj = cv;
		switch_to(next, false);
		c->wait_kind = NULL;
		c->wait_obj = NULL;
	}
	c->state = VS_RUNNING;
	if (c->wcond)		/* not signalled: the deadline came first */
		cond_unlink(&cv->v, c);
	vlock_lock(l);
	return c->wait_result;
}

void vcond_signal(struct mcond *cv)
{
	uint64_t t = W.cur->now + W.cost[cv->wake];

	while (cv->v.head) {
		struct vctx *w = cv->v.head;

		cond_unlink(&cv->v, w);
		if (!w->queued) {	/* an untimed wait */
			w->wait_result = 0;
			wake(w, t);
			return;
		}
		if (t <= w->now) {	/* a timed wait whose deadline is later */
			heap_remove(w);
			w->now = w->blocked_now > t ? w->blocked_now : t;
			w->wait_result = 0;
			heap_push(w);
			return;
		}
		/* Its deadline comes before this wake-up: it times out; try the next. */
	}
}

void vcond_broadcast(struct mcond *cv)
{
	while (cv->v.head)
		vcond_signal(cv);
}

/* ---- the run ------------------------------------------------------------- */

static void (*first_fn)(void *);

static void *first_trampoline(void *arg)
{
	first_fn(arg);
	return NULL;
}

int vtime_run(const struct vtime_cfg *cfg, void (*fn)(void *), void *arg,
	      struct vtime_stats *stats)
{
	bool idle = false;
	int ret = 0;

	if (vtime_cur || !atomic_compare_exchange_strong(&W.running, &idle, true))
		return -EBUSY;
	memcpy(W.cost, cfg->cost_ps, sizeof(W.cost));
	vtime_cost_ps = W.cost;
	W.stack_bytes = cfg->stack_bytes ? cfg->stack_bytes : 256u << 10;
	W.stack_bytes = (W.stack_bytes + 4095) & ~(size_t)4095;
	memset(&W.st, 0, sizeof(W.st));
	W.next_id = 0;
	W.live = 0;
	W.all = NULL;
	W.n = 0;
	W.idle_relax = 0;
	W.ntls = ntls_reg;
	W.tls_total = 0;
	for (unsigned int i = 0; i < ntls_reg; i++) {
		W.tls[i].addr = tls_reg[i].where();
		W.tls[i].size = tls_reg[i].size;
		W.tls[i].off = W.tls_total;
		W.tls_total += (tls_reg[i].size + 7) & ~(size_t)7;
	}
	W.host = ctx_new("host", NULL, NULL, false);
	if (!W.host) {
		atomic_store(&W.running, false);
		return -ENOMEM;
	}
	W.host->id = ~0u;
	W.host->state = VS_RUNNING;
#ifdef VT_TSAN
	W.host->tsan_fiber = __tsan_get_current_fiber();
#endif
#ifdef VT_ASAN
	{
		pthread_attr_t a;
		void *lo;
		size_t len;

		if (!pthread_getattr_np(pthread_self(), &a)) {
			if (!pthread_attr_getstack(&a, &lo, &len)) {
				W.host->stack_lo = lo;
				W.host->stack_len = len;
			}
			pthread_attr_destroy(&a);
		}
	}
#endif
	W.cur = W.host;
	first_fn = fn;
	W.first = ctx_new("main", first_trampoline, arg, true);
	if (!W.first) {
		free(W.host);
		atomic_store(&W.running, false);
		return -ENOMEM;
	}
	switch_to(W.first, false);
	/* Back on the host: the first context returned. */
	if (W.live) {
		report_contexts("contexts still alive when the run's function returned");
		ret = -EBUSY;	/* their stacks are left: they may be mid-call */
	} else {
		ctx_free(W.first);
	}
	W.first = NULL;
	if (stats) {
		*stats = W.st;
	}
	free(W.host);
	W.host = NULL;
	W.cur = NULL;
	free(W.heap);
	W.heap = NULL;
	W.cap = W.n = 0;
	vtime_cost_ps = NULL;
	atomic_store(&W.running, false);
	return ret;
}
