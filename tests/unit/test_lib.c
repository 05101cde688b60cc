/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the small lib modules: exitcode, ident, afile, state. */
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "exitcode.h"
#include "ident.h"
#include "jrec.h"
#include "state.h"
#include "tool.h"
#include "t.h"

static void
test_exitcode(void)
{
	T_STREQ(exitcode_name(EX_DATAERR), "EX_DATAERR", "name of 65");
	T_STREQ(exitcode_name(1), NULL, "1 is not an oct code");
	T_INTEQ(exitcode_from_name("EX_TEMPFAIL"), 75, "EX_TEMPFAIL is 75");
	T_INTEQ(exitcode_from_name("EX_NOPE"), -1, "unknown name");
	T_INTEQ(exitcode_from_name(NULL), -1, "NULL name");
}

static void
test_ident(void)
{
	static const struct {
		const char	*s;
		int		 ok;
	} t[] = {
		{ "amp-1", 1 },
		{ "7b1e0c2a-1111-2222-3333-444455556666", 1 },
		{ "server.pem", 1 },
		{ "a_b.C-9", 1 },
		{ "", 0 },
		{ ".", 0 },
		{ "..", 0 },
		{ ".hidden", 0 },
		{ "../etc", 0 },
		{ "a/b", 0 },
		{ "a b", 0 },
		{ "a%2f", 0 },
		{ "a\n", 0 },
		{ "\xc3\xa9", 0 },
	};
	char	 big[IDENT_MAX + 2];
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char	 what[80];

		snprintf(what, sizeof(what), "ident_ok(\"%s\") == %d",
		    t[i].s, t[i].ok);
		T_INTEQ(ident_ok(t[i].s), t[i].ok, what);
	}
	T_INTEQ(ident_ok(NULL), 0, "ident_ok(NULL)");
	memset(big, 'a', IDENT_MAX);
	big[IDENT_MAX] = '\0';
	T_INTEQ(ident_ok(big), 1, "IDENT_MAX characters are fine");
	big[IDENT_MAX] = 'a';
	big[IDENT_MAX + 1] = '\0';
	T_INTEQ(ident_ok(big), 0, "IDENT_MAX + 1 characters are not");
}

/* Files in dir whose name holds ".tmp": afile's temporaries. */
static int
leftovers(const char *dir)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".tmp") != NULL)
			n++;
	closedir(d);
	return n;
}

