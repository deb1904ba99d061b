// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_zip.c - the zip engine through the plain DMA API on a strict device:
 * compress/decompress round trips of zeros, text and random pages in raw
 * deflate and zlib format (checked against the host's zlib too), scatter
 * lists on both sides, the error statuses (FAULT for an unmapped source or
 * destination while other requests succeed, OVERFLOW, BAD_DATA, INVALID),
 * doorbell misuse, the compression level, and stopping with requests still
 * queued (drained or aborted, never hung, nothing leaked).
 */
#include "zip_testdrv.h"

#include <errno.h>
#include <sched.h>
#include <zlib.h>

static void *alloc_pages(struct lab *lab, unsigned int order, pfn_t *pfn)
{
	if (pages_alloc(lab->pa, order, 77, true, pfn))
		return NULL;
	return phys_to_virt(lab->m, *pfn << PAGE_SHIFT);
}

/* Host-side inflate of @n bytes, raw or zlib; returns bytes out or -1. */
static long host_inflate(const uint8_t *in, size_t n, uint8_t *out, size_t cap,
			 enum zip_format fmt)
{
	z_stream s = { 0 };
	long got;

	if (inflateInit2(&s, fmt == ZIP_FMT_ZLIB ? 15 : -15) != Z_OK)
		return -1;
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = (uInt)cap;
	got = inflate(&s, Z_FINISH) == Z_STREAM_END ? (long)s.total_out : -1;
	inflateEnd(&s);
	return got;
}

/*
 * Round trip: one page of each kind is compressed into a 2-page
 * destination (zswap's per-CPU buffer), the output inflates on the host to
 * the original, and the device decompresses it back to the same bytes.
 */
static void test_round_trip_kinds_and_formats(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	uint64_t rng = test_seed();
	struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 8, NULL);
	uint8_t *src, *dst, *back, host[PAGE_SIZE];
	pfn_t ps, pd, pb;
	struct zip_stats st;

	src = alloc_pages(lab, 0, &ps);
	dst = alloc_pages(lab, 1, &pd);
	back = alloc_pages(lab, 0, &pb);
	REQUIRE(src && dst && back);
	for (int fmt = ZIP_FMT_DEFLATE; fmt <= ZIP_FMT_ZLIB; fmt++) {
		for (int kind = 0; kind < 3; kind++) {
			dma_addr_t a, b, c;
			struct zip_cqe q;
			uint32_t clen;

			ztd_fill(src, PAGE_SIZE, kind, &rng);
			memset(back, 0xaa, PAGE_SIZE);
			a = dma_map_single(d->dev, src, PAGE_SIZE, DMA_TO_DEVICE);
			b = dma_map_single(d->dev, dst, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
			REQUIRE(!dma_mapping_error(a) && !dma_mapping_error(b));
			q = ztd_run(d, ZIP_OP_COMPRESS, fmt, a, PAGE_SIZE, b, 2 * PAGE_SIZE,
				    100 + kind);
			CHECK(q.status == ZIP_ST_OK, "compress fmt %d kind %d: %s", fmt, kind,
			      zip_status_name(q.status));
			CHECK(q.tag == (uint64_t)(100 + kind), "tag returned");
			CHECK(q.produced > 0 && q.produced <= 2 * PAGE_SIZE);
			if (kind < 2)
				CHECK(q.produced < PAGE_SIZE / 2, "kind %d compresses (%u B)",
				      kind, q.produced);
			CHECK(dma_unmap_single(d->dev, a, PAGE_SIZE, DMA_TO_DEVICE) == 0);
			CHECK(dma_unmap_single(d->dev, b, 2 * PAGE_SIZE, DMA_FROM_DEVICE) == 0);
			clen = q.produced;
			CHECK(host_inflate(dst, clen, host, sizeof(host), fmt) == PAGE_SIZE &&
			      !memcmp(host, src, PAGE_SIZE), "host zlib reads the output");
			/* And back on the device. */
			b = dma_map_single(d->dev, dst, clen, DMA_TO_DEVICE);
			c = dma_map_single(d->dev, back, PAGE_SIZE, DMA_FROM_DEVICE);
			q = ztd_run(d, ZIP_OP_DECOMPRESS, fmt, b, clen, c, PAGE_SIZE, 7);
			CHECK(q.status == ZIP_ST_OK && q.produced == PAGE_SIZE,
			      "decompress fmt %d kind %d: %s, %u B", fmt, kind,
			      zip_status_name(q.status), q.produced);
			CHECK(dma_unmap_single(d->dev, b, clen, DMA_TO_DEVICE) == 0);
			CHECK(dma_unmap_single(d->dev, c, PAGE_SIZE, DMA_FROM_DEVICE) == 0);
			CHECK(!memcmp(back, src, PAGE_SIZE), "fmt %d kind %d round trip", fmt,
			      kind);
		}
	}
	zip_stats_read(d->eng, &st);
	CHECK(st.requests == 12 && st.ok == 12, "%llu requests, %llu ok",
	      (unsigned long long)st.requests, (unsigned long long)st.ok);
	CHECK(st.bytes_in > 6 * PAGE_SIZE && st.bytes_out > 6 * PAGE_SIZE);
	CHECK(st.faults == 0);
	CHECK(ztd_destroy(d, true) == 0);
	page_put(lab->pa, ps);
	page_put(lab->pa, pd);
	page_put(lab->pa, pb);
	lab_down(lab);
}

/*
 * Scatterlists: the source is three pages mapped with dma_map_sg (not
 * contiguous) of which the first 6000 bytes are compressed (the engine
 * stops gathering at src_len); the output decompresses into three odd-sized
 * sub-page pieces of 1000 + 3000 + 2000 bytes, filled in order.  One byte
 * less of capacity is an OVERFLOW, and then nothing is scattered.
 */
static void test_scatter_gather(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	uint64_t rng = test_seed() ^ 1;
	struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 4, NULL);
	struct scatterlist sg[3], dsg[3];
	struct zip_sge s[3], t[3];
	uint8_t *in[3], *out[3], *cbuf, flat[6000];
	pfn_t pin[3], pout[3], pc;
	unsigned int dlen[3] = { 1000, 3000, 2000 };
	dma_addr_t ca;
	struct zip_cqe q;
	uint32_t idx, clen;

	for (int i = 0; i < 3; i++) {
		in[i] = alloc_pages(lab, 0, &pin[i]);
		out[i] = alloc_pages(lab, 0, &pout[i]);
		REQUIRE(in[i] && out[i]);
		ztd_fill(in[i], PAGE_SIZE, 1, &rng);
		sg_set_page(&sg[i], pin[i], PAGE_SIZE, 0);
		sg_set_page(&dsg[i], pout[i], dlen[i], 100);
	}
	memcpy(flat, in[0], PAGE_SIZE);
	memcpy(flat + PAGE_SIZE, in[1], sizeof(flat) - PAGE_SIZE);
	cbuf = alloc_pages(lab, 1, &pc);
	REQUIRE(cbuf);
	REQUIRE(dma_map_sg(d->dev, sg, 3, DMA_TO_DEVICE) == 3);
	ca = dma_map_single(d->dev, cbuf, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
	for (int i = 0; i < 3; i++)
		s[i] = (struct zip_sge){ .addr = sg[i].dma_address, .len = sg[i].dma_length };
	t[0] = (struct zip_sge){ .addr = ca, .len = 2 * PAGE_SIZE };
	idx = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, s, 3, t, 1, sizeof(flat),
			 2 * PAGE_SIZE, 1);
	q = ztd_wait(d, idx, NULL);
	CHECK(q.status == ZIP_ST_OK, "%s", zip_status_name(q.status));
	clen = q.produced;
	CHECK(dma_unmap_sg(d->dev, sg, 3, DMA_TO_DEVICE) == 0);
	CHECK(dma_unmap_single(d->dev, ca, 2 * PAGE_SIZE, DMA_FROM_DEVICE) == 0);

	ca = dma_map_single(d->dev, cbuf, clen, DMA_TO_DEVICE);
	REQUIRE(dma_map_sg(d->dev, dsg, 3, DMA_FROM_DEVICE) == 3);
	for (int i = 0; i < 3; i++)
		t[i] = (struct zip_sge){ .addr = dsg[i].dma_address, .len = dsg[i].dma_length };
	s[0] = (struct zip_sge){ .addr = ca, .len = clen };
	idx = ztd_submit(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, s, 1, t, 3, clen,
			 sizeof(flat) - 1, 2);
	q = ztd_wait(d, idx, NULL);
	CHECK(q.status == ZIP_ST_OVERFLOW, "5999 B for 6000: %s", zip_status_name(q.status));
	CHECK(out[0][100] == 0, "nothing scattered on overflow");
	idx = ztd_submit(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, s, 1, t, 3, clen,
			 sizeof(flat), 3);
	q = ztd_wait(d, idx, NULL);
	CHECK(q.status == ZIP_ST_OK && q.produced == sizeof(flat), "%s, %u B",
	      zip_status_name(q.status), q.produced);
	CHECK(dma_unmap_sg(d->dev, dsg, 3, DMA_FROM_DEVICE) == 0);
	CHECK(dma_unmap_single(d->dev, ca, clen, DMA_TO_DEVICE) == 0);
	CHECK(!memcmp(out[0] + 100, flat, 1000), "piece 0");
	CHECK(!memcmp(out[1] + 100, flat + 1000, 3000), "piece 1");
	CHECK(!memcmp(out[2] + 100, flat + 4000, 2000), "piece 2");
	CHECK(out[0][99] == 0 && out[0][1100] == 0, "nothing outside the pieces");
	CHECK(ztd_destroy(d, true) == 0);
	for (int i = 0; i < 3; i++) {
		page_put(lab->pa, pin[i]);
		page_put(lab->pa, pout[i]);
	}
	page_put(lab->pa, pc);
	lab_down(lab);
}

