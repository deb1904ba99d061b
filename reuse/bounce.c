// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * bounce.c - coherent bounce buffers (the seed's first proposal; "shadow
 * DMA buffers", Markuze et al., ASPLOS'16).
 *
 * The pool keeps coherent memory, mapped once for the device's lifetime, cut
 * into buffers of six size classes (256 B .. 256 KiB).  Lending a buffer
 * copies the caller's bytes in (TO_DEVICE, BIDIRECTIONAL); taking it back
 * copies them out (FROM_DEVICE, BIDIRECTIONAL).  The device only ever sees
 * bounce memory, so caller pages may be freed at any time without a flush.
 * A FROM_DEVICE buffer is filled with the caller's bytes too, unless the
 * caller promises to name the bytes the device wrote (RMAP_LEN_KNOWN):
 * otherwise a short device write would return an earlier user's data.
 *
 * Copies toward the device (the lend, sync_for_device) are cached or
 * streaming (enum rcopy_method, reuse.h).  The CPU does not read a lent
 * buffer's bytes; whether fetching its lines for ownership costs anything
 * depends on where the device's last access left them.  In the lab an
 * engine is a thread on the other core, and a 4 KiB cached copy into a
 * buffer it just read costs 2x a streaming one (16-64 KiB: 3.5-4x); in
 * dma_map_benchmark's pattern, where no device touches the buffer, the
 * cached copy costs half (bench/results/bounce-stream.txt, reuse.txt).  So
 * each class from 1 KiB up times a sample of its own copies and takes the
 * cheaper method (rcopy_est_*, below).  Copies back to the CPU are cached:
 * the caller reads those bytes next.
 *
 * Memory is obtained in chunks (64 KiB, or one buffer for the 256 KiB class)
 * on demand, up to max_bytes, and never returned before destroy: a steady
 * workload reaches a working set and then allocates nothing.
 *
 * Areas: the free lists, counters and copy choosers are kept per area, one
 * area per CPU up to RB_MAX_AREAS (the count rounded up to a power of two;
 * CPUs beyond share, cpu % areas), each
 * with its own lock, as Linux's swiotlb has per-CPU areas: CPUs lending at
 * once do not meet on one lock.  A lend takes a buffer from its CPU's area;
 * when that is empty, from another area (the buffer then belongs to the
 * lending area); only when every area is empty is a chunk allocated, and
 * its buffers join the lending area.  A buffer goes back to the area that
 * lent it, on a LIFO free list (the most recently used is warm in cache).
 * The CPU is a hint: a caller that moves between lend and unmap still
 * returns the buffer to the right area, under that area's lock.
 *
 * Handles: a lent buffer records its pool, its lend's generation (bumped
 * at every lend), length and direction, and the handle carries the
 * generation (aux).  Sync and unmap check them all before they copy or
 * touch a list -- a handle of another pool, a stale copy of a handle whose
 * buffer was taken back (and maybe lent again), or a handle whose length
 * was changed would otherwise copy beyond the buffer or put one pool's
 * buffer on another's free list -- at the cost of a few compares on lines
 * the call reads anyway; no lookup.
 *
 * Locks: an area's lock protects its free lists, counters and choosers;
 * b->lock protects the chunk list, the byte count and the copy mode.  No
 * two are held at once.  Copies run outside every lock.  A lend's timed
 * copy is recorded when the buffer comes back, under the area lock that
 * unmap takes anyway.
 */
#include "reuse_int.h"

#define CHUNK_BYTES (64u << 10)
#define RB_MAX_AREAS 64
#define RB_CHOOSE_MIN_CLASS 1	/* 1 KiB: the 256-byte class always copies cached */

static const size_t class_size[RBOUNCE_NCLASSES] = {
	256, 1024, 4096, 16384, 65536, 262144,
};

/* 64 bytes: one cache line. */
struct rb_buf {
	struct rb_buf *next;	/* free list link */
	void *va;
	dma_addr_t dma;
	struct rbounce *pool;	/* the pool it belongs to; set once */
	uint64_t gen;		/* bumped at every lend; the handle's aux */
	uint64_t copy_ns;	/* how long the timed copy took */
	uint32_t len;		/* bytes lent (at most the largest class) */
	uint8_t cls;
	bool in_use;
	uint16_t area;		/* the area that lent it, or will */
	bool timed;		/* its lend copy was timed and counts: record at unmap */
	uint8_t copy_m;		/* the method that copy took */
	uint8_t last_m;		/* the method of the last copy in; RCOPY_AUTO: none yet */
	uint8_t dir;		/* direction of the lend */
};

