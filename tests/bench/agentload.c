/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agentload: a small HTTPS load client for the amphora agent benchmarks.
 *
 * It sends -n requests (or as many as fit in -t seconds, or until SIGINT
 * or SIGTERM) over mutual TLS to one URL from -c threads, either on a new
 * TCP+TLS connection per request (what Octavia's controller does) or on
 * kept-alive connections (-k), and prints one JSON line:
 *
 *	{"requests":N,"errors":N,"connections":N,"seconds":S,"rps":R,
 *	 "p50_ms":X,"p99_ms":X,"max_ms":X}
 *
 * "requests" counts the requests tried, "rps" the successful ones (2xx and
 * 3xx) per second, and the latencies (from the connect, for a new
 * connection, to the last byte of the answer) are over the successful ones.
 *
 * With -H it sends no request but holds -c connections (up to 16384), one
 * after the other connected and through the TLS handshake, in one thread:
 * "idle" ones say nothing, "slow" ones (slow loris) send the request head
 * one byte every -i milliseconds and never finish it.  Once all are open
 * it prints {"mode":M,"held":N,"errors":N,"open_s":S}; it holds them until
 * -t seconds have passed, the peer has closed them all, or SIGINT/SIGTERM,
 * then prints {"mode":M,"held":N,"closed_by_peer":N,"open":N,
 * "held_min_s":S,"held_max_s":S,"seconds":S}, where held_* are how long the
 * connections the peer closed had been open (null when none).
 *
 * Test network rule: the URL's host is resolved once and only an address
 * in 127.0.0.0/8 or 198.18.0.0/15 is ever connected to; anything else is
 * refused before any packet leaves.
 *
 *	agentload [-2hk] [-A cafile] [-b bodyfile] [-c concurrency]
 *	    [-E certfile] [-H idle | slow] [-i interval] [-K keyfile]
 *	    [-n requests] [-S servername] [-t seconds] [-w timeout]
 *	    [-X method] url
 *
 * Exit status: 0 when every request succeeded (with -H: every connection
 * was opened); otherwise the class of the first failure: 75
 * connect/TLS/timeout/5xx, 69 4xx, 76 an answer that is not HTTP; 64 misuse
 * or a refused target, 66 an unreadable file, 77 a key file open to others,
 * 71 a system call failed.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "afile.h"

#define HEAD_MAX	(64 * 1024)	/* response header bytes */
#define BODY_FILE_MAX	(64 * 1024 * 1024)
#define REQUESTS_MAX	10000000
#define THREADS_MAX	1024
#define HOLD_MAX	16384	/* -H connections */

struct opts {
	const char	*cafile;
	const char	*bodyfile;
	const char	*certfile;
	const char	*keyfile;
	const char	*servername;
	const char	*method;
	const char	*hold;		/* -H: "idle" or "slow", else NULL */
	long long	 requests;
	int		 concurrency;
	int		 interval_ms;	/* -i: a slow connection's pace */
	int		 keepalive;
	int		 tls12;
	int		 limit_s;
	int		 timeout_s;
};

struct target {
	char			 host[256];
	char			 port[6];
	char			 path[2048];
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 addr[INET6_ADDRSTRLEN];
};

/* State shared by the worker threads; counters are updated atomically. */
struct run {
	const struct opts	*o;
	const struct target	*t;
	SSL_CTX			*ctx;
	const char		*req;	/* request head and body */
	size_t			 reqlen;
	int			 req_is_head;
	double			*lat_ms;	/* per ticket; < 0 failed */
	long long		 next;		/* next ticket */
	long long		 errors;
	long long		 connections;
	int			 first_code;	/* exit code of first failure */
	struct timespec		 deadline;
};

/* One connection and its read buffer. */
struct conn {
	int	 fd;
	SSL	*ssl;
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 used;		/* a request completed on it */
};

static void	usage(int) __attribute__((__noreturn__));

static void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: agentload [-2hk] [-A cafile] [-b bodyfile] "
	    "[-c concurrency] [-E certfile] [-H idle | slow] [-i interval] "
	    "[-K keyfile] [-n requests] [-S servername] [-t seconds] "
	    "[-w timeout] [-X method] url\n");
	exit(code);
}

