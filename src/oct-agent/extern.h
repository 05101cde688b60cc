/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-agent's internal API, shared by its files:
 *	main.c		options, configuration, start-up, the event loop
 *	tlsctx.c	the server's TLS context and its replacement
 *	server.c	HTTPS front door: connections, limits, replies, logging
 *	route.c		which route of the amphora API 1.0 a request takes
 *	api.c		the handlers of those routes
 *	haproxy.c	one haproxy per load balancer: upload, start, reload...
 *	proc.c		child processes watched by the event loop
 *	cli.c		haproxy's stats and master sockets, asynchronously
 *	status.c	listener status from the configs and the stats sockets
 *	sys.c		/1.0/info and /1.0/details facts from /proc
 *	priv.c		the capabilities kept, no new privileges
 *	notify.c	systemd's readiness datagram
 */
#ifndef OCT_AGENT_EXTERN_H
#define OCT_AGENT_EXTERN_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#include <jansson.h>
#include <openssl/ssl.h>

struct event_base;
struct evhttp_request;

#define API_VERSION		"1.0"
#define BODY_MAX_DEFAULT	(10 * 1024 * 1024)
#define HEADERS_MAX		(16 * 1024)
#define CONNS_MAX_DEFAULT	512
#define TIMEOUT_DEFAULT		180	/* agent_request_read_timeout, s */
#define HANDSHAKE_S		10	/* a TLS handshake, at most, s */
#define OUTPUT_MAX		(64 * 1024)	/* kept of a child's output */

struct agent_conf {
	char	*amphora_id;
	char	*bind_host;
	int	 port;
	char	*server_cert;
	char	*server_key;		/* NULL: the key is in server_cert */
	char	*client_ca;
	char	*base_path;
	char	*cert_dir;
	char	*haproxy_cmd;
	long long body_max;
	int	 max_conns;
	int	 timeout_s;
};

struct agent {
	struct agent_conf	 conf;
	struct event_base	*base;
	SSL_CTX			*tls;		/* for new connections */
	char			 hostname[256];
	char			 haproxy_version[64];
	char			*keepalived_version;	/* NULL: unknown */
	char			*ipvsadm_version;
	char			 peer_name[64];	/* haproxy -L, "" for none */
	char			 extra_cfg[PATH_MAX]; /* haproxy -f, "" none */
};

extern struct agent	*agent;

/* tlsctx.c */
SSL_CTX	*tlsctx_new(const char *cert, const char *key, const char *ca);
int	 tlsctx_replace(const char *pem, size_t len, char *err, size_t errlen);

/* server.c */
int	 server_start(void);
void	 server_stop(void);
void	 reply_json(struct evhttp_request *, int code, json_t *body);
void	 reply_msg(struct evhttp_request *, int code, const char *message,
	    const char *details);
void	 reply_error(struct evhttp_request *, int code);
void	 reply_text(struct evhttp_request *, int code, const char *ctype,
	    const void *buf, size_t len, const char *etag);
void	 reply_etag(struct evhttp_request *, const char *etag);
int	 md5_hex(const void *buf, size_t len, char out[33]);

/* route.c */
#define ROUTE_SEGS_MAX	8	/* path segments */
enum route_id {
	ROUTE_ROOT,
	ROUTE_INFO,
	ROUTE_DETAILS,
	ROUTE_LISTENERS,
	ROUTE_SERVER_CERT,
	ROUTE_AGENT_CONFIG,
	ROUTE_PLUG_NETWORK,
	ROUTE_PLUG_VIP,
	ROUTE_INTERFACE,
	ROUTE_VRRP_UPLOAD,
	ROUTE_VRRP_ACTION,
	ROUTE_LISTENER_DELETE,
	ROUTE_UDP_GET,
	ROUTE_UDP_PUT,
	ROUTE_CONFIG_GET,
	ROUTE_UPLOAD,
	ROUTE_CERT_PUT,
	ROUTE_CERT_GET,
	ROUTE_CERT_DELETE,
	ROUTE_ACTION,
	ROUTE_N
};
enum route_verdict {
	ROUTE_RUN,		/* call the route's handler with the args */
	ROUTE_NOT_FOUND,	/* 404: no route has this path */
	ROUTE_NO_METHOD,	/* 405: a route has the path, not the method */
	ROUTE_BAD_ID,		/* 400 "Invalid ID in the path" */
	ROUTE_NO_LB,		/* 404 "Loadbalancer Not Found" */
	ROUTE_BAD_NAME,		/* 400 "Filename has wrong format" */
	ROUTE_BAD_ACTION	/* 400 "Unknown action" */
};
struct route_match {
	enum route_id	 id;
	char		*args[ROUTE_SEGS_MAX];	/* the path parameters */
	const char	*bad;		/* the parameter refused, or NULL */
};
/*
 * Route a request: method is its EVHTTP_REQ_* command, path a writable
 * copy of its URI, which is cut into segments in place (args and bad
 * point into it).  With ROUTE_RUN, every parameter that names a file has
 * passed ident_ok().
 */
enum route_verdict route_find(int method, char *path, struct route_match *);

/* api.c */
void	 api_dispatch(struct evhttp_request *);

/* proc.c */
typedef void	 (*proc_fn)(int status, const char *out, size_t len, void *);
int	 proc_init(void);
int	 proc_run(char *const argv[], int timeout_s, proc_fn, void *arg);
char	*proc_output(char *const argv[], int *statusp);

/* cli.c */
typedef void	 (*cli_fn)(int ok, const char *out, size_t len, void *arg);
void	 cli_query(const char *path, const char *cmd, int timeout_ms,
	    cli_fn, void *arg);

/* haproxy.c */
enum lb_action {
	LB_UPLOAD,
	LB_START,
	LB_STOP,
	LB_RELOAD,
	LB_DELETE,
};
int	 lb_init(void);
void	 lb_submit(struct evhttp_request *, enum lb_action, const char *id,
	    const void *body, size_t len);
int	 lb_path(char *buf, size_t bufsz, const char *id, const char *file);
pid_t	 lb_master_pid(const char *id);
int	 lb_exists(const char *id);
json_t	*lb_list(void);

/* status.c */
typedef void	 (*status_fn)(json_t *lbs, void *arg);
void	 status_collect(status_fn, void *arg);
json_t	*status_listeners(json_t *lbs);
int	 status_parse_config(const char *cfg, json_t *out, char *sock,
	    size_t socksz);
json_t	*status_parse_stat(const char *csv);

/* sys.c */
int	 sys_init(void);
/* Write val to a /proc/sys file (no temporary file there).  0 or -1. */
int	 sys_write(const char *path, const char *val);

/* notify.c: tell systemd (Type=notify) our state, "READY=1". */
void	 notify(const char *state);

/* priv.c: keep only the capabilities the agent needs.  0 or -1 (logged). */
int	 priv_drop(void);
json_t	*sys_info(void);
json_t	*sys_details(json_t *lbs);

#endif
