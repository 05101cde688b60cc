/* SPDX-License-Identifier: Apache-2.0 */
/*
 * server: the HTTPS front door.  libevent's evhttp parses HTTP over an
 * OpenSSL bufferevent per connection and enforces the size limits (head
 * HEADERS_MAX, body --body-max).  Its own refusals (413, 400) are HTML
 * pages; a watcher on each connection's output turns them into werkzeug's
 * JSON errors before they are sent, as every error here is JSON.  Besides:
 *
 *   - each request must arrive whole within the read timeout, counted from
 *     the connection or from the previous answer (slow clients);
 *   - at most max_connections are open; at the limit the listener stops
 *     accepting until one closes (the kernel's backlog holds the rest);
 *   - out of descriptors (or memory), it stops accepting for a moment
 *     rather than spin on a listener that stays readable;
 *   - once a crowd of connections has gone, the heap they grew goes back
 *     to the kernel (glibc would keep it), and nothing it left behind
 *     holds pages of it (fd_slots_reserve).
 *
 * Every answer is logged as one line: peer, method, path, status, time.
 *
 * server_start_plain() serves the same without TLS on a listening socket
 * it is given: the fuzz target's (tests/fuzz/agent.c) way in, never the
 * agent's.
 */
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "log.h"
#include "utf8.h"
#include "extern.h"

struct conn {
	TAILQ_ENTRY(conn) entry;	/* in plain_conns */
	struct bufferevent *bev;	/* the OpenSSL (or filter) bufferevent */
	struct event	*deadline;
	struct event	*fix;		/* rewrites evhttp's error pages */
	struct event	*reg;		/* plain: watches for its end */
	int		 plain;		/* no TLS: a socket bufferevent */
	int		 busy;		/* a request is being answered */
	int		 ours;		/* we are writing an answer */
	int		 handshaken;	/* the TLS handshake is done */
	long long	 evhttp_at;	/* offset of evhttp's own output */
	struct timespec	 t0;		/* when the request was handed to us */
};

/*
 * An idle TLS connection holds some 26 KiB of heap.  When TRIM_CONNS or
 * more were open at once and at most a quarter of them are left, glibc
 * still keeps the memory the others freed (the heap only shrinks from its
 * top): malloc_trim gives it back, and again when the last one is gone.
 */
#define TRIM_CONNS	64

/* accept() failed for want of descriptors: try again after this long. */
#define ACCEPT_PAUSE_MS	500
#define ACCEPT_WARN_S	10	/* one warning at most this often */

/* Descriptors besides connections: listener, pipes, haproxy's sockets. */
#define FD_SLOTS_SPARE	64

static struct evhttp		*http;
static struct evconnlistener	*listener;
static int			 nconns;
static int			 nconns_peak;	/* since the last trim */
static int			 trim_at_zero;
static struct event		*accept_resume;
static time_t			 accept_warned;
static int			 conn_idx = -1;
static int			 pending;	/* requests handed to api.c */
/* Connections without TLS (server_start_plain), found by their bev. */
static TAILQ_HEAD(, conn)	 plain_conns =
				    TAILQ_HEAD_INITIALIZER(plain_conns);

static void	 conn_arm(struct conn *);

static const char *
status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 202: return "Accepted";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Request Entity Too Large";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* werkzeug's texts for the generic errors. */
static const char *
error_text(int code)
{
	switch (code) {
	case 400: return "The browser (or proxy) sent a request that this "
	    "server could not understand.";
	case 404: return "The requested URL was not found on the server. If "
	    "you entered the URL manually please check your spelling and try "
	    "again.";
	case 405: return "The method is not allowed for the requested URL.";
	case 411: return "A request with this method requires a valid "
	    "<code>Content-Length</code> header.";
	case 413: return "The data value transmitted exceeds the capacity "
	    "limit.";
	case 431: return "One or more header fields exceeds the maximum "
	    "size.";
	case 501: return "The server does not support the action requested "
	    "by the browser.";
	case 505: return "The server does not support the HTTP protocol "
	    "version used in the request.";
	default: return "The server encountered an internal error.";
	}
}

