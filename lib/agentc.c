/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "afile.h"
#include "agentc.h"
#include "curlx.h"
#include "ident.h"
#include "log.h"
#include "state.h"

#ifndef OCT_VERSION
#define OCT_VERSION	"0"
#endif

/* No answer of the agent is this large; a bigger one is garbage. */
#define AGENTC_BODY_MAX		(64UL * 1024 * 1024)
#define AGENTC_CONNECT_MS	10000L
#define AGENTC_TIMEOUT_MS	60000L
#define AGENTC_BACKOFF_MIN	0.1
#define AGENTC_BACKOFF_MAX	2.0

/*
 * A TLS identity (CA, client certificate and key), parsed once per process
 * and handed to every new TLS context through CURLOPT_SSL_CTX_FUNCTION:
 * libcurl would otherwise read and parse the three files again for each
 * connection, which costs more than the handshake in a sweep.
 */
struct tlsid {
	LIST_ENTRY(tlsid)	 entry;
	char			*ca, *cert, *key;
	X509_STORE		*store;
	X509			*x;
	STACK_OF(X509)		*chain;		/* after the leaf in cert */
	EVP_PKEY		*pk;
	unsigned int		 refs;
};

static LIST_HEAD(, tlsid) tlsids = LIST_HEAD_INITIALIZER(tlsids);

struct agentc {
	CURL			*easy;
	struct tlsid		*tls;
	struct curl_slist	*resolve;
	struct curl_slist	*hdr_json;	/* Content-Type: application/json */
	struct curl_slist	*hdr_raw;	/* no Content-Type */
	char			*base;		/* https://<host>:<port> */
	char			*name;		/* for messages */
	char			*ca, *cert, *key;
	long			 connect_ms, timeout_ms;
	char			 errbuf[CURL_ERROR_SIZE];
	struct curlx_sink	 sink;		/* into the answer of prepare() */
	struct agentc_resp	 resp;		/* of the request in flight (multi) */
	struct agentc_multi	*multi;		/* in flight there, or NULL */
	agentc_done_fn		 fn;
	void			*arg;
	LIST_ENTRY(agentc)	 entry;		/* in multi->busy */
};

