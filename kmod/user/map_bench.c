// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * map_bench.c - guest-side client of /sys/kernel/debug/dma_map_benchmark.
 *
 * Built static and put in the test initramfs.  Two uses:
 *
 *   map_bench [-t threads] [-s seconds] [-n node] [-b dma_bits] [-d dir]
 *             [-x trans_ns] [-g granule]
 *       runs one benchmark and prints the same three lines as Linux's
 *       tools/testing/selftests/dma/dma_map_benchmark (same options, same
 *       defaults except -s, which is 1 here because the guest is emulated),
 *       so results compare line by line with the upstream tool and with
 *       `dmabench map` in the lab.  Unlike the upstream tool it checks no
 *       value itself: every field goes to the kernel as given, so that the
 *       kernel side's own checks are what a user meets.
 *
 *   map_bench -c
 *       checks the interface with raw ioctls and prints one line
 *       "RESULT <name> PASS|FAIL <details>" per check (the QEMU harness
 *       judges them; kmod/README.md lists what each asserts):
 *
 *       map_benchmark_ioctl            a valid 2-thread request succeeds and
 *                                      fills in the results; threads=0,
 *                                      granule=0 and a reserved byte give
 *                                      EINVAL, an unknown ioctl ENOTTY
 *       map_benchmark_field_limits     every field just beyond each of its
 *                                      limits gives EINVAL and one kernel
 *                                      log line naming the field and what
 *                                      it accepts; the limits themselves
 *                                      are accepted
 *       map_benchmark_dma_bits_below_20  dma_bits 1..19 each give EINVAL
 *                                      and one line, and a run after them
 *                                      works
 *       map_benchmark_after_failed_run a run that ran out of IOVA space
 *                                      under a 20-bit mask fails, and the
 *                                      32-bit runs after it work
 *       map_benchmark_nomem_no_splat   200 threads of 4 MiB buffers (more
 *                                      than the guest has) give ENOMEM and
 *                                      one line, no allocation-failure
 *                                      report or call trace
 *       map_benchmark_1024_threads     1024 threads for 1 s return within
 *                                      MB_MANY_THREADS_MAX_S seconds
 *       map_benchmark_teardown_log     64 threads through a strategy with
 *                                      per-instance counters (reuse, then
 *                                      cache) log at most one line at info
 *                                      level or above; n/a when the device
 *                                      refuses both (a lazy domain)
 *       strategy_param_writes          writes to the module's writable
 *       batch_size_param_writes        parameters (strategy=, batch_size=)
 *                                      at their limits and beyond: each bad
 *                                      value fails the write with EINVAL,
 *                                      logs exactly one line naming it and
 *                                      what is expected, and leaves the
 *                                      value as it was; good ones (a name
 *                                      with the trailing newline echo
 *                                      writes, 1 and 4096) read back
 *
 *       The log lines are read from /dev/kmsg: the records logged between
 *       the start and the end of each ioctl or write.
 *
 * The ABI comes from ../map_benchmark_abi.h, shared with the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "map_benchmark_abi.h"

#define MB_PATH		"/sys/kernel/debug/dma_map_benchmark"
#define KMSG_PATH	"/dev/kmsg"
#define STRATEGY_PARAM	"/sys/module/dmareuse_edu/parameters/strategy"
#define BATCH_SIZE_PARAM "/sys/module/dmareuse_edu/parameters/batch_size"
#define NODES_ONLINE	"/sys/devices/system/node/online"

/* Seconds a 1-second run of 1024 threads may take, start and stop included:
 * a few times what it takes on the harness's emulated vCPU
 * (bench/results/kernel-history.txt).
 */
#define MB_MANY_THREADS_MAX_S	60

/* Kernel log levels, as in <linux/kern_levels.h>. */
#define LOGLEVEL_WARNING	4
#define LOGLEVEL_INFO		6