/* MD5 of buf as 32 lowercase hex digits (the ETag Octavia uses). */
int
md5_hex(const void *buf, size_t len, char out[33])
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_md5(), NULL) != 1 ||
	    mdlen != 16)
		return -1;
	for (i = 0; i < mdlen; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static struct conn *
req_conn(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct conn			*c;
	SSL				*ssl;

	if ((evcon = evhttp_request_get_connection(req)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL)
		return NULL;
	if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL)
		return SSL_get_ex_data(ssl, conn_idx);
	TAILQ_FOREACH(c, &plain_conns, entry)
		if (c->bev == bev)
			return c;
	return NULL;
}

static void
log_request(struct evhttp_request *req, int code)
{
	struct conn	*c = req_conn(req);
	struct timespec	 now;
	const char	*method, *uri = evhttp_request_get_uri(req);
	char		 path[160], *peer = NULL;
	ev_uint16_t	 port = 0;
	size_t		 i;
	double		 ms = 0;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET: method = "GET"; break;
	case EVHTTP_REQ_PUT: method = "PUT"; break;
	case EVHTTP_REQ_POST: method = "POST"; break;
	case EVHTTP_REQ_DELETE: method = "DELETE"; break;
	case EVHTTP_REQ_HEAD: method = "HEAD"; break;
	case EVHTTP_REQ_OPTIONS: method = "OPTIONS"; break;
	case EVHTTP_REQ_PATCH: method = "PATCH"; break;
	default: method = "-"; break;
	}
	/* Only printable bytes of the path reach the log. */
	(void)strlcpy(path, uri == NULL ? "-" : uri, sizeof(path));
	for (i = 0; path[i] != '\0'; i++)
		if (!isprint((unsigned char)path[i]) || path[i] == ' ')
			path[i] = '?';
	if (c != NULL && clock_gettime(CLOCK_MONOTONIC, &now) == 0)
		ms = (now.tv_sec - c->t0.tv_sec) * 1e3 +
		    (now.tv_nsec - c->t0.tv_nsec) / 1e6;
	if (evhttp_request_get_connection(req) != NULL)
		evhttp_connection_get_peer(evhttp_request_get_connection(req),
		    &peer, &port);
	log_info("%s %s %s %d %.1fms", peer == NULL ? "-" : peer, method,
	    path, code, ms);
}

/*
 * The last step of every answer.  evhttp (2.1) would send a body after
 * the head of an answer to HEAD, without its length: the next answer on
 * the connection would start inside it.  The head says the length of the
 * GET's body and none follows (RFC 9110, 9.3.2).
 */
static void
reply_send(struct evhttp_request *req, int code, struct evbuffer *buf)
{
	struct conn	*c;
	char		 len[24];

	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD &&
	    buf != NULL) {
		(void)snprintf(len, sizeof(len), "%zu",
		    evbuffer_get_length(buf));
		(void)evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", len);
		buf = NULL;
	}
	log_request(req, code);
	pending--;
	if ((c = req_conn(req)) != NULL) {
		c->busy = 0;
		c->ours = 1;
		conn_arm(c);
	}
	evhttp_send_reply(req, code, status_text(code), buf);
	if (c != NULL)
		c->ours = 0;
}

void
reply_etag(struct evhttp_request *req, const char *etag)
{
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "ETag", etag);
}

/*
 * Answer with body (stolen) as compact JSON.  A body that could not be
 * built (NULL) or written is answered 500: a failure to build an answer
 * costs that answer, never the agent.
 */
void
reply_json(struct evhttp_request *req, int code, json_t *body)
{
	struct evbuffer	*buf = NULL;
	char		*s = NULL;
	static const char internal[] = "{\"message\":\"Internal error\"}";

	if (body != NULL)
		s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL) {
		log_warnx("cannot build an answer of %d", code);
		code = 500;
	}
	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add(buf, s != NULL ? s : internal,
	    s != NULL ? strlen(s) : sizeof(internal) - 1) == -1) {
		/* Out of memory: a 500 without a body. */
		free(s);
		if (buf != NULL)
			evbuffer_free(buf);
		reply_send(req, 500, NULL);
		return;
	}
	free(s);
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	reply_send(req, code, buf);
	evbuffer_free(buf);
}

/*
 * {"message": message, "details": details}; no details when NULL.  Either
 * may quote foreign text (haproxy's or a tool's output): it is scrubbed to
 * valid UTF-8 (utf8.h).
 */
