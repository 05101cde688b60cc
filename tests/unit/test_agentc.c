/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of lib/agentc's pure parts: outcome codes and messages. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "agentc.h"
#include "t.h"

static struct agentc_resp
mk(long status, const char *ct, const char *body, long cc, const char *err)
{
	static char		 buf[1024];
	struct agentc_resp	 r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	if (ct != NULL)
		strlcpy(r.content_type, ct, sizeof(r.content_type));
	if (body != NULL)
		strlcpy(buf, body, sizeof(buf));
	r.body = body != NULL ? buf : NULL;
	r.len = body != NULL ? strlen(body) : 0;
	r.curl_code = cc;
	if (err != NULL)
		strlcpy(r.err, err, sizeof(r.err));
	return r;
}

static void
test_code(void)
{
	static const struct {
		int		 rc;
		long		 status;
		long		 cc;
		const char	*err;
		int		 want;
		const char	*what;
	} t[] = {
		{ 0, 200, 0, NULL, 0, "200 ok" },
		{ 0, 202, 0, NULL, 0, "202 ok" },
		{ 0, 204, 0, NULL, 0, "204 ok" },
		{ 0, 301, 0, NULL, EX_PROTOCOL, "3xx not followed: protocol" },
		{ 0, 100, 0, NULL, EX_PROTOCOL, "1xx final: protocol" },
		{ 0, 400, 0, NULL, EX_UNAVAILABLE, "400 unavailable" },
		{ 0, 404, 0, NULL, EX_UNAVAILABLE, "404 unavailable" },
		{ 0, 409, 0, NULL, EX_UNAVAILABLE, "409 unavailable" },
		{ 0, 499, 0, NULL, EX_UNAVAILABLE, "499 unavailable" },
		{ 0, 500, 0, NULL, EX_TEMPFAIL, "500 tempfail" },
		{ 0, 503, 0, NULL, EX_TEMPFAIL, "503 tempfail" },
		{ 0, 600, 0, NULL, EX_PROTOCOL, "600 protocol" },
		{ -1, 0, CURLE_COULDNT_CONNECT, "refused", EX_TEMPFAIL,
		    "refused tempfail" },
		{ -1, 0, CURLE_OPERATION_TIMEDOUT, "timeout", EX_TEMPFAIL,
		    "timeout tempfail" },
		{ -1, 0, CURLE_GOT_NOTHING, "empty", EX_TEMPFAIL,
		    "empty reply tempfail" },
		{ -1, 0, CURLE_RECV_ERROR, "Connection reset by peer",
		    EX_TEMPFAIL, "reset tempfail" },
		{ -1, 0, CURLE_RECV_ERROR,
		    "OpenSSL SSL_read: tlsv13 alert certificate required",
		    EX_UNAVAILABLE, "TLS 1.3 refusal of our cert" },
		{ -1, 0, CURLE_SSL_CONNECT_ERROR,
		    "error:0A000418:SSL routines::tlsv1 alert unknown ca",
		    EX_UNAVAILABLE, "TLS 1.2 refusal of our cert" },
		{ -1, 0, CURLE_SSL_CONNECT_ERROR, "wrong version number",
		    EX_PROTOCOL, "not TLS: protocol" },
		{ -1, 0, CURLE_PEER_FAILED_VERIFICATION,
		    "SSL: no alternative certificate subject name matches",
		    EX_PROTOCOL, "name mismatch: protocol" },
		{ -1, 0, CURLE_WEIRD_SERVER_REPLY, "weird", EX_PROTOCOL,
		    "weird reply: protocol" },
		{ -1, 0, CURLE_SSL_CACERT_BADFILE, "bad CA", EX_NOINPUT,
		    "our CA unusable: noinput" },
		{ -1, 0, CURLE_SSL_CERTPROBLEM, "bad cert", EX_NOINPUT,
		    "our cert unusable: noinput" },
		{ -1, 0, CURLE_OUT_OF_MEMORY, "oom", EX_OSERR, "oom: oserr" },
	};
	struct agentc_resp	 r;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = mk(t[i].status, NULL, NULL, t[i].cc, t[i].err);
		T_INTEQ(agentc_code(t[i].rc, &r), t[i].want, t[i].what);
	}
}

