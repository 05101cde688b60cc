/* SPDX-License-Identifier: Apache-2.0 */
/*
 * conf: the agent's options.  They come from the command line and from an
 * INI file with the names of Octavia's amphora-agent.conf; the command line
 * wins.  PUT /1.0/config (Octavia's update_agent_config) replaces that
 * file with its body, as Octavia's agent does: the options Octavia marks
 * mutable take effect at once, the others at the next start.  A body that
 * does not parse, holds a bad value, or names files the agent could not
 * start with is refused with 400; nothing changes then.  The new file is
 * written whole (afile, mode 0600: it holds the heartbeat key) where the
 * agent read its own.
 *
 * Mutable here: [DEFAULT] debug, [amphora_agent]
 * agent_request_read_timeout, [health_manager] heartbeat_key,
 * controller_ip_port_list and heartbeat_interval, [controller_worker]
 * loadbalancer_topology.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "afile.h"
#include "exitcode.h"
#include "ident.h"
#include "ini.h"
#include "log.h"
#include "extern.h"

#define CONF_FILE_MAX	(1024 * 1024)	/* as ini_parse_file reads */
#define INTERVAL_MAX	3600		/* heartbeat_interval, s */

/* The command line, and where the file was read (for updates). */
static struct conf_src	 cli;
static char		*conf_path;	/* NULL: no --config-file */
static int		 verbose;

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

void
conf_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

