/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-cert: the controller's certificate authority.  "ca" creates the CA
 * in the state directory once; "issue" reads JSON Lines records and gives
 * each a server or client certificate signed by it, adding the "cert"
 * object; "show" prints a certificate's facts; "verify" checks records'
 * certificates against the CA and says precisely what is wrong.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>

#include "extern.h"
#include "log.h"
#include "tool.h"

#define O_DAYS		0x01
#define O_KEY		0x02
#define O_ROLE		0x04
#define O_RENEW		0x08
#define O_ID		0x10

enum {
	OPT_VERSION = 256,
	OPT_DAYS,
	OPT_KEY,
	OPT_RENEW,
	OPT_ID,
	OPT_ROLE
};

static const struct cmd {
	const char	*name;
	int		(*fn)(const struct opts *);
	int		 opts;		/* the options it takes */
	int		 nargs;		/* operands */
} cmds[] = {
	{ "ca",		cmd_ca,		O_DAYS | O_KEY,			0 },
	{ "issue",	cmd_issue,	O_DAYS | O_KEY | O_ROLE | O_RENEW |
					O_ID,				0 },
	{ "show",	cmd_show,	0,				1 },
	{ "verify",	cmd_verify,	O_ROLE,				0 },
};

static const struct option longopts[] = {
	{ "days",		required_argument,	NULL, OPT_DAYS },
	{ "help",		no_argument,		NULL, 'h' },
	{ "id",			required_argument,	NULL, OPT_ID },
	{ "key",		required_argument,	NULL, OPT_KEY },
	{ "renew-before",	required_argument,	NULL, OPT_RENEW },
	{ "role",		required_argument,	NULL, OPT_ROLE },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static void __attribute__((__noreturn__))
usage(int code)
{
	FILE	*fp = code == 0 ? stdout : stderr;

	fprintf(fp,
	    "usage: oct-cert [-hv] [--version] ca [--days N] [--key TYPE]\n"
	    "       oct-cert [-hv] issue --role server|client [--days N] "
	    "[--key TYPE]\n"
	    "                [--renew-before DAYS] [--id ID]\n"
	    "       oct-cert [-hv] show FILE\n"
	    "       oct-cert [-hv] verify [--role server|client]\n");
	exit(code);
}

static const struct cmd *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/*
 * Parse the options of a subcommand (argv[0] is its name) into o.  Warns
 * about every problem and returns their count.
 */
static int
cmd_opts(const struct cmd *c, int argc, char *argv[], struct opts *o,
    int *verbose)
{
	const char	*name;
	int		 ch, ne = 0, bit, min;

	optind = 0;	/* glibc: start over on the new argv */
	while ((ch = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'v':
			(*verbose)++;
			continue;
		case OPT_VERSION:
			puts("oct-cert " OCT_VERSION);
			exit(0);
		case OPT_DAYS:
			bit = O_DAYS;
			name = "--days";
			/* 0 days: expired at once, for tests. */
			min = strcmp(c->name, "ca") == 0 ? 1 : 0;
			o->days = (int)tool_num("--days", optarg, min,
			    DAYS_MAX, &ne);
			break;
		case OPT_KEY:
			bit = O_KEY;
			name = "--key";
			o->key = optarg;
			if (!key_spec_ok(optarg)) {
				log_warnx("--key %s: not one of rsa:2048 "
				    "rsa:3072 rsa:4096 ec:p256 ec:p384",
				    optarg);
				ne++;
			}
			break;
		case OPT_ROLE:
			bit = O_ROLE;
			name = "--role";
			if (strcmp(optarg, "server") == 0)
				o->role = ROLE_SERVER;
			else if (strcmp(optarg, "client") == 0)
				o->role = ROLE_CLIENT;
			else {
				log_warnx("--role %s: not server or client",
				    optarg);
				ne++;
			}
			break;
		case OPT_RENEW:
			bit = O_RENEW;
			name = "--renew-before";
			o->renew_before = (int)tool_num("--renew-before",
			    optarg, 0, DAYS_MAX, &ne);
			break;
		case OPT_ID:
			bit = O_ID;
			name = "--id";
			o->id = optarg;
			break;
		default:
			ne++;
			continue;
		}
		if (!(c->opts & bit)) {
			log_warnx("%s: no %s option", c->name, name);
			ne++;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != c->nargs) {
		log_warnx("%s: %s operand%s", c->name, argc < c->nargs ?
		    "missing" : "unexpected", argc < c->nargs ? "" : "s");
		ne++;
	} else if (c->nargs == 1)
		o->file = argv[0];
	if (strcmp(c->name, "issue") == 0 && o->role == ROLE_NONE &&
	    (c->opts & O_ROLE)) {
		log_warnx("issue: --role server|client is required");
		ne++;
	}
	return ne;
}

int
main(int argc, char *argv[])
{
	const struct cmd	*c;
	struct opts		 o;
	int			 ch, verbose = 0, rc;

	umask(077);
	if ((rc = tool_start(0)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.days = -1;
	o.renew_before = -1;
	o.key = "ec:p256";

	while ((ch = getopt_long(argc, argv, "+hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'v':
			verbose++;
			break;
		case OPT_VERSION:
			puts("oct-cert " OCT_VERSION);
			return 0;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		log_warnx("missing subcommand");
		usage(EX_USAGE);
	}
	if ((c = cmd_find(argv[0])) == NULL) {
		log_warnx("%s: unknown subcommand", argv[0]);
		usage(EX_USAGE);
	}
	if (cmd_opts(c, argc, argv, &o, &verbose) != 0)
		usage(EX_USAGE);
	if (c->opts & O_ROLE && o.role == ROLE_NONE)
		o.role = ROLE_SERVER;
	log_init(verbose);

	return tool_end(0, c->fn(&o));
}
