/* SPDX-License-Identifier: Apache-2.0 */
/*
 * haproxy: one haproxy per load balancer, in master-worker mode, its files
 * under <base_path>/<lb_id>/:
 *
 *	haproxy.cfg		the configuration in use
 *	haproxy.cfg.new		an upload being checked (0600)
 *	haproxy.cfg.new-failed	the last upload haproxy -c refused
 *	haproxy.cfg.serving	a hard link to the haproxy.cfg that the
 *				running workers loaded
 *	haproxy.cfg.reload-failed the last haproxy.cfg that a reload refused
 *	haproxy.pid		the master's pid (haproxy -p)
 *	master.sock		the master CLI (haproxy -S)
 *	servers-state		"show servers state", saved before a reload
 *
 * Each is replaced whole (afile), so a kill -9 of the agent leaves the old
 * haproxy.cfg or the new one; what it may leave half done, haproxy.cfg.new
 * and afile's temporaries, the next start removes (lb_sweep).
 *
 * The master runs as a daemon (-D), so it outlives the agent; the agent
 * finds it again by its pid file and /proc.  A reload is SIGUSR2 to the
 * master: it re-executes itself, takes the listening sockets over from
 * the old worker (haproxy passes them through its internal socket pair)
 * and forks a new worker, then the old one finishes its connections.  The
 * reload answers when the master CLI lists a new worker that answers on
 * its CLI, or at once when the master has died (its pid file then goes).
 * When haproxy refuses the new configuration at a reload (a port another
 * process holds) and the old workers keep serving, the config they run
 * goes back to haproxy.cfg: what the agent answers for it (and its ETag)
 * is what serves, and a controller that pushes again is told again.
 * Changes to one load balancer are queued and run one by one.
 */
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/http.h>

#include "afile.h"
#include "ident.h"
#include "log.h"
#include "extern.h"

#define CHECK_TIMEOUT_S	60	/* haproxy -c */
#define START_TIMEOUT_S	30	/* haproxy -D until it detaches */
#define READY_TIMEOUT_S	30	/* until a new worker answers */
#define STOP_TERM_S	10	/* SIGTERM, then SIGKILL */
#define POLL_MS		10
#define CLI_TIMEOUT_MS	2000
#define WORKERS_MAX	32

struct lb;

struct op {
	TAILQ_ENTRY(op)		 entry;
	struct lb		*lb;
	enum lb_action		 action;
	struct evhttp_request	*req;
	char			*body;
	size_t			 len;
	char			 etag[33];
	char			*out;		/* of haproxy starting */
	/* while waiting for haproxy */
	pid_t			 master;
	int			 reloads_before;
	pid_t			 worker_before;
	pid_t			 candidate;
	int			 starting;	/* answer with the start text */
	int			 killed;	/* SIGKILL sent to the master */
	struct event		*timer;
	struct timespec		 t_end;
	void			(*poll)(struct op *);
};

struct lb {
	TAILQ_ENTRY(lb)		 entry;
	char			 id[IDENT_MAX + 1];
	TAILQ_HEAD(, op)	 ops;
};

static TAILQ_HEAD(, lb)	 lbs = TAILQ_HEAD_INITIALIZER(lbs);

/* What "show proc" on the master CLI says. */
struct procs {
	pid_t	 master;
	int	 reloads;
	int	 failed;
	int	 nworkers;
	pid_t	 worker[WORKERS_MAX];
	int	 wreloads[WORKERS_MAX];
};

static void	 op_next(struct lb *);
static void	 start_begin(struct op *);
static void	 ready_poll(struct op *);

/*
 * Format <base_path>/<id> (file NULL) or <base_path>/<id>/<file>.  id must
 * have passed ident_ok.  Returns 0, or -1 when it does not fit.
 */
