/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sys: the facts of GET /1.0/info and /1.0/details.  Versions are learnt
 * once at start-up (haproxy -v; keepalived and ipvsadm from dpkg's status
 * file), never per request; the rest is read from /proc at each call.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "afile.h"
#include "log.h"
#include "utf8.h"
#include "extern.h"

#define DPKG_STATUS	"/var/lib/dpkg/status"
#define GROUP_CFG	"haproxy-default-user-group.conf"
#define PING_WRAPPER	"ping-wrapper.sh"

/* "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - ..." -> "2.6.12-1" */
static int
haproxy_version(void)
{
	char		*av[] = { agent->conf.haproxy_cmd, "-v", NULL };
	char		*out, *v;
	int		 status = -1;

	if ((out = proc_output(av, &status)) == NULL ||
	    (v = strstr(out, "version ")) == NULL) {
		log_warnx("%s -v: no version", agent->conf.haproxy_cmd);
		free(out);
		return -1;
	}
	v += 8;
	v[strcspn(v, "+ \n")] = '\0';
	(void)strlcpy(agent->haproxy_version, v,
	    sizeof(agent->haproxy_version));
	free(out);
	return 0;
}

/* The Version: of pkg in dpkg's status file (owned), or NULL. */
static char *
dpkg_version(const char *status, const char *pkg)
{
	char		 want[128];
	const char	*p, *end, *v;
	size_t		 n;

	(void)snprintf(want, sizeof(want), "Package: %s\n", pkg);
	for (p = status; (p = strstr(p, want)) != NULL; p++) {
		if (p != status && p[-1] != '\n')
			continue;
		if ((end = strstr(p, "\n\n")) == NULL)
			end = p + strlen(p);
		if ((v = strstr(p, "\nVersion: ")) == NULL || v > end)
			return NULL;
		v += 10;
		n = strcspn(v, "\n");
		return strndup(v, n);
	}
	return NULL;
}

/* haproxy -L: base64url of SHA-1 of the amphora id, no padding. */
static void
peer_name(void)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen;
	char		*p;

	agent->peer_name[0] = '\0';
	if (agent->conf.amphora_id == NULL)
		return;
	if (EVP_Digest(agent->conf.amphora_id,
	    strlen(agent->conf.amphora_id), md, &mdlen, EVP_sha1(),
	    NULL) != 1 || mdlen != 20)
		fatalx("EVP_Digest sha1");
	(void)EVP_EncodeBlock((unsigned char *)agent->peer_name, md, mdlen);
	for (p = agent->peer_name; *p != '\0'; p++) {
		if (*p == '+')
			*p = '_';
		else if (*p == '/')
			*p = '-';
		else if (*p == '=')
			*p = '\0';
	}
}

/*
 * Put text in base_path/name with mode, its path in path, unless it holds
 * that already: written only when it changes, so that an agent starts on a
 * full disk.  Returns 0, or -1 (logged).
 */
static int
put_file(const char *name, const char *text, mode_t mode, char *path,
    size_t pathsz)
{
	struct stat	 st;
	char		*old;
	size_t		 len = strlen(text), oldlen;
	int		 same;

	if (snprintf(path, pathsz, "%s/%s", agent->conf.base_path, name) >=
	    (int)pathsz) {
		log_warnx("%s/%s: path too long", agent->conf.base_path, name);
		return -1;
	}
	old = afile_read(path, len, &oldlen);
	same = old != NULL && oldlen == len && memcmp(old, text, len) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 07777) == mode;
	free(old);
	if (same)
		return 0;
	return afile_write(path, text, len, mode, 0);
}

/*
 * haproxy's global settings of our own, passed with -f after each
 * configuration.  As root, haproxy's workers run as nobody:nogroup, as on
 * Octavia's amphora (whose configurations say "user nobody" themselves:
 * haproxy keeps the first and says so; the group line is ours there too);
 * only the master stays root, to reload.  "no strict-limits": a
 * configuration asks for file descriptors by its connection limits
 * (Octavia's default of 50000 a listener needs about 100,000); where the
 * host's hard limit is lower, haproxy must still serve, warning, rather
 * than refuse to start.
 */
static int
extra_file(void)
{
	char	 path[PATH_MAX], text[128];
	int	 root = geteuid() == 0;

	agent->extra_cfg[0] = '\0';
	(void)snprintf(text, sizeof(text), "global\n    no strict-limits\n%s%s",
	    root && getpwnam("nobody") != NULL ? "    user nobody\n" : "",
	    root && getgrnam("nogroup") != NULL ? "    group nogroup\n" : "");
	if (put_file(GROUP_CFG, text, 0644, path, sizeof(path)) == -1)
		return -1;
	(void)strlcpy(agent->extra_cfg, path, sizeof(agent->extra_cfg));
	return 0;
}

