/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-agent: the appliance daemon.  It speaks Octavia's amphora agent API
 * 1.0 over HTTPS with mutual TLS and runs one haproxy per load balancer:
 * it validates uploaded configurations, starts, reloads and stops haproxy
 * seamlessly, reports status from haproxy's stats sockets, and stores TLS
 * certificates for the listeners.  One event loop serves every request;
 * slow work runs in child processes that the loop watches.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "exitcode.h"
#include "log.h"
#include "extern.h"

static struct agent	 the_agent;
struct agent		*agent = &the_agent;

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
	struct conf_src	 cli;
	struct event	*ev_term = NULL, *ev_int = NULL, *ev_hup = NULL;
	struct agent_conf *c = &agent->conf;
	char		*config_file = NULL;
	int		 ch, verbose = 0, code;

	memset(&cli, 0, sizeof(cli));
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
			conf_str(&cli.c.amphora_id, optarg);
			break;
		case OPT_BASE:
			conf_str(&cli.c.base_path, optarg);
			break;
		case OPT_BIND:
			conf_str(&cli.c.bind_host, optarg);
			break;
		case OPT_BODYMAX:
			cli.c.body_max = conf_num(&cli, "--body-max", optarg,
			    1, 1LL << 32);
			break;
		case OPT_CERTDIR:
			conf_str(&cli.c.cert_dir, optarg);
			break;
		case OPT_CA:
			conf_str(&cli.c.client_ca, optarg);
			break;
		case OPT_CONFIG:
			config_file = optarg;
			break;
		case OPT_HAPROXY:
			conf_str(&cli.c.haproxy_cmd, optarg);
			break;
		case OPT_PORT:
			cli.c.port = conf_num(&cli, "--port", optarg, 1,
			    65535);
			break;
		case OPT_CERT:
			conf_str(&cli.c.server_cert, optarg);
			break;
		case OPT_KEY:
			conf_str(&cli.c.server_key, optarg);
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

	conf_cli(&cli, verbose);
	if ((code = conf_load(config_file)) != 0 ||
	    (code = conf_check(c)) != 0)
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