struct rb_chunk {
	struct rb_chunk *next;
	void *va;
	dma_addr_t dma;
	size_t bytes;
	struct rb_buf *bufs;
};

/* One CPU's share of the pool (see the top); aligned so areas share no line. */
struct rb_area {
	osdep_lock_t lock;
	struct rb_buf *free[RBOUNCE_NCLASSES];
	struct reuse_stats st;
	struct rcopy_est est[RBOUNCE_NCLASSES];
} __attribute__((aligned(64)));

struct rbounce {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	size_t max_bytes, bytes;
	struct rb_chunk *chunks;
	uint64_t errors;		/* misuse refused; under b->lock */
	enum rcopy_method copy_mode;	/* RCOPY_AUTO: the choosers decide */
	unsigned int nareas;
	struct rb_area *areas;
};

size_t rbounce_max_len(void)
{
	return class_size[RBOUNCE_NCLASSES - 1];
}

struct rbounce *rbounce_create(osdep_dev_t *dev, size_t max_bytes)
{
	struct rbounce *b = osdep_zalloc(sizeof(*b));
	unsigned int n = osdep_ncpus(dev);

	if (!b)
		return NULL;
	/* a power of two, so that a CPU finds its area with a mask */
	b->nareas = 1;
	while (b->nareas < n && b->nareas < RB_MAX_AREAS)
		b->nareas <<= 1;
	b->areas = osdep_zalloc(b->nareas * sizeof(*b->areas));
	if (!b->areas) {
		osdep_free(b);
		return NULL;
	}
	for (unsigned int i = 0; i < b->nareas; i++)
		osdep_lock_init(&b->areas[i].lock);
	b->dev = dev;
	b->max_bytes = max_bytes ? max_bytes : (4u << 20);
	b->copy_mode = RCOPY_AUTO;
	osdep_lock_init(&b->lock);
	return b;
}

/* The area of the calling CPU. */
static struct rb_area *this_area(struct rbounce *b, unsigned int *idx)
{
	*idx = osdep_cpu_id() & (b->nareas - 1);
	return &b->areas[*idx];
}

/* The smallest class that holds @len bytes; RBOUNCE_NCLASSES if none does. */
static unsigned int class_of(size_t len)
{
	unsigned int c = 0;

	while (c < RBOUNCE_NCLASSES && class_size[c] < len)
		c++;
	return c;
}

/* Bytes a chunk of class @c takes. */
static size_t chunk_bytes(unsigned int c)
{
	return class_size[c] > CHUNK_BYTES ? class_size[c] : CHUNK_BYTES;
}

/* rcopy_est_pick(), inlined where bounce lends: most picks are plain ones. */
static inline enum rcopy_method est_pick(struct rcopy_est *e, bool *timed)
{
	uint32_t n = e->n++;
	enum rcopy_method other;

	if (e->warm && n % RCOPY_SAMPLE_EVERY >= RCOPY_EXPLORE_RUN) {
		*timed = false;
		return e->use;
	}
	other = e->use == RCOPY_CACHED ? RCOPY_STREAM : RCOPY_CACHED;
	if (!e->warm) {
		*timed = true;
		return n / RCOPY_WARMUP_RUN % 2 ? RCOPY_STREAM : RCOPY_CACHED;
	}
	*timed = n % RCOPY_SAMPLE_EVERY == RCOPY_EXPLORE_RUN - 1;
	if (n / RCOPY_SAMPLE_EVERY % RCOPY_EXPLORE_EVERY == 0)
		return other;
	return e->use;
}

enum rcopy_method rcopy_est_pick(struct rcopy_est *e, bool *timed)
{
	return est_pick(e, timed);
}