void
reply_msg(struct evhttp_request *req, int code, const char *message,
    const char *details)
{
	json_t	*o;

	if ((o = json_object()) != NULL &&
	    (json_object_set_new(o, "message", utf8_jstr(message)) == -1 ||
	    (details != NULL && json_object_set_new(o, "details",
	    utf8_jstr(details)) == -1))) {
		json_decref(o);
		o = NULL;
	}
	reply_json(req, code, o);
}

/*
 * werkzeug's error: {"error": "400 Bad Request: <description>",
 * "http_code": 400}, with "details" when not NULL (scrubbed as in
 * reply_msg).
 */
void
reply_werror(struct evhttp_request *req, int code, const char *description,
    const char *details)
{
	char	 text[512];
	json_t	*o;

	(void)snprintf(text, sizeof(text), "%d %s: %s", code,
	    status_text(code), description);
	if ((o = json_pack("{s:o,s:i}", "error", utf8_jstr(text), "http_code",
	    code)) != NULL && details != NULL &&
	    json_object_set_new(o, "details", utf8_jstr(details)) == -1) {
		json_decref(o);
		o = NULL;
	}
	reply_json(req, code, o);
}

/* werkzeug's generic error: {"error": "404 Not Found: ...", ...}. */
void
reply_error(struct evhttp_request *req, int code)
{
	reply_werror(req, code, error_text(code), NULL);
}

void
reply_text(struct evhttp_request *req, int code, const char *ctype,
    const void *body, size_t len, const char *etag)
{
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add(buf, body, len) == -1)
		fatalx("reply_text");
	(void)evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", ctype);
	if (etag != NULL)
		reply_etag(req, etag);
	reply_send(req, code, buf);
	evbuffer_free(buf);
}

/* Every request evhttp parsed ends up here. */
static void
on_request(struct evhttp_request *req, void *arg)
{
	struct conn	*c;

	(void)arg;
	pending++;
	if ((c = req_conn(req)) != NULL) {
		c->busy = 1;
		(void)clock_gettime(CLOCK_MONOTONIC, &c->t0);
	}
	/*
	 * evhttp answers in the request's version and frames the answer by
	 * it: to "HTTP/0.0" it would send a body of no length on a
	 * connection kept alive.  HTTP/1.x beyond 1.1 is spoken as 1.1 (RFC
	 * 9110, 2.5); other versions are refused, in HTTP/1.0, and the
	 * connection closed.
	 */
	if (req->major == 1 && req->minor > 1)
		req->minor = 1;
	else if (req->major != 1 || req->minor < 0) {	/* "HTTP/1.-1" */
		req->major = 1;
		req->minor = 0;
		(void)evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		reply_error(req, 505);
		return;
	}
	api_dispatch(req);
}

/*
 * Replace the error page evhttp wrote (at c->evhttp_at in the output) by
 * the same error as JSON.  Runs from the loop right after evhttp wrote it
 * and before the socket is written, which needs another turn of the loop
 * (evhttp writes an error page only once what came before it is out).
 */