static double
ts_ms(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1e3 + (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* Whether an IPv4 address (network order) may receive test traffic. */
static int
v4_allowed(const struct in_addr *in)
{
	uint32_t	 a = ntohl(in->s_addr);

	return (a & 0xff000000U) == 0x7f000000U ||	/* 127.0.0.0/8 */
	    (a & 0xfffe0000U) == 0xc6120000U;		/* 198.18.0.0/15 */
}

/*
 * Whether a resolved address may receive test traffic: an IPv4 address, or
 * an IPv4-mapped IPv6 one, inside 127.0.0.0/8 or 198.18.0.0/15.
 */
static int
addr_allowed(const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	struct in_addr			 in;

	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		return v4_allowed(&sin->sin_addr);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			return 0;
		memcpy(&in, &sin6->sin6_addr.s6_addr[12], sizeof(in));
		return v4_allowed(&in);
	default:
		return 0;
	}
}

/*
 * Split "https://host[:port][/path]" into t.  Returns 0, or -1 with a
 * warning.
 */
static int
url_parse(const char *url, struct target *t)
{
	const char	*p, *h, *e;
	size_t		 n;

	if (strncasecmp(url, "https://", 8) != 0) {
		warnx("%s: not an https:// URL", url);
		return -1;
	}
	h = url + 8;
	if (*h == '[') {
		h++;
		if ((e = strchr(h, ']')) == NULL) {
			warnx("%s: unterminated [", url);
			return -1;
		}
		p = e + 1;
	} else {
		e = h + strcspn(h, ":/");
		p = e;
	}
	n = (size_t)(e - h);
	if (n == 0 || n >= sizeof(t->host)) {
		warnx("%s: bad host", url);
		return -1;
	}
	memcpy(t->host, h, n);
	t->host[n] = '\0';
	if (*p == ':') {
		const char	*errstr;
		char		 port[8];

		p++;
		n = strcspn(p, "/");
		if (n == 0 || n >= sizeof(port)) {
			warnx("%s: bad port", url);
			return -1;
		}
		memcpy(port, p, n);
		port[n] = '\0';
		(void)strtonum(port, 1, 65535, &errstr);
		if (errstr != NULL) {
			warnx("%s: port %s", url, errstr);
			return -1;
		}
		(void)strlcpy(t->port, port, sizeof(t->port));
		p += n;
	} else if (*p == '/' || *p == '\0')
		(void)strlcpy(t->port, "443", sizeof(t->port));
	else {
		warnx("%s: bad host", url);
		return -1;
	}
	if (*p == '\0')
		p = "/";
	for (e = p; *e != '\0'; e++)
		if (!isgraph((unsigned char)*e)) {
			warnx("%s: bad character in path", url);
			return -1;
		}
	if (strlcpy(t->path, p, sizeof(t->path)) >= sizeof(t->path)) {
		warnx("%s: path too long", url);
		return -1;
	}
	return 0;
}

/*
 * Resolve t->host once and keep the first address that the test network
 * rule allows.  Returns 0, or -1 (with a warning) when none is allowed.
 */
static int
target_resolve(struct target *t)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 a[INET6_ADDRSTRLEN];
	int		 rc, ret = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		warnx("%s: %s", t->host, gai_strerror(rc));
		goto out;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, a, sizeof(a),
		    NULL, 0, NI_NUMERICHOST) != 0)
			(void)strlcpy(a, "?", sizeof(a));
		if (!addr_allowed(ai->ai_addr)) {
			warnx("%s: address %s is outside 127.0.0.0/8 and "
			    "198.18.0.0/15: refused", t->host, a);
			continue;
		}
		if (ai->ai_addrlen > sizeof(t->ss))
			continue;
		memcpy(&t->ss, ai->ai_addr, ai->ai_addrlen);
		t->sslen = ai->ai_addrlen;
		(void)strlcpy(t->addr, a, sizeof(t->addr));
		ret = 0;
		break;
	}
 out:
	if (res != NULL)
		freeaddrinfo(res);
	return ret;
}

/* Print and clear OpenSSL's error queue after a failed setup call. */
static void
ssl_fail(const char *what)
{
	warnx("%s failed", what);
	ERR_print_errors_fp(stderr);
	ERR_clear_error();
}

/*
 * The TLS context: peers verified against the CA, our client certificate
 * and key when given.  Returns NULL and sets *code on failure.
 */
static SSL_CTX *
ctx_new(const struct opts *o, int *code)
{
	SSL_CTX		*ctx = NULL;
	struct stat	 st;
	const char	*key;

	*code = EX_SOFTWARE;
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ssl_fail("SSL_CTX_new");
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    (o->tls12 && !SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION))) {
		ssl_fail("SSL_CTX_set_min/max_proto_version");
		goto fail;
	}
	/* A peer closing without close_notify ends a body like EOF. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	/* Each new connection does a full handshake, as Octavia's does. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (access(o->cafile, R_OK) == -1) {
		warn("%s", o->cafile);
		*code = EX_NOINPUT;
		goto fail;
	}
	if (!SSL_CTX_load_verify_locations(ctx, o->cafile, NULL)) {
		ssl_fail("SSL_CTX_load_verify_locations");
		*code = EX_NOINPUT;
		goto fail;
	}
	if (o->certfile == NULL)
		return ctx;
	key = o->keyfile != NULL ? o->keyfile : o->certfile;
	if (stat(key, &st) == -1) {
		warn("%s", key);
		*code = EX_NOINPUT;
		goto fail;
	}
	if (st.st_uid == geteuid() && (st.st_mode & 077) != 0) {
		warnx("%s: key file is open to group or others (mode %04o)",
		    key, (unsigned)(st.st_mode & 07777));
		*code = EX_NOPERM;
		goto fail;
	}
	if (!SSL_CTX_use_certificate_chain_file(ctx, o->certfile)) {
		ssl_fail("SSL_CTX_use_certificate_chain_file");
		*code = EX_NOINPUT;
		goto fail;
	}
	if (!SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) ||
	    !SSL_CTX_check_private_key(ctx)) {
		ssl_fail("SSL_CTX_use_PrivateKey_file");
		*code = EX_NOINPUT;
		goto fail;
	}
	return ctx;
 fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* Record the first failure's message and exit code; count every one. */