/*
 * The command of PING health monitors (hacfg, and Octavia's template:
 * "external-check command <base_path>/ping-wrapper.sh"), which an amphora
 * image ships: one echo request to the member, with a second to answer.
 * haproxy runs it as its workers' user, so it must be reachable by all,
 * with an empty PATH and its output closed (ping then fails to write).
 */
static int
ping_wrapper(void)
{
	static const char	 text[] = "#!/bin/sh\n"
	    "# oct-agent: haproxy's external check of PING health monitors\n"
	    "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
	    "exec >/dev/null 2>&1\n"
	    "case $HAPROXY_SERVER_ADDR in\n"
	    "*:*) exec ping -6 -q -n -c 1 -w 1 \"$HAPROXY_SERVER_ADDR\" ;;\n"
	    "*) exec ping -4 -q -n -c 1 -w 1 \"$HAPROXY_SERVER_ADDR\" ;;\n"
	    "esac\n";
	char			 path[PATH_MAX];

	return put_file(PING_WRAPPER, text, 0755, path, sizeof(path));
}

/*
 * Children (haproxy) inherit our file descriptor limit: raise the soft one
 * to the hard one, as a service unit's LimitNOFILE would.
 */
static void
fd_limit(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit RLIMIT_NOFILE");
	else
		log_debug("file descriptor limit %llu",
		    (unsigned long long)rl.rlim_cur);
}

int
sys_write(const char *path, const char *val)
{
	size_t	 len = strlen(val);
	int	 fd, rc = 0;

	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	if (write(fd, val, len) != (ssize_t)len)
		rc = -1;
	if (close(fd) == -1)
		rc = -1;
	return rc;
}

int
sys_init(void)
{
	char	*status;
	size_t	 len;

	if (gethostname(agent->hostname, sizeof(agent->hostname)) == -1) {
		log_warn("gethostname");
		return -1;
	}
	agent->hostname[sizeof(agent->hostname) - 1] = '\0';
	fd_limit();
	if (haproxy_version() == -1 || extra_file() == -1 ||
	    ping_wrapper() == -1)
		return -1;
	if ((status = afile_read(DPKG_STATUS, 256 * 1024 * 1024,
	    &len)) != NULL) {
		agent->keepalived_version = dpkg_version(status, "keepalived");
		agent->ipvsadm_version = dpkg_version(status, "ipvsadm");
		free(status);
	}
	peer_name();
	return 0;
}

/* GET /1.0/info.  Returns a new object, NULL if it cannot be built. */
json_t *
sys_info(void)
{
	return json_pack("{s:o,s:o,s:s,s:o,s:o}",
	    "hostname", utf8_jstr(agent->hostname),
	    "haproxy_version", utf8_jstr(agent->haproxy_version),
	    "api_version", API_VERSION,
	    "keepalived_version", utf8_jstr(agent->keepalived_version),
	    "ipvsadm_version", utf8_jstr(agent->ipvsadm_version));
}

static long long
num(const char *s)
{
	const char	*errstr;
	long long	 v;

	v = strtonum(s, 0, LLONG_MAX, &errstr);
	return errstr == NULL ? v : 0;
}

/* Split s in place into at most max blank-separated words. */
static size_t
split(char *s, char **w, size_t max)
{
	size_t	 n = 0;
	char	*t;

	while (n < max && (t = strsep(&s, " \t\n")) != NULL)
		if (*t != '\0')
			w[n++] = t;
	return n;
}

static json_t *
networks(void)
{
	char	*raw, *buf, *line, *p, *colon, *w[16];
	size_t	 len;
	json_t	*o = json_object();

	/* Interface names are any bytes but '/', ':' and blanks. */
	if ((raw = afile_read("/proc/net/dev", 1024 * 1024, &len)) == NULL)
		return o;
	buf = utf8_scrub(raw, len);
	free(raw);
	if (buf == NULL)
		return o;
	p = buf;
	while ((line = strsep(&p, "\n")) != NULL) {
		if ((colon = strchr(line, ':')) == NULL)
			continue;
		*colon = '\0';
		line += strspn(line, " ");
		if (strcmp(line, "lo") == 0 || split(colon + 1, w, 16) < 9)
			continue;
		(void)json_object_set_new(o, line, json_pack("{s:I,s:I}",
		    "network_tx", (json_int_t)num(w[8]),
		    "network_rx", (json_int_t)num(w[0])));
	}
	free(buf);
	return o;
}