static void
conn_fix(evutil_socket_t fd, short what, void *arg)
{
	struct conn		*c = arg;
	struct evbuffer		*out = bufferevent_get_output(c->bev);
	struct evbuffer		*keep = NULL;
	struct evbuffer_ptr	 pos;
	const char		*errstr;
	json_t			*o;
	char			 line[64], text[512], *body = NULL, *sp;
	size_t			 len;
	ev_ssize_t		 n;
	int			 code;

	(void)fd;
	(void)what;
	/* A socket bufferevent keeps the start of its output frozen. */
	if (c->plain)
		(void)evbuffer_unfreeze(out, 1);
	len = evbuffer_get_length(out);
	if (c->evhttp_at < 0 || (size_t)c->evhttp_at >= len)
		goto out;
	if (evbuffer_ptr_set(out, &pos, c->evhttp_at, EVBUFFER_PTR_SET) == -1)
		goto out;
	n = evbuffer_copyout_from(out, &pos, line, sizeof(line) - 1);
	line[n < 0 ? 0 : n] = '\0';
	/* "HTTP/1.1 413 ...", in the request's version: "HTTP/1.11 501" */
	if (strncmp(line, "HTTP/", 5) != 0 ||
	    (sp = strchr(line, ' ')) == NULL || strlen(sp) < 5 ||
	    sp[4] != ' ')
		goto out;
	sp[4] = '\0';
	code = strtonum(sp + 1, 100, 599, &errstr);
	if (errstr != NULL || code < 400)
		goto out;
	(void)snprintf(text, sizeof(text), "%d %s: %s", code,
	    status_text(code), error_text(code));
	o = json_pack("{s:s,s:i}", "error", text, "http_code", code);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (body == NULL || (keep = evbuffer_new()) == NULL)
		goto out;
	/* Drop evhttp's page; what came before it stays. */
	if (evbuffer_remove_buffer(out, keep, c->evhttp_at) !=
	    (int)c->evhttp_at || evbuffer_drain(out, len) == -1 ||
	    evbuffer_prepend_buffer(out, keep) == -1)
		fatalx("conn_fix: evbuffer");
	c->ours = 1;
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\nConnection: close"
	    "\r\n\r\n%s", code, status_text(code), strlen(body), body);
	c->ours = 0;
	log_info("- - - %d (refused by the HTTP parser)", code);
out:
	if (c->plain)
		(void)evbuffer_freeze(out, 1);
	if (keep != NULL)	/* evbuffer_free(NULL) crashes */
		evbuffer_free(keep);
	free(body);
	c->evhttp_at = -1;
}

/* Output that is not one of our answers is evhttp's: look at it. */
static void
conn_out(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct conn	*c = arg;

	(void)buf;
	if (info->n_added == 0 || c->ours || c->evhttp_at >= 0)
		return;
	c->evhttp_at = info->orig_size;
	event_active(c->fix, 0, 0);
}

/* A connection is gone: its state too. */
static void
conn_release(struct conn *c)
{
	event_free(c->deadline);
	event_free(c->fix);
	if (c->reg != NULL)	/* event_free(NULL) crashes */
		event_free(c->reg);
	free(c);
	if (nconns-- == agent->conf.max_conns && listener != NULL)
		evconnlistener_enable(listener);
	if (nconns_peak >= TRIM_CONNS && nconns <= nconns_peak / 4) {
		(void)malloc_trim(0);
		nconns_peak = nconns;
		trim_at_zero = nconns > 0;
	} else if (nconns == 0 && trim_at_zero) {
		(void)malloc_trim(0);
		trim_at_zero = 0;
	}
}

/* OpenSSL frees a connection's state with its SSL. */
static void
conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr != NULL)
		conn_release(ptr);
}

/* A plain connection closes: its state goes, and stops watching it. */
static void
conn_closed_plain(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	(void)evcon;
	(void)evbuffer_remove_cb(bufferevent_get_output(c->bev), conn_out, c);
	TAILQ_REMOVE(&plain_conns, c, entry);
	conn_release(c);
}

/*
 * Run from the loop right after evhttp made the connection of a plain
 * one's bufferevent, before anything was read on it: evhttp tells when it
 * closes.
 */
static void
conn_watch_plain(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	void		*evcon = NULL;

	(void)fd;
	(void)what;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &evcon);
	if (evcon == NULL)
		fatalx("plain connection without evhttp");
	evhttp_connection_set_closecb(evcon, conn_closed_plain, c);
}

/* The read deadline passed: end the connection unless we are answering. */
static void
conn_expire(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	evutil_socket_t	 s;

	(void)fd;
	(void)what;
	if (c->busy)
		return;
	if ((s = bufferevent_getfd(c->bev)) != -1) {
		log_debug("connection %d: read timeout", (int)s);
		(void)shutdown(s, SHUT_RDWR);
	}
}

/*
 * (Re)start the read deadline: the read timeout, but until the TLS
 * handshake is done at most HANDSHAKE_S, so that connections that never
 * finish one cannot hold the connection cap for the whole read timeout.
 */
static void
conn_arm(struct conn *c)
{
	struct timeval	 tv = { agent->conf.timeout_s, 0 };

	if (!c->handshaken && tv.tv_sec > HANDSHAKE_S)
		tv.tv_sec = HANDSHAKE_S;
	(void)event_add(c->deadline, &tv);
}