void rcopy_est_record(struct rcopy_est *e, enum rcopy_method m, uint64_t ns)
{
	uint64_t x = ns << 4, *mean;

	if (m != RCOPY_CACHED && m != RCOPY_STREAM)
		return;
	mean = &e->mean16[m];
	if (!e->samples[m]) {
		*mean = x;
	} else {
		uint64_t cap = 2 * *mean;
		unsigned int shift;

		if (cap && x > cap)
			x = cap;
		/* a quick start (1/2 per sample), then a steadier 1/8 */
		shift = e->samples[m] < RCOPY_WARMUP ? 1 : 3;
		if (x >= *mean)
			*mean += (x - *mean) >> shift;
		else
			*mean -= (*mean - x) >> shift;
	}
	if (e->samples[m] < (uint32_t)-1)
		e->samples[m]++;
	e->warm = e->samples[RCOPY_CACHED] >= RCOPY_WARMUP &&
		  e->samples[RCOPY_STREAM] >= RCOPY_WARMUP;
	if (e->warm) {
		enum rcopy_method other = e->use == RCOPY_CACHED ? RCOPY_STREAM : RCOPY_CACHED;
		uint64_t cur = e->mean16[e->use];

		/* switch only for a clear gain: near-equal means would flap */
		if (e->mean16[other] < cur - (cur >> RCOPY_MARGIN_SHIFT))
			e->use = other;
	}
}

/*
 * The method the next copy of class @c toward the device takes in area @a;
 * with @timed, the lend's sample too (NULL: an untimed copy,
 * sync_for_device).  Under @a's lock.
 */
static enum rcopy_method copy_method_locked(struct rbounce *b, struct rb_area *a,
					    unsigned int c, bool *timed)
{
	enum rcopy_method mode = OSDEP_READ_ONCE(b->copy_mode);

	osdep_assert_held(&a->lock);

	if (timed)
		*timed = false;
	if (mode != RCOPY_AUTO)
		return mode;
	if (c < RB_CHOOSE_MIN_CLASS)
		return RCOPY_CACHED;
	if (!timed)
		return a->est[c].use;
	return est_pick(&a->est[c], timed);
}

/* Copy @len bytes of the caller's into lent bounce memory by @m. */
static void copy_in(void *bounce, const void *cpu, size_t len, enum rcopy_method m)
{
	if (m == RCOPY_STREAM)
		osdep_copy_to_device(bounce, cpu, len);
	else
		memcpy(bounce, cpu, len);
	osdep_cost_copy(len);
}

/*
 * Allocate a chunk for class @c, without b->lock held (a coherent
 * allocation may sleep in Linux).  The caller reserved its bytes.
 */
static struct rb_chunk *chunk_alloc(struct rbounce *b, unsigned int c)
{
	size_t sz = class_size[c], bytes = chunk_bytes(c), n = bytes / sz;
	struct rb_chunk *ch = osdep_zalloc(sizeof(*ch));

	if (!ch)
		return NULL;
	ch->bufs = osdep_zalloc(n * sizeof(*ch->bufs));
	if (!ch->bufs)
		goto out_ch;
	ch->va = osdep_dma_alloc_coherent(b->dev, bytes, &ch->dma);
	if (!ch->va)
		goto out_bufs;
	ch->bytes = bytes;
	for (size_t i = 0; i < n; i++) {
		ch->bufs[i].va = (char *)ch->va + i * sz;
		ch->bufs[i].dma = ch->dma + i * sz;
		ch->bufs[i].cls = (uint8_t)c;
		ch->bufs[i].last_m = RCOPY_AUTO;
		ch->bufs[i].pool = b;
	}
	return ch;

out_bufs:
	osdep_free(ch->bufs);
out_ch:
	osdep_free(ch);
	return NULL;
}

/* Take a class-@c buffer off @a's free list, or NULL.  Under @a's lock. */
static struct rb_buf *pop_locked(struct rb_area *a, unsigned int c)
{
	struct rb_buf *buf = a->free[c];

	osdep_assert_held(&a->lock);

	if (buf)
		a->free[c] = buf->next;
	return buf;
}

/*
 * A free class-@c buffer from an area other than @self, or NULL if all are
 * empty.  Takes each area's lock in turn, never two at once.
 */
static struct rb_buf *steal(struct rbounce *b, unsigned int self, unsigned int c)
{
	for (unsigned int i = 1; i < b->nareas; i++) {
		struct rb_area *o = &b->areas[(self + i) % b->nareas];
		struct rb_buf *buf;

		osdep_lock(&o->lock);
		buf = pop_locked(o, c);
		osdep_unlock(&o->lock);
		if (buf)
			return buf;
	}
	return NULL;
}

