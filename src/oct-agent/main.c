/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-agent: the appliance daemon.  It speaks Octavia's amphora agent API
 * 1.0 over HTTPS with mutual TLS and runs one haproxy per load balancer:
 * it validates uploaded configurations, starts, reloads and stops haproxy
 * seamlessly, reports status from haproxy's stats sockets, and stores TLS
 * certificates for the listeners.  One event loop serves every request;
 * slow work runs in child processes that the loop watches.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "afile.h"
#include "exitcode.h"
#include "ident.h"
#include "ini.h"
#include "log.h"
#include "extern.h"

static struct agent	 the_agent;
struct agent		*agent = &the_agent;

/* Values from the config file and the command line, before merging. */
struct src_conf {
	struct agent_conf	 c;
	int			 debug;
	int			 bad;
};

enum {
	OPT_CONFIG = 256, OPT_AMPHORA, OPT_BIND, OPT_PORT, OPT_CERT, OPT_KEY,
	OPT_CA, OPT_BASE, OPT_CERTDIR, OPT_HAPROXY, OPT_BODYMAX, OPT_VERSION,
};

static const struct option longopts[] = {
	{ "amphora-id",		required_argument, NULL, OPT_AMPHORA },
	{ "base-path",		required_argument, NULL, OPT_BASE },
	{ "bind",		required_argument, NULL, OPT_BIND },
	{ "body-max",		required_argument, NULL, OPT_BODYMAX },
	{ "cert-dir",		required_argument, NULL, OPT_CERTDIR },
	{ "client-ca",		required_argument, NULL, OPT_CA },
	{ "config-file",	required_argument, NULL, OPT_CONFIG },
	{ "haproxy-cmd",	required_argument, NULL, OPT_HAPROXY },
	{ "port",		required_argument, NULL, OPT_PORT },
	{ "server-cert",	required_argument, NULL, OPT_CERT },
	{ "server-key",		required_argument, NULL, OPT_KEY },
	{ "version",		no_argument,	   NULL, OPT_VERSION },
	{ NULL,			0,		   NULL, 0 }
};

static void __attribute__((__noreturn__))
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: %s [-dhv] [--config-file FILE] [--amphora-id ID] "
	    "[--bind HOST] [--port N] [--server-cert FILE] "
	    "[--server-key FILE] [--client-ca FILE] [--base-path DIR] "
	    "[--cert-dir DIR] [--haproxy-cmd PATH] [--body-max BYTES] "
	    "[--version]\n", getprogname());
	exit(code);
}

static char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static long long
num(const char *what, const char *v, long long min, long long max, int *bad)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(v, min, max, &errstr);
	if (errstr != NULL) {
		log_warnx("%s: %s is %s", what, v, errstr);
		(*bad)++;
	}
	return n;
}

/* The options of Octavia's amphora-agent.conf that apply here. */
static int
conf_ini(const char *section, const char *key, const char *value,
    unsigned long lineno, void *arg)
{
	struct src_conf	*s = arg;
	struct agent_conf *c = &s->c;

	if (strcmp(section, "amphora_agent") == 0) {
		if (strcmp(key, "agent_server_cert") == 0)
			set_str(&c->server_cert, value);
		else if (strcmp(key, "agent_server_ca") == 0)
			set_str(&c->client_ca, value);
		else if (strcmp(key, "amphora_id") == 0)
			set_str(&c->amphora_id, value);
		else if (strcmp(key, "agent_request_read_timeout") == 0)
			c->timeout_s = num(key, value, 1, 86400, &s->bad);
		else if (strcmp(key, "agent_tls_protocol") == 0 &&
		    strcmp(value, "TLSv1.2") != 0 &&
		    strcmp(value, "TLSv1.3") != 0) {
			log_warnx("line %lu: agent_tls_protocol %s: only "
			    "TLSv1.2 and later are offered", lineno, value);
			s->bad++;
		}
	} else if (strcmp(section, "haproxy_amphora") == 0) {
		if (strcmp(key, "bind_host") == 0)
			set_str(&c->bind_host, value);
		else if (strcmp(key, "bind_port") == 0)
			c->port = num(key, value, 1, 65535, &s->bad);
		else if (strcmp(key, "base_path") == 0)
			set_str(&c->base_path, value);
		else if (strcmp(key, "base_cert_dir") == 0)
			set_str(&c->cert_dir, value);
		else if (strcmp(key, "haproxy_cmd") == 0)
			set_str(&c->haproxy_cmd, value);
	} else if (strcmp(section, "DEFAULT") == 0) {
		if (strcmp(key, "debug") == 0 && ini_bool(value) == 1)
			s->debug = 1;
	} else if (strcmp(section, "oct_agent") == 0) {
		/* Our own knobs, absent from Octavia's file. */
		if (strcmp(key, "server_key") == 0)
			set_str(&c->server_key, value);
		else if (strcmp(key, "body_max") == 0)
			c->body_max = num(key, value, 1, 1LL << 32, &s->bad);
		else if (strcmp(key, "max_connections") == 0)
			c->max_conns = num(key, value, 1, 65536, &s->bad);
		else {
			log_warnx("line %lu: unknown option %s.%s", lineno,
			    section, key);
			s->bad++;
		}
	}
	return 0;
}