static json_t *
cpu(void)
{
	char		*buf, *w[12];
	size_t		 len, n, i;
	long long	 total = 0;
	json_t		*o;

	if ((buf = afile_read("/proc/stat", 1024 * 1024, &len)) == NULL)
		return json_object();
	buf[strcspn(buf, "\n")] = '\0';
	if ((n = split(buf, w, 12)) < 8 || strcmp(w[0], "cpu") != 0) {
		free(buf);
		return json_object();
	}
	for (i = 1; i < n; i++)
		total += num(w[i]);
	o = json_pack("{s:I,s:s,s:s,s:s}", "total", (json_int_t)total,
	    "user", w[1], "system", w[3], "soft_irq", w[7]);
	free(buf);
	return o;
}

static json_t *
memory(void)
{
	static const struct { const char *proc, *key; } map[] = {
		{ "MemTotal", "total" }, { "MemFree", "free" },
		{ "Buffers", "buffers" }, { "Cached", "cached" },
		{ "SwapCached", "swap_used" }, { "Shmem", "shared" },
		{ "Slab", "slab" },
	};
	char	*buf, *line, *p, *w[3];
	size_t	 len, i;
	json_t	*o = json_object();

	if ((buf = afile_read("/proc/meminfo", 1024 * 1024, &len)) == NULL)
		return o;
	p = buf;
	while ((line = strsep(&p, "\n")) != NULL) {
		if (split(line, w, 3) < 2)
			continue;
		w[0][strcspn(w[0], ":")] = '\0';
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strcmp(w[0], map[i].proc) == 0)
				(void)json_object_set_new(o, map[i].key,
				    json_integer(num(w[1])));
	}
	free(buf);
	return o;
}

static json_t *
disk(void)
{
	struct statvfs	 sv;

	if (statvfs("/", &sv) == -1)
		return json_object();
	return json_pack("{s:I,s:I}",
	    "used", (json_int_t)((sv.f_blocks - sv.f_bfree) * sv.f_frsize),
	    "available", (json_int_t)(sv.f_bavail * sv.f_frsize));
}

static json_t *
load(void)
{
	char	*buf, *w[3];
	size_t	 len;
	json_t	*o;

	if ((buf = afile_read("/proc/loadavg", 4096, &len)) == NULL ||
	    split(buf, w, 3) < 3) {
		free(buf);
		return json_array();
	}
	o = json_pack("[s,s,s]", w[0], w[1], w[2]);
	free(buf);
	return o;
}

/*
 * GET /1.0/details in the reference's shape, from lbs (status_collect's
 * object, borrowed); our "loadbalancers" key adds each one's state, and
 * "agent_config" the options PUT /1.0/config changes.
 * Returns a new object, NULL if it cannot be built.
 */
json_t *
sys_details(json_t *lbs)
{
	const char	*id;
	json_t		*o, *lb, *l, *ids;
	size_t		 i;
	int		 running = 0;
	long		 ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	if ((ids = json_array()) == NULL)
		fatal("json_array");
	json_object_foreach(lbs, id, lb) {
		if (json_is_true(json_object_get(lb, "running")))
			running++;
		json_array_foreach(json_object_get(lb, "listeners"), i, l)
			(void)json_array_append(ids, json_object_get(l,
			    "uuid"));
	}
	o = json_pack("{s:o,s:o,s:s,s:o,s:b,s:i,s:i,s:o,s:o,s:o,s:o,s:s,"
	    "s:s,s:s,s:o,s:{},s:i,s:o,s:o,s:O,s:o}",
	    "hostname", utf8_jstr(agent->hostname),
	    "haproxy_version", utf8_jstr(agent->haproxy_version),
	    "api_version", API_VERSION,
	    "networks", networks(),
	    "active", 1,
	    "haproxy_count", running,
	    "cpu_count", (int)(ncpu > 0 ? ncpu : 1),
	    "cpu", cpu(),
	    "memory", memory(),
	    "disk", disk(),
	    "load", load(),
	    "active_tuned_profiles", "",
	    "topology", "SINGLE",
	    "topology_status", "OK",
	    "listeners", ids,
	    "packages",
	    "lvs_listener_process_count", 0,
	    "keepalived_version", utf8_jstr(agent->keepalived_version),
	    "ipvsadm_version", utf8_jstr(agent->ipvsadm_version),
	    "loadbalancers", lbs,
	    "agent_config", conf_report());
	if (o == NULL)
		log_warnx("sys_details: json_pack");
	return o;
}