/*
 * A new chunk of class @c: its buffers but one join area @a's free list,
 * the one is returned.  NULL (-ENOMEM) at max_bytes or without memory.
 */
static struct rb_buf *grow(struct rbounce *b, struct rb_area *a, unsigned int c)
{
	size_t bytes = chunk_bytes(c);
	struct rb_chunk *ch;
	size_t n;

	osdep_lock(&b->lock);
	if (bytes > b->max_bytes - b->bytes) {	/* b->bytes <= max_bytes: no wrap */
		osdep_unlock(&b->lock);
		return NULL;
	}
	b->bytes += bytes;	/* reserve, then allocate unlocked */
	osdep_unlock(&b->lock);
	ch = chunk_alloc(b, c);
	osdep_lock(&b->lock);
	if (!ch) {
		b->bytes -= bytes;
		osdep_unlock(&b->lock);
		return NULL;
	}
	ch->next = b->chunks;
	b->chunks = ch;
	osdep_unlock(&b->lock);
	n = bytes / class_size[c];
	osdep_lock(&a->lock);
	for (size_t i = 1; i < n; i++) {
		ch->bufs[i].next = a->free[c];
		a->free[c] = &ch->bufs[i];
	}
	osdep_unlock(&a->lock);
	return &ch->bufs[0];
}

/* Count a refused call of @b's and say why, once. */
static RSLOWPATH int refused(struct rbounce *b, int err)
{
	osdep_lock(&b->lock);
	b->errors++;
	osdep_unlock(&b->lock);
	return err;
}

static RSLOWPATH int map_refused(struct rbounce *b, const void *cpu, size_t len,
				 enum dma_data_direction dir)
{
	osdep_warn("rbounce_map(cpu %p, len %zu, dir %d): expected a buffer of 1 or more "
		   "bytes that does not wrap the address space, and a valid direction",
		   cpu, len, (int)dir);
	return refused(b, -EINVAL);
}

int rbounce_map(struct rbounce *b, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h)
{
	return rbounce_map_flags(b, cpu, len, dir, 0, h);
}

int rbounce_map_flags(struct rbounce *b, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h)
{
	osdep_cost_call();
	/* Fill it unless the caller will name the bytes the device wrote. */
	bool prime = dir_to_device(dir) || !(flags & RMAP_LEN_KNOWN);
	enum rcopy_method m = RCOPY_CACHED;
	struct rb_area *a;
	struct rb_buf *buf;
	unsigned int c, ai;
	uint64_t t0 = 0;

	if (!rcpu_span_ok(cpu, len) || !dir_ok(dir))
		return map_refused(b, cpu, len, dir);
	c = class_of(len);
	if (c == RBOUNCE_NCLASSES)
		return -E2BIG;
	a = this_area(b, &ai);
	osdep_lock(&a->lock);
	buf = pop_locked(a, c);
	if (!buf) {
		/* the slow path: no lock held while it looks elsewhere */
		osdep_unlock(&a->lock);
		buf = steal(b, ai, c);
		if (!buf)
			buf = grow(b, a, c);
		if (!buf)
			return -ENOMEM;
		osdep_lock(&a->lock);
	}
	buf->area = (uint16_t)ai;
	buf->in_use = true;
	buf->gen++;
	buf->len = (uint32_t)len;
	buf->dir = (uint8_t)dir;
	a->st.hits++;
	a->st.in_use++;
	buf->timed = false;
	if (prime) {
		a->st.bytes_copied += len;
		m = copy_method_locked(b, a, c, &buf->timed);
	}
	osdep_unlock(&a->lock);
	if (prime) {
		if (buf->timed)
			t0 = osdep_now_ns();
		copy_in(buf->va, cpu, len, m);
		if (buf->timed) {
			buf->copy_ns = osdep_now_ns() - t0;
			buf->copy_m = (uint8_t)m;
			/* a sample counts only in steady use (see rcopy_est, reuse.h) */
			buf->timed = buf->last_m == m;
		}
		buf->last_m = (uint8_t)m;
	}
	*h = (struct rmap_handle){
		.dma = buf->dma, .len = len, .dir = dir, .cpu = cpu, .priv = buf,
		.aux = buf->gen,
	};
	return 0;
}