/*
 * A request whose source was unmapped (strict: refused at once) completes
 * with FAULT -- it does not hang -- and requests around it succeed.  The
 * same for an unmapped destination.  The IOMMU recorded the faults.
 */
static void test_fault_fails_only_that_request(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	uint64_t rng = test_seed() ^ 2;
	struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 8, NULL);
	struct zip_sge s[5], t[5];
	uint8_t *src[5], *dst[5];
	pfn_t ps[5], pd[5];
	uint32_t idx[5];
	struct zip_stats st;
	struct iommu_stats is;

	for (int i = 0; i < 5; i++) {
		src[i] = alloc_pages(lab, 0, &ps[i]);
		dst[i] = alloc_pages(lab, 1, &pd[i]);
		REQUIRE(src[i] && dst[i]);
		ztd_fill(src[i], PAGE_SIZE, 1, &rng);
		s[i] = (struct zip_sge){
			.addr = dma_map_single(d->dev, src[i], PAGE_SIZE, DMA_TO_DEVICE),
			.len = PAGE_SIZE,
		};
		t[i] = (struct zip_sge){
			.addr = dma_map_single(d->dev, dst[i], 2 * PAGE_SIZE, DMA_FROM_DEVICE),
			.len = 2 * PAGE_SIZE,
		};
	}
	/* Request 1 loses its source, request 3 its destination. */
	CHECK(dma_unmap_single(d->dev, s[1].addr, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	CHECK(dma_unmap_single(d->dev, t[3].addr, 2 * PAGE_SIZE, DMA_FROM_DEVICE) == 0);
	for (int i = 0; i < 5; i++)
		idx[i] = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_DEFLATE, &s[i], 1, &t[i], 1,
				    PAGE_SIZE, 2 * PAGE_SIZE, (uint64_t)i);
	for (int i = 0; i < 5; i++) {
		struct zip_cqe q = ztd_wait(d, idx[i], NULL);
		uint16_t want = i == 1 || i == 3 ? ZIP_ST_FAULT : ZIP_ST_OK;

		CHECK(q.status == want, "request %d: %s, want %s", i,
		      zip_status_name(q.status), zip_status_name(want));
		CHECK(q.tag == (uint64_t)i);
		CHECK(q.status != ZIP_ST_FAULT || q.produced == 0);
	}
	zip_stats_read(d->eng, &st);
	CHECK(st.faults == 2 && st.ok == 3);
	iommu_stats_read(lab->m, &is);
	CHECK(is.faults >= 2, "the IOMMU recorded the faults");
	for (int i = 0; i < 5; i++) {
		if (i != 1)
			dma_unmap_single(d->dev, s[i].addr, PAGE_SIZE, DMA_TO_DEVICE);
		if (i != 3)
			dma_unmap_single(d->dev, t[i].addr, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		page_put(lab->pa, ps[i]);
		page_put(lab->pa, pd[i]);
	}
	CHECK(ztd_destroy(d, true) == 0);
	lab_down(lab);
}

/* OVERFLOW both ways; BAD_DATA for garbage and truncated input; INVALID. */
static void test_error_statuses(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	uint64_t rng = test_seed() ^ 3;
	struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 4, NULL);
	uint8_t *src, *dst;
	dma_addr_t a, b;
	struct zip_cqe q;
	struct zip_stats st;
	struct zip_sge s, t;
	pfn_t ps, pd;
	uint32_t clen, idx;

	src = alloc_pages(lab, 0, &ps);
	dst = alloc_pages(lab, 1, &pd);
	REQUIRE(src && dst);
	ztd_fill(src, PAGE_SIZE, 2, &rng);
	a = dma_map_single(d->dev, src, PAGE_SIZE, DMA_BIDIRECTIONAL);
	b = dma_map_single(d->dev, dst, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	q = ztd_run(d, ZIP_OP_COMPRESS, ZIP_FMT_DEFLATE, a, PAGE_SIZE, b, 16, 1);
	CHECK(q.status == ZIP_ST_OVERFLOW, "random page into 16 B: %s",
	      zip_status_name(q.status));
	q = ztd_run(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, a, PAGE_SIZE, b, 2 * PAGE_SIZE, 2);
	REQUIRE(q.status == ZIP_ST_OK);
	clen = q.produced;
	q = ztd_run(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, b, clen, a, 100, 3);
	CHECK(q.status == ZIP_ST_OVERFLOW, "4096 B into 100: %s", zip_status_name(q.status));
	q = ztd_run(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, b, clen / 2, a, PAGE_SIZE, 4);
	CHECK(q.status == ZIP_ST_BAD_DATA, "truncated: %s", zip_status_name(q.status));
	q = ztd_run(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, a, PAGE_SIZE, b, PAGE_SIZE, 5);
	CHECK(q.status == ZIP_ST_BAD_DATA, "random bytes as zlib: %s",
	      zip_status_name(q.status));
	/* Descriptors the engine refuses without touching data. */
	s = (struct zip_sge){ .addr = a, .len = PAGE_SIZE };
	t = (struct zip_sge){ .addr = b, .len = PAGE_SIZE };
	idx = ztd_submit(d, (enum zip_opcode)9, ZIP_FMT_ZLIB, &s, 1, &t, 1, PAGE_SIZE,
			 PAGE_SIZE, 6);
	CHECK(ztd_wait(d, idx, NULL).status == ZIP_ST_INVALID, "bad opcode");
	idx = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, &s, 1, &t, 1, PAGE_SIZE + 1,
			 PAGE_SIZE, 7);
	CHECK(ztd_wait(d, idx, NULL).status == ZIP_ST_INVALID, "src_len beyond the SG");
	idx = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, &s, 0, &t, 1, PAGE_SIZE,
			 PAGE_SIZE, 8);
	CHECK(ztd_wait(d, idx, NULL).status == ZIP_ST_INVALID, "no source entries");
	zip_stats_read(d->eng, &st);
	CHECK(st.overflows == 2 && st.bad_data == 2 && st.invalid == 3 && st.ok == 1,
	      "overflow %llu bad %llu invalid %llu ok %llu",
	      (unsigned long long)st.overflows, (unsigned long long)st.bad_data,
	      (unsigned long long)st.invalid, (unsigned long long)st.ok);
	dma_unmap_single(d->dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_unmap_single(d->dev, b, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	CHECK(ztd_destroy(d, true) == 0);
	page_put(lab->pa, ps);
	page_put(lab->pa, pd);
	lab_down(lab);
}

/* Register and doorbell misuse: refused with an error, nothing changes. */
static void test_doorbell_and_register_misuse(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = dma_device_create(lab->os, "zip", NULL);
	struct zip_engine *eng = zip_create(dma_device_mdev(dev), NULL);
	struct zip_config bad = { .level = 12 };

	REQUIRE(dev && eng);
	CHECK(zip_create(dma_device_mdev(dev), &bad) == NULL, "level 12 refused");
	CHECK(zip_start(eng) == -EINVAL, "no queues yet");
	CHECK(zip_doorbell(eng, 1) == -ENODEV, "not running");
	CHECK(zip_set_queues(eng, 0x1000, 0x2000, 0, ztd_complete, NULL) == -EINVAL);
	CHECK(zip_set_queues(eng, 0x1000, 0x2000, 4, NULL, NULL) == -EINVAL);
	zip_destroy(eng);
	CHECK(dma_device_destroy(dev) == 0);

	{
		struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 4, NULL);

		CHECK(zip_set_queues(d->eng, d->sq_dma, d->cq_dma, 4, ztd_complete, d) ==
		      -EBUSY, "registers are fixed while running");
		CHECK(zip_start(d->eng) == -EBUSY);
		CHECK(zip_doorbell(d->eng, 5) == -EINVAL, "5 pending with depth 4");
		CHECK(zip_doorbell(d->eng, (uint32_t)-1) == -EINVAL, "backwards");
		CHECK(ztd_destroy(d, true) == 0);
	}
	lab_down(lab);
}

