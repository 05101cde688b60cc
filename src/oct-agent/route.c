/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route: which route of the amphora API 1.0 a request takes, decided from
 * its method and path alone.  No I/O and no libevent calls, so the decision
 * can be tested and fuzzed apart from the server.  Path parameters are
 * taken as they come, never percent-decoded; a parameter that names a file
 * must pass ident_ok() here, before any handler sees it, so "..", "%2e%2e",
 * "%2F" and over-long names never reach one.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "ident.h"
#include "extern.h"

#define GET	(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define PUT	EVHTTP_REQ_PUT
#define POST	EVHTTP_REQ_POST
#define DELETE	EVHTTP_REQ_DELETE

/*
 * params holds one letter per "*" of the pattern:
 *	i	an id that names a file or directory: ident_ok()
 *	c	a certificate file name: ident_ok() and ".pem"
 *	a	an action: start, stop or reload, in any case
 *	-	anything else, checked by the handler (an address, an id that
 *		is only echoed)
 * bad is the answer to an i or c parameter that fails.
 */
struct route {
	enum route_id	 id;
	int		 methods;	/* EVHTTP_REQ_* mask */
	const char	*pattern;	/* segments, "*" for a parameter */
	const char	*params;
	enum route_verdict bad;
};

/* Literal routes come before the ones with a parameter at the same place. */
static const struct route routes[] = {
	{ ROUTE_INFO,		GET,	"1.0/info",		"", 0 },
	{ ROUTE_DETAILS,	GET,	"1.0/details",		"", 0 },
	{ ROUTE_LISTENERS,	GET,	"1.0/listeners",	"", 0 },
	{ ROUTE_SERVER_CERT,	PUT,	"1.0/certificate",	"", 0 },
	{ ROUTE_AGENT_CONFIG,	PUT,	"1.0/config",		"", 0 },
	{ ROUTE_PLUG_NETWORK,	POST,	"1.0/plug/network",	"", 0 },
	{ ROUTE_PLUG_VIP,	POST,	"1.0/plug/vip/*",	"-", 0 },
	{ ROUTE_INTERFACE,	GET,	"1.0/interface/*",	"-", 0 },
	{ ROUTE_VRRP_UPLOAD,	PUT,	"1.0/vrrp/upload",	"", 0 },
	{ ROUTE_VRRP_ACTION,	PUT,	"1.0/vrrp/*",		"a", 0 },
	{ ROUTE_LISTENER_DELETE, DELETE, "1.0/listeners/*",	"i",
	    ROUTE_BAD_ID },
	{ ROUTE_UDP_GET,	GET,	"1.0/listeners/*/udp_listener", "-",
	    0 },
	{ ROUTE_UDP_PUT,	PUT,	"1.0/listeners/*/*/udp_listener", "--",
	    0 },
	{ ROUTE_CONFIG_GET,	GET,	"1.0/loadbalancer/*/haproxy", "i",
	    ROUTE_NO_LB },
	{ ROUTE_UPLOAD,		PUT,	"1.0/loadbalancer/*/*/haproxy", "ii",
	    ROUTE_BAD_ID },
	{ ROUTE_CERT_PUT,	PUT,	"1.0/loadbalancer/*/certificates/*",
	    "ic", ROUTE_BAD_NAME },
	{ ROUTE_CERT_GET,	GET,	"1.0/loadbalancer/*/certificates/*",
	    "ic", ROUTE_BAD_NAME },
	{ ROUTE_CERT_DELETE,	DELETE,	"1.0/loadbalancer/*/certificates/*",
	    "ic", ROUTE_BAD_NAME },
	{ ROUTE_ACTION,		PUT,	"1.0/loadbalancer/*/*",	"ia",
	    ROUTE_NO_LB },
};

static int
cert_name_ok(const char *name)
{
	size_t	 n = strlen(name);

	return ident_ok(name) && n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

static int
action_ok(const char *s)
{
	return strcasecmp(s, "start") == 0 || strcasecmp(s, "stop") == 0 ||
	    strcasecmp(s, "reload") == 0;
}

/*
 * Does pattern match the segments seg[0..n)?  Fills args with the
 * parameters.
 */
static int
match(const char *pattern, char **seg, size_t n, char **args)
{
	const char	*p = pattern, *slash;
	size_t		 i, len, na = 0;

	for (i = 0; i < n; i++) {
		if (*p == '\0')
			return 0;
		slash = strchr(p, '/');
		len = slash == NULL ? strlen(p) : (size_t)(slash - p);
		if (len == 1 && *p == '*')
			args[na++] = seg[i];
		else if (strlen(seg[i]) != len || memcmp(seg[i], p, len) != 0)
			return 0;
		p += len;
		if (*p == '/')
			p++;
	}
	return *p == '\0';
}

/*
 * The parameters of r in m: an unknown action is answered before a bad id,
 * as the handler did when it checked both.
 */
static enum route_verdict
check(const struct route *r, struct route_match *m)
{
	size_t	 i;

	for (i = 0; r->params[i] != '\0'; i++)
		if (r->params[i] == 'a' && !action_ok(m->args[i])) {
			m->bad = m->args[i];
			return ROUTE_BAD_ACTION;
		}
	for (i = 0; r->params[i] != '\0'; i++)
		if ((r->params[i] == 'i' && !ident_ok(m->args[i])) ||
		    (r->params[i] == 'c' && !cert_name_ok(m->args[i]))) {
			m->bad = m->args[i];
			return r->bad;
		}
	return ROUTE_RUN;
}

enum route_verdict
route_find(int method, char *path, struct route_match *m)
{
	char	*p, *seg[ROUTE_SEGS_MAX + 1];
	size_t	 n = 0, i;
	int	 found = 0;

	memset(m, 0, sizeof(*m));
	if (path[0] != '/')
		return ROUTE_NOT_FOUND;
	path[strcspn(path, "?#")] = '\0';
	if (strcmp(path, "/") == 0 || strcmp(path, "//") == 0) {
		m->id = ROUTE_ROOT;
		return (method & GET) ? ROUTE_RUN : ROUTE_NO_METHOD;
	}
	p = path + 1;
	while (n <= ROUTE_SEGS_MAX && (seg[n] = strsep(&p, "/")) != NULL)
		n++;
	if (n > ROUTE_SEGS_MAX)
		return ROUTE_NOT_FOUND;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, seg, n, m->args))
			continue;
		if ((routes[i].methods & method) == 0) {
			found = 1;
			continue;
		}
		m->id = routes[i].id;
		return check(&routes[i], m);
	}
	memset(m->args, 0, sizeof(m->args));
	return found ? ROUTE_NO_METHOD : ROUTE_NOT_FOUND;
}
