// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * output.c - output files that appear whole or not at all.
 *
 * `dmabench run --output FILE` and `dmabench plot -o FILE` write into a
 * temporary file beside FILE (".FILE.XXXXXX", same directory, so the
 * rename cannot cross file systems) and rename it over FILE only once
 * everything is written.  A run that is refused, fails to write, or is
 * interrupted (SIGINT, SIGTERM, SIGHUP unlink the temporary file) leaves
 * an existing FILE as it was.  The callers open the output only after
 * every argument has been validated, so bad input never creates it.
 *
 * FILE keeps its mode if it exists (a new one gets 0666 less the umask, as
 * fopen would); a symbolic link is followed, so the file it names is
 * replaced, not the link.  Something that is not a regular file
 * (/dev/stdout, a FIFO) is written directly: it cannot be renamed over.
 */
#include "dmabench.h"

#include <dmareuse/types.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * The temporary files to remove if a signal ends the process: up to
 * MAX_PENDING outputs open at once (run's --output and --json).
 */
#define MAX_PENDING 2
static char pending[MAX_PENDING][PATH_MAX];
static volatile sig_atomic_t have_pending[MAX_PENDING];
static const int fatal_signals[] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_PENDING; i++)
		if (have_pending[i])
			unlink(pending[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(bool on)
{
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		signal(fatal_signals[i], on ? on_signal : SIG_DFL);
}

/* Forget @tmp as a file to remove on a signal; the last one stops catching. */
static void drop_pending(const char *tmp)
{
	bool any = false;

	for (int i = 0; i < MAX_PENDING; i++) {
		if (have_pending[i] && !strcmp(pending[i], tmp))
			have_pending[i] = 0;
		any |= have_pending[i];
	}
	if (!any)
		catch_signals(false);
}

int outfile_open(struct outfile *o, const char *flag, const char *path)
{
	const char *target = path, *slash;
	char resolved[PATH_MAX];
	struct stat st;
	mode_t mode;
	int fd, slot;

	memset(o, 0, sizeof(*o));
	o->flag = flag;
	o->path = path;
	if (!*path) {
		fprintf(stderr, "%s: %s: empty file name (expected a file to write)\n", prog, flag);
		return -1;
	}
	if (!lstat(path, &st) && S_ISLNK(st.st_mode) && realpath(path, resolved))
		target = resolved;
	if (!stat(target, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: '%s' is a directory (expected a file to write)\n", prog,
			flag, path);
		return -1;
	}
	if (!stat(target, &st) && !S_ISREG(st.st_mode)) {
		o->f = fopen(target, "w");
		goto opened;
	}
	if (!stat(target, &st)) {
		mode = st.st_mode & 07777;
	} else {
		mode = umask(0);
		umask(mode);
		mode = 0666 & ~mode;
	}
	slash = strrchr(target, '/');
	if (snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.XXXXXX",
		     slash ? (int)(slash - target + 1) : 0, target,
		     slash ? slash + 1 : target) >= (int)sizeof(o->tmp)) {
		fprintf(stderr, "%s: %s: file name too long: '%s'\n", prog, flag, path);
		return -1;
	}
	snprintf(o->dest, sizeof(o->dest), "%s", target);
	for (slot = 0; slot < MAX_PENDING && have_pending[slot]; slot++)
		;
	if (slot == MAX_PENDING) {
		fprintf(stderr, "%s: %s: more than %d output files at once\n", prog, flag,
			MAX_PENDING);
		return -1;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		o->tmp[0] = '\0';
		goto opened;
	}
	/* Filled before it is marked, so a signal never unlinks half a name. */
	memcpy(pending[slot], o->tmp, sizeof(pending[slot]));
	have_pending[slot] = 1;
	catch_signals(true);
	if (fchmod(fd, mode) || !(o->f = fdopen(fd, "w"))) {
		int e = errno;

		close(fd);
		outfile_abort(o);
		errno = e;
	}
opened:
	if (!o->f) {
		fprintf(stderr, "%s: %s: cannot write '%s': %s\n", prog, flag, path,
			strerror(errno));
		return -1;
	}
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp[0]) {
		unlink(o->tmp);
		drop_pending(o->tmp);
		o->tmp[0] = '\0';
	}
}

int outfile_commit(struct outfile *o)
{
	int ret = 0, bad = ferror(o->f);

	errno = 0;
	if (fclose(o->f) || bad) {
		fprintf(stderr, "%s: %s: writing '%s' failed: %s\n", prog, o->flag, o->path,
			strerror(errno ? errno : EIO));
		ret = -1;
	} else if (o->tmp[0] && rename(o->tmp, o->dest)) {
		fprintf(stderr, "%s: %s: cannot replace '%s': %s\n", prog, o->flag, o->path,
			strerror(errno));
		ret = -1;
	}
	o->f = NULL;
	if (o->tmp[0]) {
		if (ret)
			unlink(o->tmp);
		drop_pending(o->tmp);
		o->tmp[0] = '\0';
	}
	return ret;
}

void csv_field(FILE *f, const char *s)
{
	size_t len = strlen(s);

	if (!strpbrk(s, ",\"\r\n") && (!len || (s[0] != ' ' && s[len - 1] != ' '))) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}
