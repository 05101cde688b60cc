/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route: libFuzzer target for oct-agent's routing decision
 * (src/oct-agent/route.c), the part of the agent that sees a request's
 * path first.  The first byte picks the method ('G' GET, 'H' HEAD, 'P' PUT,
 * 'O' POST, 'D' DELETE, others any), the rest is the URI.  A
 * handler runs only for a method its route takes, with whole path
 * segments as parameters, and every parameter that names a file (the
 * table below, written from the API, not from route.c) passes ident_ok():
 * no '/', no "..", at most IDENT_MAX characters.  A refusal names the
 * parameter it refused; a 405 means some other method has the path, a 404
 * that none has.  A broken rule aborts, which libFuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "ident.h"
#include "extern.h"
#include "fuzz.h"

static const int methods[] = {
	EVHTTP_REQ_GET, EVHTTP_REQ_POST, EVHTTP_REQ_HEAD, EVHTTP_REQ_PUT,
	EVHTTP_REQ_DELETE, EVHTTP_REQ_OPTIONS, EVHTTP_REQ_TRACE,
	EVHTTP_REQ_CONNECT, EVHTTP_REQ_PATCH
};
#define NMETHODS	(sizeof(methods) / sizeof(methods[0]))

#define GET	(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define PUT	EVHTTP_REQ_PUT
#define POST	EVHTTP_REQ_POST
#define DELETE	EVHTTP_REQ_DELETE

/*
 * Per route, the methods it takes and one letter per path parameter: f
 * names a file or directory, c a certificate file (also ".pem"), a an
 * action, - anything else.
 */
static const struct {
	int		 methods;
	const char	*params;
} spec[ROUTE_N] = {
	[ROUTE_ROOT] =			{ GET, "" },
	[ROUTE_INFO] =			{ GET, "" },
	[ROUTE_DETAILS] =		{ GET, "" },
	[ROUTE_LISTENERS] =		{ GET, "" },
	[ROUTE_SERVER_CERT] =		{ PUT, "" },
	[ROUTE_AGENT_CONFIG] =		{ PUT, "" },
	[ROUTE_PLUG_NETWORK] =		{ POST, "" },
	[ROUTE_PLUG_VIP] =		{ POST, "-" },
	[ROUTE_INTERFACE] =		{ GET, "-" },
	[ROUTE_VRRP_UPLOAD] =		{ PUT, "" },
	[ROUTE_VRRP_ACTION] =		{ PUT, "a" },
	[ROUTE_LISTENER_DELETE] =	{ DELETE, "f" },
	[ROUTE_UDP_GET] =		{ GET, "-" },
	[ROUTE_UDP_PUT] =		{ PUT, "--" },
	[ROUTE_CONFIG_GET] =		{ GET, "f" },
	[ROUTE_UPLOAD] =		{ PUT, "ff" },
	[ROUTE_CERT_PUT] =		{ PUT, "fc" },
	[ROUTE_CERT_GET] =		{ GET, "fc" },
	[ROUTE_CERT_DELETE] =		{ DELETE, "fc" },
	[ROUTE_ACTION] =		{ PUT, "fa" },
};

/* Seeds read "G/1.0/info": the letters of the common methods, else any. */
static int
method_of(uint8_t c)
{
	switch (c) {
	case 'D':
		return EVHTTP_REQ_DELETE;
	case 'G':
		return EVHTTP_REQ_GET;
	case 'H':
		return EVHTTP_REQ_HEAD;
	case 'O':
		return EVHTTP_REQ_POST;
	case 'P':
		return EVHTTP_REQ_PUT;
	default:
		return methods[c % NMETHODS];
	}
}

/* Route a copy of uri; the verdict, and the match in *m over *pathp. */
static enum route_verdict
route(int method, const char *uri, char **pathp, struct route_match *m)
{
	if ((*pathp = strdup(uri)) == NULL)
		fail("strdup", uri);
	return route_find(method, *pathp, m);
}

static int
file_ok(const char *s)
{
	return ident_ok(s) && strlen(s) <= IDENT_MAX && strchr(s, '/') ==
	    NULL && strcmp(s, "..") != 0 && strcmp(s, ".") != 0;
}

