/* SPDX-License-Identifier: Apache-2.0 */
/*
 * afile: files written whole or not at all.  A write goes to a temporary
 * file in the target's directory (created 0600 with O_EXCL), is fsync'd,
 * given its final mode and renamed over the target; the directory is then
 * fsync'd.  A crash at any point leaves the old file or the new one.
 */
#ifndef OCT_AFILE_H
#define OCT_AFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

/* afile_write flags */
#define AFILE_NOREPLACE	0x01	/* fail with EEXIST if path exists */
#define AFILE_EXISTING	0x02	/* fail with ENOENT unless path exists */

/*
 * Write len bytes of buf to path atomically with the given mode.
 * Returns 0, or -1 with errno set and a warning logged; with AFILE_EXISTING,
 * a path that is not there is -1 with errno ENOENT and nothing logged (the
 * check and the replacement are one step: a file removed meanwhile stays
 * removed).
 */
int	 afile_write(const char *path, const void *buf, size_t len,
	    mode_t mode, int flags);

/*
 * Make dst another name of src's file (a hard link), replacing dst in one
 * step: the link is made under a temporary name, "<dst>.tmpLINKED", and
 * renamed over dst.  One process at a time per dst.  Returns 0, or -1 with
 * errno set and a warning logged.
 */
int	 afile_link(const char *src, const char *dst);

/*
 * Read a whole file of at most max bytes.  Returns a NUL-terminated buffer
 * owned by the caller (free it, or freezero it if it held a secret) and its
 * length in *lenp, or NULL with errno set (EFBIG when larger than max).
 * Nothing is logged.
 */
char	*afile_read(const char *path, size_t max, size_t *lenp);

/* afile_read of the open file fd (a regular file), which stays open. */
char	*afile_readfd(int fd, size_t max, size_t *lenp);

/*
 * Remove the temporaries that afile_write leaves when its process dies
 * between creating and renaming one ("<name>.tmpXXXXXX"; regular files
 * only) from the directory dir, when they were last written at least
 * age_s seconds ago: a live writer's file is younger.  Returns how many
 * were removed, or -1 with errno set when dir cannot be read.  Nothing is
 * logged.
 */
int	 afile_sweep(const char *dir, time_t age_s);

/* Is name one of those temporaries?  Returns 1 or 0. */
int	 afile_is_temp(const char *name);

/* mkdir -p with mode for each directory created.  Returns 0 or -1. */
int	 afile_mkdirs(const char *path, mode_t mode);

/*
 * Check that a private key file is not accessible to group or others.
 * Returns 0 when it is private, -1 with errno EPERM when it is not, or -1
 * with the stat(2) errno.
 */
int	 afile_private_ok(const char *path);

/*
 * Remove path and everything below it, following no symbolic link and
 * crossing no mount point (a mount below is an error, and stays).  A
 * missing path is no error.  Returns 0, or -1 with errno set (not logged:
 * the caller says what it was removing).
 */
int	 afile_rmtree(const char *path);

#endif