static const char *const dir_names[] = {
	[DMAREUSE_MAP_BIDIRECTIONAL] = "BIDIRECTIONAL",
	[DMAREUSE_MAP_TO_DEVICE] = "TO_DEVICE",
	[DMAREUSE_MAP_FROM_DEVICE] = "FROM_DEVICE",
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t threads] [-s seconds] [-n node] [-b dma_bits] [-d dir 0|1|2] [-x trans_ns] [-g granule]\n"
		"       %s -c   (checks of the ioctl interface)\n",
		prog, prog);
}

static void default_params(struct dmareuse_map_benchmark *p)
{
	memset(p, 0, sizeof(*p));
	p->threads = 1;
	p->seconds = 1;
	p->node = -1;
	p->dma_bits = 32;
	p->dma_dir = DMAREUSE_MAP_BIDIRECTIONAL;
	p->granule = 1;
}

/* The ioctl's errno, or 0 on success. */
static int do_ioctl(int fd, unsigned long cmd, struct dmareuse_map_benchmark *p)
{
	return ioctl(fd, cmd, p) ? errno : 0;
}

static const char *err_name(int err)
{
	return err ? strerror(err) : "success";
}

/*
 * The kernel log records of one ioctl.  kmsg_skip() moves past everything
 * logged so far; kmsg_read() collects what was logged since, one record per
 * read() ("level,seq,time,flags;text\n" plus " KEY=value" lines).
 */
#define KMSG_MAX	64
#define KMSG_TEXT	512

struct kmsg_log {
	int n;			/* records read, may exceed KMSG_MAX */
	int level[KMSG_MAX];
	char text[KMSG_MAX][KMSG_TEXT];
};

static int kmsg_fd = -1;

static void kmsg_skip(void)
{
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
}

static void kmsg_read(struct kmsg_log *log)
{
	char rec[8192];
	ssize_t n;

	log->n = 0;
	if (kmsg_fd < 0)
		return;
	for (;;) {
		const char *text;
		size_t len;
		int i;

		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';
		i = log->n++;
		if (i >= KMSG_MAX)
			continue;
		log->level[i] = atoi(rec) & 7;
		text = strchr(rec, ';');
		text = text ? text + 1 : rec;
		len = strcspn(text, "\n");
		if (len >= KMSG_TEXT)
			len = KMSG_TEXT - 1;
		memcpy(log->text[i], text, len);
		log->text[i][len] = '\0';
	}
}

/* Records of @log at @max_level or more urgent. */
static int kmsg_count(const struct kmsg_log *log, int max_level)
{
	int i, c = 0;

	for (i = 0; i < log->n && i < KMSG_MAX; i++)
		if (log->level[i] <= max_level)
			c++;
	return c + (log->n > KMSG_MAX ? log->n - KMSG_MAX : 0);
}

/* The first record of @log containing @s, or NULL. */
static const char *kmsg_find(const struct kmsg_log *log, const char *s)
{
	int i;

	for (i = 0; i < log->n && i < KMSG_MAX; i++)
		if (strstr(log->text[i], s))
			return log->text[i];
	return NULL;
}

/* The ioctl on @p with its log records in @log. */
static int logged_ioctl(int fd, struct dmareuse_map_benchmark *p,
			struct kmsg_log *log)
{
	int err;

	kmsg_skip();
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, p);
	kmsg_read(log);
	return err;
}

/* One check's verdict: the first failure wins; printed by check_end(). */
struct check {
	const char *name;
	int cases;
	char why[400];
};

