/* SPDX-License-Identifier: Apache-2.0 */
/*
 * statekill: kill -9 a process that saves a state record, at random
 * moments, and check what each kill leaves (issue 7, "Faults"):
 *
 *	statekill [-j] [-n kills] [-s KiB] DIR
 *
 * DIR becomes the state directory (OCT_STATE_DIR).  For each kill a child
 * saves two versions of one record, of about KiB each (default 256), by
 * turns and forever, with state_record_save and state_record_update by
 * turns too; it is SIGKILLed after a random delay of up to three saves.
 * Then amphorae/amp-k.json must parse and be one of the two versions, and
 * no other file of amphorae/ may end in ".json" (what oct-health-sweep
 * reads).  At the end the temporaries the kills left are aged past
 * state.c's stale limit, a young one is laid beside them, and one more
 * process saves: the stale ones must go and the young one stay.
 *
 * Prints one line of figures (-j: one JSON object) and exits 0, or 70
 * when a record was torn or missing, a temporary looked like a record or
 * the sweep failed; 64 on misuse, 71 when a system call failed.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "state.h"

#define ID		"amp-k"
#define YOUNG		ID ".json.tmpYoung1"
#define MEASURE_N	10

struct count {
	int	 temps;		/* afile-style temporaries */
	int	 mistaken;	/* other names ending in .json */
};

static json_t	*rec[2];
static char	 dir[PATH_MAX];	/* DIR/amphorae */

static void __attribute__((__noreturn__))
usage(int code)
{
	fprintf(code ? stderr : stdout,
	    "usage: statekill [-j] [-n kills] [-s KiB] DIR\n");
	exit(code);
}

static double
now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Save version k % 2, by state_record_save or _update by turns. */
static void
save(unsigned long k)
{
	int	 rc;

	if ((k / 2) % 2 == 0)
		rc = state_record_save(rec[k % 2]);
	else
		rc = state_record_update(rec[k % 2]);
	if (rc == -1)
		_exit(EX_IOERR);
}

/* In a child: n saves from k (n 0: forever).  Never returns. */
static void __attribute__((__noreturn__))
saver(unsigned long k, unsigned long n)
{
	unsigned long	 i;

	for (i = 0; n == 0 || i < n; i++)
		save(k + i);
	_exit(0);
}

/* Fork a saver of n saves from k and wait for it. */
static void
saves(unsigned long k, unsigned long n)
{
	pid_t	 pid;
	int	 status;

	if ((pid = fork()) == -1)
		err(EX_OSERR, "fork");
	if (pid == 0)
		saver(k, n);
	if (waitpid(pid, &status, 0) == -1)
		err(EX_OSERR, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		errx(EX_OSERR, "a save failed (status %d)", status);
}

static void
scan(struct count *c)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n;

	memset(c, 0, sizeof(*c));
	if ((d = opendir(dir)) == NULL)
		err(EX_OSERR, "%s", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (afile_is_temp(de->d_name))
			c->temps++;
		else if (n > 5 && strcmp(de->d_name + n - 5, ".json") == 0 &&
		    strcmp(de->d_name, ID ".json") != 0)
			c->mistaken++;
	}
	(void)closedir(d);
}

/* Set the times of every temporary in dir to age_s seconds ago. */
static void
age_temps(time_t age_s)
{
	struct timespec	 ts[2];
	DIR		*d;
	struct dirent	*de;

	ts[0].tv_sec = ts[1].tv_sec = time(NULL) - age_s;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	if ((d = opendir(dir)) == NULL)
		err(EX_OSERR, "%s", dir);
	while ((de = readdir(d)) != NULL)
		if (afile_is_temp(de->d_name) && utimensat(dirfd(d), de->d_name,
		    ts, 0) == -1)
			err(EX_OSERR, "%s/%s", dir, de->d_name);
	(void)closedir(d);
}

static json_t *
record(int version, size_t kib)
{
	char	*pad;
	json_t	*r;

	if ((pad = malloc(kib * 1024 + 1)) == NULL)
		err(EX_OSERR, "malloc");
	memset(pad, version == 1 ? 'a' : 'b', kib * 1024);
	pad[kib * 1024] = '\0';
	r = json_pack("{s:s, s:i, s:s}", "id", ID, "version", version,
	    "pad", pad);
	free(pad);
	if (r == NULL)
		errx(EX_OSERR, "json_pack");
	return r;
}