/* Note a problem of src: logged, and the first one kept in src->err. */
static void
conf_bad(struct conf_src *src, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
conf_bad(struct conf_src *src, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[sizeof(src->err)];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (src->bad++ == 0)
		(void)strlcpy(src->err, msg, sizeof(src->err));
	log_warnx("%s", msg);
}

long long
conf_num(struct conf_src *src, const char *what, const char *v,
    long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(v, min, max, &errstr);
	if (errstr != NULL)
		conf_bad(src, "%s: %s is %s", what, v, errstr);
	return n;
}

/* A host name as RFC 1123 spells one: labels of [A-Za-z0-9-]. */
static int
hostname_ok(const char *s)
{
	size_t	 len = strlen(s), label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*s) ||
		    (*s == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return 1;
}

/*
 * Parse one "<ip>:<port>" of controller_ip_port_list into d, the way
 * Octavia's health sender splits it (at the last ':'); the IP may also be
 * [bracketed] or a host name.  Returns 0 or -1.
 */
static int
dest_parse(const char *s, struct hb_dest *d)
{
	const char	*colon = strrchr(s, ':'), *errstr;
	unsigned char	 a[16];
	size_t		 n;

	memset(d, 0, sizeof(*d));
	if (colon == NULL || colon == s)
		return -1;
	n = colon - s;
	if (s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(d->host))
		return -1;
	memcpy(d->host, s, n);
	d->host[n] = '\0';
	d->port = strtonum(colon + 1, 1, 65535, &errstr);
	if (errstr != NULL)
		return -1;
	if (inet_pton(AF_INET6, d->host, a) == 1)
		d->af = AF_INET6;
	else if (inet_pton(AF_INET, d->host, a) == 1)
		d->af = AF_INET;
	else if (!hostname_ok(d->host))
		return -1;
	return 0;
}

/* controller_ip_port_list: a comma-separated list (oslo's ListOpt). */
static void
dests_parse(struct conf_src *src, const char *value)
{
	struct agent_conf	*c = &src->c;
	struct hb_dest		*d;
	char			*buf, *p, *item, *e;

	free(c->controllers);
	c->controllers = NULL;
	c->ncontrollers = 0;
	p = buf = xstrdup(value);
	while ((item = strsep(&p, ",")) != NULL) {
		item += strspn(item, " \t");
		e = item + strlen(item);
		while (e > item && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*item == '\0' && p == NULL && c->ncontrollers == 0)
			break;		/* an empty list */
		if (c->ncontrollers == HB_DESTS_MAX) {
			conf_bad(src, "controller_ip_port_list: more than %d",
			    HB_DESTS_MAX);
			break;
		}
		if ((d = reallocarray(c->controllers, c->ncontrollers + 1,
		    sizeof(*d))) == NULL)
			fatal("reallocarray");
		c->controllers = d;
		if (dest_parse(item, &d[c->ncontrollers]) == -1) {
			conf_bad(src, "controller_ip_port_list: \"%.64s\" is "
			    "not <ip>:<port>", item);
			break;
		}
		c->ncontrollers++;
	}
	free(buf);
}

/* The options of Octavia's amphora-agent.conf that apply here. */
static int
conf_ini(const char *section, const char *key, const char *value,
    unsigned long lineno, void *arg)
{
	struct conf_src		*s = arg;
	struct agent_conf	*c = &s->c;
	int			 b;

	if (strcmp(section, "amphora_agent") == 0) {
		if (strcmp(key, "agent_server_cert") == 0)
			conf_str(&c->server_cert, value);
		else if (strcmp(key, "agent_server_ca") == 0)
			conf_str(&c->client_ca, value);
		else if (strcmp(key, "amphora_id") == 0)
			conf_str(&c->amphora_id, value);
		else if (strcmp(key, "agent_request_read_timeout") == 0)
			c->timeout_s = conf_num(s, key, value, 1, 86400);
		else if (strcmp(key, "agent_tls_protocol") == 0 &&
		    strcmp(value, "TLSv1.2") != 0 &&
		    strcmp(value, "TLSv1.3") != 0)
			conf_bad(s, "line %lu: agent_tls_protocol %.32s: only "
			    "TLSv1.2 and later are offered", lineno, value);
	} else if (strcmp(section, "haproxy_amphora") == 0) {
		if (strcmp(key, "bind_host") == 0)
			conf_str(&c->bind_host, value);
		else if (strcmp(key, "bind_port") == 0)
			c->port = conf_num(s, key, value, 1, 65535);
		else if (strcmp(key, "base_path") == 0)
			conf_str(&c->base_path, value);
		else if (strcmp(key, "base_cert_dir") == 0)
			conf_str(&c->cert_dir, value);
		else if (strcmp(key, "haproxy_cmd") == 0)
			conf_str(&c->haproxy_cmd, value);
	} else if (strcmp(section, "health_manager") == 0) {
		if (strcmp(key, "heartbeat_key") == 0)
			conf_str(&c->heartbeat_key, value);
		else if (strcmp(key, "controller_ip_port_list") == 0)
			dests_parse(s, value);
		else if (strcmp(key, "heartbeat_interval") == 0)
			c->heartbeat_interval = conf_num(s, key, value, 1,
			    INTERVAL_MAX);
	} else if (strcmp(section, "controller_worker") == 0) {
		if (strcmp(key, "loadbalancer_topology") == 0) {
			if (strcmp(value, "SINGLE") != 0 &&
			    strcmp(value, "ACTIVE_STANDBY") != 0)
				conf_bad(s, "line %lu: loadbalancer_topology "
				    "%.32s: not SINGLE or ACTIVE_STANDBY",
				    lineno, value);
			else
				conf_str(&c->topology, value);
		}
	} else if (strcmp(section, "DEFAULT") == 0) {
		if (strcmp(key, "debug") == 0) {
			if ((b = ini_bool(value)) == -1)
				conf_bad(s, "line %lu: debug %.32s: not a "
				    "boolean", lineno, value);
			else
				s->debug = b;
		}
	} else if (strcmp(section, "oct_agent") == 0) {
		/* Our own knobs, absent from Octavia's file. */
		if (strcmp(key, "server_key") == 0)
			conf_str(&c->server_key, value);
		else if (strcmp(key, "body_max") == 0)
			c->body_max = conf_num(s, key, value, 1, 1LL << 32);
		else if (strcmp(key, "max_connections") == 0)
			c->max_conns = conf_num(s, key, value, 1, 65536);
		else
			conf_bad(s, "line %lu: unknown option %s.%.64s",
			    lineno, section, key);
	}
	return 0;
}

static char *
pick_str(const char *cli_v, const char *ini_v, const char *def)
{
	if (cli_v != NULL)
		return xstrdup(cli_v);
	if (ini_v != NULL)
		return xstrdup(ini_v);
	return def == NULL ? NULL : xstrdup(def);
}

/* The options in effect from the command line and the file: into *c. */
static void
merge(struct agent_conf *c, const struct conf_src *ini)
{
	const struct agent_conf	*a = &cli.c, *b = &ini->c;
	char			 buf[PATH_MAX];
	size_t			 n;

	memset(c, 0, sizeof(*c));
	c->amphora_id = pick_str(a->amphora_id, b->amphora_id, NULL);
	c->bind_host = pick_str(a->bind_host, b->bind_host, "::");
	c->server_cert = pick_str(a->server_cert, b->server_cert,
	    "/etc/octavia/certs/server.pem");
	c->server_key = pick_str(a->server_key, b->server_key, NULL);
	c->client_ca = pick_str(a->client_ca, b->client_ca,
	    "/etc/octavia/certs/client_ca.pem");
	c->base_path = pick_str(a->base_path, b->base_path,
	    "/var/lib/octavia");
	(void)snprintf(buf, sizeof(buf), "%s/certs", c->base_path);
	c->cert_dir = pick_str(a->cert_dir, b->cert_dir, buf);
	c->haproxy_cmd = pick_str(a->haproxy_cmd, b->haproxy_cmd,
	    "/usr/sbin/haproxy");
	c->port = a->port ? a->port : b->port ? b->port : 9443;
	c->body_max = a->body_max ? a->body_max :
	    b->body_max ? b->body_max : BODY_MAX_DEFAULT;
	c->max_conns = b->max_conns ? b->max_conns : CONNS_MAX_DEFAULT;
	c->timeout_s = b->timeout_s ? b->timeout_s : TIMEOUT_DEFAULT;
	c->debug = cli.debug || ini->debug;
	c->heartbeat_key = pick_str(NULL, b->heartbeat_key, NULL);
	if ((n = b->ncontrollers) > 0) {
		if ((c->controllers = calloc(n, sizeof(*c->controllers))) ==
		    NULL)
			fatal("calloc");
		memcpy(c->controllers, b->controllers,
		    n * sizeof(*c->controllers));
	}
	c->ncontrollers = n;
	c->heartbeat_interval = b->heartbeat_interval ?
	    b->heartbeat_interval : HB_INTERVAL_DEFAULT;
	c->topology = pick_str(NULL, b->topology, "SINGLE");
}

void
conf_free(struct agent_conf *c)
{
	free(c->amphora_id);
	free(c->bind_host);
	free(c->server_cert);
	free(c->server_key);
	free(c->client_ca);
	free(c->base_path);
	free(c->cert_dir);
	free(c->haproxy_cmd);
	if (c->heartbeat_key != NULL)
		freezero(c->heartbeat_key, strlen(c->heartbeat_key));
	free(c->controllers);
	free(c->topology);
	memset(c, 0, sizeof(*c));
}

static void
src_free(struct conf_src *src)
{
	conf_free(&src->c);
	memset(src, 0, sizeof(*src));
}

/* The problems conf_startable finds: the first kept, each logged or not. */
struct problems {
	int	 code;
	int	 log;
	char	*err;
	size_t	 errlen;
};

static void
problem(struct problems *p, int code, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
problem(struct problems *p, int code, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[PATH_MAX + 128];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->log)
		log_warnx("%s", msg);
	if (p->code == 0) {
		p->code = code;
		(void)strlcpy(p->err, msg, p->errlen);
	}
}

/*
 * What a start with c would refuse, without changing anything: the exit
 * code of the first problem (0 when none), why in err; with log, every
 * problem is logged.
 */
static int
conf_startable(const struct agent_conf *c, int log, char *err,
    size_t errlen)
{
	struct problems	 p = { 0, log, err, errlen };
	const char	*key = c->server_key ? c->server_key : c->server_cert;

	if (access(c->server_cert, R_OK) == -1)
		problem(&p, EX_NOINPUT, "%s: %s", c->server_cert,
		    strerror(errno));
	if (c->server_key != NULL && access(c->server_key, R_OK) == -1)
		problem(&p, EX_NOINPUT, "%s: %s", c->server_key,
		    strerror(errno));
	if (access(c->client_ca, R_OK) == -1)
		problem(&p, EX_NOINPUT, "%s: %s", c->client_ca,
		    strerror(errno));
	if (access(key, R_OK) == 0 && afile_private_ok(key) == -1)
		problem(&p, EX_NOPERM, "%s: private key is accessible to "
		    "others", key);
	if (access(c->haproxy_cmd, X_OK) == -1)
		problem(&p, EX_CONFIG, "%s: %s", c->haproxy_cmd,
		    strerror(errno));
	if (c->amphora_id != NULL && !ident_ok(c->amphora_id))
		problem(&p, EX_CONFIG, "amphora id %.64s: not a safe name",
		    c->amphora_id);
	return p.code;
}

int
conf_check(const struct agent_conf *c)
{
	char	 err[PATH_MAX + 128];
	int	 code;

	code = conf_startable(c, 1, err, sizeof(err));
	if (afile_mkdirs(c->base_path, 0700) == -1) {
		log_warn("%s", c->base_path);
		code = code ? code : EX_CANTCREAT;
	}
	if (afile_mkdirs(c->cert_dir, 0700) == -1) {
		log_warn("%s", c->cert_dir);
		code = code ? code : EX_CANTCREAT;
	}
	return code;
}

void
conf_cli(const struct conf_src *src, int v)
{
	cli = *src;
	verbose = v;
}

int
conf_load(const char *path)
{
	struct conf_src	 ini;
	char		 err[256];
	int		 code = 0;

	memset(&ini, 0, sizeof(ini));
	if (path != NULL) {
		if (access(path, R_OK) == -1) {
			log_warn("%s", path);
			return EX_NOINPUT;
		}
		/* Written back there by PUT /1.0/config, whatever the cwd. */
		if ((conf_path = realpath(path, NULL)) == NULL) {
			log_warn("%s", path);
			return EX_NOINPUT;
		}
		if (ini_parse_file(conf_path, conf_ini, &ini, err,
		    sizeof(err)) == -1) {
			log_warnx("%s: %s", path, err);
			code = EX_CONFIG;
		} else if (ini.bad)
			code = EX_CONFIG;
	}
	if (code == 0) {
		merge(&agent->conf, &ini);
		log_init(verbose + agent->conf.debug);
	}
	src_free(&ini);
	return code;
}

/* Log what an update changes; the key's value never. */
static void
conf_changes(const struct agent_conf *o, const struct agent_conf *n)
{
	static const char later[] = "takes effect at the next start";

#define STR_CHANGED(a, b) \
	(((a) == NULL) != ((b) == NULL) || ((a) != NULL && strcmp(a, b) != 0))
	if (o->timeout_s != n->timeout_s)
		log_info("config: agent_request_read_timeout %d -> %d",
		    o->timeout_s, n->timeout_s);
	if (o->debug != n->debug)
		log_info("config: debug %s", n->debug ? "on" : "off");
	if (STR_CHANGED(o->heartbeat_key, n->heartbeat_key))
		log_info("config: heartbeat_key changed");
	if (o->ncontrollers != n->ncontrollers ||
	    (n->ncontrollers > 0 && memcmp(o->controllers, n->controllers,
	    n->ncontrollers * sizeof(*n->controllers)) != 0))
		log_info("config: controller_ip_port_list: %zu controllers",
		    n->ncontrollers);
	if (o->heartbeat_interval != n->heartbeat_interval)
		log_info("config: heartbeat_interval %d -> %d",
		    o->heartbeat_interval, n->heartbeat_interval);
	if (strcmp(o->topology, n->topology) != 0)
		log_info("config: loadbalancer_topology %s", n->topology);
	if (STR_CHANGED(o->amphora_id, n->amphora_id))
		log_info("config: amphora_id %s", later);
	if (STR_CHANGED(o->bind_host, n->bind_host) || o->port != n->port)
		log_info("config: bind_host, bind_port %s", later);
	if (STR_CHANGED(o->server_cert, n->server_cert) ||
	    STR_CHANGED(o->server_key, n->server_key) ||
	    STR_CHANGED(o->client_ca, n->client_ca))
		log_info("config: certificate files %s", later);
	if (STR_CHANGED(o->base_path, n->base_path) ||
	    STR_CHANGED(o->cert_dir, n->cert_dir) ||
	    STR_CHANGED(o->haproxy_cmd, n->haproxy_cmd))
		log_info("config: base_path, base_cert_dir, haproxy_cmd %s",
		    later);
	if (o->body_max != n->body_max || o->max_conns != n->max_conns)
		log_info("config: body_max, max_connections %s", later);
#undef STR_CHANGED
}

/* Move the mutable options of n into the running configuration. */
static void
conf_apply(struct agent_conf *n)
{
	struct agent_conf	*c = &agent->conf;
	char			*s;
	struct hb_dest		*d;
	size_t			 nd;

	c->timeout_s = n->timeout_s;
	server_set_timeout(c->timeout_s);
	c->debug = n->debug;
	log_init(verbose + c->debug);
	s = c->heartbeat_key;
	c->heartbeat_key = n->heartbeat_key;
	n->heartbeat_key = s;
	d = c->controllers;
	nd = c->ncontrollers;
	c->controllers = n->controllers;
	c->ncontrollers = n->ncontrollers;
	n->controllers = d;
	n->ncontrollers = nd;
	c->heartbeat_interval = n->heartbeat_interval;
	s = c->topology;
	c->topology = n->topology;
	n->topology = s;
}

int
conf_update(const char *body, size_t len, char *err, size_t errlen)
{
	struct conf_src		 ini;
	struct agent_conf	 next;
	SSL_CTX			*ctx;
	char			*text = NULL, why[PATH_MAX + 128];
	int			 rc = 400;

	memset(&ini, 0, sizeof(ini));
	memset(&next, 0, sizeof(next));
	err[0] = '\0';
	if (len > CONF_FILE_MAX) {
		(void)snprintf(err, errlen, "larger than %d bytes",
		    CONF_FILE_MAX);
		goto out;
	}
	if (memchr(body, '\0', len) != NULL) {
		(void)snprintf(err, errlen, "a NUL byte");
		goto out;
	}
	if ((text = malloc(len + 1)) == NULL) {
		rc = 500;
		(void)snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	memcpy(text, body, len);
	text[len] = '\0';
	if (ini_parse(text, conf_ini, &ini, err, errlen) == -1)
		goto out;
	if (ini.bad) {
		(void)strlcpy(err, ini.err, errlen);
		goto out;
	}
	merge(&next, &ini);
	/* A file the agent could not start with is no update. */
	if (conf_startable(&next, 0, why, sizeof(why)) != 0) {
		(void)snprintf(err, errlen, "the agent could not start with "
		    "it: %s", why);
		goto out;
	}
	if ((ctx = tlsctx_new(next.server_cert, next.server_key,
	    next.client_ca)) == NULL) {
		(void)snprintf(err, errlen, "the agent could not start with "
		    "it: its certificate, key and CA do not load");
		goto out;
	}
	SSL_CTX_free(ctx);
	rc = 500;
	if (conf_path == NULL) {
		(void)snprintf(err, errlen, "oct-agent was started without "
		    "--config-file: no file to keep it in");
		goto out;
	}
	if (afile_write(conf_path, body, len, 0600, 0) == -1) {
		(void)snprintf(err, errlen, "%s: %s", conf_path,
		    strerror(errno));
		goto out;
	}
	conf_changes(&agent->conf, &next);
	conf_apply(&next);
	log_info("config: %s replaced", conf_path);
	rc = 0;
out:
	if (text != NULL)
		freezero(text, len + 1);
	conf_free(&next);
	src_free(&ini);
	return rc;
}

json_t *
conf_report(void)
{
	const struct agent_conf	*c = &agent->conf;
	json_t			*o, *list;
	char			 buf[sizeof(c->controllers->host) + 16];
	size_t			 i;

	if ((list = json_array()) == NULL)
		return NULL;
	for (i = 0; i < c->ncontrollers; i++) {
		(void)snprintf(buf, sizeof(buf), c->controllers[i].af ==
		    AF_INET6 ? "[%s]:%d" : "%s:%d", c->controllers[i].host,
		    c->controllers[i].port);
		if (json_array_append_new(list, json_string(buf)) == -1) {
			json_decref(list);
			return NULL;
		}
	}
	o = json_pack("{s:i,s:b,s:o,s:i,s:b,s:s}",
	    "agent_request_read_timeout", c->timeout_s,
	    "debug", c->debug,
	    "controller_ip_port_list", list,
	    "heartbeat_interval", c->heartbeat_interval,
	    "heartbeat_key_set", c->heartbeat_key != NULL,
	    "loadbalancer_topology", c->topology);
	return o;
}
