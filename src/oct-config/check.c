/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local check: run `haproxy -c` on the rendered configuration, with the
 * TLS files laid out beside it in a private temporary directory, before
 * anything is pushed.  The agent checks each upload too, but a TLS file is
 * replaced on the agent before the configuration that uses it is checked
 * (Octavia's order), so a certificate whose key does not match would
 * otherwise land on the appliance and break its next reload.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "afile.h"
#include "log.h"
#include "extern.h"

#define CHECK_OUT_MAX	(64 * 1024)

extern char	**environ;

static int	 pathf(char *, size_t, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* snprintf into a path buffer; -1 (ENAMETOOLONG) when it does not fit. */
static int
pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Run cmd -c -f cfg; collect its output into out (NUL-terminated, cut at
 * outsz).  Returns its exit status, or -1 when it could not be run (logged).
 */
static int
run_check(const char *cmd, const char *cfg, char *out, size_t outsz)
{
	posix_spawn_file_actions_t	 fa;
	char				*argv[5];
	pid_t				 pid;
	size_t				 len = 0;
	ssize_t				 n;
	int				 p[2], st, rc = -1, fa_ok = 0;
	char				 sink[4096];

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("pipe2");
		return -1;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		log_warnx("posix_spawn_file_actions_init failed");
		goto out;
	}
	fa_ok = 1;
	if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
	    0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, p[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, p[1], 2) != 0) {
		log_warnx("posix_spawn_file_actions failed");
		goto out;
	}
	argv[0] = (char *)(uintptr_t)cmd;
	argv[1] = (char *)(uintptr_t)"-c";
	argv[2] = (char *)(uintptr_t)"-f";
	argv[3] = (char *)(uintptr_t)cfg;
	argv[4] = NULL;
	if ((errno = posix_spawn(&pid, cmd, &fa, NULL, argv, environ)) != 0) {
		log_warn("%s", cmd);
		goto out;
	}
	close(p[1]);
	p[1] = -1;
	for (;;) {
		if (len + 1 < outsz)
			n = read(p[0], out + len, outsz - len - 1);
		else
			n = read(p[0], sink, sizeof(sink));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < outsz)
			len += (size_t)n;
	}
	out[len] = '\0';
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			log_warn("waitpid");
			goto out;
		}
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
 out:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	close(p[0]);
	if (p[1] != -1)
		close(p[1]);
	return rc;
}

/*
 * haproxy's output on one line into buf: its [ALERT] lines (they say what
 * is wrong; the notices around them do not), or every line when there is
 * no alert, joined with " | " after prefix.
 */
void
haproxy_alerts(const char *out, const char *prefix, char *buf, size_t bufsz)
{
	const char	*line, *end;
	size_t		 n, used;
	int		 alerts, first = 1;

	snprintf(buf, bufsz, "%s", prefix);
	alerts = strstr(out, "[ALERT]") != NULL;
	for (line = out; *line != '\0'; line = end) {
		n = strcspn(line, "\n");
		end = line[n] == '\n' ? line + n + 1 : line + n;
		if (alerts && memmem(line, n, "[ALERT]", 7) == NULL)
			continue;
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		used = strlen(buf);
		snprintf(buf + used, bufsz - used, "%s%.*s",
		    first ? "" : " | ", (int)n, line);
		first = 0;
	}
}

/*
 * Check the model's configuration with c->haproxy_cmd before anything is
 * pushed.  Returns 0 (also when no haproxy is installed here: then the
 * agent's own check is the only one), EX_DATAERR when haproxy rejects it,
 * or another exit code when the check could not be made.
 */
int
check_local(struct conf *c)
{
	struct hacfg_opts	 o;
	char			 dir[PATH_MAX], certs[PATH_MAX];
	char			 lbdir[PATH_MAX];
	char			 cfg[PATH_MAX], f[PATH_MAX], err[1024];
	char			 msg[2048];
	char			*text = NULL, *out = NULL;
	const char		*tmp;
	size_t			 i, len;
	int			 rc = EX_OSERR, made = 0, st;

	cfg[0] = '\0';
	if (access(c->haproxy_cmd, X_OK) == -1) {
		if (c->haproxy_cmd_given) {
			log_warn("%s", c->haproxy_cmd);
			return EX_NOINPUT;
		}
		log_debug("%s: not here, no local check", c->haproxy_cmd);
		return 0;
	}
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (pathf(dir, sizeof(dir), "%s/oct-config.XXXXXX", tmp) == -1 ||
	    mkdtemp(dir) == NULL) {
		log_warn("%s: mkdtemp", tmp);
		return EX_CANTCREAT;
	}
	made = 1;
	lbdir[0] = certs[0] = '\0';
	if (pathf(certs, sizeof(certs), "%s/certs", dir) == -1 ||
	    pathf(lbdir, sizeof(lbdir), "%s/%s", certs, lb_id(c->lb)) == -1 ||
	    afile_mkdirs(lbdir, 0700) == -1) {
		log_warn("%s", lbdir);
		rc = EX_CANTCREAT;
		goto out;
	}
	for (i = 0; i < c->npems; i++) {
		if (pathf(f, sizeof(f), "%s/%s", lbdir, c->pems[i].name) ==
		    -1 || afile_write(f, c->pems[i].buf,
		    c->pems[i].len, 0600, AFILE_NOREPLACE) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
	}
	memset(&o, 0, sizeof(o));
	o.base_path = dir;
	o.cert_dir = certs;
	/* haproxy -c binds nothing: any address does for a model without. */
	o.vip = lb_vip(c->lb) != NULL ? NULL : "127.0.0.1";
	if ((text = hacfg_render(c->lb, &o, &len, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s", c->lb_file, err);
		rc = EX_DATAERR;
		goto out;
	}
	if (pathf(cfg, sizeof(cfg), "%s/haproxy.cfg", dir) == -1 ||
	    afile_write(cfg, text, len, 0600, AFILE_NOREPLACE) == -1) {
		cfg[0] = '\0';
		rc = EX_CANTCREAT;
		goto out;
	}
	if ((out = malloc(CHECK_OUT_MAX)) == NULL) {
		log_warn("malloc");
		goto out;
	}
	if ((st = run_check(c->haproxy_cmd, cfg, out, CHECK_OUT_MAX)) == -1)
		goto out;
	if (st != 0) {
		haproxy_alerts(out, "", msg, sizeof(msg));
		log_warnx("%s: haproxy -c: %s", c->lb_file, msg);
		rc = EX_DATAERR;
		goto out;
	}
	log_debug("%s: haproxy -c: valid", c->lb_file);
	rc = 0;
 out:
	free(text);
	free(out);
	if (made) {
		for (i = 0; lbdir[0] != '\0' && i < c->npems; i++)
			if (pathf(f, sizeof(f), "%s/%s", lbdir,
			    c->pems[i].name) == 0)
				(void)unlink(f);
		if (cfg[0] != '\0')
			(void)unlink(cfg);
		if (lbdir[0] != '\0')
			(void)rmdir(lbdir);
		(void)rmdir(certs);
		if (rmdir(dir) == -1)
			log_warn("%s", dir);
	}
	return rc;
}
