/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drv_netns_agent: the netns driver's appliance contents: its files
 * (ampfiles.h) below its directory, and oct-agent started inside it.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "ampfiles.h"
#include "drv_netns_int.h"
#include "jrec.h"
#include "log.h"
#include "netns.h"

/* dir + path (absolute on the appliance), or -1 when too long. */
static int
below(char *buf, size_t bufsz, const char *dir, const char *path)
{
	if ((size_t)snprintf(buf, bufsz, "%s%s", dir, path) >= bufsz) {
		log_warnx("%s%s: path too long", dir, path);
		return -1;
	}
	return 0;
}

/* Write the set (and the debug key) below dir.  0 or -1 (logged). */
static int
files_write(const char *dir, const struct amp_files *fs, const char *ssh,
    size_t sshlen)
{
	char	 path[PATH_MAX];
	size_t	 i;

	if (below(path, sizeof(path), dir, AMP_ETC_DIR "/certs") == -1 ||
	    afile_mkdirs(path, 0700) == -1 ||
	    below(path, sizeof(path), dir, AMP_VAR_DIR) == -1 ||
	    afile_mkdirs(path, 0755) == -1)
		return -1;
	for (i = 0; i < AMP_NFILES; i++)
		if (below(path, sizeof(path), dir, fs->f[i].path) == -1 ||
		    afile_write(path, fs->f[i].data, fs->f[i].len,
		    fs->f[i].mode, 0) == -1)
			return -1;
	if (ssh != NULL && (below(path, sizeof(path), dir,
	    "/root/.ssh") == -1 || afile_mkdirs(path, 0700) == -1 ||
	    below(path, sizeof(path), dir,
	    "/root/.ssh/authorized_keys") == -1 ||
	    afile_write(path, ssh, sshlen, 0600, 0) == -1))
		return -1;
	return 0;
}

int
nsd_files_put(json_t *rec, const struct names *n, const char *ssh_key,
    const char *addr, int port)
{
	struct amp_files fs;
	char		*ssh = NULL;
	size_t		 sshlen = 0;
	int		 rc;

	if (ssh_key != NULL &&
	    (ssh = afile_read(ssh_key, 64 * 1024, &sshlen)) == NULL)
		return jrec_fail(rec, EX_NOINPUT, "%s: %s", ssh_key,
		    strerror(errno));
	if ((rc = amp_files_load(&fs, rec, addr, port)) == 0 &&
	    files_write(n->dir, &fs, ssh, sshlen) == -1)
		rc = jrec_fail(rec, EX_CANTCREAT, "%s: cannot write the "
		    "appliance's files", n->dir);
	amp_files_free(&fs);
	free(ssh);
	return rc;
}

/* The last line of the agent's log, for messages. */
static void
log_tail(const char *dir, char *buf, size_t bufsz)
{
	char	 path[PATH_MAX], *text, *p;
	size_t	 len;

	buf[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/agent.log", dir) >=
	    sizeof(path) || (text = afile_read(path, 1024 * 1024, &len)) ==
	    NULL)
		return;
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	p = strrchr(text, '\n');
	(void)strlcpy(buf, p != NULL ? p + 1 : text, bufsz);
	free(text);
}

/* Start oct-agent in the appliance and wait until it accepts connections. */
int
nsd_agent_start(json_t *rec, const struct names *n, const char *agent,
    const char *addr, int port, int timeout_s, pid_t *pidp)
{
	char		 etc[PATH_MAX], var[PATH_MAX], logf[PATH_MAX];
	char		 tail[256], host[65];
	const char	*binds[5], *argv[4];
	static const char *const envp[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		    "/sbin:/bin",
		NULL
	};
	struct netns_spawn sp;
	long long	 end;
	pid_t		 pid;
	int		 st;

	if ((size_t)snprintf(etc, sizeof(etc), "%s" AMP_ETC_DIR, n->dir) >=
	    sizeof(etc) ||
	    (size_t)snprintf(var, sizeof(var), "%s" AMP_VAR_DIR, n->dir) >=
	    sizeof(var) ||
	    (size_t)snprintf(logf, sizeof(logf), "%s/agent.log", n->dir) >=
	    sizeof(logf))
		return jrec_fail(rec, EX_SOFTWARE, "%s: path too long", n->dir);
	/* The bind mounts need their targets; an amphora has them. */
	if (afile_mkdirs(AMP_ETC_DIR, 0755) == -1 ||
	    afile_mkdirs(AMP_VAR_DIR, 0755) == -1)
		return jrec_fail(rec, EX_OSERR, "cannot make /etc/octavia "
		    "and /var/lib/octavia: %s", strerror(errno));
	binds[0] = etc;
	binds[1] = AMP_ETC_DIR;
	binds[2] = var;
	binds[3] = AMP_VAR_DIR;
	binds[4] = NULL;
	argv[0] = agent;
	argv[1] = "--config-file";
	argv[2] = AMP_CONF;
	argv[3] = NULL;
	/* As Octavia names its amphorae (HOST_NAME_MAX is 64). */
	(void)snprintf(host, sizeof(host), "amphora-%s", jrec_id(rec));
	memset(&sp, 0, sizeof(sp));
	sp.netns = n->ns;
	sp.hostname = host;
	sp.binds = binds;
	sp.log = logf;
	sp.argv = argv;
	sp.envp = envp;
	if ((pid = netns_spawn(&sp)) == -1)
		return jrec_fail(rec, EX_OSERR, "cannot start the agent");
	*pidp = pid;
	log_debug("%s: agent %s pid %d", n->ns, agent, (int)pid);
	end = netns_now_ms() + timeout_s * 1000LL;
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			*pidp = -1;
			log_tail(n->dir, tail, sizeof(tail));
			return jrec_fail(rec, EX_UNAVAILABLE, "agent exited "
			    "with %d: %s", WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st), tail);
		}
		if (netns_tcp_probe(addr, port, 200) == 0)
			return 0;
		if (netns_now_ms() >= end)
			return jrec_fail(rec, EX_TEMPFAIL, "agent not listening "
			    "on %s:%d after %d s", addr, port, timeout_s);
		netns_sleep_ms(20);
	}
}
