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
 * workload reaches a working set and then allocates nothing.  Buffers of a
 * class sit on a LIFO free list (the most recently used is warm in cache).
 *
 * Lock: b->lock protects the free lists, the chunk list, the counters and
 * the copy choosers; copies run outside it.  A lend's timed copy is recorded
 * when the buffer comes back, under the lock that unmap takes anyway.
 */
#include "reuse_int.h"

#define CHUNK_BYTES (64u << 10)
#define RB_CHOOSE_MIN_CLASS 1	/* 1 KiB: the 256-byte class always copies cached */

static const size_t class_size[RBOUNCE_NCLASSES] = {
	256, 1024, 4096, 16384, 65536, 262144,
};

struct rb_buf {
	struct rb_buf *next;	/* free list link */
	void *va;
	dma_addr_t dma;
	uint8_t cls;
	bool in_use;
	bool timed;		/* its lend copy was timed and counts: record at unmap */
	uint8_t copy_m;		/* the method that copy took */
	uint8_t last_m;		/* the method of the last copy in; RCOPY_AUTO: none yet */
	uint64_t copy_ns;	/* how long the timed copy took */
};

struct rb_chunk {
	struct rb_chunk *next;
	void *va;
	dma_addr_t dma;
	size_t bytes;
	struct rb_buf *bufs;
};

struct rbounce {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	size_t max_bytes, bytes;
	struct rb_buf *free[RBOUNCE_NCLASSES];
	struct rb_chunk *chunks;
	struct reuse_stats st;
	enum rcopy_method copy_mode;	/* RCOPY_AUTO: est[] decides */
	struct rcopy_est est[RBOUNCE_NCLASSES];
};

size_t rbounce_max_len(void)
{
	return class_size[RBOUNCE_NCLASSES - 1];
}

struct rbounce *rbounce_create(osdep_dev_t *dev, size_t max_bytes)
{
	struct rbounce *b = osdep_zalloc(sizeof(*b));

	if (!b)
		return NULL;
	b->dev = dev;
	b->max_bytes = max_bytes ? max_bytes : (4u << 20);
	b->copy_mode = RCOPY_AUTO;
	osdep_lock_init(&b->lock);
	return b;
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

enum rcopy_method rcopy_est_pick(struct rcopy_est *e, bool *timed)
{
	uint32_t n = e->n++;
	enum rcopy_method other = e->use == RCOPY_CACHED ? RCOPY_STREAM : RCOPY_CACHED;

	if (e->samples[RCOPY_CACHED] < RCOPY_WARMUP ||
	    e->samples[RCOPY_STREAM] < RCOPY_WARMUP) {
		*timed = true;
		return n / RCOPY_WARMUP_RUN % 2 ? RCOPY_STREAM : RCOPY_CACHED;
	}
	*timed = n % RCOPY_SAMPLE_EVERY == RCOPY_EXPLORE_RUN - 1;
	if (n / RCOPY_SAMPLE_EVERY % RCOPY_EXPLORE_EVERY == 0 &&
	    n % RCOPY_SAMPLE_EVERY < RCOPY_EXPLORE_RUN)
		return other;
	return e->use;
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
	if (e->samples[RCOPY_CACHED] >= RCOPY_WARMUP && e->samples[RCOPY_STREAM] >= RCOPY_WARMUP) {
		enum rcopy_method other = e->use == RCOPY_CACHED ? RCOPY_STREAM : RCOPY_CACHED;
		uint64_t cur = e->mean16[e->use];

		/* switch only for a clear gain: near-equal means would flap */
		if (e->mean16[other] < cur - (cur >> RCOPY_MARGIN_SHIFT))
			e->use = other;
	}
}

/*
 * The method the next copy of class @c toward the device takes; with
 * @timed, the lend's sample too (NULL: an untimed copy, sync_for_device).
 * Under b->lock.
 */
static enum rcopy_method copy_method_locked(struct rbounce *b, unsigned int c, bool *timed)
{
	if (timed)
		*timed = false;
	if (b->copy_mode != RCOPY_AUTO)
		return b->copy_mode;
	if (c < RB_CHOOSE_MIN_CLASS)
		return RCOPY_CACHED;
	if (!timed)
		return b->est[c].use;
	return rcopy_est_pick(&b->est[c], timed);
}

/* Copy @len bytes of the caller's into lent bounce memory by @m. */
static void copy_in(void *bounce, const void *cpu, size_t len, enum rcopy_method m)
{
	if (m == RCOPY_STREAM)
		osdep_copy_to_device(bounce, cpu, len);
	else
		memcpy(bounce, cpu, len);
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
	}
	return ch;

out_bufs:
	osdep_free(ch->bufs);
out_ch:
	osdep_free(ch);
	return NULL;
}