static void check_fail(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check_fail(struct check *c, const char *fmt, ...)
{
	va_list ap;

	if (c->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
}

static int check_end(const struct check *c, const char *pass_detail)
{
	if (c->why[0]) {
		printf("RESULT %s FAIL %s\n", c->name, c->why);
		return 1;
	}
	printf("RESULT %s PASS cases=%d %s\n", c->name, c->cases, pass_detail);
	return 0;
}

/*
 * @p must be refused with EINVAL and exactly one log line at warning level
 * or above that contains @what (e.g. "threads=0:") and says what is
 * expected.
 */
static void expect_refused(struct check *c, int fd,
			   struct dmareuse_map_benchmark *p, const char *what)
{
	struct kmsg_log log;
	const char *line;
	int err, lines;

	c->cases++;
	err = logged_ioctl(fd, p, &log);
	if (err != EINVAL) {
		check_fail(c, "%s got %s, expected EINVAL", what, err_name(err));
		return;
	}
	lines = kmsg_count(&log, LOGLEVEL_WARNING);
	line = kmsg_find(&log, what);
	if (lines != 1 || !line || !strstr(line, "expected"))
		check_fail(c, "%s refused with %d log lines (expected one saying \"%s ... expected ...\")%s%s",
			   what, lines, what, log.n ? ", first: " : "",
			   log.n ? log.text[0] : "");
}

/*
 * @p holds only values within the limits: no log line may refuse one (each
 * refusal says what is "expected"), and the ioctl must succeed unless
 * @may_fail (the request is valid, but this device or IOMMU mode may be
 * unable to run it).  @what names the request in a failure.
 */
static void expect_accepted(struct check *c, int fd,
			    struct dmareuse_map_benchmark *p, const char *what,
			    int may_fail)
{
	struct kmsg_log log;
	const char *line;
	int err;

	c->cases++;
	err = logged_ioctl(fd, p, &log);
	line = kmsg_find(&log, "expected");
	if (line)
		check_fail(c, "%s is within the limits but was refused: %s",
			   what, line);
	else if (err && !may_fail)
		check_fail(c, "%s got %s, expected success", what,
			   err_name(err));
}

static int check_ioctl(int fd)
{
	struct check c = { .name = "map_benchmark_ioctl" };
	struct dmareuse_map_benchmark p;
	int err;

	default_params(&p);
	p.threads = 2;
	p.avg_map_100ns = p.avg_unmap_100ns = ~0ull;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	c.cases++;
	if (err)
		check_fail(&c, "valid request failed: %s", strerror(err));
	else if (p.avg_map_100ns == ~0ull || p.avg_unmap_100ns == ~0ull)
		check_fail(&c, "results not written back");

	default_params(&p);
	p.threads = 0;
	c.cases++;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL)
		check_fail(&c, "threads=0: got %s, expected EINVAL",
			   err_name(err));

	default_params(&p);
	p.granule = 0;
	c.cases++;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL)
		check_fail(&c, "granule=0: got %s, expected EINVAL",
			   err_name(err));

	default_params(&p);
	p.expansion[0] = 1;
	c.cases++;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL)
		check_fail(&c, "reserved byte set: got %s, expected EINVAL",
			   err_name(err));

	default_params(&p);
	c.cases++;
	err = do_ioctl(fd, _IOWR('d', 2, struct dmareuse_map_benchmark), &p);
	if (err != ENOTTY)
		check_fail(&c, "unknown ioctl: got %s, expected ENOTTY",
			   err_name(err));

	return check_end(&c, "threads=2");
}

/* The first node not in NODES_ONLINE's list ("0" or "0-1,3"), or -1. */
static int first_offline_node(void)
{
	char buf[256], *s, *end;
	FILE *f = fopen(NODES_ONLINE, "r");
	int next = 0;
	long a, b;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	for (s = buf; *s && *s != '\n'; s = end + (*end == ',')) {
		a = strtol(s, &end, 10);
		b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		if (end == s || a < 0 || b < a)
			return -1;
		if (a > next)
			return next;
		next = (int)b + 1;
	}
	return next;
}

/* A field to set: one of the struct's integer fields by name. */
enum field { F_THREADS, F_SECONDS, F_NODE, F_BITS, F_DIR, F_TRANS, F_GRANULE };

static const char *const field_names[] = {
	[F_THREADS] = "threads", [F_SECONDS] = "seconds", [F_NODE] = "node",
	[F_BITS] = "dma_bits", [F_DIR] = "dma_dir", [F_TRANS] = "dma_trans_ns",
	[F_GRANULE] = "granule",
};

static void set_field(struct dmareuse_map_benchmark *p, enum field f, long long v)
{
	switch (f) {
	case F_THREADS: p->threads = (__u32)v; break;
	case F_SECONDS: p->seconds = (__u32)v; break;
	case F_NODE: p->node = (__s32)v; break;
	case F_BITS: p->dma_bits = (__u32)v; break;
	case F_DIR: p->dma_dir = (__u32)v; break;
	case F_TRANS: p->dma_trans_ns = (__u32)v; break;
	case F_GRANULE: p->granule = (__u32)v; break;
	}
}

