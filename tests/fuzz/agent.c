/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: libFuzzer target for whole requests to oct-agent: its files but
 * main.c and proc.c, serving plain HTTP (server_start_plain) on a UNIX
 * socket of its own, in a network namespace of its own when root.  The
 * input is the bytes a client sends (requests: method, path, headers,
 * body; pipelined, any bytes), then, after "\0\0", what the child
 * processes the requests start answer: haproxy -c, haproxy, ip
 * (tests/fuzz/standin/standin.h).  The event loop runs until every request
 * the agent read is answered and it waits for more; then every answer must
 * be HTTP: a status line, headers, the body its Content-Length says, JSON
 * (an object or array, valid UTF-8) whenever it claims JSON, and never the
 * answer of one that could not be built; each request is answered once;
 * and the agent answers a new connection's GET / as ever.  A broken rule
 * aborts, which libFuzzer reports as a crash; so does any fatal() of the
 * agent (the stand-in log.c).
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <linux/sockios.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ident.h"
#include "extern.h"
#include "fuzz.h"
#include "standin/standin.h"

#define WATCHDOG_S	10	/* an input's requests, answered */
#define OUT_MAX		(8 * 1024 * 1024)	/* answers kept */

static struct agent	 the_agent;
struct agent		*agent = &the_agent;

static char		 top[PATH_MAX];		/* the target's files */
static struct sockaddr_un sun;			/* where the agent listens */
static socklen_t	 sunlen;

int	LLVMFuzzerInitialize(int *, char ***);

/* What one client connection sent and got. */
struct client {
	int		 fd;
	const uint8_t	*req;
	size_t		 reqlen, sent;
	char		*out;
	size_t		 outlen;
	int		 eof;
};

static void
xwrite(const char *dir, const char *name, const void *buf, size_t len,
    mode_t mode)
{
	char	 path[PATH_MAX];
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1 || write(fd, buf, len) != (ssize_t)len ||
	    close(fd) == -1)
		fail("write", path);
}

/* A self-signed certificate and its key, for the agent's TLS files. */
static void
make_cert(void)
{
	EVP_PKEY	*key;
	X509		*x;
	X509_NAME	*name;
	BIO		*b;
	char		*pem, dir[PATH_MAX];
	long		 len;

	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"amp-fuzz", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) == 0)
		fail("certificate", NULL);
	(void)snprintf(dir, sizeof(dir), "%s", top);
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(b, x) != 1)
		fail("PEM", NULL);
	len = BIO_get_mem_data(b, &pem);
	xwrite(dir, "ca.pem", pem, len, 0644);
	if (PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
	    NULL) != 1)
		fail("PEM", NULL);
	len = BIO_get_mem_data(b, &pem);
	xwrite(dir, "server.pem", pem, len, 0600);
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(key);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static void
cleanup(void)
{
	(void)nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Remove what requests left under dir: load balancers and their
 * sockets, certificates; the agent's own files stay.
 */
static void
reset_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "certs") == 0 ||
		    strcmp(de->d_name, "ping-wrapper.sh") == 0 ||
		    strcmp(de->d_name,
		    "haproxy-default-user-group.conf") == 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	(void)closedir(d);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct conf_src	 cli;
	char		 path[PATH_MAX];
	int		 fd;
	static const char conf[] = "[amphora_agent]\n"
	    "agent_request_read_timeout = 60\n";

	(void)argc;
	(void)argv;
	/* Plug requests change addresses and sysctls: never the host's. */
	if (geteuid() == 0 && unshare(CLONE_NEWNET) == -1)
		fail("unshare(CLONE_NEWNET)", strerror(errno));
	(void)signal(SIGPIPE, SIG_IGN);
	(void)snprintf(top, sizeof(top), "%s/oct-fuzz-agent.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(top) == NULL)
		fail("mkdtemp", strerror(errno));
	(void)atexit(cleanup);
	make_cert();
	xwrite(top, "agent.conf", conf, sizeof(conf) - 1, 0600);

	/* What the command line would give, so that any body's paths do. */
	memset(&cli, 0, sizeof(cli));
	(void)snprintf(path, sizeof(path), "%s/server.pem", top);
	conf_str(&cli.c.server_cert, path);
	(void)snprintf(path, sizeof(path), "%s/ca.pem", top);
	conf_str(&cli.c.client_ca, path);
	(void)snprintf(path, sizeof(path), "%s/base", top);
	conf_str(&cli.c.base_path, path);
	(void)snprintf(path, sizeof(path), "%s/base/certs", top);
	conf_str(&cli.c.cert_dir, path);
	conf_str(&cli.c.haproxy_cmd, "/bin/true");
	conf_str(&cli.c.amphora_id, "amp-fuzz");
	conf_cli(&cli, 0);
	(void)snprintf(path, sizeof(path), "%s/agent.conf", top);
	if (conf_load(path) != 0 || conf_check(&agent->conf) != 0)
		fail("configuration", path);
	if ((agent->base = event_base_new()) == NULL)
		fail("event_base_new", NULL);
	if (sys_init() == -1 || proc_init() == -1 || lb_init() == -1)
		fail("agent start-up", NULL);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* An abstract name: nothing in the file system. */
	(void)snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1,
	    "oct-fuzz-agent-%d", (int)getpid());
	sunlen = offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(sun.sun_path + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1 || bind(fd, (struct sockaddr *)&sun, sunlen) == -1 ||
	    listen(fd, 16) == -1)
		fail("listen", strerror(errno));
	if (server_start_plain(fd) == -1)
		fail("server_start_plain", NULL);
	return 0;
}