static void
test_message(void)
{
	static const struct {
		long		 status;
		const char	*body;
		const char	*err;
		const char	*want;
		const char	*what;
	} t[] = {
		{ 400, "{\"message\":\"Invalid request\",\"details\":"
		    "\"[ALERT] parse error\\nline 2\"}", NULL,
		    "Invalid request: [ALERT] parse error",
		    "message: first line of details" },
		{ 400, "{\"message\":\"Invalid request\",\"details\":"
		    "\"[NOTICE]   (1) : haproxy version is 2.6\\n[ALERT]    (1) :"
		    " config : bad bind\\n[ALERT] more\"}", NULL,
		    "Invalid request: [ALERT]    (1) : config : bad bind",
		    "haproxy output: the first ALERT line" },
		{ 404, "{\"message\":\"Loadbalancer Not Found\"}", NULL,
		    "Loadbalancer Not Found", "message only" },
		{ 404, "{\"message\":\"Not Found\",\"details\":\"\"}", NULL,
		    "Not Found", "empty details" },
		{ 405, "{\"error\":\"405 Method Not Allowed: x\","
		    "\"http_code\":405}", NULL, "405 Method Not Allowed: x",
		    "Octavia generic error" },
		{ 500, "<html>\n<title>boom</title>", NULL, "<html>",
		    "not JSON: first line" },
		{ 502, "\n\nBad gateway\nmore", NULL, "Bad gateway",
		    "leading blank lines skipped" },
		{ 503, "", NULL, "HTTP 503", "empty body: status" },
		{ 0, NULL, "Failed to connect to 127.0.0.1 port 9: refused",
		    "Failed to connect to 127.0.0.1 port 9: refused",
		    "transport error" },
		{ 0, "", NULL, "no answer", "nothing at all" },
		{ 400, "[1,2]", NULL, "[1,2]", "JSON not an object" },
		{ 400, "{\"message\":42}", NULL, "{\"message\":42}",
		    "message not a string" },
		{ 400, "bad\001byte", NULL, "bad?byte", "control bytes" },
	};
	struct agentc_resp	 r;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = mk(t[i].status, "application/json", t[i].body, 0,
		    t[i].err);
		T_STREQ(agentc_message(&r), t[i].want, t[i].what);
	}
}

static void
test_json_ct(void)
{
	static const struct {
		const char	*ct;
		int		 want;
	} t[] = {
		{ "application/json", 1 },
		{ "application/json; charset=utf-8", 1 },
		{ "Application/JSON", 1 },
		{ "application/jsonx", 0 },
		{ "text/html; charset=utf-8", 0 },
		{ "", 0 },
	};
	struct agentc_resp	 r;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = mk(404, t[i].ct, NULL, 0, NULL);
		T_INTEQ(agentc_resp_is_json(&r), t[i].want, t[i].ct);
	}
}

static void
test_new(void)
{
	struct agentc_opts	 o = { "/nonexistent/ca.pem",
	    "/nonexistent/c.pem", "/nonexistent/c.key", 0, 0 };

	errno = 0;
	T_OK(agentc_new("not-an-ip", 9443, "amp", &o) == NULL &&
	    errno == EINVAL, "hostname refused as address");
	errno = 0;
	T_OK(agentc_new("127.0.0.1", 0, "amp", &o) == NULL &&
	    errno == EINVAL, "port 0 refused");
	errno = 0;
	T_OK(agentc_new("127.0.0.1", 9443, "../x", &o) == NULL &&
	    errno == EINVAL, "unsafe id refused");
	errno = 0;
	T_OK(agentc_new("::1", 9443, "amp", &o) == NULL && errno == ENOENT,
	    "missing CA file");
	T_INTEQ(agentc_new_code(EINVAL), EX_DATAERR, "EINVAL code");
	T_INTEQ(agentc_new_code(EPERM), EX_NOPERM, "EPERM code");
	T_INTEQ(agentc_new_code(ENOENT), EX_NOINPUT, "ENOENT code");
}

int
main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	test_code();
	test_message();
	test_json_ct();
	test_new();
	curl_global_cleanup();
	return t_done();
}