/* "<field>=<value as the kernel prints it>:" */
static void field_label(char *buf, size_t size, enum field f, long long v)
{
	if (f == F_NODE)
		snprintf(buf, size, "%s=%d:", field_names[f], (int)(__s32)v);
	else
		snprintf(buf, size, "%s=%u:", field_names[f], (unsigned int)(__u32)v);
}

static int check_field_limits(int fd)
{
	/* Just beyond each limit, and the far ends of each type. */
	static const struct { enum field f; long long v; } refused[] = {
		{ F_THREADS, 0 },
		{ F_THREADS, DMAREUSE_MAP_BENCHMARK_MAX_THREADS + 1 },
		{ F_THREADS, UINT_MAX },
		{ F_SECONDS, 0 },
		{ F_SECONDS, DMAREUSE_MAP_BENCHMARK_MAX_SECONDS + 1 },
		{ F_SECONDS, UINT_MAX },
		{ F_GRANULE, 0 },
		{ F_GRANULE, DMAREUSE_MAP_BENCHMARK_MAX_GRANULE + 1 },
		{ F_GRANULE, UINT_MAX },
		{ F_BITS, 0 },
		{ F_BITS, DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS - 1 },
		{ F_BITS, 65 },
		{ F_BITS, UINT_MAX },
		{ F_DIR, DMAREUSE_MAP_FROM_DEVICE + 1 },
		{ F_DIR, UINT_MAX },
		{ F_TRANS, DMAREUSE_MAP_BENCHMARK_MAX_TRANS_NS + 1 },
		{ F_TRANS, UINT_MAX },
		{ F_NODE, -2 },
		{ F_NODE, INT_MIN },
		{ F_NODE, INT_MAX },
		{ F_NODE, 1 << 10 },	/* MAX_NUMNODES of Debian's kernel */
	};
	/*
	 * The limits themselves, several to a run.  seconds=300 and
	 * threads=1024 are left out: a 300 s run, and
	 * map_benchmark_1024_threads.  granule=1024 runs under a 64-bit mask:
	 * under 32 bits a lazy domain has no room for it (its flush queue
	 * holds up to 256 freed IOVAs, 1 GiB of 4 MiB ones, and the IOVA
	 * space below 4 GiB outside q35's PCI windows is under 800 MiB here).
	 * dma_bits=20 may fail to run (no IOVA space for it in a lazy domain,
	 * no such mask under passthrough) but must not be called out of range.
	 */
	static const struct {
		const char *what;
		__u32 granule, dma_bits, dma_dir, dma_trans_ns;
		__s32 node;
		int may_fail;
	} accepted[] = {
		{ "the defaults (threads=1 seconds=1 granule=1 dma_dir=0 dma_trans_ns=0 node=-1)",
		  1, 32, DMAREUSE_MAP_BIDIRECTIONAL, 0, -1, 0 },
		{ "granule=1024 dma_bits=64 dma_dir=2 dma_trans_ns=10000000 node=0",
		  DMAREUSE_MAP_BENCHMARK_MAX_GRANULE, 64, DMAREUSE_MAP_FROM_DEVICE,
		  DMAREUSE_MAP_BENCHMARK_MAX_TRANS_NS, 0, 0 },
		{ "dma_bits=20 dma_dir=1", 1, DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS,
		  DMAREUSE_MAP_TO_DEVICE, 0, -1, 1 },
	};
	struct check c = { .name = "map_benchmark_field_limits" };
	struct dmareuse_map_benchmark p;
	const size_t reserved[] = { 0, sizeof(p.expansion) - 1 };
	char what[64];
	size_t i;
	int off;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		default_params(&p);
		set_field(&p, refused[i].f, refused[i].v);
		field_label(what, sizeof(what), refused[i].f, refused[i].v);
		expect_refused(&c, fd, &p, what);
	}
	off = first_offline_node();
	if (off >= 0 && off < (1 << 10)) {
		default_params(&p);
		set_field(&p, F_NODE, off);
		field_label(what, sizeof(what), F_NODE, off);
		expect_refused(&c, fd, &p, what);
	}
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		default_params(&p);
		p.expansion[reserved[i]] = 0xff;
		snprintf(what, sizeof(what), "expansion[%zu]=255:", reserved[i]);
		expect_refused(&c, fd, &p, what);
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		default_params(&p);
		p.granule = accepted[i].granule;
		p.dma_bits = accepted[i].dma_bits;
		p.dma_dir = accepted[i].dma_dir;
		p.dma_trans_ns = accepted[i].dma_trans_ns;
		p.node = accepted[i].node;
		expect_accepted(&c, fd, &p, accepted[i].what,
				accepted[i].may_fail);
	}
	return check_end(&c, "refused=EINVAL+one-line accepted=limits");
}

