/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "state.h"

#define RECORD_MAX	(4 * 1024 * 1024)
#define TMP_STALE_S	600	/* no live writer holds a temporary so long */

const char *
state_dir(void)
{
	static char	 dir[PATH_MAX];
	const char	*e, *home;
	int		 n;

	if (dir[0] != '\0')
		return dir;
	if ((e = getenv("OCT_STATE_DIR")) != NULL && e[0] != '\0')
		n = snprintf(dir, sizeof(dir), "%s", e);
	else if (geteuid() == 0)
		n = snprintf(dir, sizeof(dir), "/var/lib/oct");
	else if ((e = getenv("XDG_STATE_HOME")) != NULL && e[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/oct", e);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/.local/state/oct", home);
	else {
		log_warnx("no state directory: set OCT_STATE_DIR");
		return NULL;
	}
	if (n < 0 || (size_t)n >= sizeof(dir)) {
		dir[0] = '\0';
		log_warnx("state directory path too long");
		return NULL;
	}
	return dir;
}

int
state_path(char *buf, size_t bufsz, const char *fmt, ...)
{
	const char	*dir;
	char		 rel[PATH_MAX];
	va_list		 ap;
	int		 n;

	if ((dir = state_dir()) == NULL)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel))
		goto toolong;
	n = snprintf(buf, bufsz, "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= bufsz)
		goto toolong;
	return 0;
toolong:
	log_warnx("%s: path too long", dir);
	return -1;
}

/* mkdir path 0700 unless a directory is there already. */
static int
mkdir_one(const char *path)
{
	struct stat	 st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		goto fail;
	if (stat(path, &st) == -1)
		goto fail;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		goto fail;
	}
	return 0;
fail:
	log_warn("%s", path);
	return -1;
}

int
state_mkdir(const char *sub)
{
	const char	*dir;
	char		 path[PATH_MAX];

	if ((dir = state_dir()) == NULL)
		return -1;
	if (afile_mkdirs(dir, 0700) == -1) {
		log_warn("%s", dir);
		return -1;
	}
	if (mkdir_one(dir) == -1)
		return -1;
	if (sub == NULL)
		return 0;
	if (state_path(path, sizeof(path), "%s", sub) == -1)
		return -1;
	return mkdir_one(path);
}

static int
record_path(char *buf, size_t bufsz, const char *id)
{
	if (!ident_ok(id)) {
		errno = EINVAL;
		return -1;
	}
	return state_path(buf, bufsz, "amphorae/%s.json", id);
}

/*
 * A writer killed mid-save leaves its temporary, "<id>.json.tmpXXXXXX"
 * (afile_write's, or oct_save's in lib/oct.sh): never read as a record,
 * since it does not end in ".json", but they would pile up.  The first
 * save of each process removes the stale ones: oct-health-sweep's, at
 * least, runs from cron.
 */
static void
record_sweep(void)
{
	static int	 swept;
	char		 dir[PATH_MAX];
	int		 n;

	if (swept)
		return;
	swept = 1;
	if (state_path(dir, sizeof(dir), "amphorae") == -1)
		return;
	if ((n = afile_sweep(dir, TMP_STALE_S)) > 0)
		log_debug("%s: %d stale temporary files removed", dir, n);
}

/*
 * state_record_save and _update: write rec (keys sorted, one line) with
 * afile_write's flags.
 */
static int
record_write(const json_t *rec, int flags)
{
	char	 path[PATH_MAX], *text = NULL, *nl;
	size_t	 len;
	int	 rc = -1, saved;

	if (record_path(path, sizeof(path), jrec_id(rec)) == -1) {
		log_warnx("record id \"%s\" is not a safe name", jrec_id(rec));
		errno = EINVAL;
		return -1;
	}
	if (!(flags & AFILE_EXISTING) && state_mkdir("amphorae") == -1)
		return -1;
	record_sweep();
	if ((text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		log_warnx("%s: cannot encode record", jrec_id(rec));
		errno = ENOMEM;
		goto out;
	}
	/* A text file, one JSON line: cat(1) of several stays JSON Lines. */
	len = strlen(text);
	if ((nl = realloc(text, len + 2)) == NULL) {
		log_warn("%s", jrec_id(rec));
		goto out;
	}
	text = nl;
	text[len++] = '\n';
	text[len] = '\0';
	rc = afile_write(path, text, len, 0600, flags);
out:
	saved = errno;
	free(text);
	errno = saved;
	return rc;
}

int
state_record_save(const json_t *rec)
{
	return record_write(rec, 0);
}

int
state_record_update(const json_t *rec)
{
	return record_write(rec, AFILE_EXISTING);
}

json_t *
state_record_load(const char *id)
{
	char	 path[PATH_MAX], *buf, err[256];
	size_t	 len;
	json_t	*rec;

	if (record_path(path, sizeof(path), id) == -1)
		return NULL;
	if ((buf = afile_read(path, RECORD_MAX, &len)) == NULL)
		return NULL;
	rec = jrec_parse(buf, len, err, sizeof(err));
	free(buf);
	if (rec == NULL) {
		log_warnx("%s: %s", path, err);
		errno = EINVAL;
	}
	return rec;
}

int
state_record_remove(const char *id)
{
	char	 path[PATH_MAX];

	if (record_path(path, sizeof(path), id) == -1)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}
