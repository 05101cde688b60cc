/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls to one record's agent, all within the record's deadline (--timeout):
 * transport failures and "not ready" answers are retried with backoff by
 * agentc_call until then; any other answer is final.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>

#include "agentc.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"

static double
remaining(const struct timespec *deadline)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(deadline->tv_sec - now.tv_sec) +
	    (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
}

/*
 * Set k up for rec's agent: https://<address>:<port>, the TLS name checked
 * against the record's id.  Returns 0, or the exit code rec was failed with.
 * call_close releases k either way.
 */
int
call_open(struct call *k, const struct conf *c, json_t *rec)
{
	const char	*id, *addr;
	json_t		*jp;
	json_int_t	 port;

	memset(k, 0, sizeof(*k));
	if ((id = json_string_value(json_object_get(rec, "id"))) == NULL)
		return jrec_fail(rec, EX_DATAERR,
		    "id: missing or not a string");
	if (!ident_ok(id))
		return jrec_fail(rec, EX_DATAERR,
		    "id: \"%s\" is not a safe name", id);
	addr = json_string_value(json_object_get(rec, "address"));
	if (addr == NULL || *addr == '\0')
		return jrec_fail(rec, EX_DATAERR,
		    "address: missing or not a string");
	/* As in oct-wait: the record's port, else --port, else 9443. */
	port = c->port != 0 ? c->port : AGENTC_PORT;
	if ((jp = json_object_get(rec, "agent_port")) != NULL) {
		if (!json_is_integer(jp) || json_integer_value(jp) < 1 ||
		    json_integer_value(jp) > 65535)
			return jrec_fail(rec, EX_DATAERR,
			    "agent_port: not a port number 1..65535");
		port = json_integer_value(jp);
	}
	k->amp_id = id;
	clock_gettime(CLOCK_MONOTONIC, &k->deadline);
	k->deadline.tv_sec += (time_t)c->timeout_s;
	if ((k->ac = agentc_new(addr, (int)port, id, &c->aopts)) == NULL)
		return jrec_fail(rec, agentc_new_code(errno),
		    "%s port %d: cannot set up the agent client: %s", addr,
		    (int)port, strerror(errno));
	log_debug("%s: agent %s port %d", id, addr, (int)port);
	return 0;
}

/* Release what call_open and call_do hold. */
void
call_close(struct call *k)
{
	agentc_resp_clear(&k->resp);
	agentc_free(k->ac);
	k->ac = NULL;
}

/*
 * One agent call: method on the path made from fmt, with body (len bytes,
 * may be NULL), retried within the deadline.  Returns the HTTP status of
 * the answer (in k->resp), or -1 when none came (k->resp.err says why).
 */
int
call_do(struct call *k, const char *method, const void *body, size_t len,
    const char *fmt, ...)
{
	va_list	 ap;
	double	 left;
	int	 n;

	agentc_resp_clear(&k->resp);
	memset(&k->resp, 0, sizeof(k->resp));
	va_start(ap, fmt);
	n = vsnprintf(k->path, sizeof(k->path), fmt, ap);
	va_end(ap);
	snprintf(k->method, sizeof(k->method), "%s", method);
	if (n < 0 || (size_t)n >= sizeof(k->path)) {
		snprintf(k->resp.err, sizeof(k->resp.err), "path too long");
		k->rc = -1;
		return -1;
	}
	if ((left = remaining(&k->deadline)) <= 0) {
		snprintf(k->resp.err, sizeof(k->resp.err),
		    "timed out after %s", "--timeout");
		k->rc = -1;
		return -1;
	}
	log_debug("%s: %s %s", k->amp_id, method, k->path);
	k->rc = agentc_call(k->ac, method, k->path, body, len, left,
	    &k->resp);
	if (k->rc == -1)
		return -1;
	log_debug("%s: %s %s: %ld", k->amp_id, method, k->path,
	    k->resp.status);
	return (int)k->resp.status;
}

/*
 * The agent's message for an error answer into buf: "message: details",
 * where details (haproxy's output, for a rejected configuration) are cut
 * to its alerts on one line.
 */
static void
answer_message(const struct agentc_resp *resp, char *buf, size_t bufsz)
{
	json_t		*doc;
	const char	*msg, *det;
	char		 prefix[256];

	doc = json_loadb(resp->body != NULL ? resp->body : "", resp->len, 0,
	    NULL);
	msg = json_string_value(json_object_get(doc, "message"));
	det = json_string_value(json_object_get(doc, "details"));
	if (msg == NULL || det == NULL)
		snprintf(buf, bufsz, "%s", agentc_message(resp));
	else {
		snprintf(prefix, sizeof(prefix), "%s: ", msg);
		haproxy_alerts(det, prefix, buf, bufsz);
	}
	json_decref(doc);
}

/*
 * Fail rec with the outcome of the last call: the exit code agentc_code
 * gives it (EX_PROTOCOL for a success answer the caller could not use) and
 * the agent's message on one line, or why when not NULL.  Returns the code.
 */
int
call_fail(struct call *k, json_t *rec, const char *why)
{
	char	 msg[1024], *p;
	int	 code;

	code = agentc_code(k->rc, &k->resp);
	if (code == 0)
		code = EX_PROTOCOL;
	if (why != NULL)
		snprintf(msg, sizeof(msg), "%s", why);
	else if (k->rc == -1)
		snprintf(msg, sizeof(msg), "%s", agentc_message(&k->resp));
	else
		answer_message(&k->resp, msg, sizeof(msg));
	/* A record's message is one line. */
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	if (k->rc == -1 || k->resp.status == 0)
		return jrec_fail(rec, code, "%s %s: %s: %s", k->method,
		    k->path, agentc_name(k->ac), msg);
	return jrec_fail(rec, code, "%s %s: HTTP %ld: %s", k->method,
	    k->path, k->resp.status, msg);
}

/*
 * The load balancer id for rec: --lb-id, else the model's, else the
 * record's "config.lb_id" (left by an earlier oct-config), else its
 * "lb_id".  NULL when there is none.
 */
const char *
call_lb_id(const struct conf *c, const json_t *rec)
{
	const char	*id;

	if (c->lb_id != NULL)
		return c->lb_id;
	if (c->lb != NULL)
		return lb_id(c->lb);
	if ((id = jrec_str(rec, "config.lb_id")) != NULL)
		return id;
	return jrec_str(rec, "lb_id");
}