/* OpenSSL's progress on a connection: the handshake done, the full time. */
static void
conn_info(const SSL *ssl, int where, int ret)
{
	struct conn	*c;

	(void)ret;
	if ((where & SSL_CB_HANDSHAKE_DONE) == 0 ||
	    (c = SSL_get_ex_data(ssl, conn_idx)) == NULL || c->handshaken)
		return;
	c->handshaken = 1;
	conn_arm(c);
}

/*
 * The state of a new connection, counted.  evhttp would fall back to plain
 * HTTP on a NULL bufferevent, so failing here is fatal rather than a
 * refusal.
 */
static struct conn *
conn_new(struct event_base *base)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->deadline = evtimer_new(base, conn_expire, c)) == NULL ||
	    (c->fix = event_new(base, -1, 0, conn_fix, c)) == NULL)
		fatalx("new connection: out of memory");
	c->evhttp_at = -1;
	if (++nconns > nconns_peak)
		nconns_peak = nconns;
	if (nconns >= agent->conf.max_conns && listener != NULL) {
		log_warnx("%d connections open: not accepting more", nconns);
		evconnlistener_disable(listener);
	}
	return c;
}

/* c's bufferevent is bev: watch its output, start its deadline. */
static struct bufferevent *
conn_attach(struct conn *c, struct bufferevent *bev)
{
	c->bev = bev;
	if (evbuffer_add_cb(bufferevent_get_output(bev), conn_out,
	    c) == NULL)
		fatalx("new connection: bufferevent");
	conn_arm(c);
	return bev;
}

/* evhttp asks for a bufferevent for each accepted connection. */
static struct bufferevent *
on_accept(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;
	SSL			*ssl;

	(void)arg;
	c = conn_new(base);
	if ((ssl = SSL_new(agent->tls)) == NULL)
		fatalx("new connection: out of memory");
	if (SSL_set_ex_data(ssl, conn_idx, c) != 1)
		fatalx("new connection: SSL_set_ex_data");
	SSL_set_info_callback(ssl, conn_info);
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("new connection: bufferevent");
	return conn_attach(c, bev);
}

/*
 * The same without TLS.  The callback that asks evhttp to tell when the
 * connection closes runs from the loop before any I/O on it.
 */
static struct bufferevent *
on_accept_plain(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;
	struct conn		*c;

	(void)arg;
	c = conn_new(base);
	c->handshaken = 1;
	c->plain = 1;
	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->reg = event_new(base, -1, 0, conn_watch_plain, c)) == NULL)
		fatalx("new connection: bufferevent");
	event_active(c->reg, 0, 0);
	TAILQ_INSERT_TAIL(&plain_conns, c, entry);
	return conn_attach(c, bev);
}

/*
 * accept() failed with an error libevent does not retry itself: EMFILE or
 * ENFILE, ENOBUFS, ENOMEM.  The connection stays in the backlog and the
 * listener readable, so the loop would call accept() again at once, for
 * ever, and libevent would log each failure.  Stop listening for a moment
 * instead (nginx does the same); closing connections free descriptors.
 */
static void
on_accept_error(struct evconnlistener *lev, void *arg)
{
	struct timeval	 tv = { 0, ACCEPT_PAUSE_MS * 1000 };
	struct timespec	 now;

	(void)arg;
	evconnlistener_disable(lev);
	if (clock_gettime(CLOCK_MONOTONIC, &now) == 0 &&
	    (accept_warned == 0 || now.tv_sec - accept_warned >=
	    ACCEPT_WARN_S)) {
		log_warn("accept (%d connections open): not accepting for "
		    "%d ms", nconns, ACCEPT_PAUSE_MS);
		accept_warned = now.tv_sec;
	}
	(void)event_add(accept_resume, &tv);
}

static void
accept_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (listener != NULL && nconns < agent->conf.max_conns)
		evconnlistener_enable(listener);
}