static void
run_fail(struct run *r, int code, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
run_fail(struct run *r, int code, const char *fmt, ...)
{
	va_list	 ap;
	int	 zero = 0;

	__atomic_add_fetch(&r->errors, 1, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&r->first_code, &zero, code, 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	fprintf(stderr, "agentload: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (first error; more are only counted)\n");
	va_end(ap);
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL) {
		/* Best effort close_notify; the peer may be gone already. */
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd != -1) {
		(void)close(c->fd);
		c->fd = -1;
	}
	c->len = 0;
	c->used = 0;
	ERR_clear_error();
}

/*
 * Connect and handshake.  Returns 0, or -1 after run_fail().
 */
static int
conn_open(struct run *r, struct conn *c)
{
	const struct target	*t = r->t;
	const char		*sn = r->o->servername;
	struct timeval		 tv;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	int			 one = 1, rc;

	tv.tv_sec = r->o->timeout_s;
	tv.tv_usec = 0;
	c->fd = socket(t->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		run_fail(r, EX_OSERR, "socket: %s", strerror(errno));
		return -1;
	}
	/* On Linux SO_SNDTIMEO bounds connect() too. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1) {
		run_fail(r, EX_OSERR, "setsockopt: %s", strerror(errno));
		goto fail;
	}
	if (connect(c->fd, (const struct sockaddr *)&t->ss, t->sslen) == -1) {
		run_fail(r, EX_TEMPFAIL, "%s port %s: connect: %s", t->addr,
		    t->port, strerror(errno));
		goto fail;
	}
	__atomic_add_fetch(&r->connections, 1, __ATOMIC_RELAXED);
	if ((c->ssl = SSL_new(r->ctx)) == NULL ||
	    !SSL_set_fd(c->ssl, c->fd)) {
		run_fail(r, EX_OSERR, "SSL_new/SSL_set_fd failed");
		goto fail;
	}
	/* Verify the name (or address) the caller expects. */
	if (inet_pton(AF_INET, sn, &a4) == 1 ||
	    inet_pton(AF_INET6, sn, &a6) == 1)
		rc = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), sn);
	else
		rc = SSL_set_tlsext_host_name(c->ssl, sn) &&
		    SSL_set1_host(c->ssl, sn);
	if (!rc) {
		run_fail(r, EX_SOFTWARE, "%s: cannot set the name to verify",
		    sn);
		goto fail;
	}
	if ((rc = SSL_connect(c->ssl)) != 1) {
		unsigned long	 e = ERR_peek_error();
		long		 v = SSL_get_verify_result(c->ssl);

		if (v != X509_V_OK)
			run_fail(r, EX_TEMPFAIL, "%s port %s: TLS handshake: "
			    "%s", t->addr, t->port,
			    X509_verify_cert_error_string(v));
		else if (e != 0)
			run_fail(r, EX_TEMPFAIL, "%s port %s: TLS handshake: "
			    "%s", t->addr, t->port, ERR_reason_error_string(e));
		else
			run_fail(r, EX_TEMPFAIL, "%s port %s: TLS handshake: "
			    "%s", t->addr, t->port,
			    errno == EAGAIN || errno == EWOULDBLOCK ?
			    "timed out" : errno != 0 ? strerror(errno) :
			    "connection closed");
		goto fail;
	}
	return 0;
 fail:
	conn_close(c);
	return -1;
}

/*
 * Read more bytes into c->buf.  Returns the count, 0 at the end of the
 * stream, -1 on error (errno-style reason in *why).
 */