/* A default run (1 thread, 1 s, 32-bit mask) with @granule must succeed. */
static void expect_run_works(struct check *c, int fd, unsigned int granule,
			     const char *after)
{
	struct dmareuse_map_benchmark p;
	int err;

	default_params(&p);
	p.granule = granule;
	c->cases++;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err)
		check_fail(c, "a 32-bit run of granule=%u after %s got %s, expected success",
			   granule, after, err_name(err));
}

static int check_dma_bits_below_20(int fd)
{
	struct check c = { .name = "map_benchmark_dma_bits_below_20" };
	struct dmareuse_map_benchmark p;
	char what[32];
	unsigned int b;

	for (b = 1; b < DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS; b++) {
		default_params(&p);
		p.dma_bits = b;
		snprintf(what, sizeof(what), "dma_bits=%u:", b);
		expect_refused(&c, fd, &p, what);
	}
	expect_run_works(&c, fd, 1, "dma_bits 1..19");
	return check_end(&c, "refused=1..19 later_run=ok");
}

static int check_after_failed_run(int fd)
{
	struct check c = { .name = "map_benchmark_after_failed_run" };
	struct dmareuse_map_benchmark p;
	char detail[96];
	int err, err1;

	/*
	 * 256 pages do not fit under a 20-bit mask (255 pages above page 0),
	 * so this run must fail: with ENOMEM behind an IOMMU, with EINVAL
	 * where the platform has no such mask (passthrough: dma-direct).
	 * Nothing was mapped, so no IOVA of it can sit in the allocator's
	 * caches to hide a "space full" mark from the runs after it.
	 */
	default_params(&p);
	p.dma_bits = 20;
	p.granule = 256;
	c.cases++;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != ENOMEM && err != EINVAL)
		check_fail(&c, "dma_bits=20 granule=256 got %s, expected ENOMEM or EINVAL (it cannot fit)",
			   err_name(err));
	expect_run_works(&c, fd, 256, "a failed 20-bit run of granule=256");
	/* One page at a time under 20 bits: fails in a lazy domain, whose
	 * flush queue holds up to 256 IOVAs; may succeed elsewhere.
	 */
	default_params(&p);
	p.dma_bits = 20;
	err1 = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	expect_run_works(&c, fd, 1, "a 20-bit run of granule=1");
	snprintf(detail, sizeof(detail), "failed_run=%s one_page_20bit=%s",
		 err == ENOMEM ? "ENOMEM" : "EINVAL", err_name(err1));
	return check_end(&c, detail);
}