/* Send what is left to send, read what came; 1 when anything moved. */
static int
client_io(struct client *c)
{
	ssize_t	 n;
	int	 moved = 0;
	char	 buf[16384];

	while (c->sent < c->reqlen) {
		n = send(c->fd, c->req + c->sent, c->reqlen - c->sent,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		c->sent += n;
		moved = 1;
	}
	while (!c->eof) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			c->eof = 1;
		if (n <= 0)
			break;
		if (c->outlen + n > OUT_MAX)
			fail("answers larger than 8 MiB", NULL);
		if ((c->out = realloc(c->out, c->outlen + n + 1)) == NULL)
			fail("realloc", NULL);
		memcpy(c->out + c->outlen, buf, n);
		c->outlen += n;
		c->out[c->outlen] = '\0';
		moved = 1;
	}
	return moved;
}

static int
since(const struct timespec *t0)
{
	struct timespec	 now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec - t0->tv_sec;
}

/*
 * Connect, send req and run the agent until it has answered every request
 * it read and waits (idle), or closed the connection.
 */
static void
exchange(struct client *c, const uint8_t *req, size_t len)
{
	struct timespec	 t0;
	int		 unread, idle = 0;

	memset(c, 0, sizeof(*c));
	c->req = req;
	c->reqlen = len;
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sunlen) == -1)
		fail("connect", strerror(errno));
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((!c->eof && idle < 2) || server_pending() > 0) {
		if (since(&t0) > WATCHDOG_S)
			fail("the agent did not answer within 10 s", NULL);
		/* Wait for a timer only while a request is being answered. */
		if (event_base_loop(agent->base, server_pending() > 0 ?
		    EVLOOP_ONCE : EVLOOP_ONCE | EVLOOP_NONBLOCK) == -1)
			fail("event_base_loop", NULL);
		if (server_pending() < 0)
			fail("a request was answered twice", NULL);
		if (client_io(c) || server_pending() > 0 ||
		    ioctl(c->fd, SIOCOUTQ, &unread) == -1 || unread > 0 ||
		    c->sent < c->reqlen)
			idle = 0;
		else
			idle++;
	}
}

static void
client_close(struct client *c)
{
	(void)close(c->fd);
	free(c->out);
	/* Let the agent see the close and free the connection. */
	(void)event_base_loop(agent->base, EVLOOP_NONBLOCK);
}

/* The value of header name in the head [h, e), or NULL. */
static const char *
header(const char *h, const char *e, const char *name, size_t *len)
{
	const char	*line, *eol, *v;
	size_t		 n = strlen(name);

	for (line = h; line < e; line = eol + 2) {
		if ((eol = memmem(line, e - line, "\r\n", 2)) == NULL)
			eol = e;
		if ((size_t)(eol - line) > n && strncasecmp(line, name, n) ==
		    0 && line[n] == ':') {
			for (v = line + n + 1; v < eol && *v == ' '; v++)
				;
			*len = eol - v;
			return v;
		}
	}
	return NULL;
}

/*
 * Check the answers in [p, end); an answer to HEAD has no body, which the
 * bytes alone may not tell: both readings are tried.  Returns 0 when
 * they are all HTTP as promised, else -1 with what is wrong in *why.
 */