int
main(int argc, char *argv[])
{
	struct count	 c;
	struct timespec	 delay;
	char		 path[PATH_MAX];
	const char	*es;
	json_t		*got;
	double		 t0, save_ms, max_us;
	long long	 kills = 300, kib = 256, i;
	unsigned long	 k = 0;
	pid_t		 pid;
	int		 ch, json = 0, fd, torn = 0, missing = 0, mistaken = 0;
	int		 first = 0, second = 0, left, swept, young, bad;

	while ((ch = getopt(argc, argv, "hjn:s:")) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'j':
			json = 1;
			break;
		case 'n':
			kills = strtonum(optarg, 1, 1000000, &es);
			if (es != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, es);
			break;
		case 's':
			kib = strtonum(optarg, 1, 3 * 1024, &es);
			if (es != NULL)
				errx(EX_USAGE, "-s %s: %s", optarg, es);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(EX_USAGE);
	if (setenv("OCT_STATE_DIR", argv[0], 1) == -1)
		err(EX_OSERR, "setenv");
	if ((size_t)snprintf(dir, sizeof(dir), "%s/amphorae", argv[0]) >=
	    sizeof(dir))
		errx(EX_USAGE, "%s: path too long", argv[0]);
	rec[0] = record(1, kib);
	rec[1] = record(2, kib);

	/*
	 * Saves run in children only: a process sweeps on its first save,
	 * and the last check needs one that has not.
	 */
	t0 = now_ms();
	saves(k, MEASURE_N);
	k += MEASURE_N;
	save_ms = (now_ms() - t0) / MEASURE_N;
	max_us = save_ms * 3 * 1000;

	for (i = 0; i < kills; i++) {
		if ((pid = fork()) == -1)
			err(EX_OSERR, "fork");
		if (pid == 0)
			saver(k, 0);
		/* Next: the other version first, save and update shifted. */
		k += 3;
		delay.tv_sec = 0;
		delay.tv_nsec = (long)arc4random_uniform((uint32_t)max_us +
		    1) * 1000;
		while (delay.tv_nsec >= 1000000000L) {
			delay.tv_sec++;
			delay.tv_nsec -= 1000000000L;
		}
		(void)nanosleep(&delay, NULL);
		if (kill(pid, SIGKILL) == -1)
			err(EX_OSERR, "kill %d", (int)pid);
		if (waitpid(pid, NULL, 0) == -1)
			err(EX_OSERR, "waitpid");
		if ((got = state_record_load(ID)) == NULL) {
			if (errno == ENOENT)
				missing++;
			else
				torn++;
		} else if (json_equal(got, rec[0]))
			first++;
		else if (json_equal(got, rec[1]))
			second++;
		else
			torn++;
		json_decref(got);
		scan(&c);
		mistaken += c.mistaken;
	}

	/* The sweep: stale temporaries go, a young one stays. */
	scan(&c);
	left = c.temps;
	age_temps(3600);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, YOUNG) >=
	    sizeof(path))
		errx(EX_USAGE, "%s: path too long", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1 || close(fd) == -1)
		err(EX_OSERR, "%s", path);
	saves(k, 1);
	scan(&c);
	young = access(path, F_OK) == 0;
	swept = left + 1 - c.temps;
	if (unlink(path) == -1 && errno != ENOENT)
		err(EX_OSERR, "%s", path);
	bad = torn > 0 || missing > 0 || mistaken > 0 || !young ||
	    c.temps != 1;

	if (json) {
		printf("{\"kills\":%lld,\"record_kib\":%lld,"
		    "\"save_ms\":%.2f,\"max_delay_ms\":%.2f,\"whole\":%d,"
		    "\"first\":%d,\"second\":%d,\"torn\":%d,"
		    "\"missing\":%d,\"mistaken\":%d,\"left\":%d,"
		    "\"swept\":%d,\"young_kept\":%s}\n", kills, kib, save_ms,
		    max_us / 1000, first + second, first, second, torn, missing,
		    mistaken, left, swept, young ? "true" : "false");
	} else {
		printf("%lld kills of a process saving %lld KiB records "
		    "(save and update by turns, %.1f ms each, killed 0 to "
		    "%.1f ms in): %d whole records after (%d first, %d "
		    "second), %d torn, %d missing, %d temporaries read as "
		    "records; %d temporaries left, %d removed by the next "
		    "process's save once stale, the young one %s\n", kills,
		    kib, save_ms, max_us / 1000, first + second, first, second,
		    torn, missing, mistaken, left, swept,
		    young ? "kept" : "removed");
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	json_decref(rec[0]);
	json_decref(rec[1]);
	return bad ? EX_SOFTWARE : 0;
}