/* Whether @h is the handle of @buf's current lend by @b, every field as lent. */
static inline bool lent_as(const struct rbounce *b, const struct rb_buf *buf,
			   const struct rmap_handle *h)
{
	return buf->pool == b && buf->in_use && buf->gen == h->aux && buf->dma == h->dma &&
	       buf->len == h->len && (enum dma_data_direction)buf->dir == h->dir;
}

static RSLOWPATH void handle_refused(struct rbounce *b, const struct rmap_handle *h,
				     const char *fn)
{
	const struct rb_buf *buf = h->priv;
	const char *why;

	if (!buf)
		why = "it holds no bounce buffer (never lent, or taken back)";
	else if (buf->pool != b)
		why = "its buffer belongs to another bounce pool";
	else if (!buf->in_use || buf->gen != h->aux)
		why = "its buffer is not lent to it (taken back already: a stale copy?)";
	else
		why = "its dma, len or dir differ from those of the lend";
	osdep_warn("%s(handle %p: dma %#llx, len %zu, dir %d): %s", fn, (const void *)h,
		   (unsigned long long)h->dma, h->len, (int)h->dir, why);
	refused(b, -EINVAL);
}

/* The buffer @h holds if @b lent it to @h and it is still lent; else NULL, logged. */
static struct rb_buf *handle_buf(struct rbounce *b, struct rmap_handle *h,
				 const char *fn)
{
	struct rb_buf *buf = h->priv;

	if (!buf || !lent_as(b, buf, h)) {
		handle_refused(b, h, fn);
		return NULL;
	}
	return buf;
}

int rbounce_sync_for_cpu(struct rbounce *b, struct rmap_handle *h)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_sync_for_cpu");

	osdep_cost_call();

	if (!buf)
		return -EINVAL;
	if (dir_from_device(h->dir)) {
		struct rb_area *a = &b->areas[buf->area];

		memcpy(h->cpu, buf->va, h->len);
		osdep_cost_copy(h->len);
		osdep_lock(&a->lock);
		a->st.bytes_copied += h->len;
		osdep_unlock(&a->lock);
	}
	return 0;
}

int rbounce_sync_for_device(struct rbounce *b, struct rmap_handle *h)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_sync_for_device");

	osdep_cost_call();

	if (!buf)
		return -EINVAL;
	if (dir_to_device(h->dir)) {
		struct rb_area *a = &b->areas[buf->area];
		enum rcopy_method m;

		osdep_lock(&a->lock);
		a->st.bytes_copied += h->len;
		m = copy_method_locked(b, a, buf->cls, NULL);
		osdep_unlock(&a->lock);
		copy_in(buf->va, h->cpu, h->len, m);
		buf->last_m = (uint8_t)m;
	}
	return 0;
}

static RSLOWPATH int used_refused(struct rbounce *b, const struct rmap_handle *h,
				  size_t used)
{
	osdep_warn("rbounce_unmap_partial(dma %#llx): %zu bytes used; expected at most "
		   "the %zu lent", (unsigned long long)h->dma, used, h->len);
	return refused(b, -EINVAL);
}

int rbounce_unmap_partial(struct rbounce *b, struct rmap_handle *h, size_t used)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_unmap");
	size_t n = used;
	struct rb_area *a;

	osdep_cost_call();

	if (!buf)
		return -EINVAL;
	if (used > h->len)
		return used_refused(b, h, used);
	a = &b->areas[buf->area];
	if (dir_from_device(h->dir)) {
		memcpy(h->cpu, buf->va, n);
		osdep_cost_copy(n);
	}
	osdep_lock(&a->lock);
	/* Checked again where it counts: two racing unmaps of one lend free it once. */
	if (!lent_as(b, buf, h)) {
		osdep_unlock(&a->lock);
		handle_refused(b, h, "rbounce_unmap");
		return -EINVAL;
	}
	if (dir_from_device(h->dir))
		a->st.bytes_copied += n;
	if (buf->timed) {
		rcopy_est_record(&a->est[buf->cls], (enum rcopy_method)buf->copy_m,
				 buf->copy_ns);
		buf->timed = false;
	}
	buf->in_use = false;
	buf->next = a->free[buf->cls];
	a->free[buf->cls] = buf;
	a->st.in_use--;
	osdep_unlock(&a->lock);
	h->priv = NULL;
	return 0;
}

int rbounce_unmap(struct rbounce *b, struct rmap_handle *h)
{
	return rbounce_unmap_partial(b, h, h->len);
}

