/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "netns.h"

extern char	**environ;

int
netns_run(char *out, size_t outsz, const char *const argv[])
{
	return netns_run_in(out, outsz, argv, NULL);
}

/* Write all of s to fd, then close it; -1 on a write error. */
static int
feed(int fd, const char *s)
{
	size_t	 len = strlen(s);
	ssize_t	 n;
	int	 rc = 0;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		s += n;
		len -= n;
	}
	(void)close(fd);
	return rc;
}

/* Read fd to its end, keeping what fits of it in out. */
static size_t
collect(int fd, char *out, size_t outsz)
{
	char	 buf[512];
	size_t	 len = 0;
	ssize_t	 n;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out != NULL && len + 1 < outsz) {
			if ((size_t)n > outsz - 1 - len)
				n = outsz - 1 - len;
			memcpy(out + len, buf, n);
			len += n;
			out[len] = '\0';
		}
	}
	return len;
}

int
netns_run_in(char *out, size_t outsz, const char *const argv[],
    const char *input)
{
	posix_spawn_file_actions_t	 fa;
	pid_t				 pid = -1;
	size_t				 len;
	int				 p[2] = { -1, -1 }, in[2] = { -1, -1 };
	int				 st, rc = -1, e = 0, fa_ok = 0;

	if (out != NULL && outsz > 0)
		out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1 ||
	    (input != NULL && pipe2(in, O_CLOEXEC) == -1)) {
		e = errno;
		goto out;
	}
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	fa_ok = 1;
	if ((e = input != NULL ?
	    posix_spawn_file_actions_adddup2(&fa, in[0], 0) :
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 1)) != 0 ||
	    (e = posix_spawn_file_actions_adddup2(&fa, p[1], 2)) != 0 ||
	    (e = posix_spawnp(&pid, argv[0], &fa, NULL,
	    (char *const *)(uintptr_t)argv, environ)) != 0) {
		pid = -1;
		goto out;
	}
	(void)close(p[1]);
	p[1] = -1;
	if (in[0] != -1) {
		(void)close(in[0]);
		in[0] = -1;
		/* Small scripts: they fit in the pipe before any output. */
		(void)feed(in[1], input);
		in[1] = -1;
	}
	len = collect(p[0], out, outsz);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			goto out;
	pid = -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		rc = 0;
	if (out != NULL) {
		while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
			out[--len] = '\0';
		if (rc == -1 && len == 0)
			snprintf(out, outsz, "%s exited with %d", argv[0],
			    WIFEXITED(st) ? WEXITSTATUS(st) : 128 +
			    WTERMSIG(st));
	}
out:
	if (e != 0 && out != NULL)
		snprintf(out, outsz, "%s: %s", argv[0], strerror(e));
	if (fa_ok)
		(void)posix_spawn_file_actions_destroy(&fa);
	for (st = 0; st < 2; st++) {
		if (p[st] != -1)
			(void)close(p[st]);
		if (in[st] != -1)
			(void)close(in[st]);
	}
	return rc;
}

static int
ns_path(char *buf, size_t bufsz, const char *name)
{
	int	 n;

	n = snprintf(buf, bufsz, "%s/%s", NETNS_RUN_DIR, name);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/* The nsfs identity of a named namespace, from its bind mount. */
static int
ns_stat(const char *name, struct stat *st)
{
	char		 path[PATH_MAX];
	struct stat	 dir;

	if (ns_path(path, sizeof(path), name) == -1 || stat(path, st) == -1)
		return -1;
	/* A file that is not (or no longer) a mount is not a namespace. */
	if (stat(NETNS_RUN_DIR, &dir) == -1 || st->st_dev == dir.st_dev)
		return -1;
	return 0;
}

int
netns_exists(const char *name)
{
	struct stat	 st;

	return ns_stat(name, &st) == 0;
}

int
netns_link_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

static int
pid_in(pid_t pid, const struct stat *ns)
{
	char		 path[64];
	struct stat	 st;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &st) == -1)
		return 0;
	return st.st_dev == ns->st_dev && st.st_ino == ns->st_ino;
}

