/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oshttp: one HTTP request to an OpenStack API (Keystone, Nova) on libcurl.
 *
 * Every request gets its own easy handle and "Connection: close", and the
 * connection is never reused: OpenStack services behind uwsgi's
 * --http-socket close connections without saying so, and a reused one then
 * fails at random.  Peers are always verified (cacert, or the system CAs);
 * only http and https; proxies come from the environment as for any
 * OpenStack client.  Safe to call from several threads at once once the
 * caller has run curl_global_init().
 */
#ifndef OCT_OSHTTP_H
#define OCT_OSHTTP_H

#include <stddef.h>
#include <time.h>

/* Largest answer body accepted, in bytes. */
#define OSHTTP_BODY_MAX	(8 * 1024 * 1024)

/*
 * An answer.  Zero it before first use; a request clears what it held, and
 * oshttp_resp_clear() frees it at the end.  subject_token is Keystone's
 * X-Subject-Token header: a secret, wiped when cleared.
 */
struct oshttp_resp {
	long	 status;		/* HTTP status, 0 when no answer */
	char	*body;			/* NUL-terminated, owned, may be "" */
	size_t	 len;
	char	*subject_token;		/* owned, or NULL */
	long	 retry_after_s;		/* Retry-After in seconds, -1 if none */
	char	 err[256];		/* transport error text, "" if none */
};

struct oshttp_req {
	const char	*method;	/* "GET", "POST", "DELETE", ... */
	const char	*url;
	const char	*token;		/* X-Auth-Token, or NULL */
	const char	*microversion;	/* compute microversion, or NULL */
	const char	*body;		/* JSON body, or NULL */
	const char	*cacert;	/* CA bundle path, or NULL for the system's */
	long		 timeout_ms;	/* whole request; 0: 60000 */
};

/*
 * Send the request and fill r.  Returns 0 when the peer answered (whatever
 * the status), -1 on a transport failure with r->err set.  Nothing is
 * logged: the token and bodies may hold secrets.
 */
int	oshttp_do(const struct oshttp_req *q, struct oshttp_resp *r);

/* Free what r holds (the token wiped) and zero it. */
void	oshttp_resp_clear(struct oshttp_resp *r);

/*
 * Seconds to wait from a Retry-After value (delta seconds or an HTTP-date),
 * relative to now; 0 for a date in the past, -1 when it cannot be parsed.
 */
long	oshttp_retry_after(const char *value, time_t now);

/*
 * The first "message" found in an OpenStack error body ({"<kind>":
 * {"message": ...}}, {"error": {"message": ...}}, {"message": ...}), copied
 * to buf with control characters replaced, or the status text when there is
 * none.  Returns buf.
 */
const char *oshttp_errmsg(const struct oshttp_resp *r, char *buf,
	    size_t bufsz);

#endif
