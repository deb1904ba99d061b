// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzzlib.c - byte reader, argv splitter and scratch files for the
 * harnesses of tests/fuzz/ (fuzzlib.h says how harnesses use them).
 *
 * Nothing here keeps state between inputs but the scratch directory, made
 * once per process so a run of millions of inputs does not make millions
 * of directories; each file written there is overwritten by the next input.
 */
#include "fuzzlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "fuzz check failed: %s:%d: %s\n", file, line, what);
	abort();
}

void fuzz_in_init(struct fuzz_in *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)fuzz_u8(in) << (8 * i);
	return v;
}

uint32_t fuzz_below(struct fuzz_in *in, uint32_t n)
{
	/* As few bytes as @n needs, so small choices stay one byte. */
	uint32_t v = fuzz_u8(in);

	if (n > 256)
		v |= (uint32_t)fuzz_u8(in) << 8;
	if (n > 65536)
		v |= (uint32_t)fuzz_u8(in) << 16 | (uint32_t)fuzz_u8(in) << 24;
	return v % n;
}

bool fuzz_bool(struct fuzz_in *in)
{
	return fuzz_u8(in) & 1;
}

bool fuzz_done(const struct fuzz_in *in)
{
	return !in->left;
}

int fuzz_argv(const uint8_t *data, size_t size, char **argv, int max, char **mem)
{
	char *buf = malloc(size + 1);
	int n = 0;
	size_t i = 0;

	if (!buf || max < 1) {
		free(buf);
		return -1;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	while (i < size && n < max - 1) {
		argv[n++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[n] = NULL;
	*mem = buf;
	return n;
}

static char scratch[256];

static void remove_scratch(void)
{
	char cmd[300];

	if (!scratch[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd))
		fprintf(stderr, "fuzzlib: could not remove %s\n", scratch);
}

const char *fuzz_scratch_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (scratch[0])
		return scratch;
	snprintf(scratch, sizeof(scratch), "%s/dmareuse-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("fuzzlib: mkdtemp");
		abort();
	}
	atexit(remove_scratch);
	return scratch;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	size_t off = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror("fuzzlib: open");
		abort();
	}
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);

		if (w <= 0) {
			perror("fuzzlib: write");
			abort();
		}
		off += (size_t)w;
	}
	close(fd);
	return path;
}

void fuzz_quiet(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	fflush(stdout);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDIN_FILENO) < 0) {
		perror("fuzzlib: /dev/null");
		abort();
	}
	close(fd);
}