static int
conn_fill(struct conn *c, const char **why)
{
	char	*nb;
	size_t	 ncap;
	int	 n;

	if (c->cap - c->len < 16384) {
		ncap = c->cap == 0 ? 32768 : c->cap * 2;
		if ((nb = realloc(c->buf, ncap)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		c->buf = nb;
		c->cap = ncap;
	}
	errno = 0;
	n = SSL_read(c->ssl, c->buf + c->len, (int)(c->cap - c->len));
	if (n > 0) {
		c->len += (size_t)n;
		return n;
	}
	switch (SSL_get_error(c->ssl, n)) {
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		/* SO_RCVTIMEO expired: the socket BIO saw EAGAIN. */
		*why = "read timed out";
		return -1;
	case SSL_ERROR_SYSCALL:
		if (errno == 0)
			return 0;
		*why = (errno == EAGAIN || errno == EWOULDBLOCK) ?
		    "read timed out" : strerror(errno);
		return -1;
	default:
		*why = ERR_reason_error_string(ERR_peek_error());
		if (*why == NULL)
			*why = "TLS error";
		return -1;
	}
}

/* Drop the first n bytes of c->buf. */
static void
conn_consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* Find "\r\n\r\n" in the buffer; returns the head's length or 0. */
static size_t
head_end(const struct conn *c)
{
	size_t	 i;

	for (i = 3; i < c->len; i++)
		if (c->buf[i] == '\n' && c->buf[i - 1] == '\r' &&
		    c->buf[i - 2] == '\n' && c->buf[i - 3] == '\r')
			return i + 1;
	return 0;
}

/*
 * Read a chunked body.  Returns 0, 1 on a short stream, -1 on garbage.
 */
static int
body_chunked(struct conn *c, const char **why)
{
	char		*nl, *end;
	unsigned long	 sz;
	int		 rc;

	for (;;) {
		while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
			if (c->len > 1024)
				return -1;
			if ((rc = conn_fill(c, why)) <= 0)
				return 1;
		}
		errno = 0;
		sz = strtoul(c->buf, &end, 16);
		if (end == c->buf || errno != 0 || sz > (1UL << 30))
			return -1;
		conn_consume(c, (size_t)(nl - c->buf) + 1);
		if (sz == 0)
			break;
		/* chunk data and its CRLF */
		while (c->len < sz + 2)
			if ((rc = conn_fill(c, why)) <= 0)
				return 1;
		conn_consume(c, sz + 2);
	}
	/* trailers end with an empty line */
	for (;;) {
		while ((nl = memchr(c->buf, '\n', c->len)) == NULL) {
			if (c->len > HEAD_MAX)
				return -1;
			if ((rc = conn_fill(c, why)) <= 0)
				return 1;
		}
		end = c->buf;
		conn_consume(c, (size_t)(nl - c->buf) + 1);
		if (nl == end || (nl == end + 1 && *end == '\r'))
			return 0;
	}
}

/*
 * One request on an open connection.  Returns the HTTP status (> 0), or
 * -1 when the connection failed before any answer byte arrived (a stale
 * kept-alive connection may be retried), or -2 on a later failure (already
 * counted).  *close_after says whether the connection can be reused.
 */
static int
request_once(struct run *r, struct conn *c, int *close_after)
{
	const struct target	*t = r->t;
	const char		*why = "connection closed", *p, *line, *eol;
	size_t			 off = 0, hlen, clen = 0;
	int			 n, status, have_clen = 0, chunked = 0;
	int			 got_any = 0, rc;
	char			 num[32];

	*close_after = !r->o->keepalive;
	while (off < r->reqlen) {
		n = SSL_write(c->ssl, r->req + off, (int)(r->reqlen - off));
		if (n <= 0) {
			if (c->used)
				return -1;
			run_fail(r, EX_TEMPFAIL, "%s port %s: write failed",
			    t->addr, t->port);
			return -2;
		}
		off += (size_t)n;
	}
	while ((hlen = head_end(c)) == 0) {
		if (c->len > HEAD_MAX) {
			run_fail(r, EX_PROTOCOL, "%s port %s: answer head "
			    "longer than %d bytes", t->addr, t->port, HEAD_MAX);
			return -2;
		}
		if ((rc = conn_fill(c, &why)) <= 0) {
			if (!got_any && c->used)
				return -1;
			run_fail(r, rc == 0 ? EX_PROTOCOL : EX_TEMPFAIL,
			    "%s port %s: reading the answer: %s", t->addr,
			    t->port, rc == 0 ? "connection closed" : why);
			return -2;
		}
		got_any = 1;
	}
	/* "HTTP/1.x NNN ..." */
	if (hlen < 12 || strncmp(c->buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)c->buf[9]) ||
	    !isdigit((unsigned char)c->buf[10]) ||
	    !isdigit((unsigned char)c->buf[11])) {
		run_fail(r, EX_PROTOCOL, "%s port %s: not an HTTP answer",
		    t->addr, t->port);
		return -2;
	}
	status = (c->buf[9] - '0') * 100 + (c->buf[10] - '0') * 10 +
	    (c->buf[11] - '0');
	if (c->buf[7] == '0')
		*close_after = 1;
	for (line = (const char *)memchr(c->buf, '\n', hlen) + 1;
	    line < c->buf + hlen;
	    line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(c->buf + hlen - line));
		if (eol == NULL)
			break;
		if ((p = memchr(line, ':', (size_t)(eol - line))) == NULL)
			continue;
		n = (int)(p - line);
		for (p++; p < eol && (*p == ' ' || *p == '\t'); p++)
			;
		if (n == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
			size_t	 l = strcspn(p, "\r\n");
			const char	*errstr;

			if (l == 0 || l >= sizeof(num))
				goto garbage;
			memcpy(num, p, l);
			num[l] = '\0';
			clen = (size_t)strtonum(num, 0, 1LL << 40, &errstr);
			if (errstr != NULL)
				goto garbage;
			have_clen = 1;
		} else if (n == 17 &&
		    strncasecmp(line, "Transfer-Encoding", 17) == 0 &&
		    strncasecmp(p, "chunked", 7) == 0)
			chunked = 1;
		else if (n == 10 && strncasecmp(line, "Connection", 10) == 0 &&
		    strncasecmp(p, "close", 5) == 0)
			*close_after = 1;
	}
	conn_consume(c, hlen);
	if (r->req_is_head || status == 204 || status == 304 ||
	    status / 100 == 1) {
		/* no body */
	} else if (chunked) {
		if ((rc = body_chunked(c, &why)) != 0) {
			if (rc < 0)
				goto garbage;
			goto short_body;
		}
	} else if (have_clen) {
		while (c->len < clen)
			if ((rc = conn_fill(c, &why)) <= 0)
				goto short_body;
		conn_consume(c, clen);
	} else {
		/* The body ends when the peer closes. */
		*close_after = 1;
		for (;;) {
			if ((rc = conn_fill(c, &why)) < 0)
				goto short_body;
			c->len = 0;
			if (rc == 0)
				break;
		}
	}
	c->used = 1;
	return status;
 garbage:
	run_fail(r, EX_PROTOCOL, "%s port %s: malformed answer head",
	    t->addr, t->port);
	return -2;
 short_body:
	run_fail(r, EX_TEMPFAIL, "%s port %s: answer body cut short: %s",
	    t->addr, t->port, why);
	return -2;
}