static void
test_afile(const char *dir)
{
	char		 path[PATH_MAX], sub[PATH_MAX], *buf;
	struct stat	 st;
	size_t		 len;

	snprintf(path, sizeof(path), "%s/f", dir);
	T_INTEQ(afile_write(path, "one", 3, 0640, 0), 0, "write new file");
	T_OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640,
	    "mode as asked");
	T_INTEQ(afile_write(path, "two!", 4, 0600, 0), 0, "replace");
	buf = afile_read(path, 100, &len);
	T_STREQ(buf, "two!", "read back the new content");
	T_INTEQ(len, 4, "length");
	free(buf);
	T_INTEQ(afile_write(path, "x", 1, 0600, AFILE_NOREPLACE), -1,
	    "NOREPLACE refuses an existing file");
	T_INTEQ(errno, EEXIST, "with EEXIST");
	buf = afile_read(path, 100, NULL);
	T_STREQ(buf, "two!", "and leaves it alone");
	free(buf);
	T_INTEQ(afile_write(path, "three", 5, 0600, AFILE_EXISTING), 0,
	    "EXISTING replaces an existing file");
	buf = afile_read(path, 100, NULL);
	T_STREQ(buf, "three", "with the new content");
	free(buf);
	snprintf(sub, sizeof(sub), "%s/gone", dir);
	T_INTEQ(afile_write(sub, "x", 1, 0600, AFILE_EXISTING), -1,
	    "EXISTING refuses a missing file");
	T_INTEQ(errno, ENOENT, "with ENOENT");
	T_OK(access(sub, F_OK) == -1 && errno == ENOENT,
	    "and creates nothing");
	T_INTEQ(leftovers(dir), 0, "no temporary file is left behind");
	snprintf(sub, sizeof(sub), "%s/l", dir);
	T_INTEQ(afile_write(sub, "old", 3, 0600, 0), 0, "a file to link over");
	T_INTEQ(afile_link(path, sub), 0, "link replaces it");
	buf = afile_read(sub, 100, NULL);
	T_STREQ(buf, "three", "with the source's content");
	free(buf);
	T_INTEQ(afile_link(path, sub), 0, "link over the same file");
	T_INTEQ(leftovers(dir), 0, "still no temporary file");
	T_INTEQ(afile_link(sub, sub), 0, "link of a file over itself");
	snprintf(sub, sizeof(sub), "%s/gone", dir);
	T_OK(afile_link(sub, path) == -1 && errno == ENOENT,
	    "link of a missing file is ENOENT");
	buf = afile_read(path, 100, NULL);
	T_STREQ(buf, "three", "and leaves the target alone");
	free(buf);
	/* a sysctl says size 0 and answers only a first read */
	buf = afile_read("/proc/sys/kernel/cap_last_cap", 64, &len);
	T_OK(buf != NULL && len > 1 && buf[len - 1] == '\n',
	    "a /proc/sys file is read whole");
	free(buf);
	T_OK(afile_read(path, 3, NULL) == NULL && errno == EFBIG,
	    "read over max is EFBIG");
	T_OK(afile_read(dir, 100, NULL) == NULL && errno == EISDIR,
	    "read of a directory is EISDIR");
	snprintf(sub, sizeof(sub), "%s/nodir/f", dir);
	T_INTEQ(afile_write(sub, "x", 1, 0600, 0), -1,
	    "write into a missing directory fails");
	T_INTEQ(afile_private_ok(path), 0, "0600 is private");
	chmod(path, 0644);
	T_OK(afile_private_ok(path) == -1 && errno == EPERM,
	    "0644 is not private");
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	T_INTEQ(afile_mkdirs(sub, 0700), 0, "mkdirs");
	T_OK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700, "mkdirs made 0700 directories");
	T_INTEQ(afile_mkdirs(sub, 0700), 0, "mkdirs again is fine");
}

/* Create dir/name (a file holding "x") last written age_s seconds ago. */
static void
aged(const char *dir, const char *name, time_t age_s)
{
	struct timespec	 ts[2];
	char		 path[PATH_MAX];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs("x", f);
		fclose(f);
	}
	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age_s;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	utimensat(AT_FDCWD, path, ts, 0);
}