static void
merge_str(char **dst, char *cli, char *ini, const char *def)
{
	if (cli != NULL)
		*dst = cli;
	else if (ini != NULL)
		*dst = ini;
	else
		*dst = def == NULL ? NULL : xstrdup(def);
}

static void
merge(struct agent_conf *c, struct src_conf *cli, struct src_conf *ini)
{
	char	 buf[PATH_MAX];

	merge_str(&c->amphora_id, cli->c.amphora_id, ini->c.amphora_id, NULL);
	merge_str(&c->bind_host, cli->c.bind_host, ini->c.bind_host, "::");
	merge_str(&c->server_cert, cli->c.server_cert, ini->c.server_cert,
	    "/etc/octavia/certs/server.pem");
	merge_str(&c->server_key, cli->c.server_key, ini->c.server_key, NULL);
	merge_str(&c->client_ca, cli->c.client_ca, ini->c.client_ca,
	    "/etc/octavia/certs/client_ca.pem");
	merge_str(&c->base_path, cli->c.base_path, ini->c.base_path,
	    "/var/lib/octavia");
	(void)snprintf(buf, sizeof(buf), "%s/certs", c->base_path);
	merge_str(&c->cert_dir, cli->c.cert_dir, ini->c.cert_dir, buf);
	merge_str(&c->haproxy_cmd, cli->c.haproxy_cmd, ini->c.haproxy_cmd,
	    "/usr/sbin/haproxy");
	c->port = cli->c.port ? cli->c.port : ini->c.port ? ini->c.port : 9443;
	c->body_max = cli->c.body_max ? cli->c.body_max :
	    ini->c.body_max ? ini->c.body_max : BODY_MAX_DEFAULT;
	c->max_conns = ini->c.max_conns ? ini->c.max_conns : CONNS_MAX_DEFAULT;
	c->timeout_s = ini->c.timeout_s ? ini->c.timeout_s : TIMEOUT_DEFAULT;
}

/* Report every problem with the configuration; return the exit code. */
static int
preflight(const struct agent_conf *c)
{
	const char	*key = c->server_key ? c->server_key : c->server_cert;
	int		 code = 0;

	if (access(c->server_cert, R_OK) == -1) {
		log_warn("%s", c->server_cert);
		code = code ? code : EX_NOINPUT;
	}
	if (c->server_key != NULL && access(c->server_key, R_OK) == -1) {
		log_warn("%s", c->server_key);
		code = code ? code : EX_NOINPUT;
	}
	if (access(c->client_ca, R_OK) == -1) {
		log_warn("%s", c->client_ca);
		code = code ? code : EX_NOINPUT;
	}
	if (access(key, R_OK) == 0 && afile_private_ok(key) == -1) {
		log_warnx("%s: private key is accessible to others", key);
		code = code ? code : EX_NOPERM;
	}
	if (access(c->haproxy_cmd, X_OK) == -1) {
		log_warn("%s", c->haproxy_cmd);
		code = code ? code : EX_CONFIG;
	}
	if (c->amphora_id != NULL && !ident_ok(c->amphora_id)) {
		log_warnx("amphora id %s: not a safe name", c->amphora_id);
		code = code ? code : EX_CONFIG;
	}
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

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	log_info("signal %d: exiting, haproxy processes keep running",
	    (int)sig);
	event_base_loopbreak(agent->base);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct agent_conf	*c = &agent->conf;
	SSL_CTX			*ctx;

	(void)sig;
	(void)what;
	(void)arg;
	if ((ctx = tlsctx_new(c->server_cert, c->server_key,
	    c->client_ca)) == NULL) {
		log_warnx("SIGHUP: keeping the current certificates");
		return;
	}
	SSL_CTX_free(agent->tls);
	agent->tls = ctx;
	log_info("SIGHUP: certificates reloaded");
}

