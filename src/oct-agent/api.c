/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api: the routes of Octavia's amphora agent API 1.0 (amphora-api.md (b)).
 * Path parameters are taken as they come, never percent-decoded, and must
 * pass ident_ok() before they name a file, so "..", "%2e%2e", "%2F" and
 * over-long names are refused.  Unknown paths get werkzeug's JSON 404,
 * known paths with another method its JSON 405.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "afile.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"
#include "plug.h"

#define SEGS_MAX	8
#define CFG_MAX		(64 * 1024 * 1024)

typedef void	 (*route_fn)(struct evhttp_request *, char **args);

struct route {
	int		 methods;	/* EVHTTP_REQ_* mask */
	const char	*pattern;	/* segments, "*" for a parameter */
	route_fn	 fn;
};

static const char *
body(struct evhttp_request *req, size_t *lenp)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	const char	*p;

	*lenp = evbuffer_get_length(in);
	if (*lenp == 0)
		return "";
	if ((p = (const char *)evbuffer_pullup(in, -1)) == NULL)
		fatalx("evbuffer_pullup");
	return p;
}

static int
cert_name_ok(const char *name)
{
	size_t	 n = strlen(name);

	return ident_ok(name) && n > 4 && strcmp(name + n - 4, ".pem") == 0;
}

static void
lb_not_found(struct evhttp_request *req, const char *id)
{
	char	 details[IDENT_MAX + 64];

	(void)snprintf(details, sizeof(details),
	    "No loadbalancer with UUID: %s", ident_ok(id) ? id : "(invalid)");
	reply_msg(req, 404, "Loadbalancer Not Found", details);
}

static void
bad_id(struct evhttp_request *req)
{
	reply_msg(req, 400, "Invalid request", "Invalid ID in the path");
}

/* GET / and // */
static void
h_root(struct evhttp_request *req, char **args)
{
	(void)args;
	reply_json(req, 200, json_pack("{s:s}", "api_version", API_VERSION));
}

static void
h_info(struct evhttp_request *req, char **args)
{
	(void)args;
	reply_json(req, 200, sys_info());
}

static void
details_done(json_t *lbs, void *arg)
{
	reply_json(arg, 200, sys_details(lbs));
}

static void
h_details(struct evhttp_request *req, char **args)
{
	(void)args;
	status_collect(details_done, req);
}

static void
listeners_done(json_t *lbs, void *arg)
{
	reply_json(arg, 200, status_listeners(lbs));
}

static void
h_listeners(struct evhttp_request *req, char **args)
{
	(void)args;
	status_collect(listeners_done, req);
}

/* DELETE /1.0/listeners/<lb_id> */
static void
h_listener_delete(struct evhttp_request *req, char **args)
{
	if (!ident_ok(args[0])) {
		bad_id(req);
		return;
	}
	lb_submit(req, LB_DELETE, args[0], NULL, 0);
}

/* PUT /1.0/loadbalancer/<amphora_id>/<lb_id>/haproxy */
static void
h_upload(struct evhttp_request *req, char **args)
{
	const char	*buf;
	size_t		 len;

	if (!ident_ok(args[0]) || !ident_ok(args[1])) {
		bad_id(req);
		return;
	}
	buf = body(req, &len);
	lb_submit(req, LB_UPLOAD, args[1], buf, len);
}

/* GET /1.0/loadbalancer/<lb_id>/haproxy */
static void
h_config_get(struct evhttp_request *req, char **args)
{
	char	 path[PATH_MAX], etag[33], *cfg;
	size_t	 len;

	if (!ident_ok(args[0]) || lb_path(path, sizeof(path), args[0],
	    "haproxy.cfg") == -1 || (cfg = afile_read(path, CFG_MAX,
	    &len)) == NULL) {
		lb_not_found(req, args[0]);
		return;
	}
	if (md5_hex(cfg, len, etag) == -1)
		fatalx("md5");
	reply_text(req, 200, "text/plain; charset=utf-8", cfg, len, etag);
	free(cfg);
}

