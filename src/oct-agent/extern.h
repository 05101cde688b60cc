/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-agent's internal API, shared by its files:
 *	main.c		options, start-up, the event loop
 *	conf.c		the configuration file, and PUT /1.0/config
 *	tlsctx.c	the server's TLS context and its replacement
 *	server.c	HTTPS front door: connections, limits, replies, logging
 *	route.c		which route of the amphora API 1.0 a request takes
 *	api.c		the handlers of those routes
 *	netinfo.c	plug bodies checked whole (plug.h)
 *	plug.c		VIPs and member networks plugged (plug.h)
 *	haproxy.c	one haproxy per load balancer: upload, start, reload...
 *	proc.c		child processes, most watched by the event loop
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
#define HANDSHAKE_S		10	/* a TLS handshake, at most, s */
#define OUTPUT_MAX		(64 * 1024)	/* kept of a child's output */

#define TIMEOUT_DEFAULT		180	/* agent_request_read_timeout, s */
#define HB_INTERVAL_DEFAULT	10	/* heartbeat_interval, s */
#define HB_DESTS_MAX		32	/* controller_ip_port_list */

/* A heartbeat receiver of controller_ip_port_list. */
struct hb_dest {
	char	 host[256];	/* an IP address, or a host name */
	int	 af;		/* AF_INET, AF_INET6, or 0 for a name */
	int	 port;
};

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
	/* Mutable: PUT /1.0/config changes these at once. */
	int	 timeout_s;
	int	 debug;
	char	*heartbeat_key;		/* NULL: none; a secret, never logged */
	struct hb_dest *controllers;	/* controller_ip_port_list */
	size_t	 ncontrollers;
	int	 heartbeat_interval;	/* s */
	char	*topology;		/* SINGLE or ACTIVE_STANDBY */
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

/* conf.c */
/* One source of options: the command line or a configuration file. */
struct conf_src {
	struct agent_conf	 c;	/* 0 and NULL: not given */
	int			 debug;
	int			 bad;	/* problems found */
	char			 err[256];	/* the first one */
};
/* Replace *dst (freed) by a copy of v. */
void	 conf_str(char **dst, const char *v);
/* v as a number in [min, max]; a problem of src when it is not. */
long long conf_num(struct conf_src *src, const char *what, const char *v,
	    long long min, long long max);
/* The command line (src is taken over) and its verbosity (-v). */
void	 conf_cli(const struct conf_src *src, int verbose);
/*
 * Read the configuration file path (NULL for none) and set agent->conf
 * from it and the command line.  Returns 0 or an exit code (logged).
 */
int	 conf_load(const char *path);
/* Check c before starting, making its directories.  0 or an exit code. */
int	 conf_check(const struct agent_conf *c);
void	 conf_free(struct agent_conf *c);
/*
 * PUT /1.0/config: replace the configuration file with body, and apply
 * the mutable options.  Returns 0, or 400 (body refused) or 500 (not
 * stored) with why in err; nothing changes then.
 */
int	 conf_update(const char *body, size_t len, char *err, size_t errlen);
/* The mutable options, for /1.0/details.  A new object, or NULL. */
json_t	*conf_report(void);

/* tlsctx.c */
SSL_CTX	*tlsctx_new(const char *cert, const char *key, const char *ca);
int	 tlsctx_replace(const char *pem, size_t len, char *err, size_t errlen);

/* server.c */
int	 server_start(void);
/*
 * Serve plain HTTP (no TLS, no client certificate) on the listening
 * socket fd: for the fuzz target only.  Returns 0, or -1 logged.
 */
int	 server_start_plain(int fd);
/* How many requests are being answered (each is answered once). */
int	 server_pending(void);
void	 server_stop(void);
/* The read timeout of new connections, s (PUT /1.0/config). */
void	 server_set_timeout(int timeout_s);
void	 reply_json(struct evhttp_request *, int code, json_t *body);
void	 reply_msg(struct evhttp_request *, int code, const char *message,
	    const char *details);
void	 reply_error(struct evhttp_request *, int code);
void	 reply_werror(struct evhttp_request *, int code,
	    const char *description, const char *details);
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
int	 proc_cmd(char *out, size_t outsz, const char *const argv[]);

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