int
main(int argc, char *argv[])
{
	struct src_conf	 cli, ini;
	struct event	*ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
	struct agent_conf *c = &agent->conf;
	char		*config_file = NULL, err[256];
	int		 ch, verbose = 0, code;

	memset(&cli, 0, sizeof(cli));
	memset(&ini, 0, sizeof(ini));
	while ((ch = getopt_long(argc, argv, "dhv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			cli.debug = 1;
			break;
		case 'h':
			usage(0);
		case 'v':
			verbose++;
			break;
		case OPT_AMPHORA:
			set_str(&cli.c.amphora_id, optarg);
			break;
		case OPT_BASE:
			set_str(&cli.c.base_path, optarg);
			break;
		case OPT_BIND:
			set_str(&cli.c.bind_host, optarg);
			break;
		case OPT_BODYMAX:
			cli.c.body_max = num("--body-max", optarg, 1,
			    1LL << 32, &cli.bad);
			break;
		case OPT_CERTDIR:
			set_str(&cli.c.cert_dir, optarg);
			break;
		case OPT_CA:
			set_str(&cli.c.client_ca, optarg);
			break;
		case OPT_CONFIG:
			config_file = optarg;
			break;
		case OPT_HAPROXY:
			set_str(&cli.c.haproxy_cmd, optarg);
			break;
		case OPT_PORT:
			cli.c.port = num("--port", optarg, 1, 65535, &cli.bad);
			break;
		case OPT_CERT:
			set_str(&cli.c.server_cert, optarg);
			break;
		case OPT_KEY:
			set_str(&cli.c.server_key, optarg);
			break;
		case OPT_VERSION:
			printf("%s %s (amphora API %s)\n", getprogname(),
			    OCT_VERSION, API_VERSION);
			return 0;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	if (argc != 0 || cli.bad)
		usage(EX_USAGE);

	if (config_file != NULL) {
		if (access(config_file, R_OK) == -1) {
			log_warn("%s", config_file);
			return EX_NOINPUT;
		}
		if (ini_parse_file(config_file, conf_ini, &ini, err,
		    sizeof(err)) == -1) {
			log_warnx("%s: %s", config_file, err);
			return EX_CONFIG;
		}
		if (ini.bad)
			return EX_CONFIG;
	}
	log_init(verbose + (cli.debug || ini.debug));
	merge(c, &cli, &ini);
	if ((code = preflight(c)) != 0)
		return code;

	signal(SIGPIPE, SIG_IGN);
	if ((agent->tls = tlsctx_new(c->server_cert, c->server_key,
	    c->client_ca)) == NULL)
		return EX_CONFIG;
	if (sys_init() == -1)
		return EX_CONFIG;
	if ((agent->base = event_base_new()) == NULL)
		fatalx("event_base_new");
	if (proc_init() == -1 || lb_init() == -1)
		return EX_OSERR;
	if (server_start() == -1)
		return EX_UNAVAILABLE;
	/* Listening, keys loaded: from here on, only what is needed. */
	if (priv_drop() == -1)
		return EX_OSERR;

	ev_term = evsignal_new(agent->base, SIGTERM, on_stop, NULL);
	ev_int = evsignal_new(agent->base, SIGINT, on_stop, NULL);
	ev_hup = evsignal_new(agent->base, SIGHUP, on_hup, NULL);
	if (ev_term == NULL || ev_int == NULL || ev_hup == NULL ||
	    evsignal_add(ev_term, NULL) == -1 ||
	    evsignal_add(ev_int, NULL) == -1 ||
	    evsignal_add(ev_hup, NULL) == -1)
		fatalx("evsignal_add");

	log_info("listening on [%s]:%d, haproxy %s, base %s", c->bind_host,
	    c->port, agent->haproxy_version, c->base_path);
	notify("READY=1");
	if (event_base_dispatch(agent->base) == -1)
		fatalx("event_base_dispatch");
	notify("STOPPING=1");

	server_stop();
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	SSL_CTX_free(agent->tls);
	return 0;
}