static int check_nomem(int fd)
{
	struct check c = { .name = "map_benchmark_nomem_no_splat" };
	struct dmareuse_map_benchmark p;
	struct kmsg_log log;
	const char *bad;
	int err, lines;

	default_params(&p);
	p.threads = 200;
	p.granule = DMAREUSE_MAP_BENCHMARK_MAX_GRANULE;
	c.cases++;
	err = logged_ioctl(fd, &p, &log);
	lines = kmsg_count(&log, LOGLEVEL_WARNING);
	bad = kmsg_find(&log, "page allocation failure");
	if (!bad)
		bad = kmsg_find(&log, "Call Trace");
	if (err != ENOMEM)
		check_fail(&c, "threads=200 granule=1024 got %s, expected ENOMEM",
			   err_name(err));
	else if (bad)
		check_fail(&c, "threads=200 granule=1024 logged \"%s\"", bad);
	else if (lines != 1 || !kmsg_find(&log, "dma_map_benchmark"))
		check_fail(&c, "threads=200 granule=1024 logged %d lines, expected one saying why%s%s",
			   lines, log.n ? ", first: " : "", log.n ? log.text[0] : "");
	return check_end(&c, "threads=200 granule=1024 err=ENOMEM lines=1");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int check_many_threads(int fd)
{
	struct check c = { .name = "map_benchmark_1024_threads" };
	struct dmareuse_map_benchmark p;
	char detail[64];
	double t0, dt;
	int err;

	default_params(&p);
	p.threads = DMAREUSE_MAP_BENCHMARK_MAX_THREADS;
	c.cases++;
	t0 = now_s();
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	dt = now_s() - t0;
	if (err)
		check_fail(&c, "threads=1024 seconds=1 got %s after %.1f s, expected success",
			   err_name(err), dt);
	else if (dt > MB_MANY_THREADS_MAX_S)
		check_fail(&c, "threads=1024 seconds=1 took %.1f s, expected at most %d",
			   dt, MB_MANY_THREADS_MAX_S);
	snprintf(detail, sizeof(detail), "threads=1024 seconds=1 took=%.1fs", dt);
	return check_end(&c, detail);
}

/* Write @name to the strategy parameter; 0 or an errno. */
static int set_strategy(const char *name)
{
	FILE *f = fopen(STRATEGY_PARAM, "w");
	int err = 0;

	if (!f)
		return errno;
	if (fprintf(f, "%s\n", name) < 0)
		err = errno;
	if (fclose(f) && !err)
		err = errno;
	return err;
}

static int check_teardown_log(int fd)
{
	static const char *const strategies[] = { "reuse", "cache" };
	struct check c = { .name = "map_benchmark_teardown_log" };
	struct dmareuse_map_benchmark p;
	struct kmsg_log log;
	char detail[64] = "";
	unsigned int i, ran = 0;
	int err, lines;

	for (i = 0; i < 2; i++) {
		err = set_strategy(strategies[i]);
		if (err) {
			check_fail(&c, "strategy=%s: %s: %s", strategies[i],
				   STRATEGY_PARAM, strerror(err));
			break;
		}
		default_params(&p);
		p.threads = 64;
		err = logged_ioctl(fd, &p, &log);
		if (err == EOPNOTSUPP)
			continue;
		c.cases++;
		ran++;
		lines = kmsg_count(&log, LOGLEVEL_INFO);
		if (err)
			check_fail(&c, "strategy=%s threads=64 got %s, expected success",
				   strategies[i], err_name(err));
		else if (lines > 1)
			check_fail(&c, "strategy=%s threads=64 logged %d lines at info level or above, expected at most 1 (the run's summary); first: %s",
				   strategies[i], lines, log.n ? log.text[0] : "");
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "%s%s=%d", i ? " " : "", strategies[i], lines);
	}
	err = set_strategy("strict");
	if (err)
		check_fail(&c, "strategy=strict: %s: %s", STRATEGY_PARAM,
			   strerror(err));
	if (!ran && !c.why[0]) {
		printf("RESULT %s PASS n/a reuse and cache refuse this device (EOPNOTSUPP) reason=no-strategy-with-instance-counters\n",
		       c.name);
		return 0;
	}
	return check_end(&c, detail);
}

/* @path's value as it reads back, without the newline; "" if unreadable. */
static void param_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* One write(2) of the @len bytes at @v to @path: 0 or its errno. */
static int param_write(const char *path, const char *v, size_t len)
{
	int fd = open(path, O_WRONLY), err = 0;
	ssize_t n;

	if (fd < 0)
		return errno;
	n = write(fd, v, len);
	if (n < 0)
		err = errno;
	else if ((size_t)n != len)
		err = EIO;
	close(fd);
	return err;
}