/* SIGINT or SIGTERM: finish the requests under way and report. */
static volatile sig_atomic_t	 stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Worker thread: take tickets until -n, the deadline or a signal. */
static void *
worker(void *arg)
{
	struct run	*r = arg;
	struct conn	 c;
	struct timespec	 t0, t1;
	long long	 i;
	int		 status, close_after, tries;

	memset(&c, 0, sizeof(c));
	c.fd = -1;
	while (!stopping) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (t0.tv_sec > r->deadline.tv_sec ||
		    (t0.tv_sec == r->deadline.tv_sec &&
		    t0.tv_nsec >= r->deadline.tv_nsec))
			break;
		i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);
		if (i >= r->o->requests)
			break;
		r->lat_ms[i] = -1;
		status = -1;
		/* A kept-alive connection the peer closed gets one retry. */
		for (tries = 0; tries < 2 && status == -1; tries++) {
			if (c.ssl == NULL && conn_open(r, &c) == -1) {
				status = -2;
				break;
			}
			status = request_once(r, &c, &close_after);
			if (status < 0)
				conn_close(&c);
		}
		if (status == -1)
			run_fail(r, EX_TEMPFAIL, "%s port %s: connection "
			    "closed before the answer", r->t->addr, r->t->port);
		if (status < 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (close_after)
			conn_close(&c);
		if (status >= 400)
			run_fail(r, status >= 500 ? EX_TEMPFAIL : EX_UNAVAILABLE,
			    "%s %s: HTTP %d", r->o->method, r->t->path, status);
		else
			r->lat_ms[i] = ts_ms(&t0, &t1);
	}
	conn_close(&c);
	free(c.buf);
	return NULL;
}

/* One connection held by -H. */
struct held {
	struct conn	 c;
	struct timespec	 t0;	/* before its connect */
	size_t		 sent;	/* bytes a slow one has sent */
};

/*
 * The n-th byte a slow connection sends: the request head without the
 * empty line that would end it (headlen bytes), then a header that never
 * ends.
 */
static char
slow_byte(const struct run *r, size_t headlen, size_t n)
{
	static const char	 hdr[] = "X-Loris: ";

	if (n < headlen)
		return r->req[n];
	if (n - headlen < sizeof(hdr) - 1)
		return hdr[n - headlen];
	return 'a';
}