int
netns_pid_in(pid_t pid, const char *name)
{
	struct stat	 ns;

	if (pid <= 0 || ns_stat(name, &ns) == -1)
		return 0;
	return pid_in(pid, &ns);
}

pid_t *
netns_pids(const char *name, size_t *np)
{
	struct stat	 ns;
	DIR		*d = NULL;
	struct dirent	*de;
	pid_t		*v = NULL, *nv;
	size_t		 n = 0, cap = 0;
	const char	*errstr;
	long long	 pid;

	*np = 0;
	if (ns_stat(name, &ns) == -1)
		return NULL;
	if ((d = opendir("/proc")) == NULL) {
		log_warn("/proc");
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		pid = strtonum(de->d_name, 1, INT_MAX, &errstr);
		if (errstr != NULL || !pid_in(pid, &ns))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				log_warn("reallocarray");
				free(v);
				v = NULL;
				n = 0;
				break;
			}
			v = nv;
		}
		v[n++] = pid;
	}
	(void)closedir(d);
	*np = n;
	if (n == 0) {
		free(v);
		v = NULL;
	}
	return v;
}

void
netns_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

long long
netns_now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
netns_kill_all(const char *name, int timeout_ms)
{
	pid_t		*v;
	size_t		 n, i;
	long long	 start, kill_at, end;
	int		 sig = SIGTERM, sent = 0;

	start = netns_now_ms();
	kill_at = start + timeout_ms / 2;
	end = start + timeout_ms;
	for (;;) {
		/* Our own children (a boot being undone) need reaping. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if ((v = netns_pids(name, &n)) == NULL)
			return 0;
		if (!sent || (sig == SIGTERM && netns_now_ms() >= kill_at)) {
			if (sent)
				sig = SIGKILL;
			for (i = 0; i < n; i++) {
				log_debug("%s: kill %d with %s", name, (int)v[i],
				    sig == SIGTERM ? "SIGTERM" : "SIGKILL");
				if (kill(v[i], sig) == -1 && errno != ESRCH)
					log_warn("%s: kill %d", name, (int)v[i]);
			}
			sent = 1;
		}
		free(v);
		if (netns_now_ms() >= end) {
			log_warnx("%s: %zu processes still running", name, n);
			return -1;
		}
		netns_sleep_ms(10);
	}
}

/* In the child of netns_spawn: report and end. */
static void __attribute__((__noreturn__))
child_fail(const char *what)
{
	dprintf(2, "%s: netns_spawn: %s: %s\n", getprogname(), what,
	    strerror(errno));
	_exit(127);
}

/* Detach every namespace mount below /run/netns in this mount namespace. */
static void
child_hide_netns(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];

	if (umount2(NETNS_RUN_DIR, MNT_DETACH) == 0)
		return;
	if ((d = opendir(NETNS_RUN_DIR)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    ns_path(path, sizeof(path), de->d_name) == -1)
			continue;
		(void)umount2(path, MNT_DETACH);
	}
	(void)closedir(d);
}

static void __attribute__((__noreturn__))
child_run(const struct netns_spawn *sp)
{
	char		 path[PATH_MAX];
	sigset_t	 all;
	size_t		 i;
	int		 fd;

	if ((fd = open(sp->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600)) == -1)
		_exit(127);
	if (dup2(fd, 1) == -1 || dup2(fd, 2) == -1)
		_exit(127);
	if ((fd = open("/dev/null", O_RDONLY)) == -1 || dup2(fd, 0) == -1)
		child_fail("/dev/null");
	if (close_range(3, ~0U, 0) == -1)
		child_fail("close_range");
	for (i = 1; i < NSIG; i++)
		(void)signal(i, SIG_DFL);
	(void)sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	if (setsid() == -1)
		child_fail("setsid");
	if (ns_path(path, sizeof(path), sp->netns) == -1)
		child_fail("namespace name");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		child_fail(path);
	if (setns(fd, CLONE_NEWNET) == -1)
		child_fail("setns");
	(void)close(fd);
	if (unshare(CLONE_NEWNS | (sp->hostname != NULL ? CLONE_NEWUTS : 0)) ==
	    -1)
		child_fail("unshare");
	if (sp->hostname != NULL &&
	    sethostname(sp->hostname, strlen(sp->hostname)) == -1)
		child_fail("sethostname");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		child_fail("mount --make-rprivate /");
	/* As ip netns exec does: /sys shows this network namespace. */
	if (umount2("/sys", MNT_DETACH) == 0)
		(void)mount(sp->netns, "/sys", "sysfs", 0, NULL);
	/* Holding other appliances' namespaces would keep them alive. */
	child_hide_netns();
	for (i = 0; sp->binds != NULL && sp->binds[i] != NULL &&
	    sp->binds[i + 1] != NULL; i += 2)
		if (mount(sp->binds[i], sp->binds[i + 1], NULL,
		    MS_BIND | MS_REC, NULL) == -1)
			child_fail(sp->binds[i + 1]);
	if (chdir("/") == -1)
		child_fail("chdir /");
	execve(sp->argv[0], (char *const *)(uintptr_t)sp->argv,
	    (char *const *)(uintptr_t)sp->envp);
	child_fail(sp->argv[0]);
}

pid_t
netns_spawn(const struct netns_spawn *sp)
{
	pid_t	 pid;

	(void)fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (pid == 0)
		child_run(sp);
	return pid;
}

int
netns_tcp_probe(const char *addr, int port, int timeout_ms)
{
	struct addrinfo	 hints, *ai = NULL;
	struct pollfd	 pfd;
	char		 serv[16];
	socklen_t	 len;
	int		 s = -1, rc = -1, err;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	(void)snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(addr, serv, &hints, &ai) != 0)
		return -1;
	if ((s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto out;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
		rc = 0;
		goto out;
	}
	if (errno != EINPROGRESS)
		goto out;
	pfd.fd = s;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, timeout_ms) != 1)
		goto out;
	len = sizeof(err);
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		goto out;
	rc = 0;
