/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hafloor: the floor under an agent's "upload a config, reload haproxy":
 * what haproxy alone needs for the same work.  It starts one haproxy in
 * master-worker mode (-W, master CLI socket) on a config, then for each
 * round installs the next config variant (temp file + rename), runs
 * `haproxy -c` on it and sends SIGUSR2 to the master, and counts the
 * reload done when the master's "show proc" lists a new current worker
 * and that worker answers "show info": the test oct-agent makes on the
 * master socket before it answers a reload.  With -u PORT it also
 * waits until 127.0.0.1:PORT serves an answer different from the
 * previous round's (the variants must answer differently).  Prints one
 * JSON line:
 *
 *	{"rounds":N,"p50_ms":X,"p99_ms":X,"check_p50_ms":X,
 *	 "reload_p50_ms":X,"serving_p50_ms":X}
 *
 * p50_ms/p99_ms: file write + haproxy -c + reload until the new worker is
 * listed.  serving_p50_ms: from the file write until the new answer.  -a
 * adds "all": [[total_ms, check_ms, reload_ms], ...], one per round.
 *
 *	hafloor [-ah] [-n rounds] [-u port] [-w timeout] haproxy dir variant
 *	    variant ...
 *
 * Exit status: 0, 64 misuse, 66 a variant unreadable, 73 dir not
 * writable, 75 haproxy did not start or reload in time, 71 a system call
 * failed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"

#define ROUNDS_MAX	10000
#define ANSWER_MAX	4096
#define VARIANT_MAX	(16 * 1024 * 1024)

struct floor {
	const char	*haproxy;
	char		 cfg[PATH_MAX];
	char		 tmp[PATH_MAX];
	char		 sock[PATH_MAX];
	char		 pidf[PATH_MAX];
	char		 log[PATH_MAX];
	pid_t		 master;
	int		 port;
	int		 timeout_s;
};

static void	usage(int) __attribute__((__noreturn__));

static void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: hafloor [-ah] [-n rounds] [-u port] [-w timeout] haproxy "
	    "dir variant variant ...\n");
	exit(code);
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
pause_us(long us)
{
	struct timespec	 ts = { 0, us * 1000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Install a config as an agent does: temp file, fsync, rename. */
static int
cfg_install(const struct floor *f, const char *buf, size_t len)
{
	size_t	 off = 0;
	ssize_t	 w;
	int	 fd;

	fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		warn("%s", f->tmp);
		return -1;
	}
	while (off < len) {
		if ((w = write(fd, buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			warn("%s", f->tmp);
			(void)close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		warn("%s", f->tmp);
		return -1;
	}
	if (rename(f->tmp, f->cfg) == -1) {
		warn("rename %s", f->cfg);
		return -1;
	}
	return 0;
}

/* Run argv with stdout and stderr to the log; returns its wait status. */
static pid_t
spawn(const struct floor *f, char *const argv[])
{
	pid_t	 pid;
	int	 fd;

	if ((pid = fork()) == -1) {
		warn("fork");
		return -1;
	}
	if (pid == 0) {
		fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd == -1 || dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
			_exit(EX_OSERR);
		execv(argv[0], argv);
		_exit(EX_OSERR);
	}
	return pid;
}

/* haproxy -c -q -f cfg: returns 0 when the config is valid. */
static int
cfg_check(const struct floor *f)
{
	char	*argv[] = { (char *)(uintptr_t)f->haproxy, "-c", "-q", "-f",
	    (char *)(uintptr_t)f->cfg, NULL };
	pid_t	 pid;
	int	 st;

	if ((pid = spawn(f, argv)) == -1)
		return -1;
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			warn("waitpid");
			return -1;
		}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		warnx("%s -c -f %s failed (see %s)", f->haproxy, f->cfg, f->log);
		return -1;
	}
	return 0;
}

/* Bound every read, write and connect on fd to one second. */
static int
sock_timeout(int fd)
{
	struct timeval	 tv = { 1, 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		return -1;
	return 0;
}

/*
 * Send one command to the master CLI and read its answer into buf (NUL
 * terminated).  Returns the answer's length, or -1 when the master does
 * not answer (it is re-executing itself during a reload).
 */
static ssize_t
cli(const struct floor *f, const char *cmd, char *buf, size_t sz)
{
	struct sockaddr_un	 sun;
	size_t			 off = 0, len = strlen(cmd);
	ssize_t			 r;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, f->sock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* The master answers once we stop writing. */
	if (sock_timeout(fd) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    write(fd, cmd, len) != (ssize_t)len || shutdown(fd, SHUT_WR) == -1) {
		(void)close(fd);
		return -1;
	}
	while (off < sz - 1 && (r = read(fd, buf + off, sz - 1 - off)) > 0)
		off += (size_t)r;
	(void)close(fd);
	buf[off] = '\0';
	return off == 0 ? -1 : (ssize_t)off;
}

/*
 * The pids of the current workers from the master's "show proc", into
 * pids[] (at most n).  Returns their count, or -1 when the master does not
 * answer.
 */
static int
workers(const struct floor *f, pid_t *pids, int n)
{
	char		 buf[8192], *line, *next;
	const char	*errstr;
	int		 cnt = 0, in_workers = 0;

	if (cli(f, "show proc\n", buf, sizeof(buf)) == -1)
		return -1;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#') {
			in_workers = strcmp(line, "# workers") == 0;
			continue;
		}
		if (!in_workers || cnt >= n)
			continue;
		line[strcspn(line, " \t")] = '\0';
		pids[cnt] = (pid_t)strtonum(line, 1, INT_MAX, &errstr);
		if (errstr == NULL)
			cnt++;
	}
	return cnt;
}

/*
 * Poll "show proc" until a worker not in old[] is current, then until
 * that worker answers "show info" on its own CLI through the master
 * ("@!<pid>"): what oct-agent waits for before it answers a reload.
 */
static int
wait_new_worker(struct floor *f, const pid_t *old, int nold)
{
	pid_t	 cur[64], w = 0;
	double	 end = now_ms() + f->timeout_s * 1e3;
	char	 cmd[64], want[32], buf[8192];
	int	 n, i, j;

	while (now_ms() < end) {
		if (waitpid(f->master, &n, WNOHANG) == f->master) {
			warnx("haproxy exited (see %s)", f->log);
			f->master = 0;
			return -1;
		}
		n = workers(f, cur, 64);
		for (i = 0; i < n && w == 0; i++) {
			for (j = 0; j < nold; j++)
				if (cur[i] == old[j])
					break;
			if (j == nold)
				w = cur[i];
		}
		if (w != 0)
			break;
		pause_us(200);
	}
	(void)snprintf(cmd, sizeof(cmd), "@!%d show info\n", (int)w);
	(void)snprintf(want, sizeof(want), "\nPid: %d\n", (int)w);
	while (w != 0 && now_ms() < end) {
		if (cli(f, cmd, buf, sizeof(buf)) > 0 &&
		    strstr(buf, want) != NULL)
			return 0;
		pause_us(200);
	}
	warnx("no new haproxy worker after %d s (see %s)", f->timeout_s,
	    f->log);
	return -1;
}

/*
 * GET / from 127.0.0.1:port over plain HTTP/1.0 into ans.  Returns the
 * answer's length or -1.
 */
static ssize_t
http_get(const struct floor *f, char *ans, size_t sz)
{
	struct sockaddr_in	 sin;
	static const char	 req[] = "GET / HTTP/1.0\r\n\r\n";
	size_t			 off = 0;
	ssize_t			 r;
	int			 fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)f->port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (sock_timeout(fd) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)sizeof(req) - 1) {
		(void)close(fd);
		return -1;
	}
	while (off < sz - 1 && (r = read(fd, ans + off, sz - 1 - off)) > 0)
		off += (size_t)r;
	(void)close(fd);
	ans[off] = '\0';
	return (ssize_t)off;
}

