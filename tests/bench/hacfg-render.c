/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hacfg-render: run the renderer from the shell (tests and benchmarks).
 * Reads an Octavia load balancer JSON file, validates it and prints the
 * haproxy configuration; a model that is not valid gives one line
 * "hacfg-render: <path>: <fault>" on stderr and exit 65.
 *
 *	hacfg-render [-Ct] [-b base_path] [-c cert_dir] [-D tls_dir]
 *	    [-n count] [-R reserved_ips] [-V vip] file
 *
 * -C checks the files the model names and installs them (and the generated
 * crt-lists) into <cert_dir>/<lb_id>/ so that haproxy -c can load them;
 * -D names a directory certificate refs may use (repeatable; default: the
 * model's own, as oct-config's --tls-dir); -R the reserved addresses (as
 * oct-config's --reserved-ips); -t prints parse and render times and the
 * process's CPU time on stderr; -n renders count times.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "hacfg.h"
#include "jrec.h"
#include "lbmodel.h"

#define FILE_MAX	(256 * 1024 * 1024)
#define DIRS_MAX	16

static void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr, "usage: hacfg-render [-Ct] "
	    "[-b base_path] [-c cert_dir] [-D tls_dir] [-n count] "
	    "[-R reserved_ips] [-V vip] file\n");
	exit(code);
}

/* CPU time of this process so far, ms (user and system). */
static double
cpu_ms(void)
{
	struct rusage	 ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Copy the model's files into dir (<cert_dir>/<lb_id>). */
static int
install(const struct lb *lb, const char *dir)
{
	char		 path[PATH_MAX], *buf, msg[1024];
	const char	*data;
	size_t		 i, len;
	int		 rc;

	if (afile_mkdirs(dir, 0700) == -1) {
		warn("%s", dir);
		return -1;
	}
	for (i = 0; i < lb_ncerts(lb); i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		    lb_cert_name(lb, i)) >= (int)sizeof(path)) {
			warnx("%s: path too long", dir);
			return -1;
		}
		if ((data = lb_cert_data(lb, i, &len)) != NULL) {
			if (afile_write(path, data, len, 0600, 0) == -1)
				return -1;
			continue;
		}
		if ((buf = lb_cert_read(lb, i, 1024 * 1024, &len, msg,
		    sizeof(msg))) == NULL) {
			warnx("%s", msg);
			return -1;
		}
		rc = afile_write(path, buf, len, 0600, 0);
		freezero(buf, len);
		if (rc == -1)
			return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	struct hacfg_opts opts;
	struct lb_opts	 lopts;
	struct lb	*lb = NULL;
	json_t		*doc = NULL;
	char		*buf = NULL, *cfg = NULL, *dcopy = NULL;
	char		 msg[1024], dir[PATH_MAX], *dirs[DIRS_MAX];
	const char	*errstr;
	size_t		 len, cfglen = 0;
	double		 t0, tj, t1, t2;
	long long	 count = 1, i;
	int		 ch, check = 0, timing = 0, rc = EX_DATAERR;

	memset(&opts, 0, sizeof(opts));
	memset(&lopts, 0, sizeof(lopts));
	while ((ch = getopt(argc, argv, "b:Cc:D:hn:R:tV:")) != -1) {
		switch (ch) {
		case 'b':
			opts.base_path = optarg;
			break;
		case 'C':
			check = 1;
			break;
		case 'c':
			opts.cert_dir = optarg;
			break;
		case 'D':
			if (lopts.ntls_dirs == DIRS_MAX)
				errx(EX_USAGE, "-D: at most %d", DIRS_MAX);
			if ((dirs[lopts.ntls_dirs] = realpath(optarg,
			    NULL)) == NULL)
				err(EX_NOINPUT, "%s", optarg);
			lopts.ntls_dirs++;
			break;
		case 'h':
			usage(0);
			break;
		case 'n':
			count = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, errstr);
			break;
		case 'R':
			lopts.reserved_ips = optarg;
			break;
		case 't':
			timing = 1;
			break;
		case 'V':
			opts.vip = optarg;
			break;
		default:
			usage(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(EX_USAGE);

	if ((buf = afile_read(argv[0], FILE_MAX, &len)) == NULL)
		err(EX_NOINPUT, "%s", argv[0]);
	t0 = now_ms();
	if ((doc = jrec_parse(buf, len, msg, sizeof(msg))) == NULL) {
		warnx("%s: %s", argv[0], msg);
		goto out;
	}
	tj = now_ms();
	if (lopts.ntls_dirs == 0) {
		if ((dcopy = realpath(argv[0], NULL)) == NULL)
			err(EX_NOINPUT, "%s", argv[0]);
		dirs[lopts.ntls_dirs++] = dirname(dcopy);
	}
	lopts.tls_dirs = (const char *const *)dirs;
	if ((lb = lb_parse_opts(doc, &lopts, msg, sizeof(msg))) == NULL) {
		warnx("%s", msg);
		goto out;
	}
	t1 = now_ms();
	for (i = 0; i < count; i++) {
		free(cfg);
		if ((cfg = hacfg_render(lb, &opts, &cfglen, msg,
		    sizeof(msg))) == NULL) {
			warnx("%s", msg);
			goto out;
		}
	}
	t2 = now_ms();
	if (check) {
		if (lb_check_files(lb, msg, sizeof(msg)) == -1) {
			warnx("%s", msg);
			rc = EX_NOINPUT;
			goto out;
		}
		if (opts.cert_dir != NULL)
			snprintf(dir, sizeof(dir), "%s/%s", opts.cert_dir,
			    lb_id(lb));
		else
			snprintf(dir, sizeof(dir), "%s/certs/%s",
			    opts.base_path != NULL ? opts.base_path :
			    "/var/lib/octavia", lb_id(lb));
		if (install(lb, dir) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	if (fwrite(cfg, 1, cfglen, stdout) != cfglen || fflush(stdout) != 0) {
		warn("stdout");
		rc = EX_IOERR;
		goto out;
	}
	if (timing)
		fprintf(stderr, "json_ms %.3f model_ms %.3f render_ms %.3f "
		    "bytes %zu cpu_ms %.3f\n", tj - t0, t1 - tj,
		    (t2 - t1) / count, cfglen, cpu_ms());
	rc = 0;
out:
	free(cfg);
	free(buf);
	for (i = 0; dcopy == NULL && i < (long long)lopts.ntls_dirs; i++)
		free(dirs[i]);
	free(dcopy);
	lb_free(lb);
	json_decref(doc);
	return rc;
}