static int
name_ok(char kind, const char *s)
{
	size_t	 n = strlen(s);

	if (kind == 'c')
		return file_ok(s) && n > 4 && strcmp(s + n - 4, ".pem") == 0;
	return kind != 'f' || file_ok(s);
}

static void
run_check(int method, const char *uri, char *path,
    const struct route_match *m)
{
	const char	*kinds, *a;
	size_t		 i, n, plen = strlen(uri);

	if (m->id >= ROUTE_N)
		fail("route id out of range", uri);
	if ((spec[m->id].methods & method) == 0)
		fail("a handler runs for a method its route does not take",
		    uri);
	kinds = spec[m->id].params;
	for (i = 0; kinds[i] != '\0'; i++) {
		a = m->args[i];
		if (a == NULL)
			fail("a parameter is missing", uri);
		/* a whole segment of the path, within the copy */
		if (a < path || a >= path + plen + 1 || (a > path &&
		    uri[a - path - 1] != '/'))
			fail("a parameter is not a path segment", uri);
		n = strlen(a);
		if (a[n] != '\0' || (uri[a - path + n] != '\0' &&
		    strchr("/?#", uri[a - path + n]) == NULL))
			fail("a parameter is not a whole segment", uri);
		if (strpbrk(a, "/?#") != NULL)
			fail("a parameter holds a separator", uri);
		if (!name_ok(kinds[i], a))
			fail("a file name parameter is not safe", uri);
		if (kinds[i] == 'a' && strcasecmp(a, "start") != 0 &&
		    strcasecmp(a, "stop") != 0 && strcasecmp(a, "reload") != 0)
			fail("an unknown action reaches its handler", uri);
	}
	for (; i < ROUTE_SEGS_MAX; i++)
		if (m->args[i] != NULL)
			fail("more parameters than the route has", uri);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match	 m, m2;
	enum route_verdict	 v, v2;
	char			*uri, *path, *path2;
	size_t			 i;
	int			 method, other = 0;
	char			 kind;

	if (size < 1)
		return 0;
	method = method_of(data[0]);
	/* evhttp hands over a NUL-terminated URI; it stops at a NUL. */
	if ((uri = strndup((const char *)data + 1, size - 1)) == NULL)
		fail("strndup", "");
	if (uri[0] != '/') {
		free(uri);
		return 0;	/* api_dispatch answers 400 itself */
	}
	v = route(method, uri, &path, &m);
	switch (v) {
	case ROUTE_RUN:
		run_check(method, uri, path, &m);
		break;
	case ROUTE_BAD_ID:
	case ROUTE_NO_LB:
	case ROUTE_BAD_NAME:
	case ROUTE_BAD_ACTION:
		if (m.bad == NULL)
			fail("a refusal names no parameter", uri);
		for (i = 0; i < ROUTE_SEGS_MAX && m.args[i] != m.bad; i++)
			;
		if (i == ROUTE_SEGS_MAX)
			fail("the refused parameter is not a parameter", uri);
		kind = spec[m.id].params[i];
		if (v == ROUTE_BAD_ACTION ? kind != 'a' : kind != 'f' &&
		    kind != 'c')
			fail("the refusal is of another kind of parameter",
			    uri);
		if (v != ROUTE_BAD_ACTION && name_ok(kind, m.bad))
			fail("a safe name is refused", uri);
		break;
	case ROUTE_NOT_FOUND:
	case ROUTE_NO_METHOD:
		/* some other method has the path exactly when it is a 405 */
		for (i = 0; i < NMETHODS; i++) {
			v2 = route(methods[i], uri, &path2, &m2);
			free(path2);
			if (v2 != ROUTE_NOT_FOUND && v2 != ROUTE_NO_METHOD)
				other = 1;
		}
		if (other != (v == ROUTE_NO_METHOD))
			fail("404 and 405 disagree with the other methods",
			    uri);
		break;
	default:
		fail("an unknown verdict", uri);
	}
	/* the same request, the same answer */
	v2 = route(method, uri, &path2, &m2);
	if (v2 != v || (v == ROUTE_RUN && m2.id != m.id))
		fail("routing is not deterministic", uri);
	free(path2);
	free(path);
	free(uri);
	return 0;
}