static int
exists(const char *dir, const char *name)
{
	char	 path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void
test_afile_sweep(const char *dir)
{
	char	 path[PATH_MAX];

	aged(dir, "a.json.tmpAb12Cd", 3600);	/* a dead writer's */
	aged(dir, "b.json.tmpXyZ789", 5);	/* maybe a live one's */
	aged(dir, "c.json", 3600);		/* a record */
	aged(dir, "d.tmp", 3600);		/* not mkstemp's */
	aged(dir, "e.json.tmpAb-2Cd", 3600);	/* not mkstemp's letters */
	aged(dir, ".tmpAbcdef", 3600);		/* no name before .tmp */
	snprintf(path, sizeof(path), "%s/f.tmpAbcdef", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/g.tmpAbcdef", dir);
	T_INTEQ(symlink("c.json", path), 0, "a link named like a temporary");
	T_INTEQ(afile_sweep(dir, 60), 1, "sweep removes one stale temporary");
	T_OK(!exists(dir, "a.json.tmpAb12Cd"), "the stale one is gone");
	T_OK(exists(dir, "b.json.tmpXyZ789"), "a young one stays");
	T_OK(exists(dir, "c.json") && exists(dir, "d.tmp") &&
	    exists(dir, "e.json.tmpAb-2Cd") && exists(dir, ".tmpAbcdef"),
	    "other names stay");
	T_OK(exists(dir, "f.tmpAbcdef") && exists(dir, "g.tmpAbcdef") &&
	    exists(dir, "c.json"), "a directory and a link stay, and its target");
	T_INTEQ(afile_sweep(dir, 0), 1, "age 0 removes the young one too");
	T_OK(afile_sweep("/nonexistent", 0) == -1 && errno == ENOENT,
	    "a missing directory is -1 ENOENT");
}

static void
test_state(const char *dir)
{
	char		 path[PATH_MAX], want[PATH_MAX], *buf;
	json_t		*rec, *got;
	struct stat	 st;
	size_t		 len;

	setenv("OCT_STATE_DIR", dir, 1);
	T_STREQ(state_dir(), dir, "OCT_STATE_DIR wins");
	T_INTEQ(state_path(path, sizeof(path), "ca/%s", "ca.pem"), 0,
	    "state_path");
	snprintf(want, sizeof(want), "%s/ca/ca.pem", dir);
	T_STREQ(path, want, "state_path joins");
	T_INTEQ(state_path(path, 8, "ca/ca.pem"), -1, "truncation is -1");
	rec = json_pack("{s:s, s:i}", "id", "amp-1", "n", 1);
	T_INTEQ(state_record_save(rec), 0, "save a record");
	snprintf(path, sizeof(path), "%s/amphorae/amp-1.json", dir);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "record is 0600");
	snprintf(path, sizeof(path), "%s/amphorae", dir);
	T_OK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0700,
	    "amphorae/ is 0700");
	got = state_record_load("amp-1");
	T_OK(got != NULL && json_equal(got, rec), "load it back");
	json_decref(got);
	json_object_set_new(rec, "n", json_integer(2));
	T_INTEQ(state_record_update(rec), 0, "update an existing record");
	got = state_record_load("amp-1");
	T_OK(got != NULL && json_equal(got, rec), "load the update back");
	json_decref(got);
	snprintf(path, sizeof(path), "%s/amphorae/amp-1.json", dir);
	buf = afile_read(path, 4096, &len);
	T_OK(buf != NULL && len > 0 && buf[len - 1] == '\n' &&
	    strchr(buf, '\n') == buf + len - 1, "a record is one line");
	free(buf);
	got = json_pack("{s:s}", "id", "amp-2");
	T_OK(state_record_update(got) == -1 && errno == ENOENT,
	    "update of a missing record: ENOENT");
	T_OK(state_record_load("amp-2") == NULL && errno == ENOENT,
	    "and it stays missing");
	json_decref(got);
	T_OK(state_record_load("nope") == NULL && errno == ENOENT,
	    "load a missing record: ENOENT");
	T_OK(state_record_load("../x") == NULL && errno == EINVAL,
	    "load a bad id: EINVAL");
	json_object_set_new(rec, "id", json_string("../../etc/passwd"));
	T_INTEQ(state_record_save(rec), -1, "save refuses a bad id");
	snprintf(path, sizeof(path), "%s/ca", dir);
	fclose(fopen(path, "w"));
	T_OK(state_mkdir("ca") == -1 && errno == ENOTDIR,
	    "a file where a state directory belongs is an error");
	T_INTEQ(state_record_remove("amp-1"), 0, "remove");
	T_INTEQ(state_record_remove("amp-1"), 0, "remove again is fine");
	json_decref(rec);
}