/* PUT /1.0/loadbalancer/<lb_id>/(start|stop|reload) */
static void
h_action(struct evhttp_request *req, char **args)
{
	char	 action[16], details[96];
	size_t	 i;

	for (i = 0; args[1][i] != '\0' && i < sizeof(action) - 1; i++)
		action[i] = tolower((unsigned char)args[1][i]);
	action[i] = '\0';
	if (args[1][i] != '\0' || (strcmp(action, "start") != 0 &&
	    strcmp(action, "stop") != 0 && strcmp(action, "reload") != 0)) {
		(void)snprintf(details, sizeof(details), "Unknown action: %.64s",
		    args[1]);
		reply_msg(req, 400, "Invalid Request", details);
		return;
	}
	if (!ident_ok(args[0])) {
		lb_not_found(req, args[0]);
		return;
	}
	lb_submit(req, strcmp(action, "start") == 0 ? LB_START :
	    strcmp(action, "stop") == 0 ? LB_STOP : LB_RELOAD, args[0],
	    NULL, 0);
}

static int
cert_path(struct evhttp_request *req, char **args, char *path, size_t sz,
    char *dir, size_t dirsz)
{
	if (!ident_ok(args[0]) || !cert_name_ok(args[1])) {
		reply_msg(req, 400, "Filename has wrong format", NULL);
		return -1;
	}
	if ((size_t)snprintf(dir, dirsz, "%s/%s", agent->conf.cert_dir,
	    args[0]) >= dirsz || (size_t)snprintf(path, sz, "%s/%s", dir,
	    args[1]) >= sz) {
		reply_msg(req, 400, "Filename has wrong format", NULL);
		return -1;
	}
	return 0;
}

/* PUT /1.0/loadbalancer/<lb_id>/certificates/<name>.pem */
static void
h_cert_put(struct evhttp_request *req, char **args)
{
	char		 path[PATH_MAX], dir[PATH_MAX], etag[33];
	const char	*buf;
	size_t		 len;

	if (cert_path(req, args, path, sizeof(path), dir, sizeof(dir)) == -1)
		return;
	buf = body(req, &len);
	if (afile_mkdirs(dir, 0700) == -1 ||
	    afile_write(path, buf, len, 0600, 0) == -1) {
		reply_msg(req, 500, "Error writing certificate",
		    strerror(errno));
		return;
	}
	if (md5_hex(buf, len, etag) == -1)
		fatalx("md5");
	reply_etag(req, etag);
	reply_msg(req, 200, "OK", NULL);
}

static void
h_cert_get(struct evhttp_request *req, char **args)
{
	char	 path[PATH_MAX], dir[PATH_MAX], etag[33], details[256], *buf;
	size_t	 len;

	if (cert_path(req, args, path, sizeof(path), dir, sizeof(dir)) == -1)
		return;
	if ((buf = afile_read(path, CFG_MAX, &len)) == NULL) {
		(void)snprintf(details, sizeof(details),
		    "No certificate with filename: %s", args[1]);
		reply_msg(req, 404, "Certificate Not Found", details);
		return;
	}
	if (md5_hex(buf, len, etag) == -1)
		fatalx("md5");
	freezero(buf, len);
	reply_etag(req, etag);
	reply_json(req, 200, json_pack("{s:s}", "md5sum", etag));
}

static void
h_cert_delete(struct evhttp_request *req, char **args)
{
	char	 path[PATH_MAX], dir[PATH_MAX];

	if (cert_path(req, args, path, sizeof(path), dir, sizeof(dir)) == -1)
		return;
	if (unlink(path) == -1 && errno != ENOENT) {
		reply_msg(req, 500, "Error deleting certificate",
		    strerror(errno));
		return;
	}
	reply_msg(req, 200, "OK", NULL);
}

