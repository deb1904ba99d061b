// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_slab.c - the kmalloc-like slab (os/slab.c): objects of a class pack
 * one page, aligned to the class, handed out from the page's start and
 * never overlapping; a page returns to the page allocator when it empties
 * and its class has another page with room (one spare kept); the most
 * recently freed object comes back first; bad sizes, foreign pointers,
 * pointers inside an object and double frees are refused with a message
 * naming the pointer and change nothing; teardown counts live objects and
 * frees every page; an allocation that fails leaves nothing behind.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <dmareuse/slab.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OWNER 0x534c42u	/* "SLB" */

static pfn_t frame_of(struct lab *lab, const void *p)
{
	return virt_to_phys(lab->m, p) >> PAGE_SHIFT;
}

/* stderr captured into a buffer, for the messages of refused calls. */
struct cap {
	FILE *f;
	int saved;
	char text[1024];
};

static void cap_begin(struct cap *c)
{
	fflush(stderr);
	c->f = tmpfile();
	c->saved = c->f ? dup(2) : -1;
	if (c->saved >= 0)
		dup2(fileno(c->f), 2);
}

static const char *cap_end(struct cap *c)
{
	size_t n = 0;

	fflush(stderr);
	c->text[0] = 0;
	if (c->saved < 0)
		return c->text;
	dup2(c->saved, 2);
	close(c->saved);
	rewind(c->f);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->f);
	c->text[n] = 0;
	fclose(c->f);
	fputs(c->text, stderr);
	return c->text;
}

/* Every class: a page's worth of objects on one page, disjoint, in order. */
static void test_class_packs_one_page(void)
{
	struct lab *lab = lab_up(16, 1, NULL);

	REQUIRE(lab);
	for (size_t cls = 64; cls <= SLAB_MAX_SIZE; cls <<= 1) {
		struct slab *sl = slab_create(lab->pa, OWNER);
		size_t n = PAGE_SIZE / cls, req = cls / 2 + 1;	/* rounds up to cls */
		uint8_t *obj[64];
		void *extra;

		REQUIRE(sl);
		for (size_t i = 0; i < n; i++) {
			obj[i] = slab_alloc(sl, req);
			REQUIRE(obj[i], "class %zu: object %zu", cls, i);
			memset(obj[i], (int)(i + 1), cls);
		}
		for (size_t i = 0; i < n; i++) {
			CHECK(frame_of(lab, obj[i]) == frame_of(lab, obj[0]),
			      "class %zu: object %zu on another page", cls, i);
			CHECK(((uintptr_t)obj[i] & (PAGE_SIZE - 1)) == i * cls,
			      "class %zu: object %zu at page offset %#zx", cls, i,
			      (size_t)((uintptr_t)obj[i] & (PAGE_SIZE - 1)));
			for (size_t b = 0; b < cls; b++)
				if (obj[i][b] != (uint8_t)(i + 1)) {
					CHECK(0, "class %zu: object %zu byte %zu overwritten",
					      cls, i, b);
					break;
				}
		}
		CHECK(page_owner(lab->pa, frame_of(lab, obj[0])) == OWNER);
		CHECK(slab_pages_max(sl) == 1, "class %zu: %llu pages for one page of objects",
		      cls, (unsigned long long)slab_pages_max(sl));
		extra = slab_alloc(sl, cls);
		REQUIRE(extra);
		CHECK(frame_of(lab, extra) != frame_of(lab, obj[0]), "a full page gave more");
		CHECK(slab_pages_max(sl) == 2);
		CHECK(slab_destroy(sl) == n + 1, "class %zu: live count", cls);
	}
	lab_down(lab);
}

/* An empty page goes back unless it is its class's last page with room. */
static void test_empty_page_returns_one_spare_kept(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct slab *sl;
	void *a[4], *b[4];
	size_t base;

	REQUIRE(lab);
	sl = slab_create(lab->pa, OWNER);
	REQUIRE(sl);
	base = page_alloc_used_frames(lab->pa);
	for (int i = 0; i < 4; i++)
		REQUIRE((a[i] = slab_alloc(sl, 1024)));
	for (int i = 0; i < 4; i++)
		REQUIRE((b[i] = slab_alloc(sl, 1024)));
	REQUIRE(frame_of(lab, a[0]) != frame_of(lab, b[0]));
	CHECK(page_alloc_used_frames(lab->pa) == base + 2);
	/* Both pages have room, then page a empties: it goes back. */
	slab_free(sl, b[0]);
	for (int i = 0; i < 4; i++)
		slab_free(sl, a[i]);
	CHECK(page_alloc_used_frames(lab->pa) == base + 1,
	      "%zu frames: the empty page was kept beside another with room",
	      page_alloc_used_frames(lab->pa) - base);
	/* Page b empties too: the class's only page with room stays. */
	for (int i = 1; i < 4; i++)
		slab_free(sl, b[i]);
	CHECK(page_alloc_used_frames(lab->pa) == base + 1, "the spare page was not kept");
	CHECK(slab_pages_max(sl) == 2);
	/* The spare serves the next allocation, most recently freed object first. */
	CHECK(slab_alloc(sl, 1000) == b[3], "not the most recently freed object");
	CHECK(page_alloc_used_frames(lab->pa) == base + 1);
	CHECK(slab_destroy(sl) == 1);
	CHECK(page_alloc_used_frames(lab->pa) == base, "teardown left slab pages");
	lab_down(lab);
}