/*
 * Writing @len bytes of @v to @path must fail with EINVAL, log exactly one
 * record, containing @naming and "expected", and leave the value alone.
 * @label names the case in a failure.
 */
static void param_refused(struct check *c, const char *path, const char *label,
			  const char *v, size_t len, const char *naming)
{
	char before[64], after[64];
	struct kmsg_log log;
	int err;

	c->cases++;
	param_read(path, before, sizeof(before));
	kmsg_skip();
	err = param_write(path, v, len);
	kmsg_read(&log);
	param_read(path, after, sizeof(after));
	if (err != EINVAL)
		check_fail(c, "%s: got %s, expected EINVAL", label, err_name(err));
	else if (log.n != 1 || !kmsg_find(&log, naming) || !strstr(log.text[0], "expected"))
		check_fail(c, "%s: refused with %d log records (expected one naming \"%s\" and what is expected)%s%s",
			   label, log.n, naming, log.n ? ", first: " : "",
			   log.n ? log.text[0] : "");
	else if (strcmp(before, after))
		check_fail(c, "%s: refused, but the value went from %s to %s", label, before,
			   after);
}

/* Writing @v to @path must work, log nothing, and read back as @want. */
static void param_accepted(struct check *c, const char *path, const char *v,
			   const char *want)
{
	struct kmsg_log log;
	char got[64];
	int err;

	c->cases++;
	kmsg_skip();
	err = param_write(path, v, strlen(v));
	kmsg_read(&log);
	param_read(path, got, sizeof(got));
	if (err)
		check_fail(c, "\"%s\": got %s, expected success", v, err_name(err));
	else if (strcmp(got, want))
		check_fail(c, "\"%s\": reads back as %s, expected %s", v, got, want);
	else if (log.n)
		check_fail(c, "\"%s\": accepted, but logged: %s", v, log.text[0]);
}

/*
 * An empty write never reaches the parameter (sysfs returns 0 for it), so
 * it must change nothing and log nothing.
 */
static void param_empty(struct check *c, const char *path)
{
	char before[64], after[64];
	struct kmsg_log log;
	int err;

	c->cases++;
	param_read(path, before, sizeof(before));
	kmsg_skip();
	err = param_write(path, "", 0);
	kmsg_read(&log);
	param_read(path, after, sizeof(after));
	if (err || log.n || strcmp(before, after))
		check_fail(c, "empty write: %s, %d log records, value %s -> %s (expected no change)",
			   err_name(err), log.n, before, after);
}

#define PARAM_LONG	4000	/* more than any name, less than a sysfs page */

static int check_strategy_param(void)
{
	/* len 0: strlen(v). */
	static const struct { const char *label, *v; size_t len; } refused[] = {
		{ "only a newline", "\n", 0 },
		{ "two newlines", "cache\n\n", 0 },
		{ "a suffix", "cachex", 0 },
		{ "a prefix", "xcache", 0 },
		{ "a leading space", " cache", 0 },
		{ "a trailing space", "cache ", 0 },
		{ "upper case", "CACHE", 0 },
		{ "control bytes", "\001\377\033[2J", 0 },
		{ "a NUL inside", "ca\0che", sizeof("ca\0che") - 1 },
	};
	struct check c = { .name = "strategy_param_writes" };
	static char longv[PARAM_LONG];
	size_t i, len;

	param_accepted(&c, STRATEGY_PARAM, "cache\n", "cache");
	param_accepted(&c, STRATEGY_PARAM, "batch", "batch");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		len = refused[i].len ? refused[i].len : strlen(refused[i].v);
		param_refused(&c, STRATEGY_PARAM, refused[i].label, refused[i].v, len,
			      "strategy=");
	}
	memset(longv, 'a', sizeof(longv));
	param_refused(&c, STRATEGY_PARAM, "4000 bytes", longv, sizeof(longv), "strategy=");
	param_empty(&c, STRATEGY_PARAM);
	param_accepted(&c, STRATEGY_PARAM, "strict\n", "strict");
	return check_end(&c, "refused=11 accepted=3 empty=1");
}