/* PUT /1.0/certificate: the agent's own certificate and key */
static void
h_server_cert(struct evhttp_request *req, char **args)
{
	const char	*buf;
	char		 err[256];
	size_t		 len;
	int		 rc;

	(void)args;
	buf = body(req, &len);
	if ((rc = tlsctx_replace(buf, len, err, sizeof(err))) == 0) {
		log_info("server certificate replaced");
		reply_msg(req, 202, "OK", NULL);
	} else if (rc == 400)
		reply_msg(req, 400, "Invalid request", err);
	else
		reply_msg(req, 500, "Error updating certificate", err);
}

static json_t *
json_body(struct evhttp_request *req)
{
	const char	*buf;
	char		 err[128];
	size_t		 len;

	buf = body(req, &len);
	return jrec_parse(buf, len, err, sizeof(err));
}

static void
plug_answer(struct evhttp_request *req, const struct plug_reply *r)
{
	reply_msg(req, r->status, r->message,
	    r->details[0] != '\0' ? r->details : NULL);
}

/* POST /1.0/plug/vip/<vip> */
static void
h_plug_vip(struct evhttp_request *req, char **args)
{
	struct plug_reply	 r;
	json_t			*b;

	if ((b = json_body(req)) == NULL) {
		reply_error(req, 400);
		return;
	}
	memset(&r, 0, sizeof(r));
	(void)plug_vip(args[0], b, &r);
	json_decref(b);
	plug_answer(req, &r);
}

/* POST /1.0/plug/network */
static void
h_plug_network(struct evhttp_request *req, char **args)
{
	struct plug_reply	 r;
	json_t			*b;

	(void)args;
	if ((b = json_body(req)) == NULL) {
		reply_error(req, 400);
		return;
	}
	memset(&r, 0, sizeof(r));
	(void)plug_network(b, &r);
	json_decref(b);
	plug_answer(req, &r);
}

/* GET /1.0/interface/<ip>: which interface holds that address */
static void
h_interface(struct evhttp_request *req, char **args)
{
	struct ifaddrs	*ifa = NULL, *i;
	unsigned char	 want[16];
	const void	*have;
	int		 af, n;

	af = strchr(args[0], ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(af, args[0], want) != 1) {
		reply_msg(req, 400, "Invalid IP address", NULL);
		return;
	}
	n = af == AF_INET ? 4 : 16;
	if (getifaddrs(&ifa) == -1) {
		reply_msg(req, 500, "Error listing interfaces", strerror(errno));
		return;
	}
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != af)
			continue;
		have = af == AF_INET ?
		    (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (memcmp(have, want, n) == 0)
			break;
	}
	if (i == NULL)
		reply_msg(req, 404, "Error interface not found for IP address",
		    NULL);
	else
		reply_json(req, 200, json_pack("{s:s,s:s}", "message", "OK",
		    "interface", i->ifa_name));
	freeifaddrs(ifa);
}

/* The advanced routes this agent does not implement answer as Octavia's
 * would when the service behind them fails. */
static void
h_agent_config(struct evhttp_request *req, char **args)
{
	(void)args;
	reply_msg(req, 500, "Unable to update amphora-agent configuration.",
	    "oct-agent takes its configuration from its command line and "
	    "--config-file only");
}

static void
h_vrrp_upload(struct evhttp_request *req, char **args)
{
	(void)args;
	reply_msg(req, 500, "Error enabling octavia-keepalived service",
	    "VRRP (ACTIVE_STANDBY) is not supported by oct-agent yet");
}

static void
h_vrrp_action(struct evhttp_request *req, char **args)
{
	char	 msg[64], details[96];

	if (strcasecmp(args[0], "start") != 0 &&
	    strcasecmp(args[0], "stop") != 0 &&
	    strcasecmp(args[0], "reload") != 0) {
		(void)snprintf(details, sizeof(details),
		    "Unknown action: %.64s", args[0]);
		reply_msg(req, 400, "Invalid Request", details);
		return;
	}
	(void)snprintf(msg, sizeof(msg), "Failed to %s octavia-keepalived "
	    "service", args[0]);
	reply_msg(req, 500, msg,
	    "VRRP (ACTIVE_STANDBY) is not supported by oct-agent yet");
}

