/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * fuzzlib.h - what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * A harness is tests/fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput();
 * the Makefile builds each into build/fuzz/fuzz/fuzz_NAME with no edit, and
 * tests/fuzz/run.sh runs it over tests/fuzz/corpus/NAME/.  A harness checks
 * invariants with FUZZ_CHECK(), which aborts (libFuzzer then keeps the input
 * as a crash) naming the harness's line and the property broken.
 *
 * The byte reader turns the input into decisions: each read takes bytes
 * from the front and, once the input is used up, reads zero, so every input
 * is a valid program of choices and a short input is a short program.
 */
#ifndef DMAREUSE_TESTS_FUZZLIB_H
#define DMAREUSE_TESTS_FUZZLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What every harness defines (libFuzzer's entry point). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * FUZZ_CHECK() - abort with "fuzz check failed: FILE:LINE: WHAT" unless @cond.
 * An invariant broken is a crash to libFuzzer: it saves the input.
 */
#define FUZZ_CHECK(cond, what) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, (what)))

/** fuzz_fail() - print where and what, then abort(). */
__attribute__((noreturn))
void fuzz_fail(const char *file, int line, const char *what);

/* A cursor over the input's bytes. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/** fuzz_in_init() - read @data[0..@size-1] from the front. */
void fuzz_in_init(struct fuzz_in *in, const uint8_t *data, size_t size);
/** fuzz_u8() - the next byte, or 0 once the input is used up. */
uint8_t fuzz_u8(struct fuzz_in *in);
/** fuzz_u32() - the next four bytes, little-endian; missing bytes read 0. */
uint32_t fuzz_u32(struct fuzz_in *in);
/** fuzz_below() - a value in [0, @n) from the next bytes (@n >= 1). */
uint32_t fuzz_below(struct fuzz_in *in, uint32_t n);
/** fuzz_bool() - the low bit of the next byte. */
bool fuzz_bool(struct fuzz_in *in);
/** fuzz_done() - true once every byte has been read. */
bool fuzz_done(const struct fuzz_in *in);

/**
 * fuzz_argv() - split @data into NUL-separated words, as argv
 * @data, @size: the input
 * @argv: receives up to @max - 1 words and a NULL after them
 * @max: room in @argv
 * @mem: receives the heap copy of @data the words live in; free() it
 *
 * A final word without a NUL counts; words past @max - 1 are dropped.
 * Return: the number of words, or -1 if no memory (nothing else set).
 */
int fuzz_argv(const uint8_t *data, size_t size, char **argv, int max, char **mem);

/**
 * fuzz_scratch_dir() - a directory of this process's own, made once under
 * $TMPDIR (or /tmp) and removed at exit with what is in it.
 * Return: its path; aborts if it cannot be made.
 */
const char *fuzz_scratch_dir(void);
/**
 * fuzz_write_file() - @data as the whole of file @name in fuzz_scratch_dir()
 * Return: the file's path (a static buffer, valid until the next call);
 * aborts if writing fails.
 */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/**
 * fuzz_quiet() - stdout to /dev/null (libFuzzer reports on stderr) and stdin
 * from it, so that a harness reading a path such as /dev/stdin gets EOF
 * rather than waiting for a terminal.
 */
void fuzz_quiet(void);

#endif
