/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli: one command to a haproxy UNIX socket (a stats socket or the master
 * CLI), answered asynchronously.  haproxy closes a non-interactive CLI
 * connection after its answer, so the answer is everything until EOF.
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "extern.h"

#define CLI_OUT_MAX	(4 * 1024 * 1024)

struct query {
	struct bufferevent	*bev;
	cli_fn			 fn;
	void			*arg;
};

static void
query_done(struct query *q, int ok)
{
	struct evbuffer	*in = bufferevent_get_input(q->bev);
	size_t		 len = evbuffer_get_length(in);
	char		*s;

	/* The input buffer's end is frozen: copy the answer out. */
	if ((s = malloc(len + 1)) == NULL)
		fatal("cli output");
	if (evbuffer_remove(in, s, len) != (int)len)
		fatalx("cli output");
	s[len] = '\0';
	q->fn(ok, s, len, q->arg);
	free(s);
	bufferevent_free(q->bev);
	free(q);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct query	*q = arg;

	if (evbuffer_get_length(bufferevent_get_input(bev)) > CLI_OUT_MAX)
		query_done(q, 0);
}

/*
 * The command is out: half-close, which the master CLI needs to answer
 * and close (the stats socket closes after one command anyway).
 */
static void
on_write(struct bufferevent *bev, void *arg)
{
	(void)arg;
	(void)shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct query	*q = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	query_done(q, (what & BEV_EVENT_EOF) != 0);
}

/* Deliver a failure from the loop, never from inside cli_query. */
static void
on_fail(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	query_done(arg, 0);
}

/*
 * Send cmd to the UNIX socket path and call fn with ok (1 when the whole
 * answer arrived) and the answer (NUL-terminated, borrowed for the call).
 * fn is always called, later, from the event loop.
 */
void
cli_query(const char *path, const char *cmd, int timeout_ms, cli_fn fn,
    void *arg)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { timeout_ms / 1000,
				    (timeout_ms % 1000) * 1000 };
	struct query		*q;
	int			 fd = -1;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatalx("cli_query: out of memory");
	q->fn = fn;
	q->arg = arg;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/*
	 * A UNIX socket connects or fails at once, so connect here: a
	 * failure is then one deferred callback, never two.
	 */
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path) ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (fd != -1)
			(void)close(fd);
		if ((q->bev = bufferevent_socket_new(agent->base, -1,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
		    event_base_once(agent->base, -1, EV_TIMEOUT, on_fail, q,
		    NULL) == -1)
			fatalx("cli_query: event_base_once");
		return;
	}
	if ((q->bev = bufferevent_socket_new(agent->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("cli_query: out of memory");
	bufferevent_setcb(q->bev, on_read, on_write, on_event, q);
	bufferevent_set_timeouts(q->bev, &tv, &tv);
	if (bufferevent_write(q->bev, cmd, strlen(cmd)) == -1 ||
	    bufferevent_write(q->bev, "\n", 1) == -1 ||
	    bufferevent_enable(q->bev, EV_READ | EV_WRITE) == -1)
		fatalx("cli_query: bufferevent");
}
