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

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cmdq_model {
	CMDQ_LOCK,	/* one lock around issue, as arm-smmu-v3 before Linux 5.4 */
	CMDQ_BATCH,	/* lock-free reservation; only the hardware serialises */
};

#define PROFILE_MAX_SOURCES 16

struct platform_profile {
	char name[64];
	char description[256];
	char file[512];			/* where it was read from */
	unsigned int iotlb_sets;	/* power of two */
	unsigned int iotlb_ways;
	enum cmdq_model cmdq_model;
	uint64_t cmdq_issue_ns;		/* CPU cost to issue one batch */
	uint64_t cmdq_issue_per_cmd_ns;	/* CPU cost per command in a batch */
	uint64_t inv_range_ns;		/* hardware time per range invalidation */
	uint64_t inv_domain_ns;		/* hardware time per domain invalidation */
	uint64_t inv_all_ns;		/* hardware time per global invalidation */
	uint64_t sync_ns;		/* hardware time of CMD_SYNC */
	uint64_t iotlb_miss_ns;		/* device-side page-walk cost per miss */
	unsigned int nsources;
	char sources[PROFILE_MAX_SOURCES][256];
};

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