/* Bad sizes and owners are refused; nothing is allocated. */
static void test_bad_sizes_refused(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct slab *sl;
	size_t base;

	REQUIRE(lab);
	CHECK(!slab_create(lab->pa, 0), "owner tag 0 accepted");
	sl = slab_create(lab->pa, OWNER);
	REQUIRE(sl);
	base = page_alloc_used_frames(lab->pa);
	CHECK(!slab_alloc(sl, 0), "size 0 accepted");
	CHECK(!slab_alloc(sl, SLAB_MAX_SIZE + 1), "size %d accepted", SLAB_MAX_SIZE + 1);
	CHECK(!slab_alloc(sl, (size_t)-1), "size SIZE_MAX accepted");
	CHECK(page_alloc_used_frames(lab->pa) == base, "a refused size took a page");
	CHECK(slab_alloc(sl, SLAB_MAX_SIZE) != NULL, "the largest size refused");
	CHECK(slab_destroy(sl) == 1);
	CHECK(slab_destroy(NULL) == 0);
	lab_down(lab);
}

/*
 * A pointer that is not an allocated object -- not the slab's, inside an
 * object, freed already -- is refused by name and changes nothing: no
 * object is handed out twice, the live count stays.
 */
static void test_bad_free_refused(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	struct slab *sl, *other;
	uint8_t *a, *b, *c, *d, stack_byte = 0;
	char want[64];
	struct cap cap;
	pfn_t pfn;

	REQUIRE(lab);
	sl = slab_create(lab->pa, OWNER);
	other = slab_create(lab->pa, OWNER);
	REQUIRE(sl && other);
	REQUIRE((a = slab_alloc(sl, 256)) && (b = slab_alloc(sl, 256)));
	REQUIRE((d = slab_alloc(other, 256)));
	REQUIRE(pages_alloc(lab->pa, 0, 77, true, &pfn) == 0);

	void *bad[] = {
		&stack_byte,					/* outside the arena */
		phys_to_virt(lab->m, pfn << PAGE_SHIFT),	/* a page not the slab's */
		d,						/* another slab's object */
		a + 1,						/* inside an object */
		a + 255,
		b + 256,					/* never allocated */
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cap_begin(&cap);
		slab_free(sl, bad[i]);
		snprintf(want, sizeof(want), "slab_free(%p)", bad[i]);
		CHECK(strstr(cap_end(&cap), want) && strstr(cap.text, "nothing freed"),
		      "pointer %zu: logged \"%s\"", i, cap.text);
	}
	slab_free(sl, b);
	cap_begin(&cap);
	slab_free(sl, b);				/* twice */
	snprintf(want, sizeof(want), "slab_free(%p)", (void *)b);
	CHECK(strstr(cap_end(&cap), want) && strstr(cap.text, "not allocated now"),
	      "double free: logged \"%s\"", cap.text);
	/* Had a refused free counted, b would come back twice. */
	c = slab_alloc(sl, 256);
	CHECK(c == b, "the freed object is not the next one");
	CHECK(slab_alloc(sl, 256) != b, "an object handed out twice");
	CHECK(slab_destroy(sl) == 3, "live count changed by refused frees");
	CHECK(slab_destroy(other) == 1);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* The Nth allocation fails, for every N: NULL, and no page or object leaked. */
static void test_allocation_failure_unwinds(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	bool fired = true;
	uint64_t n;

	REQUIRE(lab);
	for (n = 1; fired && n < 100; n++) {
		size_t base = page_alloc_used_frames(lab->pa);
		struct slab *sl;
		void *p[3] = { 0 };
		size_t got = 0;

		failinject_arm(n);
		sl = slab_create(lab->pa, OWNER);
		for (int i = 0; sl && i < 3; i++) {
			/* 64 B, 64 B, 2 KiB: the second needs no new page. */
			p[i] = slab_alloc(sl, i == 2 ? SLAB_MAX_SIZE : 64);
			got += p[i] != NULL;
		}
		fired = failinject_disarm();
		CHECK(fired == (!sl || got < 3), "n=%llu: %s", (unsigned long long)n,
		      fired ? "failure fired but every call succeeded" :
		      "a call failed with nothing injected");
		for (int i = 0; i < 3; i++)
			if (p[i])
				slab_free(sl, p[i]);
		CHECK(slab_destroy(sl) == 0, "n=%llu: objects left", (unsigned long long)n);
		CHECK(page_alloc_used_frames(lab->pa) == base, "n=%llu: pages leaked",
		      (unsigned long long)n);
	}
	CHECK(n > 4, "only %llu allocation points", (unsigned long long)n - 1);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_class_packs_one_page),
		TEST(test_empty_page_returns_one_spare_kept),
		TEST(test_bad_sizes_refused),
		TEST(test_bad_free_refused),
		TEST(test_allocation_failure_unwinds),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