/* A higher level compresses text at least as well as the default (1). */
static void test_level(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	uint64_t rng = 12345;
	uint32_t len[2];

	for (int i = 0; i < 2; i++) {
		struct zip_config cfg = { .level = i ? 9 : 0 };
		struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 2, &cfg);
		uint8_t *src, *dst;
		dma_addr_t a, b;
		struct zip_cqe q;
		pfn_t ps, pd;

		src = alloc_pages(lab, 2, &ps);
		dst = alloc_pages(lab, 2, &pd);
		REQUIRE(src && dst);
		rng = 12345;
		ztd_fill(src, 4 * PAGE_SIZE, 1, &rng);
		a = dma_map_single(d->dev, src, 4 * PAGE_SIZE, DMA_TO_DEVICE);
		b = dma_map_single(d->dev, dst, 4 * PAGE_SIZE, DMA_FROM_DEVICE);
		q = ztd_run(d, ZIP_OP_COMPRESS, ZIP_FMT_DEFLATE, a, 4 * PAGE_SIZE, b,
			    4 * PAGE_SIZE, 0);
		CHECK(q.status == ZIP_ST_OK);
		len[i] = q.produced;
		dma_unmap_single(d->dev, a, 4 * PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_single(d->dev, b, 4 * PAGE_SIZE, DMA_FROM_DEVICE);
		CHECK(ztd_destroy(d, true) == 0);
		page_put(lab->pa, ps);
		page_put(lab->pa, pd);
	}
	CHECK(len[1] <= len[0], "level 9: %u B, level 1: %u B", len[1], len[0]);
	lab_down(lab);
}

