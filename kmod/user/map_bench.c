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
 *       `dmabench map` in the lab.
 *
 *   map_bench -c
 *       checks the interface itself and prints one line
 *       "RESULT map_benchmark_ioctl PASS|FAIL <details>": a valid request
 *       with two threads must succeed and fill in the results; zero threads,
 *       zero granule, non-zero reserved bytes and an unknown ioctl number
 *       must be refused with EINVAL, EINVAL, EINVAL and ENOTTY.
 *
 * The ABI comes from ../map_benchmark_abi.h, shared with the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "map_benchmark_abi.h"

#define MB_PATH "/sys/kernel/debug/dma_map_benchmark"

static const char *const dir_names[] = {
	[DMAREUSE_MAP_BIDIRECTIONAL] = "BIDIRECTIONAL",
	[DMAREUSE_MAP_TO_DEVICE] = "TO_DEVICE",
	[DMAREUSE_MAP_FROM_DEVICE] = "FROM_DEVICE",
};

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-t threads] [-s seconds] [-n node] [-b dma_bits] [-d dir 0|1|2] [-x trans_ns] [-g granule]\n"
		"       %s -c   (self-check of the ioctl interface)\n",
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

static int self_check(int fd)
{
	struct dmareuse_map_benchmark p;
	char why[160] = "";
	int err;

	default_params(&p);
	p.threads = 2;
	p.avg_map_100ns = p.avg_unmap_100ns = ~0ull;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err) {
		snprintf(why, sizeof(why), "valid request failed: %s",
			 strerror(err));
		goto fail;
	}
	if (p.avg_map_100ns == ~0ull || p.avg_unmap_100ns == ~0ull) {
		snprintf(why, sizeof(why), "results not written back");
		goto fail;
	}

	default_params(&p);
	p.threads = 0;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL) {
		snprintf(why, sizeof(why), "threads=0: got %s, expected EINVAL",
			 err ? strerror(err) : "success");
		goto fail;
	}

	default_params(&p);
	p.granule = 0;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL) {
		snprintf(why, sizeof(why), "granule=0: got %s, expected EINVAL",
			 err ? strerror(err) : "success");
		goto fail;
	}

	default_params(&p);
	p.expansion[0] = 1;
	err = do_ioctl(fd, DMAREUSE_MAP_BENCHMARK, &p);
	if (err != EINVAL) {
		snprintf(why, sizeof(why),
			 "reserved byte set: got %s, expected EINVAL",
			 err ? strerror(err) : "success");
		goto fail;
	}

	default_params(&p);
	err = do_ioctl(fd, _IOWR('d', 2, struct dmareuse_map_benchmark), &p);
	if (err != ENOTTY) {
		snprintf(why, sizeof(why),
			 "unknown ioctl: got %s, expected ENOTTY",
			 err ? strerror(err) : "success");
		goto fail;
	}

	printf("RESULT map_benchmark_ioctl PASS threads=2 checks=5\n");
	return 0;
fail:
	printf("RESULT map_benchmark_ioctl FAIL %s\n", why);
	return 1;
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
	if (p.dma_dir > DMAREUSE_MAP_FROM_DEVICE) {
		fprintf(stderr, "%s: -d %u: expected 0 (bidirectional), 1 (to device) or 2 (from device)\n",
			argv[0], p.dma_dir);
		return 2;
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
	       p.threads, p.seconds, p.node, dir_names[p.dma_dir], p.granule);
	printf("average map latency(us):%.1f standard deviation:%.1f\n",
	       p.avg_map_100ns / 10.0, p.map_stddev / 10.0);
	printf("average unmap latency(us):%.1f standard deviation:%.1f\n",
	       p.avg_unmap_100ns / 10.0, p.unmap_stddev / 10.0);
	return 0;
}
