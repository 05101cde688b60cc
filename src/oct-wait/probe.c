/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sweep.  Every record becomes a probe, a small state machine
 *
 *	PING --reply--> API --2xx--> [--once: LISTENERS --> DETAILS] --> DONE
 *	  |              |  \--not yet--> BACKOFF --> API
 *	  \--timeout     \--fails
 *
 * and up to --parallel probes run at once in one event loop: ICMP replies
 * arrive on the ping sockets, HTTPS answers through libcurl's multi
 * interface, timers (echo resends, backoff, the ping deadline) are checked
 * on every turn.  Records are read by a thread that hands them over a pipe,
 * so a slow producer never stalls probes in flight.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netdb.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "agentc.h"
#include "extern.h"
#include "jrec.h"
#include "log.h"
#include "state.h"

#define PING_INTERVAL	0.5	/* s between echo requests */
#define BACKOFF_MIN	0.1	/* s, doubling ... */
#define BACKOFF_MAX	2.0	/* ... up to this */
#define REQ_TIMEOUT_MS	60000L	/* one API request, unless less remains */
#define PROGRESS_EVERY	0.2	/* s between progress lines */

enum pstate { P_PING, P_API, P_BACKOFF, P_LISTENERS, P_DETAILS, P_DONE };

struct wait;

struct probe {
	TAILQ_ENTRY(probe)	 entry;		/* in active or done */
	struct wait		*w;
	unsigned long		 seq;		/* input order */
	json_t			*rec;
	int			 code;		/* the record's exit code */
	const char		*status;	/* READY, ... or NULL */
	enum pstate		 state;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	struct agentc		*ac;
	char			 checked_at[32];
	double			 next_at;	/* timer, INFINITY if none */
	double			 ping_sent, ping_deadline;
	double			 api_sent, api_deadline, backoff;
	double			 ping_ms, api_ms;	/* < 0: none */
	char			 ping_err[128];
	json_t			*down;		/* --once: what is down */
	char			 reason[512];
	int			 passed;	/* arrived with an error */
};

TAILQ_HEAD(probeq, probe);

struct wait {
	const struct wait_opts	*o;
	struct agentc_opts	 ao;
	struct ping		*ping;
	struct agentc_multi	*multi;
	struct probeq		 active, done;
	unsigned int		 nactive;
	unsigned long		 nin, nout, nready;
	int			 rfd;		/* reader pipe */
	int			 eof;		/* no more input */
	int			 status;	/* first failure's code */
	int			 not_ready;	/* --once: some not READY */
	int			 ioerr;
	FILE			*out;
	double			 progress_at;
};

struct rmsg {
	int	 rc;
	json_t	*rec;
};

