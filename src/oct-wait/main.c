/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-wait: wait until appliances are up, or check once how they are.
 *
 * Reads appliance records (JSON Lines) on stdin.  For each, waits until its
 * address answers ICMP echo, then until its agent answers GET /1.0/info over
 * mutual TLS, and writes the record out with "agent" and "status":"READY".
 * With --once it probes each record once and reports READY, UNREACHABLE,
 * AGENT_DOWN or DEGRADED, with "health", for a cron health check.  Many
 * records are probed at once with --parallel.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "afile.h"
#include "agentc.h"
#include "extern.h"
#include "log.h"
#include "state.h"

#ifndef OCT_VERSION
#define OCT_VERSION	"0"
#endif

enum {
	OPT_CA = 256, OPT_CERT, OPT_KEY, OPT_ONCE, OPT_PARALLEL,
	OPT_PING_TIMEOUT, OPT_PORT, OPT_SAVE, OPT_TIMEOUT, OPT_VERSION
};

static const struct option longopts[] = {
	{ "ca",			required_argument,	NULL, OPT_CA },
	{ "cert",		required_argument,	NULL, OPT_CERT },
	{ "help",		no_argument,		NULL, 'h' },
	{ "key",		required_argument,	NULL, OPT_KEY },
	{ "once",		no_argument,		NULL, OPT_ONCE },
	{ "parallel",		required_argument,	NULL, OPT_PARALLEL },
	{ "ping-timeout",	required_argument,	NULL, OPT_PING_TIMEOUT },
	{ "port",		required_argument,	NULL, OPT_PORT },
	{ "save",		no_argument,		NULL, OPT_SAVE },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "unordered",		no_argument,		NULL, 'u' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL,			0,			NULL, 0 }
};

static void __attribute__((__noreturn__))
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: %s [-huv] [--ca file] [--cert file] [--key file] "
	    "[--once] [--parallel n] [--ping-timeout seconds] [--port port] "
	    "[--save] [--timeout seconds] [--version]\n", getprogname());
	exit(code);
}

/* A number from an option, or usage. */
static long long
xnum(const char *opt, const char *s, long long min, long long max)
{
	const char	*es;
	long long	 n;

	n = strtonum(s, min, max, &es);
	if (es != NULL) {
		log_warnx("--%s %s: %s (%lld..%lld)", opt, s, es, min, max);
		usage(EX_USAGE);
	}
	return n;
}

/* Make sure fds 0-2 are open, so no socket becomes stdout. */
static void
xstdfds(void)
{
	int	 fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", O_RDWR) != fd)
			exit(EX_OSERR);
}

/*
 * Check a file we need; a default comes from the state directory.  Returns
 * 0 or the exit code of the problem (warned about).
 */
static int
file_check(const char **pathp, const char *sub, int private)
{
	static char	 bufs[3][PATH_MAX];
	static int	 nb;

	if (*pathp == NULL) {
		if (nb >= 3 || state_path(bufs[nb], sizeof(bufs[nb]), "%s",
		    sub) == -1)
			return EX_CONFIG;
		*pathp = bufs[nb++];
	}
	if (access(*pathp, R_OK) == -1) {
		log_warn("%s", *pathp);
		return EX_NOINPUT;
	}
	if (private && afile_private_ok(*pathp) == -1) {
		if (errno == EPERM) {
			log_warnx("%s: key file is group or world "
			    "accessible", *pathp);
			return EX_NOPERM;
		}
		log_warn("%s", *pathp);
		return EX_NOINPUT;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct wait_opts	 o;
	int			 ch, verbose = 0, rc, code, ping_set = 0;
	int			 timeout_set = 0;

	xstdfds();
	memset(&o, 0, sizeof(o));
	o.parallel = 1;
	o.port = AGENTC_PORT;
	while ((ch = getopt_long(argc, argv, "huv", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_CA:
			o.ca = optarg;
			break;
		case OPT_CERT:
			o.cert = optarg;
			break;
		case 'h':
			usage(0);
		case OPT_KEY:
			o.key = optarg;
			break;
		case OPT_ONCE:
			o.once = 1;
			break;
		case OPT_PARALLEL:
			o.parallel = (int)xnum("parallel", optarg, 1, 10000);
			break;
		case OPT_PING_TIMEOUT:
			o.ping_timeout_s = (int)xnum("ping-timeout", optarg,
			    0, 86400);
			ping_set = 1;
			break;
		case OPT_PORT:
			o.port = (int)xnum("port", optarg, 1, 65535);
			break;
		case OPT_SAVE:
			o.save = 1;
			break;
		case OPT_TIMEOUT:
			o.timeout_s = (int)xnum("timeout", optarg, 1, 86400);
			timeout_set = 1;
			break;
		case 'u':
			o.unordered = 1;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_VERSION:
			printf("%s %s\n", getprogname(), OCT_VERSION);
			return 0;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0) {
		log_warnx("%s: unexpected operand", argv[0]);
		usage(EX_USAGE);
	}
	log_init(verbose);
	if (!ping_set)
		o.ping_timeout_s = o.once ? 1 : 60;
	if (!timeout_set)
		o.timeout_s = o.once ? 5 : 300;
	o.progress = isatty(STDERR_FILENO);

	/* Every pre-flight problem, then one exit. */
	rc = 0;
	if ((code = file_check(&o.ca, "ca/ca.pem", 0)) != 0 && rc == 0)
		rc = code;
	if ((code = file_check(&o.cert, "controller/client.pem", 0)) != 0 &&
	    rc == 0)
		rc = code;
	if ((code = file_check(&o.key, "controller/client.key", 1)) != 0 &&
	    rc == 0)
		rc = code;
	if (rc != 0)
		return rc;

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		log_warn("signal");
		return EX_OSERR;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("curl_global_init failed");
		return EX_OSERR;
	}
	rc = wait_run(stdin, stdout, &o);
	agentc_cache_free();
	if (fflush(stdout) == EOF && rc == 0) {
		log_warn("stdout");
		rc = EX_IOERR;
	}
	curl_global_cleanup();
	return rc;
}