static void
h_udp_put(struct evhttp_request *req, char **args)
{
	(void)args;
	reply_msg(req, 500, "Error enabling octavia-keepalivedlvs service",
	    "UDP and SCTP listeners are not supported by oct-agent yet");
}

static void
h_udp_get(struct evhttp_request *req, char **args)
{
	char	 details[IDENT_MAX + 64];

	(void)snprintf(details, sizeof(details),
	    "No UDP listener with UUID: %s",
	    ident_ok(args[0]) ? args[0] : "(invalid)");
	reply_msg(req, 404, "UDP Listener Not Found", details);
}

#define GET	(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define PUT	EVHTTP_REQ_PUT
#define POST	EVHTTP_REQ_POST
#define DELETE	EVHTTP_REQ_DELETE

/* Literal routes come before the ones with a parameter at the same place. */
static const struct route routes[] = {
	{ GET,		"1.0/info",				h_info },
	{ GET,		"1.0/details",				h_details },
	{ GET,		"1.0/listeners",			h_listeners },
	{ PUT,		"1.0/certificate",			h_server_cert },
	{ PUT,		"1.0/config",				h_agent_config },
	{ POST,		"1.0/plug/network",			h_plug_network },
	{ POST,		"1.0/plug/vip/*",			h_plug_vip },
	{ GET,		"1.0/interface/*",			h_interface },
	{ PUT,		"1.0/vrrp/upload",			h_vrrp_upload },
	{ PUT,		"1.0/vrrp/*",				h_vrrp_action },
	{ DELETE,	"1.0/listeners/*",			h_listener_delete },
	{ GET,		"1.0/listeners/*/udp_listener",		h_udp_get },
	{ PUT,		"1.0/listeners/*/*/udp_listener",	h_udp_put },
	{ GET,		"1.0/loadbalancer/*/haproxy",		h_config_get },
	{ PUT,		"1.0/loadbalancer/*/*/haproxy",		h_upload },
	{ PUT,		"1.0/loadbalancer/*/certificates/*",	h_cert_put },
	{ GET,		"1.0/loadbalancer/*/certificates/*",	h_cert_get },
	{ DELETE,	"1.0/loadbalancer/*/certificates/*",	h_cert_delete },
	{ PUT,		"1.0/loadbalancer/*/*",			h_action },
};

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

/* Route req to its handler, which answers it now or later. */
void
api_dispatch(struct evhttp_request *req)
{
	const char	*uri = evhttp_request_get_uri(req);
	char		*path = NULL, *p, *seg[SEGS_MAX + 1], *args[SEGS_MAX];
	size_t		 n = 0, i;
	int		 method = evhttp_request_get_command(req), found = 0;

	if (uri == NULL || uri[0] != '/' || (path = strdup(uri)) == NULL) {
		reply_error(req, 400);
		goto out;
	}
	path[strcspn(path, "?#")] = '\0';
	if (strcmp(path, "/") == 0 || strcmp(path, "//") == 0) {
		if (method & GET)
			h_root(req, NULL);
		else
			reply_error(req, 405);
		goto out;
	}
	p = path + 1;
	while (n <= SEGS_MAX && (seg[n] = strsep(&p, "/")) != NULL)
		n++;
	if (n > SEGS_MAX) {
		reply_error(req, 404);
		goto out;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(routes[i].pattern, seg, n, args))
			continue;
		if ((routes[i].methods & method) == 0) {
			found = 1;
			continue;
		}
		routes[i].fn(req, args);
		goto out;
	}
	reply_error(req, found ? 405 : 404);
out:
	free(path);
}