/* Put a new chunk's buffers on the free list.  Under b->lock. */
static void chunk_add_locked(struct rbounce *b, struct rb_chunk *ch, unsigned int c)
{
	for (size_t i = 0; i < ch->bytes / class_size[c]; i++) {
		ch->bufs[i].next = b->free[c];
		b->free[c] = &ch->bufs[i];
	}
	ch->next = b->chunks;
	b->chunks = ch;
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
	/* Fill it unless the caller will name the bytes the device wrote. */
	bool prime = dir_to_device(dir) || !(flags & RMAP_LEN_KNOWN);
	enum rcopy_method m = RCOPY_CACHED;
	struct rb_buf *buf;
	unsigned int c;
	uint64_t t0 = 0;

	if (!len || !dir_ok(dir))
		return -EINVAL;
	c = class_of(len);
	if (c == RBOUNCE_NCLASSES)
		return -E2BIG;
	osdep_lock(&b->lock);
	while (!b->free[c]) {
		size_t bytes = chunk_bytes(c);
		struct rb_chunk *ch;

		if (b->bytes + bytes > b->max_bytes) {
			osdep_unlock(&b->lock);
			return -ENOMEM;
		}
		b->bytes += bytes;	/* reserve, then allocate unlocked */
		osdep_unlock(&b->lock);
		ch = chunk_alloc(b, c);
		osdep_lock(&b->lock);
		if (!ch) {
			b->bytes -= bytes;
			osdep_unlock(&b->lock);
			return -ENOMEM;
		}
		chunk_add_locked(b, ch, c);
	}
	buf = b->free[c];
	b->free[c] = buf->next;
	buf->in_use = true;
	b->st.hits++;
	b->st.in_use++;
	buf->timed = false;
	if (prime) {
		b->st.bytes_copied += len;
		m = copy_method_locked(b, c, &buf->timed);
	}
	osdep_unlock(&b->lock);
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
	};
	return 0;
}

static struct rb_buf *handle_buf(struct rbounce *b, struct rmap_handle *h,
				 const char *fn)
{
	struct rb_buf *buf = h->priv;

	if (!buf || !buf->in_use || buf->dma != h->dma) {
		osdep_lock(&b->lock);
		b->st.errors++;
		osdep_unlock(&b->lock);
		osdep_warn("%s: handle %p (dma %#llx) is not a lent bounce buffer",
			   fn, (void *)h, (unsigned long long)h->dma);
		return NULL;
	}
	return buf;
}

int rbounce_sync_for_cpu(struct rbounce *b, struct rmap_handle *h)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_sync_for_cpu");

	if (!buf)
		return -EINVAL;
	if (dir_from_device(h->dir)) {
		memcpy(h->cpu, buf->va, h->len);
		osdep_lock(&b->lock);
		b->st.bytes_copied += h->len;
		osdep_unlock(&b->lock);
	}
	return 0;
}

int rbounce_sync_for_device(struct rbounce *b, struct rmap_handle *h)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_sync_for_device");

	if (!buf)
		return -EINVAL;
	if (dir_to_device(h->dir)) {
		enum rcopy_method m;

		osdep_lock(&b->lock);
		b->st.bytes_copied += h->len;
		m = copy_method_locked(b, buf->cls, NULL);
		osdep_unlock(&b->lock);
		copy_in(buf->va, h->cpu, h->len, m);
		buf->last_m = (uint8_t)m;
	}
	return 0;
}

int rbounce_unmap_partial(struct rbounce *b, struct rmap_handle *h, size_t used)
{
	struct rb_buf *buf = handle_buf(b, h, "rbounce_unmap");
	size_t n = used < h->len ? used : h->len;

	if (!buf)
		return -EINVAL;
	if (dir_from_device(h->dir))
		memcpy(h->cpu, buf->va, n);
	osdep_lock(&b->lock);
	if (dir_from_device(h->dir))
		b->st.bytes_copied += n;
	if (buf->timed) {
		rcopy_est_record(&b->est[buf->cls], (enum rcopy_method)buf->copy_m,
				 buf->copy_ns);
		buf->timed = false;
	}
	buf->in_use = false;
	buf->next = b->free[buf->cls];
	b->free[buf->cls] = buf;
	b->st.in_use--;
	osdep_unlock(&b->lock);
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
	osdep_lock(&b->lock);
	b->copy_mode = m;
	osdep_unlock(&b->lock);
	return 0;
}

int rbounce_copy_state(struct rbounce *b, unsigned int cls, size_t *bytes,
		       struct rcopy_est *out)
{
	enum rcopy_method m;

	if (cls >= RBOUNCE_NCLASSES)
		return -EINVAL;
	osdep_lock(&b->lock);
	m = copy_method_locked(b, cls, NULL);
	*out = b->est[cls];
	osdep_unlock(&b->lock);
	*bytes = class_size[cls];
	return (int)m;
}

bool rbounce_copy_streams(struct rbounce *b, size_t len)
{
	enum rcopy_method m;
	unsigned int c;

	c = class_of(len);
	if (!len || c == RBOUNCE_NCLASSES)
		return false;
	osdep_lock(&b->lock);
	m = copy_method_locked(b, c, NULL);
	osdep_unlock(&b->lock);
	return m == RCOPY_STREAM;
}

void rbounce_stats(struct rbounce *b, struct reuse_stats *out)
{
	osdep_lock(&b->lock);
	*out = b->st;
	osdep_unlock(&b->lock);
}

int rbounce_destroy(struct rbounce *b)
{
	struct rb_chunk *ch, *next;

	if (!b)
		return 0;
	osdep_lock(&b->lock);
	if (b->st.in_use) {
		uint64_t n = b->st.in_use;

		osdep_unlock(&b->lock);
		osdep_warn("rbounce_destroy: %llu buffer(s) still lent out",
			   (unsigned long long)n);
		return -EBUSY;
	}
	osdep_unlock(&b->lock);
	for (ch = b->chunks; ch; ch = next) {
		next = ch->next;
		osdep_dma_free_coherent(b->dev, ch->bytes, ch->va, ch->dma);
		osdep_free(ch->bufs);
		osdep_free(ch);
	}
	osdep_lock_destroy(&b->lock);
	osdep_free(b);
	return 0;
}
