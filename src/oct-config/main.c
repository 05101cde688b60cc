/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-config: the controller's half of configuration.  It reads a load
 * balancer described in Octavia's API v2 JSON, renders its haproxy
 * configuration, and for each appliance record on stdin pushes what the
 * appliance's agent lacks (TLS files, the configuration) and reloads, so
 * that it returns when the appliance serves the new configuration.  An
 * appliance that already serves it is left alone ("changed": false).
 * "show" reports what an agent runs; "delete" removes a load balancer.
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
#include <jansson.h>

#include "afile.h"
#include "ident.h"
#include "ipaddr.h"
#include "jrec.h"
#include "log.h"
#include "state.h"
#include "extern.h"

#define TIMEOUT_DEFAULT	60
#define TIMEOUT_MAX	86400
#define HAPROXY_CMD	"/usr/sbin/haproxy"

enum cmd { CMD_PUSH, CMD_SHOW, CMD_DELETE, CMD_PLUG };

static const struct {
	const char	*name;
	enum cmd	 cmd;
} cmds[] = {
	{ "delete",	CMD_DELETE },
	{ "plug",	CMD_PLUG },
	{ "push",	CMD_PUSH },
	{ "show",	CMD_SHOW },
};

enum {
	OPT_BASE_PATH = 256, OPT_CA, OPT_CERT, OPT_DRY_RUN, OPT_HAPROXY_CMD,
	OPT_KEY, OPT_LB, OPT_LB_ID, OPT_PORT, OPT_PRINT, OPT_RESERVED_IPS,
	OPT_TIMEOUT, OPT_TLS_DIR, OPT_VERSION, OPT_VIP
};

static const struct option longopts[] = {
	{ "base-path",	required_argument,	NULL,	OPT_BASE_PATH },
	{ "ca",		required_argument,	NULL,	OPT_CA },
	{ "cert",	required_argument,	NULL,	OPT_CERT },
	{ "dry-run",	no_argument,		NULL,	OPT_DRY_RUN },
	{ "haproxy-cmd", required_argument,	NULL,	OPT_HAPROXY_CMD },
	{ "help",	no_argument,		NULL,	'h' },
	{ "key",	required_argument,	NULL,	OPT_KEY },
	{ "lb",		required_argument,	NULL,	OPT_LB },
	{ "lb-id",	required_argument,	NULL,	OPT_LB_ID },
	{ "port",	required_argument,	NULL,	OPT_PORT },
	{ "print",	no_argument,		NULL,	OPT_PRINT },
	{ "reserved-ips", required_argument,	NULL,	OPT_RESERVED_IPS },
	{ "timeout",	required_argument,	NULL,	OPT_TIMEOUT },
	{ "tls-dir",	required_argument,	NULL,	OPT_TLS_DIR },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ "vip",	required_argument,	NULL,	OPT_VIP },
	{ NULL,		0,			NULL,	0 }
};

static void __attribute__((__noreturn__))
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: %s [-hv] [--base-path dir] [--ca file] [--cert file] "
	    "[--dry-run] [--haproxy-cmd path] [--key file] [--lb file] "
	    "[--lb-id id] [--port port] [--print] [--reserved-ips list] "
	    "[--timeout seconds] [--tls-dir dir ...] [--version] "
	    "[--vip address] [delete | plug | push | show]\n",
	    getprogname());
	exit(code);
}

