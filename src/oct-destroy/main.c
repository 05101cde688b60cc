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

#include <jansson.h>

#include "driver.h"
#include "jrec.h"
#include "log.h"

enum {
	OPT_DRIVER = 256,
	OPT_PREFIX,
	OPT_TIMEOUT,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "driver",		required_argument,	NULL, OPT_DRIVER },
	{ "help",		no_argument,		NULL, 'h' },
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

	fprintf(fp, "usage: oct-destroy [-hv] [--driver NAME] [--prefix NAME] "
	    "[--timeout SECONDS]\n");
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
	return d->destroy(rec, &c->o);
}

int
main(int argc, char *argv[])
{
	struct ctx	 c;
	const char	*driver = "netns", *errstr;
	int		 ch, ne = 0, verbose = 0;

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
	(void)signal(SIGPIPE, SIG_IGN);
	return jrec_run(stdin, stdout, destroy_one, &c);
}