/* Never called: fd_slots_reserve's events are deleted unfired. */
static void
on_reserved(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * libevent keeps a few bytes for every descriptor number it has watched,
 * from the first time until the event base is freed.  Made one by one as
 * a crowd of connections arrives, they land between the 26 KiB each
 * connection borrows and stay: once the crowd has gone, each pins a page of
 * the heap that malloc_trim cannot give back (some 4 KiB a connection, 17
 * MiB after 4,000).  So the entries are made here, side by side, for every
 * number a connection can get: each free number below the limit is
 * watched once through a duplicate of a socket of our own, then closed.
 * Returns 0, or -1 logged when the socket or an event fails.
 */
static int
fd_slots_reserve(int nslots)
{
	struct rlimit	 rl;
	struct event	*ev;
	int		 fd, last, s;

	if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("socket");
		return -1;
	}
	last = s + nslots;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur <= (rlim_t)last)
		last = (int)rl.rlim_cur - 1;
	for (fd = s + 1; fd <= last; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;	/* open: its slot is made already */
		if (dup3(s, fd, O_CLOEXEC) == -1)
			break;
		ev = event_new(agent->base, fd, EV_READ, on_reserved, NULL);
		if (ev == NULL || event_add(ev, NULL) == -1) {
			if (ev != NULL)
				event_free(ev);
			(void)close(fd);
			(void)close(s);
			log_warnx("event_add for descriptor %d failed", fd);
			return -1;
		}
		event_free(ev);
		(void)close(fd);
	}
	(void)close(s);
	return 0;
}

/* The HTTP server, its limits and callbacks.  Returns 0, or -1 logged. */
static int
server_http(struct bufferevent *(*bevcb)(struct event_base *, void *))
{
	const struct agent_conf	*c = &agent->conf;

	if ((http = evhttp_new(agent->base)) == NULL) {
		log_warnx("evhttp_new failed");
		return -1;
	}
	evhttp_set_bevcb(http, bevcb, NULL);
	evhttp_set_gencb(http, on_request, NULL);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(http, HEADERS_MAX);
	evhttp_set_max_body_size(http, c->body_max);
	evhttp_set_timeout(http, c->timeout_s);
	return 0;
}

/* Serve on bound: the connection limit, pauses on accept errors. */
static int
server_listen(struct evhttp_bound_socket *bound)
{
	listener = evhttp_bound_socket_get_listener(bound);
	if ((accept_resume = evtimer_new(agent->base, accept_retry,
	    NULL)) == NULL) {
		log_warnx("evtimer_new failed");
		return -1;
	}
	evconnlistener_set_error_cb(listener, on_accept_error);
	return 0;
}

/* Bind and serve.  Returns 0, or -1 logged. */
int
server_start(void)
{
	struct evhttp_bound_socket	*bound;
	const struct agent_conf		*c = &agent->conf;
	int				 one = 1;

	if ((conn_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL,
	    conn_free)) == -1) {
		log_warnx("SSL_get_ex_new_index failed");
		return -1;
	}
	if (server_http(on_accept) == -1)
		return -1;
	if ((bound = evhttp_bind_socket_with_handle(http, c->bind_host,
	    c->port)) == NULL) {
		log_warnx("cannot listen on [%s]:%d", c->bind_host, c->port);
		return -1;
	}
	if (server_listen(bound) == -1 ||
	    fd_slots_reserve(c->max_conns + FD_SLOTS_SPARE) == -1)
		return -1;
	/*
	 * Accepted sockets inherit this: an answer goes out in several TLS
	 * records, and Nagle would hold the last one for the client's
	 * delayed ACK (40 ms a request).
	 */
	if (setsockopt(evconnlistener_get_fd(listener), IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) == -1)
		log_warn("setsockopt TCP_NODELAY");
	return 0;
}

int
server_start_plain(int fd)
{
	struct evhttp_bound_socket	*bound;

	if (server_http(on_accept_plain) == -1)
		return -1;
	if ((bound = evhttp_accept_socket_with_handle(http, fd)) == NULL) {
		log_warnx("cannot serve on descriptor %d", fd);
		return -1;
	}
	return server_listen(bound);
}

int
server_pending(void)
{
	return pending;
}

void
server_set_timeout(int timeout_s)
{
	if (http != NULL)
		evhttp_set_timeout(http, timeout_s);
}

void
server_stop(void)
{
	if (http != NULL)
		evhttp_free(http);
	http = NULL;
	listener = NULL;
	if (accept_resume != NULL)
		event_free(accept_resume);
	accept_resume = NULL;
}