int
lb_path(char *buf, size_t bufsz, const char *id, const char *file)
{
	int	 n;

	if (file == NULL)
		n = snprintf(buf, bufsz, "%s/%s", agent->conf.base_path, id);
	else
		n = snprintf(buf, bufsz, "%s/%s/%s", agent->conf.base_path,
		    id, file);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/* A load balancer exists when its haproxy.cfg does (as in Octavia). */
int
lb_exists(const char *id)
{
	struct stat	 st;
	char		 cfg[PATH_MAX];

	return lb_path(cfg, sizeof(cfg), id, "haproxy.cfg") == 0 &&
	    stat(cfg, &st) == 0 && S_ISREG(st.st_mode);
}

/* Is pid a live process (not a zombie)? */
static int
pid_alive(pid_t pid)
{
	char	 path[64], *buf, *p;
	size_t	 len;
	int	 alive;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((buf = afile_read(path, 4096, &len)) == NULL)
		return 0;
	/* "pid (comm) S ...": the state follows the last ')'. */
	alive = (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
	    p[2] != 'Z' && p[2] != 'X' && p[2] != '\0';
	free(buf);
	return alive;
}

/* The pid in id's pid file, or 0 when there is none. */
static pid_t
pidfile_pid(const char *id)
{
	char		 path[PATH_MAX], *buf;
	const char	*errstr;
	size_t		 len;
	pid_t		 pid;

	if (lb_path(path, sizeof(path), id, "haproxy.pid") == -1 ||
	    (buf = afile_read(path, 64, &len)) == NULL)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	pid = strtonum(buf, 2, INT_MAX, &errstr);
	free(buf);
	return errstr == NULL ? pid : 0;
}

/*
 * The pid of the running haproxy master of id, or 0: the pid file names a
 * live process whose command line holds this load balancer's haproxy.cfg.
 */
pid_t
lb_master_pid(const char *id)
{
	char		 path[PATH_MAX], cfg[PATH_MAX], *buf, *p;
	size_t		 len, off;
	pid_t		 pid;

	if (lb_path(cfg, sizeof(cfg), id, "haproxy.cfg") == -1 ||
	    (pid = pidfile_pid(id)) == 0 || !pid_alive(pid))
		return 0;
	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((buf = afile_read(path, 64 * 1024, &len)) == NULL)
		return 0;
	for (off = 0; off < len; off += strlen(p) + 1) {
		p = buf + off;
		if (strcmp(p, cfg) == 0)
			goto out;
	}
	pid = 0;
out:
	free(buf);
	return pid;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The ids of all load balancers, sorted.  Returns a new array. */
json_t *
lb_list(void)
{
	DIR		*d;
	struct dirent	*de;
	json_t		*ids;
	char		**names = NULL, **n;
	size_t		 i, count = 0;

	if ((ids = json_array()) == NULL)
		fatalx("json_array");
	if ((d = opendir(agent->conf.base_path)) == NULL)
		return ids;
	while ((de = readdir(d)) != NULL) {
		if (!ident_ok(de->d_name) || !lb_exists(de->d_name))
			continue;
		if ((n = reallocarray(names, count + 1,
		    sizeof(*names))) == NULL)
			fatal("reallocarray");
		names = n;
		if ((names[count] = strdup(de->d_name)) == NULL)
			fatal("strdup");
		count++;
	}
	(void)closedir(d);
	if (count > 0)
		qsort(names, count, sizeof(*names), cmp_str);
	for (i = 0; i < count; i++) {
		(void)json_array_append_new(ids, json_string(names[i]));
		free(names[i]);
	}
	free(names);
	return ids;
}

/*
 * One "show proc" line: "<pid> <type> <reloads> [failed: <n>] <uptime>
 * <version>".  Returns 0, or -1 for any other line.
 */
static int
procs_line(char *buf, long *pid, char *type, size_t typesz, long *reloads,
    long *failed)
{
	char		*words[6], *p = buf, *w;
	const char	*errstr;
	size_t		 n = 0;

	while (n < 6 && (w = strsep(&p, " \t")) != NULL)
		if (*w != '\0')
			words[n++] = w;
	if (n < 3)
		return -1;
	*pid = strtonum(words[0], 1, INT_MAX, &errstr);
	if (errstr != NULL)
		return -1;
	if (strlcpy(type, words[1], typesz) >= typesz)
		return -1;
	*reloads = strtonum(words[2], 0, INT_MAX, &errstr);
	if (errstr != NULL)
		return -1;
	*failed = 0;
	if (n >= 5 && strcmp(words[3], "[failed:") == 0) {
		words[4][strcspn(words[4], "]")] = '\0';
		*failed = strtonum(words[4], 0, INT_MAX, &errstr);
		if (errstr != NULL)
			*failed = 0;
	}
	return 0;
}

/* Parse "show proc" output.  Returns 0, or -1 when it is not one. */
static int
procs_parse(const char *s, struct procs *pr)
{
	const char	*line, *eol;
	char		 buf[256], type[32];
	int		 section = 0;	/* 0 master, 1 workers, 2 other */
	long		 pid, reloads, failed;

	memset(pr, 0, sizeof(*pr));
	pr->reloads = -1;
	for (line = s; *line != '\0'; line = *eol ? eol + 1 : eol) {
		eol = line + strcspn(line, "\n");
		if ((size_t)(eol - line) >= sizeof(buf))
			continue;
		memcpy(buf, line, eol - line);
		buf[eol - line] = '\0';
		if (strncmp(buf, "# workers", 9) == 0) {
			section = 1;
			continue;
		}
		if (buf[0] == '#') {
			if (strncmp(buf, "#<PID>", 6) != 0)
				section = 2;
			continue;
		}
		if (procs_line(buf, &pid, type, sizeof(type), &reloads,
		    &failed) == -1)
			continue;
		if (strcmp(type, "master") == 0) {
			pr->master = pid;
			pr->reloads = reloads;
			pr->failed = failed;
		} else if (section == 1 && strcmp(type, "worker") == 0 &&
		    pr->nworkers < WORKERS_MAX) {
			pr->worker[pr->nworkers] = pid;
			pr->wreloads[pr->nworkers] = reloads;
			pr->nworkers++;
		}
	}
	return pr->reloads == -1 ? -1 : 0;
}

/* The argv of haproxy for a check (-c) of cfg or for running it. */
static void
haproxy_argv(char **av, size_t avsz, const char *id, char *cfg,
    int check, char *pidf, size_t pidfsz, char *msock, size_t msocksz)
{
	size_t	 n = 0;

	av[n++] = agent->conf.haproxy_cmd;
	if (check) {
		av[n++] = "-c";
	} else {
		(void)lb_path(pidf, pidfsz, id, "haproxy.pid");
		(void)lb_path(msock, msocksz, id, "master.sock");
		if (strlcat(msock, ",mode,600", msocksz) >= msocksz)
			fatalx("master socket path too long");
		av[n++] = "-W";
		av[n++] = "-D";
		av[n++] = "-S";
		av[n++] = msock;
		av[n++] = "-p";
		av[n++] = pidf;
	}
	av[n++] = "-f";
	av[n++] = cfg;
	if (agent->extra_cfg[0] != '\0') {
		av[n++] = "-f";
		av[n++] = agent->extra_cfg;
	}
	if (agent->peer_name[0] != '\0') {
		av[n++] = "-L";
		av[n++] = agent->peer_name;
	}
	av[n] = NULL;
	if (n >= avsz)
		fatalx("haproxy_argv overflow");
}

static void
op_free(struct op *op)
{
	if (op->timer != NULL)		/* event_free(NULL) crashes */
		event_free(op->timer);
	free(op->body);
	free(op->out);
	free(op);
}

/* Answer op's request and run the next change of its load balancer. */
static void
op_reply(struct op *op, int code, const char *message, const char *details)
{
	struct lb	*lb = op->lb;

	if (op->action == LB_UPLOAD && code < 300)
		reply_etag(op->req, op->etag);
	reply_msg(op->req, code, message, details);
	TAILQ_REMOVE(&lb->ops, op, entry);
	op_free(op);
	op_next(lb);
}

static void
op_fail(struct op *op, const char *details)
{
	const char	*msg;

	switch (op->action) {
	case LB_UPLOAD:
		msg = "Error updating haproxy configuration";
		break;
	case LB_STOP:
	case LB_DELETE:
		msg = "Error stopping haproxy";
		break;
	default:
		msg = op->starting ? "Error starting haproxy" :
		    "Error reloading haproxy";
		break;
	}
	log_warnx("%s: %s: %s", op->lb->id, msg, details);
	op_reply(op, 500, msg, details);
}

static void
op_not_found(struct op *op)
{
	char	 details[IDENT_MAX + 64];

	(void)snprintf(details, sizeof(details),
	    "No loadbalancer with UUID: %s", op->lb->id);
	op_reply(op, 404, "Loadbalancer Not Found", details);
}

static int
elapsed(const struct op *op)
{
	struct timespec	 now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > op->t_end.tv_sec ||
	    (now.tv_sec == op->t_end.tv_sec && now.tv_nsec >= op->t_end.tv_nsec);
}

static void
on_poll_timer(evutil_socket_t fd, short what, void *arg)
{
	struct op	*op = arg;

	(void)fd;
	(void)what;
	op->poll(op);
}

/* Call fn(op) again after POLL_MS; the first call sets a deadline of s. */
static void
poll_later(struct op *op, void (*fn)(struct op *), int deadline_s)
{
	struct timeval	 tv = { 0, POLL_MS * 1000 };

	if (deadline_s > 0) {
		(void)clock_gettime(CLOCK_MONOTONIC, &op->t_end);
		op->t_end.tv_sec += deadline_s;
	}
	op->poll = fn;
	if (op->timer == NULL && (op->timer = evtimer_new(agent->base,
	    on_poll_timer, op)) == NULL)
		fatalx("evtimer_new");
	(void)evtimer_add(op->timer, &tv);
}

/* upload */

static void
upload_checked(int status, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;
	char		 cfg[PATH_MAX], new[PATH_MAX], failed[PATH_MAX];

	(void)len;
	(void)lb_path(cfg, sizeof(cfg), op->lb->id, "haproxy.cfg");
	(void)lb_path(new, sizeof(new), op->lb->id, "haproxy.cfg.new");
	(void)lb_path(failed, sizeof(failed), op->lb->id,
	    "haproxy.cfg.new-failed");
	/*
	 * haproxy -c judges with 0 (valid), 1 (errors) or 2 (no listener).
	 * Anything else (it could not run, it was killed) says nothing of
	 * the upload: a 500, as Octavia's agent gives when haproxy is
	 * missing, not a 400 that tells the controller its config is bad.
	 */
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 2) {
		(void)unlink(new);
		op_fail(op, out[0] != '\0' ? out : "haproxy -c did not finish");
		return;
	}
	if (WEXITSTATUS(status) != 0) {
		if (rename(new, failed) == -1)
			log_warn("rename %s", new);
		log_warnx("%s: configuration refused by haproxy -c",
		    op->lb->id);
		op_reply(op, 400, "Invalid request", out);
		return;
	}
	if (rename(new, cfg) == -1) {
		log_warn("rename %s", new);
		op_fail(op, strerror(errno));
		return;
	}
	op_reply(op, 202, "OK", NULL);
}

/*
 * Octavia supplies the group in its own -f file and drops the upload's
 * "group" lines; so do we when we have that file.
 */
static size_t
strip_group(char *buf, size_t len)
{
	char	*in = buf, *out = buf, *end = buf + len, *eol, *w;
	size_t	 n;

	while (in < end) {
		eol = memchr(in, '\n', end - in);
		n = (eol == NULL ? end : eol + 1) - in;
		for (w = in; w < in + n && (*w == ' ' || *w == '\t'); w++)
			;
		if (!(in + n - w > 6 && strncmp(w, "group", 5) == 0 &&
		    (w[5] == ' ' || w[5] == '\t'))) {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	return out - buf;
}

static void
upload_begin(struct op *op)
{
	char	 dir[PATH_MAX], new[PATH_MAX], *av[16];

	if (lb_path(dir, sizeof(dir), op->lb->id, NULL) == -1 ||
	    lb_path(new, sizeof(new), op->lb->id, "haproxy.cfg.new") == -1) {
		op_fail(op, "path too long");
		return;
	}
	if (afile_mkdirs(dir, 0700) == -1) {
		op_fail(op, strerror(errno));
		return;
	}
	if (agent->extra_cfg[0] != '\0')
		op->len = strip_group(op->body, op->len);
	if (afile_write(new, op->body, op->len, 0600, 0) == -1) {
		op_fail(op, strerror(errno));
		return;
	}
	haproxy_argv(av, sizeof(av) / sizeof(av[0]), op->lb->id, new, 1,
	    NULL, 0, NULL, 0);
	if (proc_run(av, CHECK_TIMEOUT_S, upload_checked, op) == -1)
		op_fail(op, "cannot run haproxy -c");
}

/* Workers that loaded haproxy.cfg now serve it. */
static void
serving_set(const char *id)
{
	char	 cfg[PATH_MAX], serving[PATH_MAX];

	if (lb_path(cfg, sizeof(cfg), id, "haproxy.cfg") == 0 &&
	    lb_path(serving, sizeof(serving), id, "haproxy.cfg.serving") == 0)
		(void)afile_link(cfg, serving);
}

/*
 * A reload was refused and the previous workers serve on: their config
 * goes back to haproxy.cfg, the refused one to haproxy.cfg.reload-failed.
 * Returns 1 when it did, 0 when the serving one is not known.
 */
static int
serving_restore(const char *id)
{
	char	 cfg[PATH_MAX], serving[PATH_MAX], failed[PATH_MAX];

	if (lb_path(cfg, sizeof(cfg), id, "haproxy.cfg") == -1 ||
	    lb_path(serving, sizeof(serving), id, "haproxy.cfg.serving") ==
	    -1 || lb_path(failed, sizeof(failed), id,
	    "haproxy.cfg.reload-failed") == -1 || access(serving, F_OK) == -1)
		return 0;
	(void)afile_link(cfg, failed);
	return afile_link(serving, cfg) == 0;
}

/* start and reload: wait until a new worker answers */

static void
ready_info(int ok, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;
	char		 want[32], details[IDENT_MAX + 64];

	(void)len;
	(void)snprintf(want, sizeof(want), "\nPid: %d\n", (int)op->candidate);
	if (!ok || strstr(out, want) == NULL) {
		if (elapsed(op))
			op_fail(op, "timed out waiting for the new worker");
		else
			poll_later(op, ready_poll, 0);
		return;
	}
	if (op->starting) {
		(void)snprintf(details, sizeof(details), "Configuration file "
		    "is valid\nhaproxy daemon for %s started", op->lb->id);
	} else {
		(void)snprintf(details, sizeof(details),
		    "Listener %s reloaded", op->lb->id);
	}
	log_info("%s: haproxy worker %d serves", op->lb->id,
	    (int)op->candidate);
	serving_set(op->lb->id);
	op_reply(op, 202, "OK", details);
}

static void
ready_procs(int ok, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;
	struct procs	 pr;
	char		 cmd[64], msock[PATH_MAX];
	int		 i;

	(void)len;
	op->candidate = 0;
	if (ok && procs_parse(out, &pr) == 0 &&
	    (op->reloads_before < 0 || pr.reloads > op->reloads_before)) {
		for (i = 0; i < pr.nworkers; i++)
			if (pr.wreloads[i] == 0 &&
			    pr.worker[i] != op->worker_before)
				op->candidate = pr.worker[i];
		if (op->candidate == 0 && pr.failed > 0 &&
		    op->reloads_before >= 0) {
			op_fail(op, serving_restore(op->lb->id) ?
			    "haproxy refused the new configuration, now "
			    "haproxy.cfg.reload-failed; the previous workers "
			    "keep serving theirs, back in haproxy.cfg" :
			    "haproxy refused the new configuration; "
			    "the previous workers keep serving");
			return;
		}
	}
	if (op->candidate == 0) {
		if (elapsed(op))
			op_fail(op, "timed out waiting for the new worker");
		else
			poll_later(op, ready_poll, 0);
		return;
	}
	/* The master forwards "@!<pid>" commands to that worker's CLI. */
	(void)snprintf(cmd, sizeof(cmd), "@!%d show info", (int)op->candidate);
	(void)lb_path(msock, sizeof(msock), op->lb->id, "master.sock");
	cli_query(msock, cmd, CLI_TIMEOUT_MS, ready_info, op);
}

/*
 * Has op's master died while we wait for its new worker?  A start's is
 * the pid haproxy wrote before it detached.  A dead master's pid file is
 * removed: nothing must claim it runs.
 */
static int
master_gone(struct op *op)
{
	char	 path[PATH_MAX];
	pid_t	 pid;

	if ((pid = op->master) == 0 && (pid = pidfile_pid(op->lb->id)) == 0)
		return 0;
	if (pid_alive(pid))
		return 0;
	if (lb_path(path, sizeof(path), op->lb->id, "haproxy.pid") == 0)
		(void)unlink(path);
	return 1;
}

static void
ready_poll(struct op *op)
{
	char	 msock[PATH_MAX], details[OUTPUT_MAX + 32];

	/* No need to wait READY_TIMEOUT_S for a worker that cannot come. */
	if (master_gone(op)) {
		(void)snprintf(details, sizeof(details), "haproxy exited%s%s",
		    op->out != NULL && op->out[0] != '\0' ? "\n" : "",
		    op->out != NULL ? op->out : "");
		op_fail(op, details);
		return;
	}

	(void)lb_path(msock, sizeof(msock), op->lb->id, "master.sock");
	cli_query(msock, "show proc", CLI_TIMEOUT_MS, ready_procs, op);
}

static void
start_spawned(int status, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;

	(void)len;
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		op_fail(op, out[0] != '\0' ? out : "haproxy failed to start");
		return;
	}
	op->reloads_before = -1;
	op->worker_before = 0;
	/* Its words, should the master die before a worker serves. */
	op->out = strdup(out);
	poll_later(op, ready_poll, READY_TIMEOUT_S);
}

static void
start_begin(struct op *op)
{
	char	 cfg[PATH_MAX], pidf[PATH_MAX], msock[PATH_MAX], *av[16];

	op->starting = 1;
	if (lb_master_pid(op->lb->id) != 0) {
		/* Already running: starting it is done (as systemctl). */
		op->candidate = 0;
		(void)snprintf(cfg, sizeof(cfg), "Configuration file is valid"
		    "\nhaproxy daemon for %s started", op->lb->id);
		op_reply(op, 202, "OK", cfg);
		return;
	}
	(void)lb_path(cfg, sizeof(cfg), op->lb->id, "haproxy.cfg");
	haproxy_argv(av, sizeof(av) / sizeof(av[0]), op->lb->id, cfg, 0,
	    pidf, sizeof(pidf), msock, sizeof(msock));
	log_info("%s: starting haproxy", op->lb->id);
	if (proc_run(av, START_TIMEOUT_S, start_spawned, op) == -1)
		op_fail(op, "cannot run haproxy");
}

/*
 * A reload makes the master execute its argv[0] again: when that file is
 * gone, the exec fails and haproxy 2.6 is left spinning without its CLI.
 * Returns 0 when the master of pid can be reloaded, else -1 with why in
 * err.
 */
static int
master_exec_ok(pid_t pid, char *err, size_t errsz)
{
	char	 path[64], *argv0;
	size_t	 len;
	int	 rc = 0;

	(void)snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((argv0 = afile_read(path, 64 * 1024, &len)) == NULL)
		return 0;	/* the reload finds out */
	if (strchr(argv0, '/') != NULL && access(argv0, X_OK) == -1) {
		(void)snprintf(err, errsz, "%s: %s", argv0, strerror(errno));
		rc = -1;
	}
	free(argv0);
	return rc;
}

static void
reload_before(int ok, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;
	struct procs	 pr;
	char		 err[PATH_MAX + 64];
	int		 i;

	(void)len;
	if (master_exec_ok(op->master, err, sizeof(err)) == -1) {
		op_fail(op, err);
		return;
	}
	op->reloads_before = -1;
	op->worker_before = 0;
	if (ok && procs_parse(out, &pr) == 0) {
		op->reloads_before = pr.reloads;
		for (i = 0; i < pr.nworkers; i++)
			if (pr.wreloads[i] == 0)
				op->worker_before = pr.worker[i];
	}
	if (kill(op->master, SIGUSR2) == -1) {
		op_fail(op, strerror(errno));
		return;
	}
	log_info("%s: reloading haproxy (master %d)", op->lb->id,
	    (int)op->master);
	poll_later(op, ready_poll, READY_TIMEOUT_S);
}

static void
reload_saved(int ok, const char *out, size_t len, void *arg)
{
	struct op	*op = arg;
	char		 path[PATH_MAX];

	/* Health states survive the reload (server-state-file). */
	if (ok && strncmp(out, "1\n", 2) == 0 &&
	    lb_path(path, sizeof(path), op->lb->id, "servers-state") == 0)
		(void)afile_write(path, out, len, 0600, 0);
	(void)lb_path(path, sizeof(path), op->lb->id, "master.sock");
	cli_query(path, "show proc", CLI_TIMEOUT_MS, reload_before, op);
}

static void
reload_begin(struct op *op)
{
	char	 sock[PATH_MAX];

	if ((op->master = lb_master_pid(op->lb->id)) == 0) {
		start_begin(op);
		return;
	}
	if (snprintf(sock, sizeof(sock), "%s/%s.sock", agent->conf.base_path,
	    op->lb->id) >= (int)sizeof(sock)) {
		op_fail(op, "path too long");
		return;
	}
	cli_query(sock, "show servers state", CLI_TIMEOUT_MS, reload_saved, op);
}

/* stop and delete */

static void	 delete_files(struct op *);

static void
stop_stopped(struct op *op)
{
	char	 path[PATH_MAX], details[IDENT_MAX + 32];

	(void)lb_path(path, sizeof(path), op->lb->id, "haproxy.pid");
	(void)unlink(path);
	(void)lb_path(path, sizeof(path), op->lb->id, "haproxy.cfg.serving");
	(void)unlink(path);
	log_info("%s: haproxy stopped", op->lb->id);
	if (op->action == LB_DELETE) {
		delete_files(op);
		return;
	}
	(void)snprintf(details, sizeof(details), "Listener %s stoped",
	    op->lb->id);
	op_reply(op, 202, "OK", details);
}

static void
stop_poll(struct op *op)
{
	if (!pid_alive(op->master)) {
		stop_stopped(op);
		return;
	}
	if (elapsed(op)) {
		if (op->killed) {
			op_fail(op, "haproxy does not exit");
			return;
		}
		log_warnx("%s: haproxy master %d ignores SIGTERM, killing it",
		    op->lb->id, (int)op->master);
		(void)kill(op->master, SIGKILL);
		op->killed = 1;
		poll_later(op, stop_poll, STOP_TERM_S);
		return;
	}
	poll_later(op, stop_poll, 0);
}

static void
stop_begin(struct op *op)
{
	if ((op->master = lb_master_pid(op->lb->id)) == 0) {
		stop_stopped(op);
		return;
	}
	log_info("%s: stopping haproxy (master %d)", op->lb->id,
	    (int)op->master);
	if (kill(op->master, SIGTERM) == -1 && errno != ESRCH) {
		op_fail(op, strerror(errno));
		return;
	}
	poll_later(op, stop_poll, STOP_TERM_S);
}

/* Remove parent/name and all below it. */
static int
rmtree(const char *parent, const char *name)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return afile_rmtree(path);
}

static void
delete_files(struct op *op)
{
	const struct agent_conf	*c = &agent->conf;
	char			 sock[IDENT_MAX + 8];

	(void)snprintf(sock, sizeof(sock), "%s.sock", op->lb->id);
	if (rmtree(c->base_path, op->lb->id) == -1 ||
	    rmtree(c->base_path, sock) == -1 ||
	    rmtree(c->cert_dir, op->lb->id) == -1) {
		op_fail(op, strerror(errno));
		return;
	}
	log_info("%s: files removed", op->lb->id);
	op_reply(op, 200, "OK", NULL);
}

/* the queue */

static void
op_run(struct op *op)
{
	if (op->action != LB_UPLOAD && op->action != LB_DELETE &&
	    !lb_exists(op->lb->id)) {
		op_not_found(op);
		return;
	}
	switch (op->action) {
	case LB_UPLOAD:
		upload_begin(op);
		break;
	case LB_START:
		start_begin(op);
		break;
	case LB_STOP:
	case LB_DELETE:
		stop_begin(op);
		break;
	case LB_RELOAD:
		reload_begin(op);
		break;
	}
}

static void
op_next(struct lb *lb)
{
	struct op	*op;

	if ((op = TAILQ_FIRST(&lb->ops)) == NULL) {
		TAILQ_REMOVE(&lbs, lb, entry);
		free(lb);
		return;
	}
	op_run(op);
}

/*
 * Queue action on load balancer id (it passed ident_ok) for req, which is
 * answered when it is done; body (len bytes) is copied.  Changes to one
 * load balancer run one at a time, in order.
 */
void
lb_submit(struct evhttp_request *req, enum lb_action action, const char *id,
    const void *body, size_t len)
{
	struct lb	*lb;
	struct op	*op;
	int		 idle;

	TAILQ_FOREACH(lb, &lbs, entry)
		if (strcmp(lb->id, id) == 0)
			break;
	if (lb == NULL) {
		if ((lb = calloc(1, sizeof(*lb))) == NULL)
			fatal("calloc");
		(void)strlcpy(lb->id, id, sizeof(lb->id));
		TAILQ_INIT(&lb->ops);
		TAILQ_INSERT_TAIL(&lbs, lb, entry);
	}
	if ((op = calloc(1, sizeof(*op))) == NULL ||
	    (op->body = malloc(len + 1)) == NULL)
		fatal("calloc");
	op->lb = lb;
	op->action = action;
	op->req = req;
	/* A start, stop or reload has no body: body may be NULL. */
	if (len > 0)
		memcpy(op->body, body, len);
	op->len = len;
	if (md5_hex(body, len, op->etag) == -1)
		fatalx("md5");
	idle = TAILQ_EMPTY(&lb->ops);
	TAILQ_INSERT_TAIL(&lb->ops, op, entry);
	if (idle)
		op_run(op);
}

/*
 * Remove what an agent killed mid-change left in top and its directories:
 * afile's temporaries and, with uploads, a haproxy.cfg.new that was being
 * checked.  Only at start, when no change of ours is under way.
 */
static void
lb_sweep(const char *top, int uploads)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];
	int		 n, total;

	if ((total = afile_sweep(top, 0)) == -1 ||
	    (d = opendir(top)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!ident_ok(de->d_name))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", top,
		    de->d_name) >= sizeof(path))
			continue;
		if ((n = afile_sweep(path, 0)) > 0)
			total += n;
		if (uploads && lb_path(path, sizeof(path), de->d_name,
		    "haproxy.cfg.new") == 0 && unlink(path) == 0)
			total++;
	}
	(void)closedir(d);
	if (total > 0)
		log_info("%s: %d unfinished files removed", top, total);
}

int
lb_init(void)
{
	json_t	*ids;
	size_t	 i;
	pid_t	 pid;

	lb_sweep(agent->conf.base_path, 1);
	lb_sweep(agent->conf.cert_dir, 0);
	ids = lb_list();
	for (i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));

		if ((pid = lb_master_pid(id)) != 0)
			log_info("%s: haproxy master %d running", id, (int)pid);
		else
			log_info("%s: haproxy not running", id);
	}
	json_decref(ids);
	return 0;
}