static void *stop_fn(void *arg)
{
	struct ztd *d = arg;

	zip_stop(d->eng, d->tail & 1);	/* odd tail: drain (see below) */
	return NULL;
}

/*
 * Stop with requests queued: the single engine core is held inside the
 * interrupt of request 0 while zip_stop() starts on another thread, so 15
 * requests are certainly queued.  With drain they all complete OK; without,
 * each gets exactly one completion with ABORTED.  The stop returns, and
 * teardown finds nothing leaked.
 */
static void test_stop_with_requests_in_flight(void)
{
	for (int drain = 0; drain < 2; drain++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct zip_config cfg = { .nthreads = 1 };
		struct ztd *d = ztd_create(lab, DMA_DOMAIN_STRICT, 16, &cfg);
		uint64_t rng = test_seed() ^ 4;
		unsigned int n = 16 - drain;	/* stop_fn: odd tail = drain */
		struct zip_sge s, t;
		uint8_t *src, *dst;
		pfn_t ps, pd;
		unsigned int ok = 0, aborted = 0;
		struct zip_stats st;
		uint32_t idx[16];
		pthread_t stopper;

		src = alloc_pages(lab, 0, &ps);
		dst = alloc_pages(lab, 1, &pd);
		REQUIRE(src && dst);
		ztd_fill(src, PAGE_SIZE, 1, &rng);
		s = (struct zip_sge){
			.addr = dma_map_single(d->dev, src, PAGE_SIZE, DMA_TO_DEVICE),
			.len = PAGE_SIZE,
		};
		t = (struct zip_sge){
			.addr = dma_map_single(d->dev, dst, 2 * PAGE_SIZE, DMA_FROM_DEVICE),
			.len = 2 * PAGE_SIZE,
		};
		d->hold_first = true;
		for (unsigned int i = 0; i < n; i++)
			idx[i] = ztd_submit(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, &s, 1, &t, 1,
					    PAGE_SIZE, 2 * PAGE_SIZE, (uint64_t)i);
		pthread_mutex_lock(&d->lock);
		while (!d->held)
			pthread_cond_wait(&d->cond, &d->lock);
		pthread_mutex_unlock(&d->lock);
		REQUIRE(pthread_create(&stopper, NULL, stop_fn, d) == 0);
		/* The doorbell answers -ENODEV (silently) once the stop began. */
		while (zip_doorbell(d->eng, d->tail) == 0)
			sched_yield();
		pthread_mutex_lock(&d->lock);
		d->release = true;
		pthread_cond_broadcast(&d->cond);
		pthread_mutex_unlock(&d->lock);
		pthread_join(stopper, NULL);
		for (unsigned int i = 0; i < n; i++) {
			struct zip_cqe q = ztd_wait(d, idx[i], NULL);

			ok += q.status == ZIP_ST_OK;
			aborted += q.status == ZIP_ST_ABORTED;
			CHECK(q.tag == (uint64_t)i);
		}
		if (drain)
			CHECK(ok == n && aborted == 0, "drained: %u ok", ok);
		else
			CHECK(ok == 1 && aborted == n - 1, "not drained: %u ok, %u aborted",
			      ok, aborted);
		zip_stats_read(d->eng, &st);
		CHECK(st.requests == n && d->completions == n && d->bad_index == 0);
		CHECK(zip_doorbell(d->eng, d->tail + 1) == -ENODEV, "stopped");
		dma_unmap_single(d->dev, s.addr, PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_single(d->dev, t.addr, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		CHECK(ztd_destroy(d, false) == 0);
		page_put(lab->pa, ps);
		page_put(lab->pa, pd);
		lab_down(lab);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_round_trip_kinds_and_formats),
		TEST(test_scatter_gather),
		TEST(test_fault_fails_only_that_request),
		TEST(test_error_statuses),
		TEST(test_doorbell_and_register_misuse),
		TEST(test_level),
		TEST(test_stop_with_requests_in_flight),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