struct agentc_multi {
	CURLM			*cm;
	unsigned int		 running;
	LIST_HEAD(, agentc)	 busy;
};

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
agentc_resp_clear(struct agentc_resp *resp)
{
	if (resp == NULL)
		return;
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

int
agentc_resp_is_json(const struct agentc_resp *resp)
{
	const char	*ct = resp->content_type;
	size_t		 n = strlen("application/json");

	while (*ct == ' ')
		ct++;
	return strncasecmp(ct, "application/json", n) == 0 &&
	    (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Keep the ETag of the final answer (a new status line resets it). */
static void
etag_cb(void *arg, const char *name, size_t nlen, const char *v, size_t vlen)
{
	struct agentc_resp	*r = arg;
	const char		*end = v + vlen;
	size_t			 i;

	if (name == NULL) {
		r->etag[0] = '\0';
		return;
	}
	if (nlen != 4 || strncasecmp(name, "ETag", 4) != 0)
		return;
	if (end - v >= 2 && v[0] == 'W' && v[1] == '/')
		v += 2;
	if (end - v >= 2 && *v == '"' && end[-1] == '"') {
		v++;
		end--;
	}
	for (i = 0; v + i < end && i + 1 < sizeof(r->etag); i++)
		r->etag[i] = v[i];
	r->etag[i] = '\0';
}

static void
tlsid_unref(struct tlsid *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	LIST_REMOVE(t, entry);
	X509_STORE_free(t->store);
	X509_free(t->x);
	sk_X509_pop_free(t->chain, X509_free);
	EVP_PKEY_free(t->pk);
	free(t->ca);
	free(t->cert);
	free(t->key);
	free(t);
}

/*
 * The identity of these files, shared.  Returns it (a reference; drop with
 * tlsid_unref) or NULL, logged, errno EIO for a file that does not parse.
 */
static struct tlsid *
tlsid_get(const char *ca, const char *cert, const char *key)
{
	struct tlsid	*t;
	BIO		*bio = NULL;
	X509		*c;

	LIST_FOREACH(t, &tlsids, entry)
		if (strcmp(t->ca, ca) == 0 && strcmp(t->cert, cert) == 0 &&
		    strcmp(t->key, key) == 0) {
			t->refs++;
			return t;
		}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->refs = 1;
	LIST_INSERT_HEAD(&tlsids, t, entry);
	/* The cache's own reference, dropped by agentc_cache_free(). */
	t->refs++;
	if ((t->ca = strdup(ca)) == NULL || (t->cert = strdup(cert)) ==
	    NULL || (t->key = strdup(key)) == NULL ||
	    (t->chain = sk_X509_new_null()) == NULL)
		goto nomem;
	if ((t->store = X509_STORE_new()) == NULL)
		goto nomem;
	if (X509_STORE_load_file(t->store, ca) != 1) {
		log_warnx("%s: X509_STORE_load_file: no CA certificate", ca);
		goto bad;
	}
	if ((bio = BIO_new_file(cert, "r")) == NULL ||
	    (t->x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		log_warnx("%s: PEM_read_bio_X509: no certificate", cert);
		goto bad;
	}
	while ((c = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(t->chain, c) == 0) {
			X509_free(c);
			goto nomem;
		}
	ERR_clear_error();	/* the end of the file */
	BIO_free(bio);
	if ((bio = BIO_new_file(key, "r")) == NULL ||
	    (t->pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) ==
	    NULL) {
		log_warnx("%s: PEM_read_bio_PrivateKey: no key", key);
		goto bad;
	}
	if (X509_check_private_key(t->x, t->pk) != 1) {
		log_warnx("%s: X509_check_private_key: not the key of %s",
		    key, cert);
		goto bad;
	}
	BIO_free(bio);
	return t;
 nomem:
	BIO_free(bio);
	tlsid_unref(t);
	tlsid_unref(t);
	errno = ENOMEM;
	return NULL;
 bad:
	ERR_print_errors_fp(stderr);
	ERR_clear_error();
	BIO_free(bio);
	tlsid_unref(t);
	tlsid_unref(t);
	errno = EIO;
	return NULL;
}

void
agentc_cache_free(void)
{
	struct tlsid	*t, *next;

	for (t = LIST_FIRST(&tlsids); t != NULL; t = next) {
		next = LIST_NEXT(t, entry);
		tlsid_unref(t);
	}
}

/* CURLOPT_SSL_CTX_FUNCTION: our CA store, certificate and key. */
static CURLcode
ssl_ctx_cb(CURL *curl, void *sslctx, void *arg)
{
	struct tlsid	*t = arg;
	SSL_CTX		*ctx = sslctx;
	int		 i;

	(void)curl;
	SSL_CTX_set1_cert_store(ctx, t->store);
	if (SSL_CTX_use_certificate(ctx, t->x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, t->pk) != 1)
		goto bad;
	for (i = 0; i < sk_X509_num(t->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(t->chain, i)) !=
		    1)
			goto bad;
	return CURLE_OK;
 bad:
	log_warnx("%s: SSL_CTX_use_certificate/PrivateKey failed", t->cert);
	ERR_print_errors_fp(stderr);
	ERR_clear_error();
	return CURLE_SSL_CERTPROBLEM;
}

#define SETOPT(ac, opt, val) \
	CURLX_SETOPT((ac)->easy, opt, val, err, sizeof(err))

/* Options that hold for every request of the endpoint. */
static int
easy_setup(struct agentc *ac)
{
	char	 err[160];
	int	 rc = -1;

	SETOPT(ac, CURLOPT_ERRORBUFFER, ac->errbuf);
	SETOPT(ac, CURLOPT_NOSIGNAL, 1L);
	SETOPT(ac, CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(ac, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(ac, CURLOPT_FOLLOWLOCATION, 0L);
	/* The agent is never behind a proxy; ignore https_proxy & co. */
	SETOPT(ac, CURLOPT_PROXY, "");
	SETOPT(ac, CURLOPT_NOPROXY, "*");
	SETOPT(ac, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(ac, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(ac, CURLOPT_SSL_VERIFYHOST, 2L);
	/*
	 * Only our CA, no system bundle or directory: ssl_ctx_cb() puts our
	 * store, certificate and key into each new TLS context.
	 */
	SETOPT(ac, CURLOPT_CAINFO, (char *)NULL);
	SETOPT(ac, CURLOPT_CAPATH, (char *)NULL);
	SETOPT(ac, CURLOPT_SSL_CTX_FUNCTION, ssl_ctx_cb);
	SETOPT(ac, CURLOPT_SSL_CTX_DATA, ac->tls);
	if (ac->resolve != NULL)
		SETOPT(ac, CURLOPT_RESOLVE, ac->resolve);
	SETOPT(ac, CURLOPT_USERAGENT, "oct/" OCT_VERSION);
	SETOPT(ac, CURLOPT_PRIVATE, ac);
	if (curlx_sink_use(ac->easy, &ac->sink, err, sizeof(err)) == -1)
		goto out;
	rc = 0;
 out:
	if (rc == -1)
		log_warnx("%s: curl_easy_setopt %s", ac->name, err);
	return rc;
}

int
agentc_new_code(int errnum)
{
	switch (errnum) {
	case EINVAL:
		return EX_DATAERR;
	case EPERM:
		return EX_NOPERM;
	case ENOMEM:
		return EX_OSERR;
	default:
		return EX_NOINPUT;
	}
}

/* A readable file, or -1 logged with errno set. */
static int
file_ok(const char *what, const char *path)
{
	if (access(path, R_OK) == -1) {
		log_warn("%s %s", what, path);
		return -1;
	}
	return 0;
}

static char *
default_path(const char *given, const char *sub)
{
	char	 buf[PATH_MAX];

	if (given != NULL)
		return strdup(given);
	if (state_path(buf, sizeof(buf), "%s", sub) == -1) {
		errno = EINVAL;
		return NULL;
	}
	return strdup(buf);
}

struct agentc *
agentc_new(const char *address, int port, const char *amp_id,
    const struct agentc_opts *opts)
{
	struct agentc	*ac = NULL;
	struct in6_addr	 a6;
	struct in_addr	 a4;
	char		 host[INET6_ADDRSTRLEN + 2], buf[512];
	int		 v6, save;

	if (address == NULL || port < 1 || port > 65535) {
		log_warnx("agent endpoint: bad address or port %d", port);
		errno = EINVAL;
		return NULL;
	}
	v6 = inet_pton(AF_INET6, address, &a6) == 1;
	if (!v6 && inet_pton(AF_INET, address, &a4) != 1) {
		log_warnx("%s: not an IPv4 or IPv6 address", address);
		errno = EINVAL;
		return NULL;
	}
	if (amp_id != NULL && !ident_ok(amp_id)) {
		log_warnx("%s: not a safe amphora id", amp_id);
		errno = EINVAL;
		return NULL;
	}
	(void)snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", address);
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		goto fail;
	ac->connect_ms = opts != NULL && opts->connect_timeout_ms > 0 ?
	    opts->connect_timeout_ms : AGENTC_CONNECT_MS;
	ac->timeout_ms = opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : AGENTC_TIMEOUT_MS;
	if ((ac->ca = default_path(opts ? opts->ca : NULL, "ca/ca.pem")) ==
	    NULL ||
	    (ac->cert = default_path(opts ? opts->cert : NULL,
	    "controller/client.pem")) == NULL ||
	    (ac->key = default_path(opts ? opts->key : NULL,
	    "controller/client.key")) == NULL)
		goto fail;
	if (file_ok("CA", ac->ca) == -1 ||
	    file_ok("client certificate", ac->cert) == -1 ||
	    file_ok("client key", ac->key) == -1)
		goto fail;
	if (afile_private_ok(ac->key) == -1) {
		if (errno == EPERM)
			log_warnx("%s: key file is group or world accessible",
			    ac->key);
		else
			log_warn("%s", ac->key);
		goto fail;
	}
	if ((ac->tls = tlsid_get(ac->ca, ac->cert, ac->key)) == NULL)
		goto fail;
	if (asprintf(&ac->base, "https://%s:%d",
	    amp_id != NULL ? amp_id : host, port) == -1) {
		ac->base = NULL;
		goto fail;
	}
	if (asprintf(&ac->name, "%s:%d (%s)", host, port,
	    amp_id != NULL ? amp_id : "by address") == -1) {
		ac->name = NULL;
		goto fail;
	}
	if (amp_id != NULL) {
		(void)snprintf(buf, sizeof(buf), "%s:%d:%s", amp_id, port,
		    host);
		if ((ac->resolve = curl_slist_append(NULL, buf)) == NULL)
			goto nomem;
	}
	if ((ac->hdr_json = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL ||
	    curl_slist_append(ac->hdr_json, "Expect:") == NULL ||
	    (ac->hdr_raw = curl_slist_append(NULL, "Content-Type:")) == NULL ||
	    curl_slist_append(ac->hdr_raw, "Expect:") == NULL)
		goto nomem;
	if ((ac->easy = curl_easy_init()) == NULL) {
		log_warnx("curl_easy_init failed");
		goto nomem;
	}
	if (easy_setup(ac) == -1) {
		errno = EINVAL;
		goto fail;
	}
	return ac;
 nomem:
	errno = ENOMEM;
 fail:
	save = errno;
	if (save == ENOMEM)
		log_warnx("agent endpoint %s: out of memory", address);
	agentc_free(ac);
	errno = save;
	return NULL;
}

void
agentc_free(struct agentc *ac)
{
	if (ac == NULL)
		return;
	if (ac->multi != NULL)
		agentc_multi_cancel(ac->multi, ac);
	if (ac->easy != NULL)
		curl_easy_cleanup(ac->easy);
	tlsid_unref(ac->tls);
	curl_slist_free_all(ac->resolve);
	curl_slist_free_all(ac->hdr_json);
	curl_slist_free_all(ac->hdr_raw);
	agentc_resp_clear(&ac->resp);
	free(ac->base);
	free(ac->name);
	free(ac->ca);
	free(ac->cert);
	free(ac->key);
	free(ac);
}

const char *
agentc_name(const struct agentc *ac)
{
	return ac->name;
}

/* Set up one request of ac into resp.  Returns 0 or -1 logged. */
static int
prepare(struct agentc *ac, const char *method, const char *path,
    const void *body, size_t len, long connect_ms, long timeout_ms,
    struct agentc_resp *resp)
{
	char	*url = NULL, err[160];
	int	 rc = -1, json;

	agentc_resp_clear(resp);
	curlx_sink_init(&ac->sink, &resp->body, &resp->len, AGENTC_BODY_MAX,
	    etag_cb, resp);
	ac->errbuf[0] = '\0';
	if (path == NULL || path[0] != '/') {
		log_warnx("%s: request path must start with /", ac->name);
		return -1;
	}
	if (asprintf(&url, "%s%s", ac->base, path) == -1) {
		log_warnx("%s: out of memory", ac->name);
		return -1;
	}
	SETOPT(ac, CURLOPT_URL, url);
	SETOPT(ac, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	SETOPT(ac, CURLOPT_TIMEOUT_MS, timeout_ms);
	SETOPT(ac, CURLOPT_HTTPGET, 1L);
	SETOPT(ac, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	SETOPT(ac, CURLOPT_NOBODY, 0L);
	if (strcmp(method, "GET") == 0 && body == NULL) {
		SETOPT(ac, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	} else {
		json = body != NULL && len > 0 && *(const char *)body == '{';
		SETOPT(ac, CURLOPT_HTTPHEADER, json ? ac->hdr_json :
		    ac->hdr_raw);
		if (body != NULL || strcmp(method, "PUT") == 0 ||
		    strcmp(method, "POST") == 0) {
			SETOPT(ac, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)(body != NULL ? len : 0));
			SETOPT(ac, CURLOPT_COPYPOSTFIELDS,
			    body != NULL ? (const char *)body : "");
		}
		if (strcmp(method, "POST") != 0)
			SETOPT(ac, CURLOPT_CUSTOMREQUEST, method);
	}
	rc = 0;
 out:
	if (rc == -1)
		log_warnx("%s: curl_easy_setopt %s", ac->name, err);
	free(url);
	return rc;
}

/* Fill resp after the transfer ended with c.  Returns 0 or -1. */
static int
finish(struct agentc *ac, CURLcode c, struct agentc_resp *resp)
{
	const char	*msg, *what = "";
	char		*ct = NULL;
	long		 status = 0;

	if (resp->body == NULL && (resp->body = strdup("")) == NULL)
		c = CURLE_OUT_OF_MEMORY;
	if (c == CURLE_WRITE_ERROR && ac->sink.overflow) {
		(void)snprintf(resp->err, sizeof(resp->err),
		    "answer larger than %lu bytes", AGENTC_BODY_MAX);
		resp->curl_code = CURLE_WEIRD_SERVER_REPLY;
		resp->status = 0;
		return -1;
	}
	if (c != CURLE_OK) {
		resp->curl_code = c;
		msg = ac->errbuf[0] != '\0' ? ac->errbuf : curl_easy_strerror(c);
		/* Say which side's certificate was not good enough. */
		if (c == CURLE_PEER_FAILED_VERIFICATION)
			what = "agent certificate not accepted (CA, name): ";
		else if ((c == CURLE_SSL_CONNECT_ERROR ||
		    c == CURLE_RECV_ERROR || c == CURLE_SEND_ERROR) &&
		    strstr(msg, "alert") != NULL)
			what = "agent refused our client certificate: ";
		/* A cut message is still worth showing. */
		(void)strlcpy(resp->err, what, sizeof(resp->err));
		(void)strlcat(resp->err, msg, sizeof(resp->err));
		resp->status = 0;
		return -1;
	}
	if (curl_easy_getinfo(ac->easy, CURLINFO_RESPONSE_CODE, &status) ==
	    CURLE_OK)
		resp->status = status;
	if (curl_easy_getinfo(ac->easy, CURLINFO_CONTENT_TYPE, &ct) ==
	    CURLE_OK && ct != NULL)
		(void)strlcpy(resp->content_type, ct,
		    sizeof(resp->content_type));
	if (resp->status == 0) {
		(void)snprintf(resp->err, sizeof(resp->err), "no HTTP status");
		resp->curl_code = CURLE_WEIRD_SERVER_REPLY;
		return -1;
	}
	return 0;
}

static int
request(struct agentc *ac, const char *method, const char *path,
    const void *body, size_t len, long connect_ms, long timeout_ms,
    struct agentc_resp *resp)
{
	CURLcode	 c;

	if (ac->multi != NULL) {
		log_warnx("%s: a request is in flight", ac->name);
		return -1;
	}
	if (prepare(ac, method, path, body, len, connect_ms, timeout_ms,
	    resp) == -1) {
		resp->curl_code = CURLE_FAILED_INIT;
		(void)strlcpy(resp->err, "request set-up failed",
		    sizeof(resp->err));
		if (resp->body == NULL)
			resp->body = strdup("");
		return -1;
	}
	c = curl_easy_perform(ac->easy);
	log_debug("%s %s%s: %s %ld", method, ac->name, path,
	    c == CURLE_OK ? "HTTP" : ac->errbuf, resp->status);
	return finish(ac, c, resp);
}

int
agentc_request(struct agentc *ac, const char *method, const char *path,
    const void *body, size_t len, struct agentc_resp *resp)
{
	return request(ac, method, path, body, len, ac->connect_ms,
	    ac->timeout_ms, resp);
}

/* Whether an outcome means "try again later". */
static int
retryable(int rc, const struct agentc_resp *resp)
{
	if (rc == -1)
		return agentc_code(rc, resp) == EX_TEMPFAIL;
	if (resp->status == 503)
		return 1;
	return resp->status == 404 && !agentc_resp_is_json(resp);
}

int
agentc_call(struct agentc *ac, const char *method, const char *path,
    const void *body, size_t len, double deadline_s, struct agentc_resp *resp)
{
	struct timespec	 ts;
	double		 end, left, pause = AGENTC_BACKOFF_MIN;
	long		 cms, tms;
	int		 rc;

	end = now_s() + deadline_s;
	for (;;) {
		left = end - now_s();
		if (left < 0.001)
			left = 0.001;
		cms = ac->connect_ms;
		tms = ac->timeout_ms;
		if (cms > left * 1000)
			cms = left * 1000 + 1;
		if (tms > left * 1000)
			tms = left * 1000 + 1;
		rc = request(ac, method, path, body, len, cms, tms, resp);
		if (!retryable(rc, resp))
			return rc;
		left = end - now_s();
		if (left <= 0)
			return rc;
		if (pause > left)
			pause = left;
		log_debug("%s: %s; again in %.1f s", ac->name,
		    agentc_message(resp), pause);
		ts.tv_sec = (time_t)pause;
		ts.tv_nsec = (long)((pause - ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		pause *= 2;
		if (pause > AGENTC_BACKOFF_MAX)
			pause = AGENTC_BACKOFF_MAX;
	}
}

int
agentc_code(int rc, const struct agentc_resp *resp)
{
	if (rc == 0 && resp->status >= 200 && resp->status <= 299)
		return 0;
	if (rc == 0) {
		if (resp->status >= 400 && resp->status <= 499)
			return EX_UNAVAILABLE;
		if (resp->status >= 500 && resp->status <= 599)
			return EX_TEMPFAIL;
		return EX_PROTOCOL;
	}
	switch (resp->curl_code) {
	case CURLE_OUT_OF_MEMORY:
		return EX_OSERR;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_READ_ERROR:
		return EX_NOINPUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_URL_MALFORMAT:
		/*
		 * A handshake that fails on an alert means the agent
		 * refused our client certificate: refused for good.
		 */
		if (resp->curl_code == CURLE_SSL_CONNECT_ERROR &&
		    strstr(resp->err, "alert") != NULL)
			return EX_UNAVAILABLE;
		return EX_PROTOCOL;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* TLS 1.3: the agent's refusal arrives after the handshake. */
		if (strstr(resp->err, "alert") != NULL)
			return EX_UNAVAILABLE;
		return EX_TEMPFAIL;
	default:
		return EX_TEMPFAIL;
	}
}

/* Copy the first line of s (at most n bytes of it) into buf. */
static void
first_line(char *buf, size_t bufsz, const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && s[i] != '\n' && s[i] != '\r' &&
	    i + 1 < bufsz; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
}

const char *
agentc_message(const struct agentc_resp *resp)
{
	static char	 msg[512];
	json_t		*j = NULL, *m, *d;
	const char	*ms = NULL, *ds = NULL, *p;
	char		 line[400];

	msg[0] = '\0';
	if (resp->status == 0 || resp->body == NULL || resp->body[0] ==
	    '\0') {
		if (resp->err[0] != '\0')
			(void)strlcpy(msg, resp->err, sizeof(msg));
		else if (resp->status != 0)
			(void)snprintf(msg, sizeof(msg), "HTTP %ld",
			    resp->status);
		else
			(void)strlcpy(msg, "no answer", sizeof(msg));
		return msg;
	}
	j = json_loadb(resp->body, resp->len, JSON_DISABLE_EOF_CHECK, NULL);
	if (json_is_object(j)) {
		m = json_object_get(j, "message");
		d = json_object_get(j, "details");
		if (!json_is_string(m))
			m = json_object_get(j, "error");
		if (!json_is_string(m))
			m = json_object_get(j, "description");
		if (json_is_string(m))
			ms = json_string_value(m);
		if (json_is_string(d))
			ds = json_string_value(d);
	}
	if (ms != NULL && ds != NULL && ds[0] != '\0') {
		/*
		 * Details may be haproxy output: one line of it, the first
		 * [ALERT] if any (the lines before are version notices).
		 */
		if ((p = strstr(ds, "[ALERT]")) == NULL)
			p = ds;
		for (; *p == '\n' || *p == ' '; p++)
			;
		first_line(line, sizeof(line), p);
		(void)snprintf(msg, sizeof(msg), "%s: %s", ms, line);
	} else if (ms != NULL) {
		first_line(msg, sizeof(msg), ms);
	} else {
		for (p = resp->body; *p == '\n' || *p == '\r' || *p == ' ';
		    p++)
			;
		first_line(msg, sizeof(msg), p);
		if (msg[0] == '\0')
			(void)snprintf(msg, sizeof(msg), "HTTP %ld",
			    resp->status);
	}
	json_decref(j);
	return msg;
}

struct agentc_multi *
agentc_multi_new(void)
{
	struct agentc_multi	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		log_warn("agentc_multi_new");
		return NULL;
	}
	if ((m->cm = curl_multi_init()) == NULL) {
		log_warnx("curl_multi_init failed");
		free(m);
		return NULL;
	}
	LIST_INIT(&m->busy);
	return m;
}

void
agentc_multi_free(struct agentc_multi *m)
{
	if (m == NULL)
		return;
	while (!LIST_EMPTY(&m->busy))
		agentc_multi_cancel(m, LIST_FIRST(&m->busy));
	(void)curl_multi_cleanup(m->cm);
	free(m);
}

int
agentc_multi_add(struct agentc_multi *m, struct agentc *ac,
    const char *method, const char *path, const void *body, size_t len,
    long timeout_ms, agentc_done_fn fn, void *arg)
{
	CURLMcode	 mc;
	long		 tms = timeout_ms > 0 ? timeout_ms : ac->timeout_ms;
	long		 cms = ac->connect_ms < tms ? ac->connect_ms : tms;

	if (ac->multi != NULL) {
		log_warnx("%s: a request is in flight", ac->name);
		return -1;
	}
	if (prepare(ac, method, path, body, len, cms, tms, &ac->resp) == -1)
		return -1;
	if ((mc = curl_multi_add_handle(m->cm, ac->easy)) != CURLM_OK) {
		log_warnx("curl_multi_add_handle: %s",
		    curl_multi_strerror(mc));
		return -1;
	}
	ac->multi = m;
	ac->fn = fn;
	ac->arg = arg;
	LIST_INSERT_HEAD(&m->busy, ac, entry);
	m->running++;
	return 0;
}

void
agentc_multi_cancel(struct agentc_multi *m, struct agentc *ac)
{
	if (ac->multi != m || m == NULL)
		return;
	(void)curl_multi_remove_handle(m->cm, ac->easy);
	LIST_REMOVE(ac, entry);
	ac->multi = NULL;
	m->running--;
}

int
agentc_multi_poll(struct agentc_multi *m, struct pollfd *fds,
    unsigned int nfds, int timeout_ms)
{
	struct curl_waitfd	 wfd[64];
	CURLMsg			*msg;
	CURLMcode		 mc;
	struct agentc		*ac;
	char			*priv;
	unsigned int		 i;
	int			 still, rc, numfds;

	if (nfds > sizeof(wfd) / sizeof(wfd[0])) {
		log_warnx("agentc_multi_poll: too many extra fds");
		return -1;
	}
	for (i = 0; i < nfds; i++) {
		wfd[i].fd = fds[i].fd;
		wfd[i].events = 0;
		if (fds[i].events & POLLIN)
			wfd[i].events |= CURL_WAIT_POLLIN;
		if (fds[i].events & POLLPRI)
			wfd[i].events |= CURL_WAIT_POLLPRI;
		if (fds[i].events & POLLOUT)
			wfd[i].events |= CURL_WAIT_POLLOUT;
		wfd[i].revents = 0;
	}
	if ((mc = curl_multi_poll(m->cm, wfd, nfds, timeout_ms, &numfds)) !=
	    CURLM_OK) {
		log_warnx("curl_multi_poll: %s", curl_multi_strerror(mc));
		return -1;
	}
	for (i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (wfd[i].revents & CURL_WAIT_POLLIN)
			fds[i].revents |= POLLIN;
		if (wfd[i].revents & CURL_WAIT_POLLPRI)
			fds[i].revents |= POLLPRI;
		if (wfd[i].revents & CURL_WAIT_POLLOUT)
			fds[i].revents |= POLLOUT;
	}
	if ((mc = curl_multi_perform(m->cm, &still)) != CURLM_OK) {
		log_warnx("curl_multi_perform: %s", curl_multi_strerror(mc));
		return -1;
	}
	while ((msg = curl_multi_info_read(m->cm, &still)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		priv = NULL;
		(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    &priv);
		if ((ac = (struct agentc *)priv) == NULL)
			continue;
		/* msg is invalid once the handle is removed: finish first. */
		rc = finish(ac, msg->data.result, &ac->resp);
		agentc_multi_cancel(m, ac);
		log_debug("%s: %s %ld", ac->name, rc == 0 ? "HTTP" :
		    ac->resp.err, ac->resp.status);
		if (ac->fn != NULL)
			ac->fn(ac, rc, &ac->resp, ac->arg);
	}
	return (int)m->running;
}
