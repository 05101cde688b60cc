/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-boot: boot the appliance of each record read on stdin through a
 * compute driver (netns by default) and write the record out with
 * "compute" and "address" added.  With --route VIP it boots nothing: it
 * routes VIP from this host to each record's appliance, for VIPs plugged
 * in routed mode.
 */
#include <arpa/inet.h>

#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "driver.h"
#include "jpool.h"
#include "jrec.h"
#include "log.h"

enum {
	OPT_AGENT_CMD = 256,
	OPT_AGENT_PORT,
	OPT_BRIDGE,
	OPT_SSH_KEY,
	OPT_DRIVER,
	OPT_DRIVER_OPT,
	OPT_PARALLEL,
	OPT_PREFIX,
	OPT_REUSE,
	OPT_ROUTE,
	OPT_SUBNET,
	OPT_TIMEOUT,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "agent-cmd",		required_argument,	NULL, OPT_AGENT_CMD },
	{ "agent-port",		required_argument,	NULL, OPT_AGENT_PORT },
	{ "bridge",		required_argument,	NULL, OPT_BRIDGE },
	{ "debug-ssh-key",	required_argument,	NULL, OPT_SSH_KEY },
	{ "driver",		required_argument,	NULL, OPT_DRIVER },
	{ "driver-opt",		required_argument,	NULL, OPT_DRIVER_OPT },
	{ "help",		no_argument,		NULL, 'h' },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "prefix",		required_argument,	NULL, OPT_PREFIX },
	{ "reuse",		no_argument,		NULL, OPT_REUSE },
	{ "route",		required_argument,	NULL, OPT_ROUTE },
	{ "subnet",		required_argument,	NULL, OPT_SUBNET },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

struct ctx {
	const struct driver	*drv;
	struct boot_opts	 o;
	const char		*route;
};

static void __attribute__((__noreturn__))
usage(int code)
{
	FILE	*fp = code == 0 ? stdout : stderr;

	fprintf(fp,
	    "usage: oct-boot [-hv] [--agent-cmd PATH] [--agent-port N] "
	    "[--bridge NAME]\n"
	    "                [--debug-ssh-key FILE] [--driver NAME] "
	    "[--driver-opt KEY=VALUE]\n"
	    "                [--parallel N] [--prefix NAME] [--reuse] "
	    "[--subnet ADDRESS/LEN]\n"
	    "                [--timeout SECONDS]\n"
	    "       oct-boot [-hv] [--driver NAME] --route VIP\n");
	exit(code);
}

static int
num_arg(const char *opt, const char *s, int min, int max, int *ne)
{
	const char	*errstr;
	int		 n;

	n = (int)strtonum(s, min, max, &errstr);
	if (errstr != NULL) {
		log_warnx("%s %s: %s (%d to %d)", opt, s, errstr, min, max);
		(*ne)++;
	}
	return n;
}

static int
boot_one(json_t *rec, void *arg)
{
	const struct ctx	*c = arg;

	return c->drv->boot(rec, &c->o);
}

static int
route_one(json_t *rec, void *arg)
{
	const struct ctx	*c = arg;

	return c->drv->route(rec, c->route);
}

int
main(int argc, char *argv[])
{
	struct ctx	 c;
	struct in_addr	 a;
	static char	*dopts[DRIVER_OPTS_MAX + 1];
	const char	*driver = "netns";
	int		 ch, ne = 0, verbose = 0, boot_only = 0, rc, ndopts = 0;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'v':
			verbose++;
			break;
		case OPT_AGENT_CMD:
			c.o.agent_cmd = optarg;
			boot_only++;
			break;
		case OPT_AGENT_PORT:
			c.o.agent_port = num_arg("--agent-port", optarg, 1,
			    65535, &ne);
			boot_only++;
			break;
		case OPT_BRIDGE:
			c.o.bridge = optarg;
			boot_only++;
			break;
		case OPT_SSH_KEY:
			c.o.ssh_key = optarg;
			boot_only++;
			break;
		case OPT_DRIVER:
			driver = optarg;
			break;
		case OPT_DRIVER_OPT:
			if (ndopts == DRIVER_OPTS_MAX) {
				log_warnx("--driver-opt: at most %d",
				    DRIVER_OPTS_MAX);
				ne++;
			} else
				dopts[ndopts++] = optarg;
			c.o.driver_opts = dopts;
			break;
		case OPT_PARALLEL:
			c.o.parallel = num_arg("--parallel", optarg, 1, 1024,
			    &ne);
			boot_only++;
			break;
		case OPT_PREFIX:
			c.o.prefix = optarg;
			boot_only++;
			break;
		case OPT_REUSE:
			c.o.reuse = 1;
			boot_only++;
			break;
		case OPT_ROUTE:
			c.route = optarg;
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				log_warnx("--route %s: not an IPv4 address",
				    optarg);
				ne++;
			}
			break;
		case OPT_SUBNET:
			c.o.subnet = optarg;
			boot_only++;
			break;
		case OPT_TIMEOUT:
			c.o.timeout_s = num_arg("--timeout", optarg, 1, 3600,
			    &ne);
			boot_only++;
			break;
		case OPT_VERSION:
			puts("oct-boot " OCT_VERSION);
			exit(0);
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc) {
		log_warnx("unexpected operand %s", argv[optind]);
		ne++;
	}
	if ((c.drv = driver_find(driver)) == NULL) {
		log_warnx("--driver %s: not one of %s", driver, driver_names());
		ne++;
	}
	if (c.route != NULL && boot_only > 0) {
		log_warnx("--route takes no boot options");
		ne++;
	}
	if (c.route != NULL && c.drv != NULL && c.drv->route == NULL) {
		log_warnx("--route: the %s driver cannot route", driver);
		ne++;
	}
	if (c.o.parallel > 1 && c.drv != NULL && !driver_threaded(c.drv)) {
		log_warnx("--parallel: the %s driver boots one record at a "
		    "time", driver);
		ne++;
	}
	if (ne > 0)
		usage(EX_USAGE);
	log_init(verbose);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	(void)signal(SIGPIPE, SIG_IGN);
	if (c.route == NULL && c.drv->check != NULL &&
	    (rc = c.drv->check(&c.o)) != 0)
		goto out;
	if (c.route == NULL && c.o.parallel > 1)
		rc = jpool_run(stdin, stdout, boot_one, &c, c.o.parallel);
	else
		rc = jrec_run(stdin, stdout, c.route != NULL ? route_one :
		    boot_one, &c);
 out:
	curl_global_cleanup();
	return rc;
}
