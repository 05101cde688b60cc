/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netns: small helpers for Linux network namespaces (the named ones under
 * /run/netns that ip-netns(8) makes), their processes and links, and for
 * running ip(8).  Used by the netns compute driver and by oct-agent.
 */
#ifndef OCT_NETNS_H
#define OCT_NETNS_H

#include <sys/types.h>

#include <netinet/in.h>

#include <stddef.h>

#define NETNS_RUN_DIR	"/run/netns"

/*
 * Run argv (argv[0] looked up in PATH) with stdin /dev/null and its stdout
 * and stderr collected into out (outsz bytes, NUL-terminated, trailing
 * newline removed; out may be NULL).  Returns 0 when it exited 0, else -1
 * (out then says why; nothing is logged).
 */
int	 netns_run(char *out, size_t outsz, const char *const argv[]);

/* As netns_run, with the string input (not NULL) on its stdin. */
int	 netns_run_in(char *out, size_t outsz, const char *const argv[],
	    const char *input);

/* 1 when the named namespace exists, else 0. */
int	 netns_exists(const char *name);

/* 1 when a link called ifname exists in this namespace, else 0. */
int	 netns_link_exists(const char *ifname);

/* 1 when process pid lives in the named namespace, else 0. */
int	 netns_pid_in(pid_t pid, const char *name);

/*
 * The processes that live in the named namespace (like ip netns pids).
 * Returns an array owned by the caller (free it) of *np pids, or NULL with
 * *np 0 when there are none or on error.
 */
pid_t	*netns_pids(const char *name, size_t *np);

/*
 * Stop every process in the named namespace: SIGTERM, then SIGKILL after
 * half of timeout_ms, reaping our own children.  Returns 0 when none is
 * left, -1 otherwise (logged).
 */
int	 netns_kill_all(const char *name, int timeout_ms);

/* How netns_spawn starts a process. */
struct netns_spawn {
	const char		*netns;		/* name under /run/netns */
	const char		*hostname;	/* own UTS namespace, or NULL */
	const char *const	*binds;		/* source, target, ..., NULL */
	const char		*log;		/* stdout and stderr, appended */
	const char *const	*argv;		/* argv[0] an absolute path */
	const char *const	*envp;
};

/*
 * Start a process in its own session inside the named network namespace
 * and in a private mount namespace where /sys shows that network
 * namespace, /run/netns is empty, and each bind source is mounted on its
 * target; with a hostname, in its own UTS namespace with that name.  It outlives the caller.  Returns its pid, or -1 (logged).  Early
 * failures in the child are written to the log and end it with 127.
 */
pid_t	 netns_spawn(const struct netns_spawn *);

/*
 * Try a TCP connection to addr (IPv4 or IPv6 text) port within timeout_ms.
 * Returns 0 when it was accepted, -1 otherwise.
 */
int	 netns_tcp_probe(const char *addr, int port, int timeout_ms);

/* Milliseconds of CLOCK_MONOTONIC, and a sleep that resumes on EINTR. */
long long netns_now_ms(void);
void	 netns_sleep_ms(int ms);

/* 1 when IPv4 address a is on link ifname in this namespace, else 0. */
int	 netns_has_addr4(const char *ifname, struct in_addr a);

/* Run ip(8) with the NULL-terminated arguments; -1 with err filled. */
int	 netns_ip(char *err, size_t errsz, const char *const args[]);
#define NETNS_IP(err, ...) netns_ip((err), sizeof(err), \
	(const char *const []){ __VA_ARGS__, NULL })

/*
 * Run script (ip commands, one a line) with one ip -batch, in namespace ns
 * when not NULL: one process instead of one per command.  -1 with err
 * filled (ip names the failing line).
 */
int	 netns_ip_batch(char *err, size_t errsz, const char *ns,
	    const char *script);

/* Append a formatted line to a script buffer; -1 when it is full. */
int	 netns_script_add(char *buf, size_t bufsz, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));

#endif