static int check_batch_size_param(void)
{
	static const char *const refused[] = {
		"0", "4097", "-1", "4294967297", "0x40", "64x", "\n", "sixty-four", " 64",
	};
	struct check c = { .name = "batch_size_param_writes" };
	static char longv[PARAM_LONG];
	size_t i;

	param_accepted(&c, BATCH_SIZE_PARAM, "1", "1");
	param_accepted(&c, BATCH_SIZE_PARAM, "4096\n", "4096");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		param_refused(&c, BATCH_SIZE_PARAM, refused[i], refused[i], strlen(refused[i]),
			      "batch_size=");
	memset(longv, '6', sizeof(longv));
	param_refused(&c, BATCH_SIZE_PARAM, "4000 digits", longv, sizeof(longv), "batch_size=");
	param_empty(&c, BATCH_SIZE_PARAM);
	param_accepted(&c, BATCH_SIZE_PARAM, "64\n", "64");
	return check_end(&c, "limits=1,4096 refused=10 empty=1");
}

static int self_check(int fd)
{
	int bad = 0;

	kmsg_fd = open(KMSG_PATH, O_RDONLY | O_NONBLOCK);
	if (kmsg_fd < 0)
		fprintf(stderr, "map_bench: open %s: %s (log lines cannot be checked)\n",
			KMSG_PATH, strerror(errno));
	bad |= check_ioctl(fd);
	bad |= check_field_limits(fd);
	bad |= check_dma_bits_below_20(fd);
	bad |= check_after_failed_run(fd);
	bad |= check_nomem(fd);
	bad |= check_many_threads(fd);
	bad |= check_teardown_log(fd);
	bad |= check_strategy_param();
	bad |= check_batch_size_param();
	if (kmsg_fd >= 0)
		close(kmsg_fd);
	return bad;
}

int main(int argc, char **argv)
{
	struct dmareuse_map_benchmark p;
	int opt, fd, err, check = 0;
	char *end;
	long v;

	default_params(&p);
	while ((opt = getopt(argc, argv, "t:s:n:b:d:x:g:c")) != -1) {
		if (opt == 'c') {
			check = 1;
			continue;
		}
		if (opt == '?') {
			usage(argv[0]);
			return 2;
		}
		errno = 0;
		v = strtol(optarg, &end, 0);
		if (errno || *end || end == optarg) {
			fprintf(stderr, "%s: -%c %s: expected an integer\n",
				argv[0], opt, optarg);
			return 2;
		}
		switch (opt) {
		case 't': p.threads = (unsigned int)v; break;
		case 's': p.seconds = (unsigned int)v; break;
		case 'n': p.node = (int)v; break;
		case 'b': p.dma_bits = (unsigned int)v; break;
		case 'd': p.dma_dir = (unsigned int)v; break;
		case 'x': p.dma_trans_ns = (unsigned int)v; break;
		case 'g': p.granule = (unsigned int)v; break;
		}
	}

	fd = open(MB_PATH, O_RDWR);
	if (fd < 0) {
		err = errno;
		if (check)
			printf("RESULT map_benchmark_ioctl FAIL open %s: %s\n",
			       MB_PATH, strerror(err));
		else
			fprintf(stderr, "%s: open %s: %s\n", argv[0], MB_PATH,
				strerror(err));
		return 1;
	}
	if (check) {
		err = self_check(fd);
		close(fd);
		return err;
	}

	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	close(fd);
	if (err) {
		fprintf(stderr, "%s: DMA_MAP_BENCHMARK: %s\n", argv[0],
			strerror(err));
		return 1;
	}
	printf("dma mapping benchmark: threads:%u seconds:%u node:%d dir:%s granule: %u\n",
	       p.threads, p.seconds, p.node,
	       p.dma_dir <= DMAREUSE_MAP_FROM_DEVICE ? dir_names[p.dma_dir] : "?",
	       p.granule);
	printf("average map latency(us):%.1f standard deviation:%.1f\n",
	       p.avg_map_100ns / 10.0, p.map_stddev / 10.0);
	printf("average unmap latency(us):%.1f standard deviation:%.1f\n",
	       p.avg_unmap_100ns / 10.0, p.unmap_stddev / 10.0);
	return 0;
}
