/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-destroy: delete the appliance of each record read on stdin through
 * its compute driver ("compute.driver", else --driver), wait until it is
 * gone, and write the record out with "compute.status" DELETED.  An
 * appliance that does not exist is already destroyed: that is success.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>
#include <jansson.h>

#include "driver.h"
#include "jpool.h"
#include "jrec.h"
#include "log.h"

enum {
	OPT_DRIVER = 256,
	OPT_DRIVER_OPT,
	OPT_PARALLEL,
	OPT_PREFIX,
	OPT_TIMEOUT,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "driver",		required_argument,	NULL, OPT_DRIVER },
	{ "driver-opt",		required_argument,	NULL, OPT_DRIVER_OPT },
	{ "help",		no_argument,		NULL, 'h' },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "prefix",		required_argument,	NULL, OPT_PREFIX },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

struct ctx {
	const struct driver	*drv;	/* for records without compute.driver */
	struct destroy_opts	 o;
};

static void __attribute__((__noreturn__))
usage(int code)
{
	FILE	*fp = code == 0 ? stdout : stderr;

	fprintf(fp, "usage: oct-destroy [-hv] [--driver NAME] "
	    "[--driver-opt KEY=VALUE] [--parallel N]\n"
	    "                   [--prefix NAME] [--timeout SECONDS]\n");
	exit(code);
}

static int
destroy_one(json_t *rec, void *arg)
{
	const struct ctx	*c = arg;
	const struct driver	*d = c->drv;
	const char		*name;

	if ((name = jrec_str(rec, "compute.driver")) != NULL &&
	    (d = driver_find(name)) == NULL)
		return jrec_fail(rec, EX_DATAERR, "compute.driver \"%s\": not "
		    "one of %s", name, driver_names());
	if (c->o.parallel > 1 && !driver_threaded(d))
		return jrec_fail(rec, EX_USAGE, "--parallel: the %s driver "
		    "destroys one record at a time", d->name);
	return d->destroy(rec, &c->o);
}

int
main(int argc, char *argv[])
{
	struct ctx	 c;
	static char	*dopts[DRIVER_OPTS_MAX + 1];
	const char	*driver = "netns", *errstr;
	int		 ch, ne = 0, verbose = 0, ndopts = 0, rc;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'v':
			verbose++;
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
			c.o.parallel = (int)strtonum(optarg, 1, 1024, &errstr);
			if (errstr != NULL) {
				log_warnx("--parallel %s: %s (1 to 1024)",
				    optarg, errstr);
				ne++;
			}
			break;
		case OPT_PREFIX:
			c.o.prefix = optarg;
			break;
		case OPT_TIMEOUT:
			c.o.timeout_s = (int)strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL) {
				log_warnx("--timeout %s: %s (1 to 3600)",
				    optarg, errstr);
				ne++;
			}
			break;
		case OPT_VERSION:
			puts("oct-destroy " OCT_VERSION);
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
	if (ne > 0)
		usage(EX_USAGE);
	log_init(verbose);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	(void)signal(SIGPIPE, SIG_IGN);
	if (c.o.parallel > 1)
		rc = jpool_run(stdin, stdout, destroy_one, &c, c.o.parallel);
	else
		rc = jrec_run(stdin, stdout, destroy_one, &c);
	curl_global_cleanup();
	return rc;
}