static int
answers(const char *p, const char *end, int depth, const char **why)
{
	const char	*head, *hend, *v, *body;
	char		 num[24];
	json_t		*j;
	size_t		 vlen;
	long long	 cl;
	int		 code, json, rc;

	if (p == end)
		return 0;
	if (depth > 64) {
		*why = "too many ambiguous answers";
		return 0;	/* not a fault of the agent */
	}
	/* evhttp answers in the request's version: HTTP/d.d */
	if (end - p < 13 || strncmp(p, "HTTP/", 5) != 0 || p[5] < '0' ||
	    p[5] > '9' || p[6] != '.' || p[7] < '0' || p[7] > '9' ||
	    p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || p[12] != ' ') {
		*why = "an answer does not start with a status line";
		return -1;
	}
	code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if ((hend = memmem(p, end - p, "\r\n\r\n", 4)) == NULL) {
		*why = "an answer's head does not end";
		return -1;
	}
	head = (const char *)memmem(p, hend - p + 2, "\r\n", 2) + 2;
	body = hend + 4;
	if (code < 200)
		return answers(body, end, depth, why);
	v = header(head, hend, "Content-Type", &vlen);
	json = v != NULL && vlen >= 16 && strncmp(v, "application/json",
	    16) == 0;
	if ((v = header(head, hend, "Content-Length", &vlen)) == NULL &&
	    strncmp(p, "HTTP/1.1 ", 9) != 0) {
		/* HTTP/1.0 without keep-alive: the body ends the connection. */
		cl = end - body;
	} else if (v == NULL || vlen == 0 || vlen >= sizeof(num) ||
	    strspn(v, "0123456789") < vlen) {
		*why = "an answer without a Content-Length";
		return -1;
	} else {
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		cl = strtoll(num, NULL, 10);
	}
	/* A HEAD's answer: no body follows. */
	if (cl > end - body || (end - body >= 7 &&
	    strncmp(body, "HTTP/1.", 7) == 0)) {
		if ((rc = answers(body, end, depth + 1, why)) == 0 ||
		    cl > end - body)
			return rc;
	}
	if (cl > end - body) {
		*why = "an answer's body is shorter than its Content-Length";
		return -1;
	}
	if (json) {
		if ((j = json_loadb(body, cl, 0, NULL)) == NULL) {
			*why = "an answer claims JSON and is not";
			return -1;
		}
		rc = json_is_object(j) || json_is_array(j);
		v = json_string_value(json_object_get(j, "message"));
		if (json_object_size(j) == 1 && v != NULL &&
		    strcmp(v, "Internal error") == 0)
			rc = -1;
		json_decref(j);
		if (rc == 0) {
			*why = "a JSON answer is neither object nor array";
			return -1;
		}
		if (rc == -1) {
			*why = "an answer could not be built";
			return -1;
		}
	}
	return answers(body + cl, end, depth + 1, why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char probe[] = "GET / HTTP/1.1\r\nHost: fuzz\r\n"
	    "Connection: close\r\n\r\n";
	static const char want[] = "{\"api_version\":\"1.0\"}";
	struct client	 c;
	const uint8_t	*sep;
	const char	*why = NULL;
	size_t		 reqlen = size;

	if ((sep = memmem(data, size, STANDIN_SEP, STANDIN_SEPLEN)) != NULL) {
		reqlen = sep - data;
		standin_answers(sep + STANDIN_SEPLEN,
		    size - reqlen - STANDIN_SEPLEN);
	} else
		standin_answers(NULL, 0);
	reset_dir(agent->conf.base_path);
	reset_dir(agent->conf.cert_dir);

	exchange(&c, data, reqlen);
	if (answers(c.out != NULL ? c.out : "", c.out != NULL ?
	    c.out + c.outlen : "", 0, &why) == -1)
		fail(why, c.out);
	client_close(&c);
	if (server_pending() != 0)
		fail("a request is never answered", NULL);

	/* The agent still serves. */
	standin_answers(NULL, 0);
	exchange(&c, (const uint8_t *)probe, sizeof(probe) - 1);
	if (c.out == NULL || strncmp(c.out, "HTTP/1.1 200 ", 13) != 0 ||
	    c.outlen < sizeof(want) - 1 || strcmp(c.out + c.outlen -
	    (sizeof(want) - 1), want) != 0)
		fail("GET / on a new connection is not answered as ever",
		    c.out);
	client_close(&c);
	return 0;
}