/* fds 0-2 open, SIGPIPE ignored: stray sockets must not become stdout. */
static void
sane_stdio(void)
{
	int	 fd;

	for (fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			exit(EX_OSERR);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		exit(EX_OSERR);
}

/*
 * The client's TLS files: the options, else the state directory's.  Each
 * must be readable and the key private.  Returns 0 or an exit code.
 */
static int
tls_files(struct conf *c, char *ca, char *cert, char *key, size_t sz)
{
	const char	*f[3];
	size_t		 i;
	int		 rc = 0;

	if (c->aopts.ca == NULL) {
		if (state_path(ca, sz, "ca/ca.pem") == -1)
			return EX_CONFIG;
		c->aopts.ca = ca;
	}
	if (c->aopts.cert == NULL) {
		if (state_path(cert, sz, "controller/client.pem") == -1)
			return EX_CONFIG;
		c->aopts.cert = cert;
	}
	if (c->aopts.key == NULL) {
		if (state_path(key, sz, "controller/client.key") == -1)
			return EX_CONFIG;
		c->aopts.key = key;
	}
	f[0] = c->aopts.ca;
	f[1] = c->aopts.cert;
	f[2] = c->aopts.key;
	for (i = 0; i < 3; i++)
		if (access(f[i], R_OK) == -1) {
			log_warn("%s", f[i]);
			if (rc == 0)
				rc = EX_NOINPUT;
		}
	if (rc == 0 && afile_private_ok(c->aopts.key) == -1) {
		if (errno == EPERM) {
			log_warnx("%s: key readable by group or others",
			    c->aopts.key);
			rc = EX_NOPERM;
		} else {
			log_warn("%s", c->aopts.key);
			rc = EX_NOINPUT;
		}
	}
	return rc;
}

/* The records loop of cmd; with show --print, records are not written. */
static int
run(enum cmd cmd, struct conf *c)
{
	FILE	*out = stdout;
	jrec_fn	 fn;
	int	 rc;

	fn = cmd == CMD_PUSH ? push_record : cmd == CMD_SHOW ? show_record :
	    cmd == CMD_PLUG ? plug_record : delete_record;
	if (cmd == CMD_SHOW && c->print &&
	    (out = fopen("/dev/null", "w")) == NULL) {
		log_warn("/dev/null");
		return EX_OSERR;
	}
	rc = jrec_run(stdin, out, fn, c);
	if (out != stdout && fclose(out) == EOF && rc == 0)
		rc = EX_IOERR;
	return rc;
}

int
main(int argc, char *argv[])
{
	struct conf	 c;
	enum cmd	 cmd = CMD_PUSH;
	const char	*errstr;
	char		 ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX];
	char		*dirs[TLS_DIRS_MAX];
	size_t		 i, ndirs = 0;
	int		 ch, dry_run = 0, ne = 0, verbose = 0, rc;

	sane_stdio();
	memset(&c, 0, sizeof(c));
	c.timeout_s = TIMEOUT_DEFAULT;
	c.haproxy_cmd = HAPROXY_CMD;
	while ((ch = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_BASE_PATH:
			c.hopts.base_path = optarg;
			break;
		case OPT_CA:
			c.aopts.ca = optarg;
			break;
		case OPT_CERT:
			c.aopts.cert = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = 1;
			break;
		case 'h':
			usage(0);
		case OPT_HAPROXY_CMD:
			c.haproxy_cmd = optarg;
			c.haproxy_cmd_given = 1;
			break;
		case OPT_KEY:
			c.aopts.key = optarg;
			break;
		case OPT_LB:
			c.lb_file = optarg;
			break;
		case OPT_LB_ID:
			c.lb_id = optarg;
			break;
		case OPT_PORT:
			c.port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL) {
				log_warnx("--port %s: %s", optarg, errstr);
				usage(EX_USAGE);
			}
			break;
		case OPT_PRINT:
			c.print = 1;
			break;
		case OPT_RESERVED_IPS:
			c.reserved_ips = optarg;
			break;
		case OPT_TIMEOUT:
			c.timeout_s = (double)strtonum(optarg, 1, TIMEOUT_MAX,
			    &errstr);
			if (errstr != NULL) {
				log_warnx("--timeout %s: %s", optarg, errstr);
				usage(EX_USAGE);
			}
			break;
		case OPT_TLS_DIR:
			if (ndirs == TLS_DIRS_MAX) {
				log_warnx("--tls-dir: at most %d", TLS_DIRS_MAX);
				usage(EX_USAGE);
			}
			dirs[ndirs++] = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case OPT_VERSION:
			printf("%s %s\n", getprogname(), OCT_VERSION);
			return 0;
		case OPT_VIP:
			c.vip = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	log_init(verbose);

	if (argc > 1)
		usage(EX_USAGE);
	if (argc == 1) {
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[0], cmds[i].name) == 0)
				break;
		if (i == sizeof(cmds) / sizeof(cmds[0])) {
			log_warnx("%s: unknown command", argv[0]);
			usage(EX_USAGE);
		}
		cmd = cmds[i].cmd;
	}
	if (cmd == CMD_PUSH && c.lb_file == NULL)
		ne++, log_warnx("push needs --lb");
	if (cmd == CMD_PUSH && c.lb_id != NULL)
		ne++, log_warnx("--lb-id is for show and delete");
	if (cmd != CMD_PUSH && dry_run)
		ne++, log_warnx("--dry-run is for push");
	if (cmd != CMD_PUSH && c.vip != NULL)
		ne++, log_warnx("--vip is for push");
	if (c.vip != NULL && !ipaddr_unicast(c.vip))
		ne++, log_warnx("--vip %s: not a unicast IP address", c.vip);
	if (cmd != CMD_SHOW && c.print)
		ne++, log_warnx("--print is for show");
	if (c.lb_id != NULL && c.lb_file != NULL)
		ne++, log_warnx("--lb-id and --lb exclude each other");
	if (c.lb_id != NULL && !ident_ok(c.lb_id))
		ne++, log_warnx("--lb-id %s: not a safe name", c.lb_id);
	if (c.lb_file == NULL && (ndirs > 0 || c.reserved_ips != NULL))
		ne++, log_warnx("--tls-dir and --reserved-ips need --lb");
	if (ne > 0)
		usage(EX_USAGE);
	if ((rc = model_opts(&c, dirs, ndirs)) != 0)
		goto out;

	c.aopts.connect_timeout_ms = 10000;
	c.aopts.timeout_ms = (long)c.timeout_s * 1000;
	if (c.lb_file != NULL && (rc = model_load(&c)) != 0)
		goto out;
	if (cmd == CMD_PUSH && (rc = check_local(&c)) != 0)
		goto out;
	if (dry_run) {
		rc = push_dry_run(&c);
		goto out;
	}
	if ((rc = tls_files(&c, ca, cert, key, sizeof(ca))) != 0)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("curl_global_init failed");
		rc = EX_OSERR;
		goto out;
	}
	rc = run(cmd, &c);
	curl_global_cleanup();
 out:
	model_free(&c);
	return rc;
}
