/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agentc: the controller side of the appliance agent's API (Octavia amphora
 * API 1.0) over HTTPS with mutual TLS, on libcurl.
 *
 * The agent is reached at https://<address>:<port> but its certificate is
 * checked against the amphora id, as Octavia's controller does: the URL
 * host is the id and CURLOPT_RESOLVE maps "<id>:<port>" to the address, so
 * libcurl verifies that the certificate carries the id as a DNS name.  The
 * agent's certificate must chain to opts->ca and nothing else (no system
 * CAs); TLS 1.2 is the minimum; proxies from the environment are ignored.
 *
 * The caller runs curl_global_init() once before using this module, and
 * uses it from one thread: endpoints share the parsed CA, certificate and
 * key of each (ca, cert, key) triple without locks.
 */
#ifndef OCT_AGENTC_H
#define OCT_AGENTC_H

#include <poll.h>
#include <stddef.h>

/* The agent's port unless a record's "agent_port" or a --port says else. */
#define AGENTC_PORT	9443

struct agentc_opts {
	const char	*ca;		/* CA cert PEM path: verifies the agent (default state ca/ca.pem) */
	const char	*cert;		/* client cert PEM path (default state controller/client.pem) */
	const char	*key;		/* client key PEM path (default state controller/client.key) */
	long		 connect_timeout_ms;	/* default 10000 */
	long		 timeout_ms;		/* per request, default 60000 */
};

/*
 * An answer.  Zero it before first use (= { 0 }); a request frees what it
 * held before filling it again, and agentc_resp_clear() frees it at the end.
 */
struct agentc_resp {
	long	 status;		/* HTTP status, 0 when no answer */
	char	*body;			/* NUL-terminated, owned, may be "" */
	size_t	 len;
	char	 etag[80];		/* ETag without quotes, "" if none */
	char	 content_type[80];
	char	 err[256];		/* transport error text, "" if none */
	long	 curl_code;		/* CURLcode of a transport failure, else 0 */
};

struct agentc;

/*
 * An endpoint: https://<address>:<port>, the TLS name checked against amp_id
 * (a DNS SAN), as Octavia does (CURLOPT_RESOLVE "<amp_id>:<port>:<address>"
 * and URL host <amp_id>).  With amp_id NULL the name checked is the address
 * itself (an IP SAN).  opts may be NULL, and its NULL or 0 fields take the
 * defaults above.  The key file must not be group- or world-accessible.
 * Returns the endpoint (free with agentc_free) or NULL, logged, with errno:
 * EINVAL for a bad address, port or id, EPERM for a key file with an open
 * mode, ENOENT/EACCES for a file that cannot be read, ENOMEM.
 */
struct agentc	*agentc_new(const char *address, int port, const char *amp_id,
		    const struct agentc_opts *);
void		 agentc_free(struct agentc *);

/*
 * Endpoints share the CA, certificate and key they were made with, parsed
 * once and kept for the next endpoint until this call frees what no
 * endpoint uses any more (at exit, or after the files changed).
 */
void		 agentc_cache_free(void);

/* The sysexits code for errno as agentc_new() left it. */
int		 agentc_new_code(int errnum);

/* "https://<address>:<port> (<amp_id>)" for messages; static per endpoint. */
const char	*agentc_name(const struct agentc *);

/*
 * One request (method "GET", "PUT", "POST", "DELETE"; path such as
 * "/1.0/info"; body may be NULL).  A body starting with '{' is sent as
 * application/json, any other without a Content-Type, as Octavia does for
 * file uploads.  Returns 0 when an HTTP answer arrived (any status), -1 on
 * a transport failure (resp->err, resp->curl_code).
 */
int		 agentc_request(struct agentc *, const char *method,
		    const char *path, const void *body, size_t len,
		    struct agentc_resp *resp);

/*
 * Retry transport failures that agentc_code() calls EX_TEMPFAIL and "not
 * ready" answers (404 whose Content-Type is not JSON, 503) with exponential
 * backoff (0.1 s doubling to 2 s) until deadline_s seconds from the call;
 * each try's timeouts are cut to what remains.  Else as agentc_request().
 */
int		 agentc_call(struct agentc *, const char *method,
		    const char *path, const void *body, size_t len,
		    double deadline_s, struct agentc_resp *resp);

/*
 * The sysexits code for an outcome: 0 for 2xx; EX_UNAVAILABLE 4xx or a TLS
 * alert from the agent refusing our client certificate; EX_TEMPFAIL 5xx or
 * a transport failure (timeout, refused, reset); EX_PROTOCOL for an answer
 * that is not HTTP, a failed TLS handshake, or an agent certificate that
 * does not verify (wrong CA, name not the amphora id); EX_NOINPUT when our
 * own CA, certificate or key file cannot be used; EX_OSERR out of memory.
 */
int		 agentc_code(int rc, const struct agentc_resp *resp);

/*
 * The agent's message for an error answer: "message: details" from its JSON
 * body (or Octavia's generic {"error": ...}), else the body's first line,
 * else resp->err.  Static storage, overwritten by the next call.
 */
const char	*agentc_message(const struct agentc_resp *resp);

/* Free the body and zero resp. */
void		 agentc_resp_clear(struct agentc_resp *resp);

/* Non-zero when resp's Content-Type is application/json. */
int		 agentc_resp_is_json(const struct agentc_resp *resp);

/*
 * Many requests at once in one thread (libcurl's multi interface), for
 * sweeps of many appliances.  Each endpoint has at most one request in
 * flight; when it ends, fn is called from agentc_multi_poll() with the
 * endpoint, the outcome as agentc_request() returns it and the answer.
 * resp belongs to the endpoint and stays valid until the endpoint's next
 * request or agentc_free(); fn may take resp->body (set it NULL) and may
 * start the endpoint's next request.
 */
struct agentc_multi;
typedef void	 (*agentc_done_fn)(struct agentc *, int rc,
		    struct agentc_resp *resp, void *arg);

/* A multi handle (free with agentc_multi_free), or NULL, logged. */
struct agentc_multi *agentc_multi_new(void);
/* Abort what is in flight (fn is not called) and free. */
void		 agentc_multi_free(struct agentc_multi *);

/*
 * Start a request on ac (not already in flight) through m; timeout_ms 0
 * means the endpoint's own.  The body is copied.  Returns 0, or -1 logged.
 */
int		 agentc_multi_add(struct agentc_multi *m, struct agentc *ac,
		    const char *method, const char *path, const void *body,
		    size_t len, long timeout_ms, agentc_done_fn fn, void *arg);

/* Abort ac's request in flight, if any (fn is not called). */
void		 agentc_multi_cancel(struct agentc_multi *m, struct agentc *ac);

/*
 * Drive the transfers: wait up to timeout_ms for activity on them or on the
 * caller's extra fds (revents is set as poll(2) does, for POLLIN, POLLPRI,
 * POLLOUT only), then run them and call fn for each that ended.  Returns
 * the number of requests still in flight, or -1 logged.
 */
int		 agentc_multi_poll(struct agentc_multi *m, struct pollfd *fds,
		    unsigned int nfds, int timeout_ms);

#endif
