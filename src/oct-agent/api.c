/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api: the handlers of Octavia's amphora agent API 1.0 (amphora-api.md
 * (b)).  route.c picks the handler and checks the path parameters that
 * name files; unknown paths get werkzeug's JSON 404, known paths with
 * another method its JSON 405.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "afile.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"
#include "plug.h"

#define CFG_MAX		(64 * 1024 * 1024)

typedef void	 (*route_fn)(struct evhttp_request *, char **args);

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
	lb_submit(req, LB_DELETE, args[0], NULL, 0);
}

/* PUT /1.0/loadbalancer/<amphora_id>/<lb_id>/haproxy */
static void
h_upload(struct evhttp_request *req, char **args)
{
	const char	*buf;
	size_t		 len;

	buf = body(req, &len);
	lb_submit(req, LB_UPLOAD, args[1], buf, len);
}

/* GET /1.0/loadbalancer/<lb_id>/haproxy */
static void
h_config_get(struct evhttp_request *req, char **args)
{
	char	 path[PATH_MAX], etag[33], *cfg;
	size_t	 len;

	if (lb_path(path, sizeof(path), args[0], "haproxy.cfg") == -1 ||
	    (cfg = afile_read(path, CFG_MAX, &len)) == NULL) {
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
	lb_submit(req, strcasecmp(args[1], "start") == 0 ? LB_START :
	    strcasecmp(args[1], "stop") == 0 ? LB_STOP : LB_RELOAD, args[0],
	    NULL, 0);
}

static int
cert_path(struct evhttp_request *req, char **args, char *path, size_t sz,
    char *dir, size_t dirsz)
{
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

/* The body as a JSON object, or NULL with why in err. */
static json_t *
json_body(struct evhttp_request *req, char *err, size_t errlen)
{
	const char	*buf;
	size_t		 len;

	buf = body(req, &len);
	return jrec_parse(buf, len, err, errlen);
}

static void
plug_answer(struct evhttp_request *req, const struct plug_reply *r)
{
	const char	*details = r->details[0] != '\0' ? r->details : NULL;

	if (r->werror)
		reply_werror(req, r->status, r->message, details);
	else
		reply_msg(req, r->status, r->message, details);
}

/* POST /1.0/plug/vip/<vip> */
static void
h_plug_vip(struct evhttp_request *req, char **args)
{
	struct plug_reply	 r;
	json_t			*b;
	char			 err[128];

	memset(&r, 0, sizeof(r));
	if ((b = json_body(req, err, sizeof(err))) == NULL)
		(void)plug_set(&r, 400, "Invalid subnet information",
		    "body: %s", err);
	else
		(void)plug_vip(args[0], b, &r);
	json_decref(b);
	if (b == NULL)
		r.werror = 1;
	plug_answer(req, &r);
}

/* POST /1.0/plug/network */
static void
h_plug_network(struct evhttp_request *req, char **args)
{
	struct plug_reply	 r;
	json_t			*b;
	char			 err[128];

	(void)args;
	memset(&r, 0, sizeof(r));
	if ((b = json_body(req, err, sizeof(err))) == NULL)
		(void)plug_set(&r, 400, "Invalid port information",
		    "body: %s", err);
	else
		(void)plug_network(b, &r);
	json_decref(b);
	if (b == NULL)
		r.werror = 1;
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

/* PUT /1.0/config: a new amphora-agent.conf (Octavia's upload_config) */
static void
h_agent_config(struct evhttp_request *req, char **args)
{
	const char	*buf;
	char		 err[512];
	size_t		 len;
	int		 rc;

	(void)args;
	buf = body(req, &len);
	if ((rc = conf_update(buf, len, err, sizeof(err))) == 0)
		reply_msg(req, 202, "OK", NULL);
	else
		reply_msg(req, rc, "Unable to update amphora-agent "
		    "configuration.", err);
}

/* The advanced routes this agent does not implement answer as Octavia's
 * would when the service behind them fails. */
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
	char	 msg[64];

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

/* The handler of each route of route.c. */
static const route_fn handlers[ROUTE_N] = {
	[ROUTE_ROOT] = h_root,
	[ROUTE_INFO] = h_info,
	[ROUTE_DETAILS] = h_details,
	[ROUTE_LISTENERS] = h_listeners,
	[ROUTE_SERVER_CERT] = h_server_cert,
	[ROUTE_AGENT_CONFIG] = h_agent_config,
	[ROUTE_PLUG_NETWORK] = h_plug_network,
	[ROUTE_PLUG_VIP] = h_plug_vip,
	[ROUTE_INTERFACE] = h_interface,
	[ROUTE_VRRP_UPLOAD] = h_vrrp_upload,
	[ROUTE_VRRP_ACTION] = h_vrrp_action,
	[ROUTE_LISTENER_DELETE] = h_listener_delete,
	[ROUTE_UDP_GET] = h_udp_get,
	[ROUTE_UDP_PUT] = h_udp_put,
	[ROUTE_CONFIG_GET] = h_config_get,
	[ROUTE_UPLOAD] = h_upload,
	[ROUTE_CERT_PUT] = h_cert_put,
	[ROUTE_CERT_GET] = h_cert_get,
	[ROUTE_CERT_DELETE] = h_cert_delete,
	[ROUTE_ACTION] = h_action,
};

/* Route req to its handler, which answers it now or later. */
void
api_dispatch(struct evhttp_request *req)
{
	struct route_match	 m;
	const char		*uri = evhttp_request_get_uri(req);
	char			*path = NULL, details[96];

	if (uri == NULL || uri[0] != '/' || (path = strdup(uri)) == NULL) {
		reply_error(req, 400);
		goto out;
	}
	switch (route_find(evhttp_request_get_command(req), path, &m)) {
	case ROUTE_RUN:
		handlers[m.id](req, m.args);
		break;
	case ROUTE_NOT_FOUND:
		reply_error(req, 404);
		break;
	case ROUTE_NO_METHOD:
		reply_error(req, 405);
		break;
	case ROUTE_BAD_ID:
		bad_id(req);
		break;
	case ROUTE_NO_LB:
		lb_not_found(req, m.bad);
		break;
	case ROUTE_BAD_NAME:
		reply_msg(req, 400, "Filename has wrong format", NULL);
		break;
	case ROUTE_BAD_ACTION:
		(void)snprintf(details, sizeof(details),
		    "Unknown action: %.64s", m.bad);
		reply_msg(req, 400, "Invalid Request", details);
		break;
	}
out:
	free(path);
}
