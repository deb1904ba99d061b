/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * profile.h - platform profiles: the data that makes the model one machine.
 *
 * A profile is a text file of `key = value` lines ('#' starts a comment).
 * It sets the IOTLB geometry, the command-queue model and every hardware
 * latency the IOMMU charges.  Profiles are read at run time, so a user adds a
 * platform by dropping a file into profiles/ (or naming a path) -- no rebuild.
 * A malformed file is rejected with file, line, key and what was expected.
 */
#ifndef DMAREUSE_PROFILE_H
#define DMAREUSE_PROFILE_H

#include <dmareuse/vtime.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How CPUs submit commands (machine/cmdq.c says what each models). */
enum cmdq_model {
	CMDQ_LOCK,	/* a spinlock around insertion: arm-smmu-v3 before Linux 5.4, VT-d QI */
	CMDQ_LOCKFREE,	/* slots claimed on the producer index, one owner issues (Linux 5.4+) */
	CMDQ_ECMDQ,	/* one lock-free queue per group of CPUs (SMMUv3.3 ECMDQ) */
};

/* CMDQ_LOCK: what one acquisition of the queue lock covers. */
enum cmdq_lock_hold {
	CMDQ_HOLD_COMMAND,	/* each command, and the SYNC, on its own (arm-smmu-v3 4.x) */
	CMDQ_HOLD_BATCH,	/* a whole batch with its SYNC */
};

/* CMDQ_LOCK: where the CPU waits for CMD_SYNC to complete. */
enum cmdq_sync_poll {
	CMDQ_POLL_UNLOCKED,	/* after releasing the lock (MSI-signalled completion) */
	CMDQ_POLL_LOCKED,	/* holding it: the next CPU waits for this SYNC too */
};

#define CMDQ_MAX_QUEUES 256	/* ECMDQ queues a machine models */

#define PROFILE_MAX_SOURCES 16

struct platform_profile {
	char name[64];
	char description[256];
	char file[512];			/* where it was read from */
	unsigned int iotlb_sets;	/* power of two */
	unsigned int iotlb_ways;
	enum cmdq_model cmdq_model;
	enum cmdq_lock_hold cmdq_lock_hold;	/* lock model only */
	enum cmdq_sync_poll cmdq_sync_poll;	/* lock model only */
	unsigned int ecmdq_cpus;	/* ecmdq model: CPUs sharing one queue, >= 1 */
	uint64_t cmdq_issue_ns;		/* CPU cost of one issue: lock acquisition or
					 * producer-register write */
	uint64_t cmdq_issue_per_cmd_ns;	/* CPU cost to build and write one command */
	uint64_t inv_range_ns;		/* hardware service of a one-page range invalidation */
	uint64_t inv_range_page_ns;	/* ... per page beyond the first */
	uint64_t inv_domain_ns;		/* hardware service of a domain invalidation */
	uint64_t inv_all_ns;		/* hardware service of a global invalidation */
	uint64_t inv_latency_ns;	/* an invalidation completes this long after its service */
	uint64_t sync_ns;		/* hardware service of CMD_SYNC */
	uint64_t iotlb_miss_ns;		/* device-side page-walk cost per miss */
	unsigned int batch_size;	/* batch strategy: unmaps per batch, 1..4096;
					 * 0 = not given (the driver's default, 64) */
	bool has_costs;			/* the cost table below is given: virtual time works */
	uint64_t cost_ps[COST_COUNT];	/* the cost table (vtime.h), in picoseconds */
	unsigned int nsources;
	char sources[PROFILE_MAX_SOURCES][256];
};

/**
 * profile_vtime_cfg() - the virtual-time configuration a profile gives
 * @p: the profile
 * @cfg: receives the cost table (stack size left at its default)
 *
 * Context: any thread.
 * Return: 0; -ENOENT if @p has no cost table (it cannot run in virtual time).
 */
static inline int profile_vtime_cfg(const struct platform_profile *p,
				    struct vtime_cfg *cfg)
{
	if (!p || !p->has_costs)
		return -ENOENT;
	*cfg = (struct vtime_cfg){ .stack_bytes = 0 };
	for (unsigned int i = 0; i < COST_COUNT; i++)
		cfg->cost_ps[i] = p->cost_ps[i];
	return 0;
}

/**
 * profile_parse_file() - read and validate a profile file
 * @path: file to read
 * @out: filled on success; all zero on failure
 * @err: on failure, a message naming file, line, key (or column) and what
 *       was expected
 * @errlen: size of @err
 *
 * Every key but description is required once; source (at most
 * PROFILE_MAX_SOURCES) and note may repeat; numbers are decimal and range
 * checked; iotlb_sets is a power of two.  The file is text: lines of at
 * most 1022 characters, no NUL and no control character but tab.
 *
 * Context: any thread.
 * Return: 0 on success; -EINVAL for a malformed file; -ENOENT if the file
 * cannot be opened (whatever the reason); -EIO if reading it fails (a
 * directory, say).
 */
int profile_parse_file(const char *path, struct platform_profile *out,
		       char *err, size_t errlen);

/**
 * profile_load() - find a profile by name or path and parse it
 * @name: a name of 1-63 characters [A-Za-z0-9._-], looked up as
 *        NAME.profile in profile_dir(); or a path if it contains a '/'
 * @out: as for profile_parse_file()
 * @err: on failure, what was wrong
 * @errlen: size of @err
 *
 * Context: any thread.
 * Return: as profile_parse_file(), where -ENOENT for a name says which file
 * was tried and lists the profiles found; -EINVAL also for a name that is
 * neither a valid name nor a path.
 */
int profile_load(const char *name, struct platform_profile *out, char *err,
		 size_t errlen);

/**
 * profile_dir() - the directory profile_load() searches
 *
 * Context: any thread.
 * Return: the DMAREUSE_PROFILE_DIR environment variable if set and not
 * empty, else the profiles/ directory of the tree this was built from.
 */
const char *profile_dir(void);

/**
 * profile_list() - the names of the profiles in profile_dir()
 * @names: receives the names, without ".profile", sorted
 * @max: room in @names (may be 0, to count)
 *
 * Files named NAME.profile count when NAME has 1-63 characters.  When more
 * than @max profiles exist, the first @max found in directory order are
 * kept, then sorted.
 *
 * Context: any thread.
 * Return: the number of profiles found (of which the first @max are
 * written to @names), or -errno if the directory cannot be read.
 */
ssize_t profile_list(char names[][64], size_t max);

#endif