/* Whether SSL_read or SSL_write returning n only has to be tried again. */
static int
ssl_again(SSL *ssl, int n)
{
	int	 e = SSL_get_error(ssl, n);

	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/*
 * Read and drop what the peer sent.  Returns 1 when the peer closed the
 * connection (or it failed), 0 while it is open.
 */
static int
held_read(struct held *h)
{
	char	 b[512];
	int	 n;

	do {
		ERR_clear_error();
	} while ((n = SSL_read(h->c.ssl, b, sizeof(b))) > 0);
	return !ssl_again(h->c.ssl, n);
}

/* Send a slow connection's next byte.  Returns 1 when it failed. */
static int
held_drip(const struct run *r, struct held *h, size_t headlen)
{
	char	 ch = slow_byte(r, headlen, h->sent);
	int	 n;

	ERR_clear_error();
	if ((n = SSL_write(h->c.ssl, &ch, 1)) == 1) {
		h->sent++;
		return 0;
	}
	return !ssl_again(h->c.ssl, n);
}

/*
 * The peer closed h (or it failed) at now: close it and keep the shortest
 * and longest time a closed connection was held (*min < 0: none yet).
 */
static void
held_cut(struct held *h, const struct timespec *now, double *min,
    double *max)
{
	double	 held = ts_ms(&h->t0, now) / 1e3;

	if (*min < 0 || held < *min)
		*min = held;
	if (held > *max)
		*max = held;
	conn_close(&h->c);
}

/* Print a seconds figure, or null when there is none. */
static void
print_secs(const char *key, double s, const char *sep)
{
	if (s < 0)
		printf("\"%s\":null%s", key, sep);
	else
		printf("\"%s\":%.3f%s", key, s, sep);
}

/*
 * -H: open o->concurrency connections one after the other, say so, hold
 * them until the -t limit, a signal or the peer closed them all, and say
 * what became of them.  Returns the exit code.
 */
static int
hold_run(struct run *r)
{
	const struct opts	*o = r->o;
	struct held		*h = NULL;
	struct pollfd		*pfd = NULL;
	struct rlimit		 rl;
	struct timespec		 start, now, next;
	const char		*e;
	size_t			 headlen;
	double			 min = -1, max = -1, left;
	int			*idx = NULL, i, k, n = o->concurrency;
	int			 slow = strcmp(o->hold, "slow") == 0;
	int			 nheld = 0, nopen = 0, closed = 0, ms, done;
	int			 code = EX_OSERR;

	/* The request head ends with an empty line: keep it back. */
	if ((e = strstr(r->req, "\r\n\r\n")) == NULL)
		return EX_SOFTWARE;
	headlen = (size_t)(e - r->req) + 2;
	/* A descriptor per connection: raise the soft limit to the hard. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		warn("getrlimit");
		return EX_OSERR;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			warn("setrlimit RLIMIT_NOFILE");
	}
	if (rl.rlim_cur < (rlim_t)n + 16)
		warnx("%d connections need more descriptors than the limit "
		    "of %llu", n, (unsigned long long)rl.rlim_cur);
	if ((h = calloc((size_t)n, sizeof(*h))) == NULL ||
	    (pfd = calloc((size_t)n, sizeof(*pfd))) == NULL ||
	    (idx = calloc((size_t)n, sizeof(*idx))) == NULL) {
		warn("calloc");
		goto out;
	}
	for (i = 0; i < n; i++)
		h[i].c.fd = -1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < n && !stopping; i++) {
		clock_gettime(CLOCK_MONOTONIC, &h[i].t0);
		if (conn_open(r, &h[i].c) == -1)
			continue;
		if ((k = fcntl(h[i].c.fd, F_GETFL)) == -1 ||
		    fcntl(h[i].c.fd, F_SETFL, k | O_NONBLOCK) == -1) {
			warn("fcntl");
			goto out;
		}
		/* A write that must be retried may come from another byte. */
		SSL_set_mode(h[i].c.ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		nheld++;
	}
	nopen = nheld;
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("{\"mode\":\"%s\",\"held\":%d,\"errors\":%lld,"
	    "\"open_s\":%.3f}\n", o->hold, nheld, r->errors,
	    ts_ms(&start, &now) / 1e3);
	if (fflush(stdout) == EOF) {
		warn("stdout");
		code = EX_IOERR;
		goto out;
	}

	next = now;
	while (!stopping && nopen > 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((left = ts_ms(&now, &r->deadline)) <= 0)
			break;
		if (slow && ts_ms(&next, &now) >= 0) {
			for (i = 0; i < n; i++) {
				if (h[i].c.ssl == NULL ||
				    !held_drip(r, &h[i], headlen))
					continue;
				held_cut(&h[i], &now, &min, &max);
				nopen--;
				closed++;
			}
			/* The next round comes -i after this one. */
			next = now;
			next.tv_sec += o->interval_ms / 1000;
			next.tv_nsec += (o->interval_ms % 1000) * 1000000L;
			if (next.tv_nsec >= 1000000000L) {
				next.tv_sec++;
				next.tv_nsec -= 1000000000L;
			}
		}
		ms = left > 1000 ? 1000 : (int)left + 1;
		if (slow && ts_ms(&now, &next) < ms)
			ms = ts_ms(&now, &next) < 0 ? 0 :
			    (int)ts_ms(&now, &next) + 1;
		for (i = k = 0; i < n; i++) {
			if (h[i].c.ssl == NULL)
				continue;
			pfd[k].fd = h[i].c.fd;
			pfd[k].events = POLLIN;
			idx[k++] = i;
		}
		if ((done = poll(pfd, (nfds_t)k, ms)) == -1) {
			if (errno == EINTR)
				continue;
			warn("poll");
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (i = 0; i < k && done > 0; i++) {
			if (pfd[i].revents == 0)
				continue;
			done--;
			if (!held_read(&h[idx[i]]))
				continue;
			held_cut(&h[idx[i]], &now, &min, &max);
			nopen--;
			closed++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	printf("{\"mode\":\"%s\",\"held\":%d,\"closed_by_peer\":%d,"
	    "\"open\":%d,", o->hold, nheld, closed, nopen);
	print_secs("held_min_s", min, ",");
	print_secs("held_max_s", max, ",");
	print_secs("seconds", ts_ms(&start, &now) / 1e3, "}\n");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		code = EX_IOERR;
		goto out;
	}
	code = r->errors == 0 ? 0 : r->first_code;
 out:
	for (i = 0; h != NULL && i < n; i++) {
		conn_close(&h[i].c);
		free(h[i].c.buf);
	}
	free(h);
	free(pfd);
	free(idx);
	return code;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array of n > 0 values. */
static double
percentile(const double *v, long long n, double pct)
{
	long long	 k = (long long)(pct / 100.0 * (double)n + 0.999999);

	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Build the request text.  Returns a new buffer or NULL. */
static char *
request_build(const struct opts *o, const struct target *t, const char *body,
    size_t bodylen, size_t *lenp)
{
	char	 head[4096], *req;
	int	 n, want_len;

	want_len = body != NULL || strcmp(o->method, "PUT") == 0 ||
	    strcmp(o->method, "POST") == 0 || strcmp(o->method, "PATCH") == 0;
	n = snprintf(head, sizeof(head),
	    "%s %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nUser-Agent: agentload\r\n"
	    "Accept: */*\r\nConnection: %s\r\n",
	    o->method, t->path, strchr(t->host, ':') ? "[" : "", t->host,
	    strchr(t->host, ':') ? "]" : "", t->port,
	    o->keepalive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= sizeof(head))
		return NULL;
	if (want_len) {
		int	 m = snprintf(head + n, sizeof(head) - (size_t)n,
		    "Content-Length: %zu\r\n", bodylen);

		if (m < 0 || (size_t)m >= sizeof(head) - (size_t)n)
			return NULL;
		n += m;
	}
	if ((size_t)n + 2 >= sizeof(head))
		return NULL;
	memcpy(head + n, "\r\n", 3);
	n += 2;
	if ((req = malloc((size_t)n + bodylen)) == NULL)
		return NULL;
	memcpy(req, head, (size_t)n);
	if (bodylen > 0)
		memcpy(req + n, body, bodylen);
	*lenp = (size_t)n + bodylen;
	return req;
}

int
main(int argc, char *argv[])
{
	struct opts	 o;
	struct target	 t;
	struct run	 r;
	struct sigaction sa;
	struct timespec	 start, end;
	pthread_t	*th = NULL;
	const char	*errstr, *p;
	char		*body = NULL, *req = NULL;
	double		*ok = NULL, secs;
	size_t		 bodylen = 0;
	long long	 i, nok, done;
	int		 ch, ne = 0, code = EX_SOFTWARE, started = 0;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	memset(&r, 0, sizeof(r));
	o.method = "GET";
	o.requests = 100;
	o.concurrency = 1;
	o.limit_s = 60;
	o.timeout_s = 10;
	o.interval_ms = 1000;
	while ((ch = getopt(argc, argv, "2A:b:c:E:H:hi:K:kn:S:t:w:X:")) != -1) {
		switch (ch) {
		case '2':
			o.tls12 = 1;
			break;
		case 'A':
			o.cafile = optarg;
			break;
		case 'b':
			o.bodyfile = optarg;
			break;
		case 'c':
			o.concurrency = (int)strtonum(optarg, 1, HOLD_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-c %s: %s", optarg, errstr);
			break;
		case 'E':
			o.certfile = optarg;
			break;
		case 'H':
			o.hold = optarg;
			break;
		case 'h':
			usage(0);
		case 'i':
			o.interval_ms = (int)strtonum(optarg, 1, 3600000,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-i %s: %s", optarg, errstr);
			break;
		case 'K':
			o.keyfile = optarg;
			break;
		case 'k':
			o.keepalive = 1;
			break;
		case 'n':
			o.requests = strtonum(optarg, 1, REQUESTS_MAX, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, errstr);
			break;
		case 'S':
			o.servername = optarg;
			break;
		case 't':
			o.limit_s = (int)strtonum(optarg, 1, 86400, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-t %s: %s", optarg, errstr);
			break;
		case 'w':
			o.timeout_s = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-w %s: %s", optarg, errstr);
			break;
		case 'X':
			o.method = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(EX_USAGE);

	/* Report every pre-flight problem, then exit once. */
	if (o.cafile == NULL) {
		warnx("-A cafile is required: peers are always verified");
		ne++;
	}
	if (o.keyfile != NULL && o.certfile == NULL) {
		warnx("-K needs -E");
		ne++;
	}
	if (o.hold != NULL && strcmp(o.hold, "idle") != 0 &&
	    strcmp(o.hold, "slow") != 0) {
		warnx("-H %s: idle or slow", o.hold);
		ne++;
	}
	if (o.hold != NULL && (o.keepalive || o.bodyfile != NULL)) {
		warnx("-H sends no request: -k and -b do not apply");
		ne++;
	}
	if (o.hold == NULL && o.concurrency > THREADS_MAX) {
		warnx("-c %d: more than %d threads", o.concurrency,
		    THREADS_MAX);
		ne++;
	}
	for (p = o.method; *p != '\0'; p++)
		if (!isupper((unsigned char)*p))
			break;
	if (*o.method == '\0' || *p != '\0' || strlen(o.method) > 16) {
		warnx("-X %s: not an upper-case HTTP method", o.method);
		ne++;
	}
	if (url_parse(argv[0], &t) == -1)
		ne++;
	if (ne > 0)
		exit(EX_USAGE);
	if (o.servername == NULL)
		o.servername = t.host;
	if (target_resolve(&t) == -1)
		exit(EX_USAGE);
	if (o.bodyfile != NULL &&
	    (body = afile_read(o.bodyfile, BODY_FILE_MAX, &bodylen)) == NULL)
		err(EX_NOINPUT, "%s", o.bodyfile);

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(EX_OSERR, "signal");
	/* No SA_RESTART: a signal ends -H's poll() at once. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	if (sigemptyset(&sa.sa_mask) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");
	if ((r.ctx = ctx_new(&o, &code)) == NULL)
		goto out;
	if ((req = request_build(&o, &t, body, bodylen, &r.reqlen)) == NULL) {
		warnx("request too large");
		code = EX_USAGE;
		goto out;
	}
	r.o = &o;
	r.t = &t;
	r.req = req;
	r.req_is_head = strcmp(o.method, "HEAD") == 0;
	if (o.hold != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &r.deadline);
		r.deadline.tv_sec += o.limit_s;
		code = hold_run(&r);
		goto out;
	}
	code = EX_OSERR;
	if ((r.lat_ms = calloc((size_t)o.requests, sizeof(double))) == NULL ||
	    (ok = calloc((size_t)o.requests, sizeof(double))) == NULL ||
	    (th = calloc((size_t)o.concurrency, sizeof(*th))) == NULL) {
		warn("calloc");
		goto out;
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	r.deadline = start;
	r.deadline.tv_sec += o.limit_s;
	for (started = 0; started < o.concurrency; started++)
		if ((errno = pthread_create(&th[started], NULL, worker,
		    &r)) != 0) {
			warn("pthread_create");
			break;
		}
	for (i = 0; i < started; i++)
		if ((errno = pthread_join(th[i], NULL)) != 0)
			err(EX_OSERR, "pthread_join");
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (started < o.concurrency)
		goto out;

	done = r.next < o.requests ? r.next : o.requests;
	for (i = nok = 0; i < done; i++)
		if (r.lat_ms[i] >= 0)
			ok[nok++] = r.lat_ms[i];
	qsort(ok, (size_t)nok, sizeof(double), cmp_double);
	secs = ts_ms(&start, &end) / 1e3;
	printf("{\"requests\":%lld,\"errors\":%lld,\"connections\":%lld,"
	    "\"seconds\":%.3f,\"rps\":%.1f,", done, r.errors, r.connections,
	    secs, secs > 0 ? (double)nok / secs : 0.0);
	if (nok > 0)
		printf("\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
		    percentile(ok, nok, 50), percentile(ok, nok, 99),
		    ok[nok - 1]);
	else
		printf("\"p50_ms\":null,\"p99_ms\":null,\"max_ms\":null}\n");
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		code = EX_IOERR;
		goto out;
	}
	code = r.errors == 0 ? 0 : r.first_code;
 out:
	free(th);
	free(ok);
	free(r.lat_ms);
	free(req);
	free(body);
	SSL_CTX_free(r.ctx);
	return code;
}
