/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc: the child processes the agent runs.  Most (haproxy -c, haproxy
 * starting) the event loop watches; ip(8) for plug.c runs to its end
 * (proc_cmd).  Every one goes through here, so that the fuzz target can
 * link a stand-in of this file that answers for them
 * (tests/fuzz/standin/proc.c).  A watched child's stdout and stderr go
 * to one pipe; it is done when it has exited and the pipe is closed (a
 * daemonizing haproxy closes it once its workers run), or shortly after it
 * exited when a grandchild keeps the pipe open.  Children run in their
 * own session so that a signal to the agent's process group (a Ctrl-C)
 * does not reach haproxy.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "netns.h"
#include "extern.h"

#define GRACE_S	2	/* after exit, wait this long for the pipe to close */

struct proc {
	LIST_ENTRY(proc)	 entry;
	pid_t			 pid;
	int			 fd;
	int			 exited, eof, status;
	struct event		*ev_read, *ev_timer;
	struct evbuffer		*out;
	proc_fn			 fn;
	void			*arg;
};

static LIST_HEAD(, proc)	 procs = LIST_HEAD_INITIALIZER(procs);
static struct event		*ev_chld;

/* In the child: clean signals and descriptors, then exec.  Never returns. */
static void __attribute__((__noreturn__))
child(char *const argv[], int outfd)
{
	sigset_t	 none;
	int		 null;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)setsid();
	if ((null = open("/dev/null", O_RDWR)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 ||
	    dup2(outfd == -1 ? null : outfd, STDOUT_FILENO) == -1 ||
	    dup2(outfd == -1 ? null : outfd, STDERR_FILENO) == -1)
		_exit(127);
	(void)close_range(3, ~0U, 0);
	execv(argv[0], argv);
	dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void
proc_finish(struct proc *p)
{
	struct evbuffer	*out = p->out;
	size_t		 len = evbuffer_get_length(out);
	char		*s;

	LIST_REMOVE(p, entry);
	event_free(p->ev_read);
	event_free(p->ev_timer);
	(void)close(p->fd);
	if (evbuffer_add(out, "", 1) == -1 ||
	    (s = (char *)evbuffer_pullup(out, -1)) == NULL)
		fatalx("proc output");
	p->fn(p->exited ? p->status : -1, s, len, p->arg);
	evbuffer_free(out);
	free(p);
}

static void
proc_check(struct proc *p)
{
	struct timeval	 tv = { GRACE_S, 0 };

	if (p->exited && p->eof)
		proc_finish(p);
	else if (p->exited)
		(void)event_add(p->ev_timer, &tv);
}

static void
on_read(evutil_socket_t fd, short what, void *arg)
{
	struct proc	*p = arg;
	char		 buf[4096];
	ssize_t		 n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		p->eof = 1;
		event_del(p->ev_read);
		proc_check(p);
		return;
	}
	if (evbuffer_get_length(p->out) + n <= OUTPUT_MAX)
		(void)evbuffer_add(p->out, buf, n);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct proc	*p = arg;

	(void)fd;
	(void)what;
	if (p->exited) {
		proc_finish(p);		/* a grandchild holds the pipe */
		return;
	}
	log_warnx("pid %d: timed out, killing it", (int)p->pid);
	(void)kill(p->pid, SIGKILL);
}

static void
on_chld(evutil_socket_t sig, short what, void *arg)
{
	struct proc	*p;
	pid_t		 pid;
	int		 status;

	(void)sig;
	(void)what;
	(void)arg;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		LIST_FOREACH(p, &procs, entry)
			if (p->pid == pid)
				break;
		if (p == NULL)
			continue;
		p->exited = 1;
		p->status = status;
		event_del(p->ev_timer);
		proc_check(p);
	}
}

int
proc_init(void)
{
	if ((ev_chld = evsignal_new(agent->base, SIGCHLD, on_chld,
	    NULL)) == NULL || evsignal_add(ev_chld, NULL) == -1) {
		log_warnx("evsignal_add SIGCHLD");
		return -1;
	}
	return 0;
}

/*
 * Run argv[0] (a path) with argv, its output captured, and call fn with
 * the wait status (-1 if unknown) and the output (NUL-terminated, at most
 * OUTPUT_MAX bytes, borrowed for the call) when it is done.  A child still
 * running after timeout_s is killed.  Returns 0, or -1 logged (fn is not
 * called then).
 */
int
proc_run(char *const argv[], int timeout_s, proc_fn fn, void *arg)
{
	struct timeval	 tv = { timeout_s, 0 };
	struct proc	*p;
	int		 fds[2];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("calloc");
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC) == -1) {
		log_warn("pipe2");
		free(p);
		return -1;
	}
	switch ((p->pid = fork())) {
	case -1:
		log_warn("fork");
		(void)close(fds[0]);
		(void)close(fds[1]);
		free(p);
		return -1;
	case 0:
		child(argv, fds[1]);
	}
	(void)close(fds[1]);
	p->fd = fds[0];
	p->fn = fn;
	p->arg = arg;
	if (fcntl(p->fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (p->out = evbuffer_new()) == NULL ||
	    (p->ev_read = event_new(agent->base, p->fd, EV_READ | EV_PERSIST,
	    on_read, p)) == NULL ||
	    (p->ev_timer = evtimer_new(agent->base, on_timer, p)) == NULL ||
	    event_add(p->ev_read, NULL) == -1 ||
	    event_add(p->ev_timer, &tv) == -1)
		fatalx("proc_run: event setup");
	LIST_INSERT_HEAD(&procs, p, entry);
	log_debug("pid %d: %s", (int)p->pid, argv[0]);
	return 0;
}

/*
 * Run argv synchronously (at start-up only, before the loop runs) and
 * return its output (owned, NUL-terminated) with the wait status in
 * *statusp, or NULL.
 */
char *
proc_output(char *const argv[], int *statusp)
{
	char	*buf = NULL, *n;
	size_t	 len = 0;
	ssize_t	 r;
	pid_t	 pid;
	int	 fds[2];

	if (pipe2(fds, O_CLOEXEC) == -1)
		return NULL;
	if ((pid = fork()) == -1) {
		(void)close(fds[0]);
		(void)close(fds[1]);
		return NULL;
	}
	if (pid == 0)
		child(argv, fds[1]);
	(void)close(fds[1]);
	for (;;) {
		if ((n = realloc(buf, len + 4096 + 1)) == NULL)
			break;
		buf = n;
		if ((r = read(fds[0], buf + len, 4096)) == -1 &&
		    errno == EINTR)
			continue;
		if (r <= 0 || len + r > OUTPUT_MAX)
			break;
		len += r;
	}
	(void)close(fds[0]);
	while (waitpid(pid, statusp, 0) == -1 && errno == EINTR)
		;
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/*
 * Run argv (argv[0] found in PATH) to its end, its output in out (outsz
 * bytes, NUL-terminated).  Returns 0 when it exited 0, else -1 with why in
 * out.  For short commands (ip) only: the loop waits meanwhile.
 */
int
proc_cmd(char *out, size_t outsz, const char *const argv[])
{
	return netns_run(out, outsz, argv);
}