/* afile_rmtree: a whole tree, no link followed, no mount crossed. */
static void
test_afile_rmtree(const char *dir)
{
	char	 path[PATH_MAX], mnt[PATH_MAX];
	FILE	*fp;

	T_INTEQ(mkdir(dir, 0700), 0, "rmtree: a directory");
	snprintf(path, sizeof(path), "%s/a", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/a/b", dir);
	(void)mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/a/b/f", dir);
	if ((fp = fopen(path, "w")) != NULL)
		(void)fclose(fp);
	/* A link out of the tree is removed, not followed. */
	snprintf(path, sizeof(path), "%s/a/l", dir);
	T_INTEQ(symlink("/etc", path), 0, "rmtree: make a link");
	snprintf(path, sizeof(path), "%s/a/dl", dir);
	T_INTEQ(symlink("/etc/", path), 0, "rmtree: make a link to a dir");
	/* A mount below is not crossed, and what it holds stays. */
	snprintf(mnt, sizeof(mnt), "%s/a/m", dir);
	(void)mkdir(mnt, 0700);
	if (geteuid() == 0 && mount("oct", mnt, "tmpfs", 0, NULL) == 0) {
		snprintf(path, sizeof(path), "%s/keep", mnt);
		if ((fp = fopen(path, "w")) != NULL)
			(void)fclose(fp);
		errno = 0;
		T_INTEQ(afile_rmtree(dir), -1, "rmtree: a mount below fails");
		T_INTEQ(errno, EXDEV, "rmtree: with EXDEV");
		T_INTEQ(access(path, F_OK), 0, "rmtree: the mount's files stay");
		T_INTEQ(umount(mnt), 0, "rmtree: umount");
	}
	T_INTEQ(afile_rmtree(dir), 0, "rmtree: a tree");
	T_INTEQ(access(dir, F_OK), -1, "rmtree: gone");
	T_INTEQ(access("/etc/passwd", F_OK), 0, "rmtree: link not followed");
	T_INTEQ(afile_rmtree(dir), 0, "rmtree: missing is no error");
	if ((fp = fopen(dir, "w")) != NULL)
		(void)fclose(fp);
	T_INTEQ(afile_rmtree(dir), 0, "rmtree: a plain file");
	T_INTEQ(access(dir, F_OK), -1, "rmtree: the file is gone");
	errno = 0;
	T_INTEQ(afile_rmtree("/tmp/.."), -1, "rmtree: \"..\" is refused");
	T_INTEQ(errno, EINVAL, "rmtree: with EINVAL");
}

/* tool: closed descriptors become /dev/null; numbers in range. */
static void
test_tool(void)
{
	struct stat	 st, null;
	pid_t		 pid;
	int		 status, bad = 0;

	pid = fork();
	if (pid == 0) {
		(void)close(1);
		if (tool_start(0) != 0 || fstat(1, &st) == -1 ||
		    stat("/dev/null", &null) == -1 || st.st_rdev != null.st_rdev)
			_exit(1);
		_exit(0);
	}
	T_OK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "tool_start: a closed stdout is /dev/null");
	T_INTEQ(tool_num("--n", "42", 1, 100, &bad), 42, "tool_num: 42");
	T_INTEQ(bad, 0, "tool_num: 42 is good");
	T_INTEQ(tool_num("--n", "12abc", 1, 100, &bad), 0, "tool_num: 12abc");
	T_INTEQ(tool_num("--n", "0", 1, 100, &bad), 0, "tool_num: 0 < 1");
	T_INTEQ(tool_num("--n", "101", 1, 100, &bad), 0, "tool_num: 101");
	T_INTEQ(tool_num("--n", "", 1, 100, &bad), 0, "tool_num: empty");
	T_INTEQ(tool_num("--n", " 5", 1, 100, &bad), 0, "tool_num: blank");
	T_INTEQ(bad, 5, "tool_num: each bad one counted");
}

int
main(void)
{
	char	 dir[] = "/tmp/oct-unit.XXXXXX", sub[PATH_MAX];
	char	 cmd[PATH_MAX + 16];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_exitcode();
	test_ident();
	test_tool();
	snprintf(sub, sizeof(sub), "%s/afile", dir);
	mkdir(sub, 0700);
	test_afile(sub);
	snprintf(sub, sizeof(sub), "%s/sweep", dir);
	mkdir(sub, 0700);
	test_afile_sweep(sub);
	snprintf(sub, sizeof(sub), "%s/state", dir);
	test_state(sub);
	snprintf(sub, sizeof(sub), "%s/rmtree", dir);
	test_afile_rmtree(sub);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
