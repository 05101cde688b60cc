/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OCT_WAIT_EXTERN_H
#define OCT_WAIT_EXTERN_H

#include <sys/socket.h>

#include <poll.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/*
 * ping.c: ICMP echo to many addresses over one socket per family: a
 * datagram ICMP socket where net.ipv4.ping_group_range allows it, a raw
 * socket otherwise.
 */
struct ping;

/* The engine (free with ping_free), or NULL (out of memory). */
struct ping	*ping_new(void);
void		 ping_free(struct ping *);

/*
 * Send one echo request to sa.  Returns 0; -1 with sendto(2)'s errno (the
 * caller may try again later); -2 with errno set when no ICMP socket of
 * sa's family may be had (logged once).
 */
int		 ping_send(struct ping *, const struct sockaddr *sa,
		    socklen_t salen);

/* The sockets to poll for replies into fds (at most 2).  Returns the count. */
unsigned int	 ping_pollfds(struct ping *, struct pollfd *fds);

/*
 * Read the replies waiting on fd (from ping_pollfds) and call fn with the
 * address of each echo reply.
 */
typedef void	 (*ping_reply_fn)(const struct sockaddr *from, void *arg);
void		 ping_recv(struct ping *, int fd, ping_reply_fn fn, void *arg);

/* Whether two socket addresses hold the same IP address (ports ignored). */
int		 ping_same_addr(const struct sockaddr *, const struct sockaddr *);

/* health.c: the listener and member states in the agent's status answers. */

/*
 * Add to down (a JSON array) one string per listener that is not OPEN or
 * ACTIVE, pool that is DOWN or in ERROR and member that is DOWN, found
 * anywhere in j (the body of GET /1.0/listeners or /1.0/details, or a
 * heartbeat-shaped object).  Returns how many listeners were seen.
 */
int		 health_walk(const json_t *j, json_t *down);

/* "2026-11-25T12:00:00Z" for now into buf (at least 21 bytes). */
void		 health_now(char *buf, size_t bufsz);

/* probe.c: the sweep: every record's probe, driven in one event loop. */
struct wait_opts {
	const char	*ca, *cert, *key;	/* NULL: state dir defaults */
	int		 once;			/* --once */
	int		 parallel;		/* records probed at once */
	int		 port;			/* unless the record says */
	int		 ping_timeout_s;	/* 0: no ping step */
	int		 timeout_s;		/* API step */
	int		 unordered;		/* write records as they end */
	int		 progress;		/* progress line on stderr */
	int		 save;			/* --save */
};

/*
 * Read records from in, probe them, write them to out.  Returns the exit
 * status (oct-wait(1) EXIT STATUS).
 */
int		 wait_run(FILE *in, FILE *out, const struct wait_opts *);

#endif