int rbounce_set_copy(struct rbounce *b, enum rcopy_method m)
{
	if (m != RCOPY_CACHED && m != RCOPY_STREAM && m != RCOPY_AUTO) {
		osdep_warn("rbounce_set_copy: method %d; expected RCOPY_CACHED (%d), "
			   "RCOPY_STREAM (%d) or RCOPY_AUTO (%d)", (int)m, RCOPY_CACHED,
			   RCOPY_STREAM, RCOPY_AUTO);
		return -EINVAL;
	}
	OSDEP_WRITE_ONCE(b->copy_mode, m);
	return 0;
}

unsigned int rbounce_nareas(const struct rbounce *b)
{
	return b->nareas;
}

int rbounce_copy_state(struct rbounce *b, unsigned int area, unsigned int cls,
		       size_t *bytes, struct rcopy_est *out)
{
	struct rb_area *a;
	enum rcopy_method m;

	if (cls >= RBOUNCE_NCLASSES || area >= b->nareas)
		return -EINVAL;
	a = &b->areas[area];
	osdep_lock(&a->lock);
	m = copy_method_locked(b, a, cls, NULL);
	*out = a->est[cls];
	osdep_unlock(&a->lock);
	*bytes = class_size[cls];
	return (int)m;
}

void rbounce_copy_tally(struct rbounce *b, struct rbounce_copy_tally *t)
{
	for (unsigned int c = 0; b && c < RBOUNCE_NCLASSES; c++)
		for (unsigned int a = 0; a < b->nareas; a++) {
			struct rcopy_est e;
			int use = rbounce_copy_state(b, a, c, &t->bytes[c], &e);

			if (use < 0 || !e.n)
				continue;
			t->chose[c]++;
			t->streams[c] += use == RCOPY_STREAM;
		}
}

void rbounce_copy_note(const struct rbounce_copy_tally *t, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned int c = 0; c < RBOUNCE_NCLASSES && at < len; c++) {
		unsigned int chose = t->chose[c], streams = t->streams[c];
		const char *lead = at ? ", " : "bounce copies in: ";
		int n;

		if (!chose)
			continue;
		if (!streams || streams == chose)
			n = snprintf(buf + at, len - at, "%s%zu KiB %s", lead, t->bytes[c] >> 10,
				     streams ? "stream" : "cached");
		else
			n = snprintf(buf + at, len - at, "%s%zu KiB stream on %u of %u CPUs", lead,
				     t->bytes[c] >> 10, streams, chose);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

bool rbounce_copy_streams(struct rbounce *b, size_t len)
{
	enum rcopy_method m;
	struct rb_area *a;
	unsigned int c, ai;

	c = class_of(len);
	if (!len || c == RBOUNCE_NCLASSES)
		return false;
	a = this_area(b, &ai);
	osdep_lock(&a->lock);
	m = copy_method_locked(b, a, c, NULL);
	osdep_unlock(&a->lock);
	return m == RCOPY_STREAM;
}

void rbounce_stats(struct rbounce *b, struct reuse_stats *out)
{
	*out = (struct reuse_stats){ 0 };
	for (unsigned int i = 0; i < b->nareas; i++) {
		struct rb_area *a = &b->areas[i];

		osdep_lock(&a->lock);
		reuse_stats_add(out, &a->st);
		osdep_unlock(&a->lock);
	}
	osdep_lock(&b->lock);
	out->errors += b->errors;
	osdep_unlock(&b->lock);
}

int rbounce_destroy(struct rbounce *b)
{
	struct rb_chunk *ch, *next;

	struct reuse_stats st;

	if (!b)
		return 0;
	rbounce_stats(b, &st);
	if (st.in_use) {
		osdep_warn("rbounce_destroy: %llu buffer(s) still lent out",
			   (unsigned long long)st.in_use);
		return -EBUSY;
	}
	for (ch = b->chunks; ch; ch = next) {
		next = ch->next;
		osdep_dma_free_coherent(b->dev, ch->bytes, ch->va, ch->dma);
		osdep_free(ch->bufs);
		osdep_free(ch);
	}
	for (unsigned int i = 0; i < b->nareas; i++)
		osdep_lock_destroy(&b->areas[i].lock);
	osdep_free(b->areas);
	osdep_lock_destroy(&b->lock);
	osdep_free(b);
	return 0;
}