out:
	if (s != -1)
		(void)close(s);
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

int
netns_has_addr4(const char *ifname, struct in_addr a)
{
	struct ifaddrs	*ifa, *p;
	int		 found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (p = ifa; p != NULL && !found; p = p->ifa_next)
		if (p->ifa_addr != NULL && p->ifa_addr->sa_family == AF_INET &&
		    strcmp(p->ifa_name, ifname) == 0 &&
		    ((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr.s_addr
		    == a.s_addr)
			found = 1;
	freeifaddrs(ifa);
	return found;
}

int
netns_ip(char *err, size_t errsz, const char *const args[])
{
	const char	*argv[16];
	size_t		 i;

	argv[0] = "ip";
	for (i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]);
	    i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (log_verbose()) {
		char	 line[512] = "ip";

		for (i = 0; args[i] != NULL; i++) {
			(void)strlcat(line, " ", sizeof(line));
			(void)strlcat(line, args[i], sizeof(line));
		}
		log_debug("%s", line);
	}
	return netns_run(err, errsz, argv);
}

int
netns_ip_batch(char *err, size_t errsz, const char *ns, const char *script)
{
	const char	*inside[] = { "ip", "-n", ns, "-batch", "-", NULL };
	const char	*host[] = { "ip", "-batch", "-", NULL };

	if (log_verbose())
		log_debug("ip%s%s -batch:\n%s", ns != NULL ? " -n " : "",
		    ns != NULL ? ns : "", script);
	return netns_run_in(err, errsz, ns != NULL ? inside : host, script);
}

int
netns_script_add(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len = strlen(buf);
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, bufsz - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz - len) {
		buf[len] = '\0';
		return -1;
	}
	return 0;
}