struct reader {
	FILE	*in;
	int	 wfd;
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void	 api_send(struct probe *);

/*
 * The reader thread: blocking reads of stdin, each record handed to the
 * loop as a struct rmsg (an atomic pipe write); rc 0 or JREC_IOERR ends it.
 */
static void *
reader_main(void *arg)
{
	struct reader	*r = arg;
	struct jrec_in	*in;
	struct rmsg	 m;
	ssize_t		 n;

	if ((in = jrec_in_new(r->in, "stdin")) == NULL) {
		log_warn("jrec_in_new");
		m.rc = JREC_IOERR;
		m.rec = NULL;
		if (write(r->wfd, &m, sizeof(m)) != (ssize_t)sizeof(m))
			log_warn("reader pipe");
		(void)close(r->wfd);
		return NULL;
	}
	for (;;) {
		m.rec = NULL;
		m.rc = jrec_in_next(in, &m.rec);
		while ((n = write(r->wfd, &m, sizeof(m))) == -1 &&
		    errno == EINTR)
			;
		if (n != (ssize_t)sizeof(m)) {
			/* The loop is gone (stdout failed): stop. */
			json_decref(m.rec);
			break;
		}
		if (m.rc == 0 || m.rc == JREC_IOERR)
			break;
	}
	jrec_in_free(in);
	(void)close(r->wfd);
	return NULL;
}

static void
probe_free(struct probe *p)
{
	if (p == NULL)
		return;
	agentc_free(p->ac);
	json_decref(p->rec);
	json_decref(p->down);
	free(p);
}

/*
 * Milliseconds from seconds, to 1/8 ms: a multiple of a power of two prints
 * short in JSON (9.375, not 9.3000000000000007).
 */
static double
ms(double s)
{
	return round(s * 8000.0) / 8.0;
}

/*
 * health.down_sweeps: the consecutive --once probes, this one included,
 * that found the appliance UNREACHABLE or AGENT_DOWN, counted on from the
 * record's own; any other status is 0.  DEGRADED does not count: a member
 * down is the backends' problem, which a new appliance would not cure.
 */
static json_int_t
down_sweeps(const struct probe *p)
{
	json_int_t	 n;

	if (strcmp(p->status, "UNREACHABLE") != 0 &&
	    strcmp(p->status, "AGENT_DOWN") != 0)
		return 0;
	n = json_integer_value(json_object_get(json_object_get(p->rec,
	    "health"), "down_sweeps"));
	return n < 0 || n >= 1000000 ? 1 : n + 1;
}

/* Add "health" to a --once record. */
static void
add_health(struct probe *p)
{
	json_t	*h;

	h = json_pack("{s:s, s:o, s:o, s:I}", "checked_at", p->checked_at,
	    "ping_ms", p->ping_ms >= 0 ? json_real(p->ping_ms) : json_null(),
	    "api_ms", p->api_ms >= 0 ? json_real(p->api_ms) : json_null(),
	    "down_sweeps", down_sweeps(p));
	if (h == NULL)
		goto fail;
	if (p->reason[0] != '\0' &&
	    json_object_set_new(h, "reason", json_string(p->reason)) == -1)
		goto fail;
	if (p->down != NULL && json_array_size(p->down) > 0 &&
	    json_object_set(h, "down", p->down) == -1)
		goto fail;
	if (json_object_set_new(p->rec, "health", h) == -1) {
		h = NULL;
		goto fail;
	}
	return;
 fail:
	json_decref(h);
	p->code = jrec_fail(p->rec, EX_OSERR, "cannot add health");
}

/* The probe is over: move it from active to done, in order if need be. */
static void
probe_end(struct probe *p)
{
	struct wait	*w = p->w;
	struct probe	*q;

	if (p->state != P_DONE) {
		if (p->ac != NULL)
			agentc_multi_cancel(w->multi, p->ac);
		TAILQ_REMOVE(&w->active, p, entry);
		w->nactive--;
	}
	p->state = P_DONE;
	p->next_at = INFINITY;
	if (p->code == 0 && p->status != NULL) {
		if (json_object_set_new(p->rec, "status",
		    json_string(p->status)) == -1)
			p->code = jrec_fail(p->rec, EX_OSERR,
			    "cannot add status");
		if (w->o->once && p->code == 0)
			add_health(p);
	}
	/* done is kept in input order; most probes end near its tail. */
	TAILQ_FOREACH_REVERSE(q, &w->done, probeq, entry)
		if (q->seq < p->seq)
			break;
	if (q == NULL)
		TAILQ_INSERT_HEAD(&w->done, p, entry);
	else
		TAILQ_INSERT_AFTER(&w->done, q, p, entry);
}

static void
probe_fail(struct probe *p, int code, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
probe_fail(struct probe *p, int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->code = jrec_fail(p->rec, code, "%s", msg);
	p->status = NULL;
	probe_end(p);
}

/* --once: the record's status is known; it is no error. */
static void
probe_status(struct probe *p, const char *status, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
probe_status(struct probe *p, const char *status, const char *fmt, ...)
{
	va_list	 ap;

	p->status = status;
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
		va_end(ap);
		log_debug("%s: %s: %s", jrec_id(p->rec), status, p->reason);
	}
	probe_end(p);
}

static void
ping_start(struct probe *p)
{
	double	 now = now_s();

	p->state = P_PING;
	p->ping_deadline = now + p->w->o->ping_timeout_s;
	p->next_at = now;	/* the first echo goes out this turn */
}

/* Send an echo (a timer fired in state PING). */
static void
ping_tick(struct probe *p, double now)
{
	struct wait	*w = p->w;

	if (now >= p->ping_deadline) {
		if (w->o->once)
			probe_status(p, "UNREACHABLE", "no answer to ping "
			    "within %d s%s%s", w->o->ping_timeout_s,
			    p->ping_err[0] ? ": " : "", p->ping_err);
		else
			probe_fail(p, EX_TEMPFAIL, "ping: no answer from %s "
			    "within %d s%s%s", jrec_str(p->rec, "address"),
			    w->o->ping_timeout_s, p->ping_err[0] ? ": " : "",
			    p->ping_err);
		return;
	}
	switch (ping_send(w->ping, (struct sockaddr *)&p->sa, p->salen)) {
	case 0:
		p->ping_sent = now;
		break;
	case -2:
		probe_fail(p, EX_NOPERM, "ping: no ICMP socket: %s",
		    strerror(errno));
		return;
	default:
		/* Unreachable, filtered: keep trying until the deadline. */
		(void)snprintf(p->ping_err, sizeof(p->ping_err), "%s",
		    strerror(errno));
		break;
	}
	p->next_at = now + PING_INTERVAL;
	if (p->next_at > p->ping_deadline)
		p->next_at = p->ping_deadline;
}

static void
ping_reply(const struct sockaddr *from, void *arg)
{
	struct wait	*w = arg;
	struct probe	*p, *tp;
	double		 now = now_s();

	TAILQ_FOREACH_SAFE(p, &w->active, entry, tp) {
		if (p->state != P_PING ||
		    !ping_same_addr(from, (struct sockaddr *)&p->sa))
			continue;
		p->ping_ms = ms(now - p->ping_sent);
		log_debug("%s: ping answered in %.1f ms", jrec_id(p->rec),
		    p->ping_ms);
		p->api_deadline = now + w->o->timeout_s;
		p->backoff = BACKOFF_MIN;
		api_send(p);
	}
}

/* Whether an API outcome means "not up yet, ask again" (see agentc_call). */
static int
not_yet(int rc, const struct agentc_resp *r)
{
	if (rc == -1)
		return agentc_code(rc, r) == EX_TEMPFAIL;
	return r->status == 503 ||
	    (r->status == 404 && !agentc_resp_is_json(r));
}

/* The JSON object of a 2xx answer, or NULL. */
static json_t *
answer_json(const struct agentc_resp *r)
{
	json_t	*j;

	j = json_loadb(r->body, r->len, 0, NULL);
	return j;
}

static void
set_agent(struct probe *p, const json_t *info)
{
	static const char *const keys[] = { "api_version",
	    "haproxy_version", "hostname" };
	json_t	*a, *v;
	size_t	 i;

	if ((a = json_object()) == NULL)
		goto fail;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(info, keys[i]);
		if (json_is_string(v) && json_object_set(a, keys[i], v) == -1)
			goto fail;
	}
	if (json_object_set_new(p->rec, "agent", a) == -1) {
		a = NULL;
		goto fail;
	}
	return;
 fail:
	json_decref(a);
	p->code = jrec_fail(p->rec, EX_OSERR, "cannot add agent");
}

static void	status_send(struct probe *, const char *);

static void
on_info(struct agentc *ac, int rc, struct agentc_resp *r, void *arg)
{
	struct probe	*p = arg;
	struct wait	*w = p->w;
	json_t		*j = NULL;
	double		 now = now_s();
	int		 code;

	(void)ac;
	code = agentc_code(rc, r);
	if (code == 0) {
		p->api_ms = ms(now - p->api_sent);
		j = answer_json(r);
		if (!json_is_object(j) ||
		    !json_is_string(json_object_get(j, "api_version"))) {
			probe_fail(p, EX_PROTOCOL, "GET /1.0/info from %s: "
			    "answer is not an agent's info object",
			    agentc_name(p->ac));
			goto out;
		}
		set_agent(p, j);
		if (p->code != 0)
			probe_end(p);
		else if (w->o->once)
			status_send(p, "/1.0/listeners");
		else
			probe_status(p, "READY", NULL);
		goto out;
	}
	if (w->o->once) {
		if (code == EX_TEMPFAIL || not_yet(rc, r))
			probe_status(p, "AGENT_DOWN", "GET /1.0/info: %s",
			    agentc_message(r));
		else
			probe_fail(p, code, "GET /1.0/info from %s: %s",
			    agentc_name(p->ac), agentc_message(r));
		goto out;
	}
	if (!not_yet(rc, r)) {
		probe_fail(p, code, "GET /1.0/info from %s: %s",
		    agentc_name(p->ac), agentc_message(r));
		goto out;
	}
	if (now >= p->api_deadline) {
		probe_fail(p, EX_TEMPFAIL, "agent %s: no answer to GET "
		    "/1.0/info within %d s: %s", agentc_name(p->ac),
		    w->o->timeout_s, agentc_message(r));
		goto out;
	}
	/* The last try is at the deadline. */
	if (p->backoff > p->api_deadline - now)
		p->backoff = p->api_deadline - now;
	log_debug("%s: %s; again in %.1f s", jrec_id(p->rec),
	    agentc_message(r), p->backoff);
	p->state = P_BACKOFF;
	p->next_at = now + p->backoff;
	p->backoff *= 2;
	if (p->backoff > BACKOFF_MAX)
		p->backoff = BACKOFF_MAX;
 out:
	json_decref(j);
}

static void
on_status(struct agentc *ac, int rc, struct agentc_resp *r, void *arg)
{
	struct probe	*p = arg;
	const char	*path = p->state == P_LISTENERS ? "/1.0/listeners" :
			    "/1.0/details";
	json_t		*j = NULL;
	int		 code;

	(void)ac;
	code = agentc_code(rc, r);
	if (code == 0) {
		if ((j = answer_json(r)) != NULL)
			(void)health_walk(j, p->down);
		else
			(void)json_array_append_new(p->down, json_sprintf(
			    "GET %s: answer is not JSON", path));
	} else if (r->status != 404) {
		/* 404: an agent without this call; anything else counts. */
		(void)json_array_append_new(p->down, json_sprintf(
		    "GET %s: %s", path, agentc_message(r)));
	}
	json_decref(j);
	if (p->state == P_LISTENERS) {
		status_send(p, "/1.0/details");
		return;
	}
	if (json_array_size(p->down) > 0)
		probe_status(p, "DEGRADED", "%s", json_string_value(
		    json_array_get(p->down, 0)));
	else
		probe_status(p, "READY", NULL);
}

static void
status_send(struct probe *p, const char *path)
{
	struct wait	*w = p->w;

	if (p->down == NULL && (p->down = json_array()) == NULL) {
		probe_fail(p, EX_OSERR, "out of memory");
		return;
	}
	p->state = strcmp(path, "/1.0/listeners") == 0 ? P_LISTENERS :
	    P_DETAILS;
	p->next_at = INFINITY;
	if (agentc_multi_add(w->multi, p->ac, "GET", path, NULL, 0,
	    w->o->timeout_s * 1000L, on_status, p) == -1)
		probe_fail(p, EX_SOFTWARE, "GET %s: cannot start", path);
}

static void
api_send(struct probe *p)
{
	struct wait	*w = p->w;
	double		 now = now_s();
	long		 tms;

	if (w->o->once)
		tms = w->o->timeout_s * 1000L;
	else {
		tms = (long)((p->api_deadline - now) * 1000) + 1;
		if (tms > REQ_TIMEOUT_MS)
			tms = REQ_TIMEOUT_MS;
		if (tms < 1)
			tms = 1;
	}
	p->state = P_API;
	p->next_at = INFINITY;
	p->api_sent = now;
	if (agentc_multi_add(w->multi, p->ac, "GET", "/1.0/info", NULL, 0,
	    tms, on_info, p) == -1)
		probe_fail(p, EX_SOFTWARE, "GET /1.0/info: cannot start");
}

/* Check the record and start its probe. */
static void
probe_start(struct probe *p)
{
	struct wait	*w = p->w;
	struct addrinfo	 hints, *ai = NULL;
	const char	*id, *addr;
	json_t		*jp;
	json_int_t	 port = w->o->port;
	int		 e;

	health_now(p->checked_at, sizeof(p->checked_at));
	if ((id = jrec_str(p->rec, "id")) == NULL) {
		probe_fail(p, EX_DATAERR, "record has no \"id\"");
		return;
	}
	if ((addr = jrec_str(p->rec, "address")) == NULL) {
		probe_fail(p, EX_DATAERR, "record has no \"address\"");
		return;
	}
	if ((jp = json_object_get(p->rec, "agent_port")) != NULL) {
		if (!json_is_integer(jp) || json_integer_value(jp) < 1 ||
		    json_integer_value(jp) > 65535) {
			probe_fail(p, EX_DATAERR, "\"agent_port\" is not a "
			    "port number");
			return;
		}
		port = json_integer_value(jp);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_DGRAM;
	if ((e = getaddrinfo(addr, NULL, &hints, &ai)) != 0) {
		probe_fail(p, EX_DATAERR, "address %s: %s", addr,
		    gai_strerror(e));
		return;
	}
	memcpy(&p->sa, ai->ai_addr, ai->ai_addrlen);
	p->salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if ((p->ac = agentc_new(addr, (int)port, id, &w->ao)) == NULL) {
		e = errno;
		probe_fail(p, agentc_new_code(e), "agent endpoint %s: %s",
		    addr, strerror(e));
		return;
	}
	if (w->o->ping_timeout_s > 0)
		ping_start(p);
	else {
		p->api_deadline = now_s() + w->o->timeout_s;
		p->backoff = BACKOFF_MIN;
		api_send(p);
	}
}

/*
 * Take one record from the reader.  Returns 1 when one was taken, 0 when
 * none is there yet, -1 at end of input.
 */
static int
take_input(struct wait *w)
{
	struct rmsg	 m;
	struct probe	*p;
	ssize_t		 n;

	n = read(w->rfd, &m, sizeof(m));
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (n != (ssize_t)sizeof(m)) {
		if (n == -1)
			log_warn("reader pipe");
		w->eof = 1;
		return -1;
	}
	switch (jrec_next_status(m.rc, &w->status)) {
	case 1:
		break;
	case 0:
		return 1;
	default:
		w->eof = 1;
		return -1;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("calloc");
		json_decref(m.rec);
		if (w->status == 0)
			w->status = EX_OSERR;
		return 1;
	}
	p->w = w;
	p->rec = m.rec;
	p->seq = w->nin++;
	p->ping_ms = p->api_ms = -1;
	p->next_at = INFINITY;
	TAILQ_INSERT_TAIL(&w->active, p, entry);
	w->nactive++;
	/* Records that carry an error pass through untouched. */
	if ((p->code = jrec_error_code(p->rec)) != 0) {
		p->status = NULL;
		p->passed = 1;
		probe_end(p);
	} else
		probe_start(p);
	return 1;
}

/*
 * --save: store a probed record over amphorae/<id>.json when that is there;
 * a record whose file is gone (its appliance deleted while the sweep ran)
 * stays gone.  A failed save fails the record: the caller must know that
 * the state directory did not take it.
 */
static void
save(struct probe *p)
{
	if (p->passed || state_record_update(p->rec) == 0)
		return;
	if (errno == ENOENT) {
		log_debug("%s: no record to update", jrec_id(p->rec));
		return;
	}
	if (p->code == 0)
		p->code = jrec_fail(p->rec, EX_CANTCREAT,
		    "cannot save the record: %s", strerror(errno));
}

/* Write what may be written: in input order, or all with --unordered. */
static void
flush_done(struct wait *w)
{
	struct probe	*p;

	while ((p = TAILQ_FIRST(&w->done)) != NULL) {
		if (!w->o->unordered && p->seq != w->nout)
			break;
		TAILQ_REMOVE(&w->done, p, entry);
		w->nout++;
		if (w->o->save)
			save(p);
		if (p->code != 0 && w->status == 0)
			w->status = p->code;
		if (p->code == 0 && p->status != NULL &&
		    strcmp(p->status, "READY") == 0)
			w->nready++;
		else if (p->code == 0 && w->o->once)
			w->not_ready = 1;
		if (!w->ioerr && jrec_write(w->out, p->rec) == -1) {
			log_warn("stdout");
			w->ioerr = 1;
		}
		probe_free(p);
	}
}

static void
progress(struct wait *w, int last)
{
	double	 now = now_s();

	if (!w->o->progress || (!last && now < w->progress_at))
		return;
	w->progress_at = now + PROGRESS_EVERY;
	fprintf(stderr, "\r%s: %lu done, %u in flight, %lu ready%s",
	    getprogname(), w->nout, w->nactive, w->nready,
	    last ? "\n" : "\033[K");
}

/* One turn: wait for something, then handle it.  Returns 0 or -1. */
static int
turn(struct wait *w)
{
	struct pollfd	 fds[3];
	struct probe	*p, *tp;
	double		 now, next = INFINITY;
	unsigned int	 n = 0, i, first_ping;
	int		 tmo;

	if (!w->eof && w->nactive < (unsigned int)w->o->parallel) {
		fds[n].fd = w->rfd;
		fds[n].events = POLLIN;
		fds[n++].revents = 0;
	}
	first_ping = n;
	n += ping_pollfds(w->ping, fds + n);
	TAILQ_FOREACH(p, &w->active, entry)
		if (p->next_at < next)
			next = p->next_at;
	now = now_s();
	if (next == INFINITY)
		tmo = 1000;
	else if (next <= now)
		tmo = 0;
	else
		tmo = (int)ceil((next - now) * 1000);
	if (tmo > 1000)
		tmo = 1000;
	if (w->o->progress && tmo > 200)
		tmo = 200;
	if (agentc_multi_poll(w->multi, fds, n, tmo) == -1)
		return -1;
	for (i = first_ping; i < n; i++)
		if (fds[i].revents & POLLIN)
			ping_recv(w->ping, fds[i].fd, ping_reply, w);
	now = now_s();
	TAILQ_FOREACH_SAFE(p, &w->active, entry, tp) {
		if (p->next_at > now)
			continue;
		if (p->state == P_PING)
			ping_tick(p, now);
		else if (p->state == P_BACKOFF)
			api_send(p);
		else
			p->next_at = INFINITY;
	}
	if (first_ping > 0 && (fds[0].revents & (POLLIN | POLLHUP)))
		while (!w->eof && w->nactive < (unsigned int)w->o->parallel)
			if (take_input(w) != 1)
				break;
	return 0;
}

int
wait_run(FILE *in, FILE *out, const struct wait_opts *o)
{
	struct wait	 w;
	struct reader	 r;
	struct rmsg	 m;
	struct probe	*p;
	pthread_t	 th;
	int		 pfd[2] = { -1, -1 }, started = 0, e;

	memset(&w, 0, sizeof(w));
	w.o = o;
	w.out = out;
	w.rfd = -1;
	w.ao.ca = o->ca;
	w.ao.cert = o->cert;
	w.ao.key = o->key;
	TAILQ_INIT(&w.active);
	TAILQ_INIT(&w.done);
	if ((w.ping = ping_new()) == NULL ||
	    (w.multi = agentc_multi_new()) == NULL) {
		log_warnx("out of memory");
		w.status = EX_OSERR;
		goto out;
	}
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		log_warn("pipe2");
		w.status = EX_OSERR;
		goto out;
	}
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("fcntl");
		w.status = EX_OSERR;
		goto out;
	}
	w.rfd = pfd[0];
	r.in = in;
	r.wfd = pfd[1];
	if ((e = pthread_create(&th, NULL, reader_main, &r)) != 0) {
		log_warnx("pthread_create: %s", strerror(e));
		w.status = EX_OSERR;
		goto out;
	}
	started = 1;
	pfd[1] = -1;	/* the reader's now */
	while (!w.ioerr && (!w.eof || w.nactive > 0 ||
	    !TAILQ_EMPTY(&w.done))) {
		if (turn(&w) == -1) {
			if (w.status == 0)
				w.status = EX_SOFTWARE;
			break;
		}
		flush_done(&w);
		progress(&w, 0);
	}
	progress(&w, 1);
	if (w.ioerr)
		w.status = EX_IOERR;
	else if (w.status == 0 && w.not_ready)
		w.status = EX_UNAVAILABLE;
 out:
	if (started) {
		if (!w.eof) {
			/* Stopped early: free what the reader handed over. */
			while (read(w.rfd, &m, sizeof(m)) == (ssize_t)sizeof(m))
				json_decref(m.rec);
		}
		/* Closing our end stops a reader blocked on the pipe. */
		(void)close(w.rfd);
		w.rfd = -1;
		if (w.eof)
			(void)pthread_join(th, NULL);
		else
			(void)pthread_detach(th);
	}
	while ((p = TAILQ_FIRST(&w.active)) != NULL) {
		TAILQ_REMOVE(&w.active, p, entry);
		probe_free(p);
	}
	while ((p = TAILQ_FIRST(&w.done)) != NULL) {
		TAILQ_REMOVE(&w.done, p, entry);
		probe_free(p);
	}
	if (w.rfd != -1)
		(void)close(w.rfd);
	if (pfd[1] != -1)
		(void)close(pfd[1]);
	agentc_multi_free(w.multi);
	ping_free(w.ping);
	return w.status;
}
