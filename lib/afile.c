/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "log.h"

static int
dir_of(const char *path, char *dir, size_t dirsz)
{
	const char	*slash;
	size_t		 n;

	if ((slash = strrchr(path, '/')) == NULL)
		return strlcpy(dir, ".", dirsz) >= dirsz ? -1 : 0;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirsz)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

static int
fsync_dir(const char *dir)
{
	int	 fd, rc = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1 && errno != EINVAL)
		rc = -1;
	(void)close(fd);
	return rc;
}

/*
 * Rename tmp over path only when path exists.  renameat2's RENAME_EXCHANGE
 * checks and swaps in one step (the old file then sits at tmp, which is
 * removed); a file system without it gets a stat, then a rename.
 */
static int
replace_existing(const char *tmp, const char *path)
{
	struct stat	 st;

	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (unlink(tmp) == -1)
			log_warn("%s", tmp);
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (lstat(path, &st) == -1)
		return -1;
	return rename(tmp, path);
}

int
afile_write(const char *path, const void *buf, size_t len, mode_t mode,
    int flags)
{
	char		 dir[PATH_MAX], tmp[PATH_MAX];
	const char	*p = buf;
	ssize_t		 n;
	int		 fd = -1, rc = -1, saved;

	if (dir_of(path, dir, sizeof(dir)) == -1 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		log_warnx("%s: path too long", path);
		return -1;
	}
	/* mkstemp creates the file 0600 with O_EXCL. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		log_warn("%s: create temporary file", dir);
		return -1;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: write", tmp);
			goto out;
		}
		p += n;
		len -= n;
	}
	if (fchmod(fd, mode) == -1) {
		log_warn("%s: fchmod", tmp);
		goto out;
	}
	if (fsync(fd) == -1) {
		log_warn("%s: fsync", tmp);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		log_warn("%s: close", tmp);
		goto out;
	}
	fd = -1;
	if (flags & AFILE_NOREPLACE) {
		/* link(2) fails with EEXIST rather than replacing. */
		if (link(tmp, path) == -1) {
			log_warn("%s", path);
			goto out;
		}
		(void)unlink(tmp);
	} else if (flags & AFILE_EXISTING) {
		if (replace_existing(tmp, path) == -1) {
			if (errno != ENOENT)
				log_warn("%s: rename", path);
			goto out;
		}
	} else if (rename(tmp, path) == -1) {
		log_warn("%s: rename", path);
		goto out;
	}
	tmp[0] = '\0';
	if (fsync_dir(dir) == -1) {
		log_warn("%s: fsync", dir);
		goto out;
	}
	rc = 0;
out:
	saved = errno;
	if (fd != -1)
		(void)close(fd);
	if (rc == -1 && tmp[0] != '\0')
		(void)unlink(tmp);
	errno = saved;
	return rc;
}

int
afile_link(const char *src, const char *dst)
{
	char	 dir[PATH_MAX], tmp[PATH_MAX];

	if (dir_of(dst, dir, sizeof(dir)) == -1 ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s.tmpLINKED", dst) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		log_warnx("%s: path too long", dst);
		return -1;
	}
	(void)unlink(tmp);	/* left by a process killed here */
	if (link(src, tmp) == -1) {
		log_warn("%s: link", src);
		return -1;
	}
	if (rename(tmp, dst) == -1) {
		log_warn("%s: rename", dst);
		(void)unlink(tmp);
		return -1;
	}
	/* When they were one file already, rename did nothing. */
	(void)unlink(tmp);
	if (fsync_dir(dir) == -1) {
		log_warn("%s: fsync", dir);
		return -1;
	}
	return 0;
}

/* afile_write's temporaries end in ".tmp" and mkstemp's six characters. */
int
afile_is_temp(const char *name)
{
	size_t	 n = strlen(name), i;

	if (n <= 10 || strncmp(name + n - 10, ".tmp", 4) != 0)
		return 0;
	for (i = n - 6; i < n; i++)
		if (!isalnum((unsigned char)name[i]))
			return 0;
	return 1;
}

int
afile_sweep(const char *dir, time_t age_s)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	time_t		 now = time(NULL);
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (!afile_is_temp(de->d_name) || fstatat(dirfd(d), de->d_name,
		    &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode) ||
		    st.st_mtime > now - age_s)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0)
			n++;
	}
	(void)closedir(d);
	return n;
}

char *
afile_read(const char *path, size_t max, size_t *lenp)
{
	char	*buf;
	int	 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	buf = afile_readfd(fd, max, lenp);
	saved = errno;
	(void)close(fd);
	errno = saved;
	return buf;
}

char *
afile_readfd(int fd, size_t max, size_t *lenp)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0;
	ssize_t		 n;
	int		 saved;

	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	/*
	 * /proc and /sys files say size 0, and a sysctl answers only a read
	 * at offset 0: the first read must be big enough for all of it.
	 */
	cap = (st.st_size > 0 ? (size_t)st.st_size : (max < 4096 ? max : 4096))
	    + 1;
	if ((buf = malloc(cap)) == NULL)
		goto fail;
	for (;;) {
		if (len + 1 >= cap) {
			char	*nb;

			if (cap > max + 1) {
				errno = EFBIG;
				goto fail;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += n;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
fail:
	saved = errno;
	if (buf != NULL)
		freezero(buf, cap);
	errno = saved;
	return NULL;
}

int
afile_mkdirs(const char *path, mode_t mode)
{
	char	 buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

int
afile_private_ok(const char *path)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		return -1;
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

#define RMTREE_DEPTH	32

/* Remove name below the directory dfd (on device dev), recursively. */
static int
rmtree_at(int dfd, const char *name, dev_t dev, int depth)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 fd, rc = 0, saved = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) == -1 && errno != ENOENT ? -1 : 0;
	if (st.st_dev != dev) {
		errno = EXDEV;
		return -1;
	}
	if (depth >= RMTREE_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (rmtree_at(dirfd(d), de->d_name, dev, depth + 1) == -1 &&
		    rc == 0) {
			rc = -1;
			saved = errno;
		}
	}
	(void)closedir(d);
	if (rc == 0 && unlinkat(dfd, name, AT_REMOVEDIR) == -1 &&
	    errno != ENOENT)
		return -1;
	errno = saved;
	return rc;
}

int
afile_rmtree(const char *path)
{
	char		 parent[PATH_MAX];
	const char	*name, *slash;
	struct stat	 st;
	int		 dfd, rc;

	if ((slash = strrchr(path, '/')) == NULL) {
		(void)strlcpy(parent, ".", sizeof(parent));
		name = path;
	} else {
		if ((size_t)(slash - path) >= sizeof(parent)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(parent, path, slash - path);
		parent[slash - path] = '\0';
		if (parent[0] == '\0')
			(void)strlcpy(parent, "/", sizeof(parent));
		name = slash + 1;
	}
	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		rc = errno == ENOENT ? 0 : -1;
	else
		rc = rmtree_at(dfd, name, st.st_dev, 0);
	(void)close(dfd);
	return rc;
}