/* Poll 127.0.0.1:port until it answers something other than prev. */
static int
wait_serving(const struct floor *f, char *prev)
{
	char	 ans[ANSWER_MAX];
	double	 end = now_ms() + f->timeout_s * 1e3;
	ssize_t	 n;

	while (now_ms() < end) {
		if ((n = http_get(f, ans, sizeof(ans))) > 0 &&
		    strcmp(ans, prev) != 0) {
			memcpy(prev, ans, (size_t)n + 1);
			return 0;
		}
		pause_us(200);
	}
	warnx("127.0.0.1 port %d: no new answer after %d s", f->port,
	    f->timeout_s);
	return -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; sorts v. */
static double
pct(double *v, int n, double p)
{
	int	 k = (int)(p / 100.0 * n + 0.999999);

	qsort(v, (size_t)n, sizeof(double), cmp_double);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

static void
master_stop(struct floor *f)
{
	double	 end;
	int	 st;

	if (f->master <= 0)
		return;
	(void)kill(f->master, SIGTERM);
	for (end = now_ms() + 5000; now_ms() < end; pause_us(10000))
		if (waitpid(f->master, &st, WNOHANG) == f->master) {
			f->master = 0;
			return;
		}
	(void)kill(f->master, SIGKILL);
	(void)waitpid(f->master, &st, 0);
	f->master = 0;
}

int
main(int argc, char *argv[])
{
	struct floor	 f;
	char		**var = NULL, prev[ANSWER_MAX] = "";
	size_t		*varlen = NULL;
	double		*tot = NULL, *chk = NULL, *rel = NULL, *srv = NULL;
	double		 t0, t1, t2, t3;
	pid_t		 old[64] = { 0 };
	const char	*errstr, *dir;
	int		 ch, i, nv, nold, rounds = 20, code = EX_OSERR;
	int		 ne = 0, all = 0;

	memset(&f, 0, sizeof(f));
	f.timeout_s = 10;
	while ((ch = getopt(argc, argv, "ahn:u:w:")) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'h':
			usage(0);
		case 'n':
			rounds = (int)strtonum(optarg, 1, ROUNDS_MAX, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, errstr);
			break;
		case 'u':
			f.port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-u %s: %s", optarg, errstr);
			break;
		case 'w':
			f.timeout_s = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-w %s: %s", optarg, errstr);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 4)
		usage(EX_USAGE);
	f.haproxy = argv[0];
	dir = argv[1];
	nv = argc - 2;
	if (access(f.haproxy, X_OK) == -1) {
		warn("%s", f.haproxy);
		ne++;
	}
	if (snprintf(f.cfg, sizeof(f.cfg), "%s/haproxy.cfg", dir) >=
	    (int)sizeof(f.cfg) ||
	    snprintf(f.tmp, sizeof(f.tmp), "%s/haproxy.cfg.new", dir) >=
	    (int)sizeof(f.tmp) ||
	    snprintf(f.sock, sizeof(f.sock), "%s/master.sock", dir) >=
	    (int)sizeof(f.sock) ||
	    snprintf(f.pidf, sizeof(f.pidf), "%s/haproxy.pid", dir) >=
	    (int)sizeof(f.pidf) ||
	    snprintf(f.log, sizeof(f.log), "%s/haproxy.log", dir) >=
	    (int)sizeof(f.log)) {
		warnx("%s: path too long", dir);
		ne++;
	}
	if (ne > 0)
		exit(EX_USAGE);
	if ((var = calloc((size_t)nv, sizeof(*var))) == NULL ||
	    (varlen = calloc((size_t)nv, sizeof(*varlen))) == NULL ||
	    (tot = calloc((size_t)rounds, sizeof(double))) == NULL ||
	    (chk = calloc((size_t)rounds, sizeof(double))) == NULL ||
	    (rel = calloc((size_t)rounds, sizeof(double))) == NULL ||
	    (srv = calloc((size_t)rounds, sizeof(double))) == NULL)
		err(EX_OSERR, "calloc");
	for (i = 0; i < nv; i++)
		if ((var[i] = afile_read(argv[2 + i], VARIANT_MAX,
		    &varlen[i])) == NULL)
			err(EX_NOINPUT, "%s", argv[2 + i]);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(EX_OSERR, "signal");

	/* Start the master on the first variant and wait for its worker. */
	code = EX_CANTCREAT;
	if (cfg_install(&f, var[0], varlen[0]) == -1)
		goto out;
	code = EX_TEMPFAIL;
	{
		char	*hargv[] = { (char *)(uintptr_t)f.haproxy, "-W",
		    "-S", f.sock, "-f", f.cfg, "-p", f.pidf, NULL };

		if ((f.master = spawn(&f, hargv)) == -1) {
			code = EX_OSERR;
			goto out;
		}
	}
	if (wait_new_worker(&f, old, 0) == -1)
		goto out;
	if (f.port != 0 && wait_serving(&f, prev) == -1)
		goto out;

	for (i = 0; i < rounds; i++) {
		const int	 v = (i + 1) % nv;

		if ((nold = workers(&f, old, 64)) < 0) {
			warnx("%s: no answer", f.sock);
			goto out;
		}
		t0 = now_ms();
		if (cfg_install(&f, var[v], varlen[v]) == -1) {
			code = EX_CANTCREAT;
			goto out;
		}
		t1 = now_ms();
		if (cfg_check(&f) == -1)
			goto out;
		t2 = now_ms();
		if (kill(f.master, SIGUSR2) == -1) {
			warn("kill %d", (int)f.master);
			goto out;
		}
		if (wait_new_worker(&f, old, nold) == -1)
			goto out;
		t3 = now_ms();
		tot[i] = t3 - t0;
		chk[i] = t2 - t1;
		rel[i] = t3 - t2;
		if (f.port != 0) {
			if (wait_serving(&f, prev) == -1)
				goto out;
			srv[i] = now_ms() - t0;
		}
	}
	if (all) {
		/* before pct() sorts the arrays */
		printf("{\"all\":[");
		for (i = 0; i < rounds; i++)
			printf("%s[%.3f,%.3f,%.3f]", i > 0 ? "," : "", tot[i],
			    chk[i], rel[i]);
		printf("],");
	} else
		printf("{");
	printf("\"rounds\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
	    "\"check_p50_ms\":%.3f,\"reload_p50_ms\":%.3f", rounds,
	    pct(tot, rounds, 50), pct(tot, rounds, 99), pct(chk, rounds, 50),
	    pct(rel, rounds, 50));
	if (f.port != 0)
		printf(",\"serving_p50_ms\":%.3f", pct(srv, rounds, 50));
	printf("}\n");
	code = fflush(stdout) == EOF || ferror(stdout) ? EX_IOERR : 0;
 out:
	master_stop(&f);
	for (i = 0; var != NULL && i < nv; i++)
		free(var[i]);
	free(var);
	free(varlen);
	free(tot);
	free(chk);
	free(rel);
	free(srv);
	return code;
}
