/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drv_netns: appliances as Linux network namespaces on one host.
 *
 * An appliance is a named network namespace "<prefix>-<id>" joined to a
 * bridge the controller owns by a veth pair: the host end "<prefix>v<hash>"
 * is a port of the bridge, the inside end is "eth0" with the next free
 * address of the bridge's subnet and a default route via the bridge's own
 * address.  Nothing is routed off the machine: no forwarding, no NAT.
 * oct-agent runs inside, in its own session and in a private mount
 * namespace where /etc/octavia and /var/lib/octavia are the appliance's
 * own directories, as on a real amphora.
 *
 * This file holds the driver's operations; drv_netns_int.h lists the others.
 *
 * Files below the state directory:
 *	netns/.lock		flock(2) held while links and leases change
 *	netns/.leases/<ip>	"<id> <bridge>": an address in use
 *	netns/.bridges/<name>	the bridge was made here; removed when empty
 *	netns/<id>/		the appliance: compute.json, agent.log, etc/,
 *				var/lib/octavia/, root/.ssh/
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "ampfiles.h"
#include "driver.h"
#include "drv_netns_int.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "netns.h"
#include "state.h"

#define DEF_PREFIX	"oct"
#define DEF_BRIDGE	"octbr0"
#define DEF_SUBNET	"198.18.0.1/16"
#define DEF_BOOT_S	30
#define DEF_DESTROY_S	10
#define PREFIX_MAX	NSD_PREFIX_MAX
#define NSNAME_MAX	NSD_NSNAME_MAX

/* What a boot has made, for undoing it. */
#define MADE_DIR	0x01
#define MADE_LEASE	0x02
#define MADE_NS		0x04
#define MADE_VETH	0x08
#define MADE_ALL	0xff

static char	 agent_path[PATH_MAX];

static const char *
opt_env(const char *opt, const char *env, const char *def)
{
	const char	*e;

	if (opt != NULL)
		return opt;
	if ((e = getenv(env)) != NULL && e[0] != '\0')
		return e;
	return def;
}

static int
prefix_ok(const char *p)
{
	size_t	 i;

	if (p[0] < 'a' || p[0] > 'z')
		return 0;
	for (i = 1; p[i] != '\0'; i++)
		if ((p[i] < 'a' || p[i] > 'z') && (p[i] < '0' || p[i] > '9'))
			return 0;
	return i <= PREFIX_MAX;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t	 h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* The names of id's appliance; -1 when id or prefix are not usable. */
static int
names_make(const char *prefix, const char *id, struct names *n)
{
	uint32_t	 h;
	int		 r;

	memset(n, 0, sizeof(*n));
	if (!prefix_ok(prefix) || id == NULL || !ident_ok(id))
		return -1;
	(void)strlcpy(n->prefix, prefix, sizeof(n->prefix));
	h = fnv1a(id);
	if (strlen(prefix) + 1 + strlen(id) <= NSNAME_MAX)
		r = snprintf(n->ns, sizeof(n->ns), "%s-%s", prefix, id);
	else
		r = snprintf(n->ns, sizeof(n->ns), "%s-%.40s-%08x", prefix,
		    id, h);
	if (r < 0 || (size_t)r >= sizeof(n->ns))
		return -1;
	r = snprintf(n->veth, sizeof(n->veth), "%sv%08x", prefix, h);
	if (r < 0 || (size_t)r >= sizeof(n->veth))
		return -1;
	return state_path(n->dir, sizeof(n->dir), "netns/%s", id);
}

/*
 * Undo what made says was made: stop the processes, flush the routes via
 * addr, delete the veth and the namespace, release the leases, remove the
 * bridge when empty and ours, remove the directory.  Returns 0 when all is
 * gone.
 */
static int
teardown(const char *id, const struct names *n, const char *br,
    const char *addr, int made, int timeout_s)
{
	char	 err[512], script[512];
	int	 lockfd, rc = 0;

	if ((made & MADE_NS) && netns_exists(n->ns) &&
	    netns_kill_all(n->ns, timeout_s * 1000) == -1)
		rc = -1;
	if ((lockfd = nsd_lock_take()) == -1)
		return -1;
	script[0] = '\0';
	if (addr != NULL && br != NULL && netns_link_exists(br))
		(void)netns_script_add(script, sizeof(script),
		    "route flush via %s\n", addr);
	if ((made & MADE_VETH) && netns_link_exists(n->veth))
		(void)netns_script_add(script, sizeof(script), "link del %s\n",
		    n->veth);
	if ((made & MADE_NS) && netns_exists(n->ns))
		(void)netns_script_add(script, sizeof(script), "netns del %s\n",
		    n->ns);
	if (script[0] != '\0' &&
	    netns_ip_batch(err, sizeof(err), NULL, script) == -1) {
		log_warnx("%s: %s", n->ns, err);
		rc = -1;
	}
	if (made & MADE_LEASE)
		nsd_lease_release(id);
	nsd_bridge_gc(br);
	nsd_lock_drop(lockfd);
	if ((made & MADE_DIR) && afile_rmtree(n->dir) == -1) {
		log_warn("%s: remove", n->dir);
		rc = -1;
	}
	if (made == MADE_ALL && (netns_exists(n->ns) ||
	    netns_link_exists(n->veth) || access(n->dir, F_OK) == 0))
		rc = -1;
	return rc;
}

static json_t *
compute_load(const struct names *n)
{
	char	 path[PATH_MAX], *buf, err[256];
	size_t	 len;
	json_t	*o;

	if ((size_t)snprintf(path, sizeof(path), "%s/compute.json", n->dir) >=
	    sizeof(path) || (buf = afile_read(path, 64 * 1024, &len)) == NULL)
		return NULL;
	o = jrec_parse(buf, len, err, sizeof(err));
	free(buf);
	return o;
}

static int
compute_save(const struct names *n, const json_t *c)
{
	char	 path[PATH_MAX], *text;
	int	 rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/compute.json", n->dir) >=
	    sizeof(path) || (text = json_dumps(c, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		return -1;
	rc = afile_write(path, text, strlen(text), 0600, 0);
	free(text);
	return rc;
}

/* 1 when the saved appliance's agent runs in its namespace and listens. */
static int
healthy(const struct names *n, const json_t *c)
{
	const char	*addr;
	json_int_t	 pid, port;

	addr = json_string_value(json_object_get(c, "address"));
	pid = json_integer_value(json_object_get(c, "agent_pid"));
	port = json_integer_value(json_object_get(c, "agent_port"));
	if (addr == NULL || pid <= 0 || pid > INT_MAX || port <= 0 ||
	    port > 65535)
		return 0;
	return netns_pid_in((pid_t)pid, n->ns) &&
	    netns_tcp_probe(addr, (int)port, 1000) == 0;
}

/* Prefix, bridge and subnet from the options, the environment, defaults. */
static int
boot_check(const struct boot_opts *o)
{
	const char	*prefix, *br, *sub, *p, *e;
	struct subnet	 sn;
	char		 self[PATH_MAX], *slash;
	ssize_t		 len;
	int		 ne = 0;

	prefix = opt_env(o->prefix, "OCT_NETNS_PREFIX", DEF_PREFIX);
	br = opt_env(o->bridge, "OCT_NETNS_BRIDGE", DEF_BRIDGE);
	sub = opt_env(o->subnet, "OCT_NETNS_SUBNET", DEF_SUBNET);
	if (!prefix_ok(prefix)) {
		log_warnx("prefix \"%s\": want 1 to %d of [a-z0-9], "
		    "starting with a letter", prefix, PREFIX_MAX);
		ne++;
	}
	if (!nsd_ifname_ok(br)) {
		log_warnx("bridge \"%s\": not an interface name", br);
		ne++;
	}
	if (nsd_subnet_parse(sub, &sn) == -1) {
		log_warnx("subnet \"%s\": want IPv4-ADDRESS/8..30", sub);
		ne++;
	}
	if (ne > 0)
		return EX_USAGE;
	if (geteuid() != 0) {
		log_warnx("the netns driver needs root");
		return EX_NOPERM;
	}
	/* oct-agent: the option, $OCT_AGENT, next to us, or in PATH. */
	p = opt_env(o->agent_cmd, "OCT_AGENT", NULL);
	if (p == NULL) {
		len = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (len > 0) {
			self[len] = '\0';
			if ((slash = strrchr(self, '/')) != NULL &&
			    (size_t)snprintf(slash, sizeof(self) - (slash -
			    self), "/oct-agent") < sizeof(self) -
			    (slash - self) && access(self, X_OK) == 0)
				p = self;
		}
		if (p == NULL)
			p = "oct-agent";
	}
	if (strchr(p, '/') == NULL && (e = getenv("PATH")) != NULL) {
		char	 path[PATH_MAX], *dirs, *rest, *d;

		if ((dirs = strdup(e)) == NULL)
			return EX_OSERR;
		rest = dirs;
		while ((d = strsep(&rest, ":")) != NULL)
			if (d[0] != '\0' && (size_t)snprintf(path, sizeof(path),
			    "%s/%s", d, p) < sizeof(path) &&
			    access(path, X_OK) == 0) {
				(void)strlcpy(self, path, sizeof(self));
				p = self;
				break;
			}
		free(dirs);
	}
	if (realpath(p, agent_path) == NULL || access(agent_path, X_OK) == -1) {
		log_warn("agent %s", p);
		return EX_CONFIG;
	}
	if (o->ssh_key != NULL && access(o->ssh_key, R_OK) == -1) {
		log_warn("%s", o->ssh_key);
		return EX_NOINPUT;
	}
	return 0;
}

/* --reuse of an existing appliance: its saved compute when healthy. */
static int
boot_reuse(json_t *rec, const struct names *n)
{
	json_t	*c;
	int	 rc;

	if ((c = compute_load(n)) == NULL)
		return jrec_fail(rec, EX_UNAVAILABLE, "%s exists but is "
		    "incomplete; oct-destroy it", n->ns);
	if (!healthy(n, c)) {
		json_decref(c);
		return jrec_fail(rec, EX_UNAVAILABLE, "%s exists but its agent "
		    "is not running or not listening; oct-destroy it", n->ns);
	}
	if (json_object_set_new(c, "changed", json_false()) == -1 ||
	    json_object_set(rec, "address", json_object_get(c, "address")) ==
	    -1 || json_object_set_new(rec, "compute", c) == -1)
		return jrec_fail(rec, EX_OSERR, "out of memory");
	rc = 0;
	log_debug("%s: reused", n->ns);
	return rc;
}

static int
netns_boot(json_t *rec, const struct boot_opts *o)
{
	struct names	 n;
	struct subnet	 sn;
	struct stat	 st;
	struct in_addr	 a;
	const char	*id, *prefix, *br, *k;
	char		 addr[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	char		 cidr[INET_ADDRSTRLEN + 4], mac[18], err[512];
	char		 logf[PATH_MAX], script[1024];
	unsigned char	 rnd[3];
	json_t		*c = NULL;
	pid_t		 pid = -1;
	int		 made = 0, rc = 0, lockfd = -1, port, timeout_s, i;
	static const char *const keys[] = { "cert.cert", "cert.key",
	    "cert.ca" };

	if (agent_path[0] == '\0' && (rc = boot_check(o)) != 0)
		return jrec_fail(rec, rc, "bad options");
	prefix = opt_env(o->prefix, "OCT_NETNS_PREFIX", DEF_PREFIX);
	br = opt_env(o->bridge, "OCT_NETNS_BRIDGE", DEF_BRIDGE);
	(void)nsd_subnet_parse(opt_env(o->subnet, "OCT_NETNS_SUBNET", DEF_SUBNET),
	    &sn);
	port = o->agent_port > 0 ? o->agent_port : AMP_AGENT_PORT;
	timeout_s = o->timeout_s > 0 ? o->timeout_s : DEF_BOOT_S;

	if ((id = jrec_str(rec, "id")) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no \"id\"");
	if (names_make(prefix, id, &n) == -1)
		return jrec_fail(rec, EX_DATAERR, "id \"%s\" is not a safe "
		    "name", id);
	for (i = 0; i < 3; i++)
		if (jrec_str(rec, keys[i]) == NULL)
			return jrec_fail(rec, EX_DATAERR, "record has no "
			    "\"%s\"", keys[i]);
	for (i = 0; i < 3; i++)
		if (access(jrec_str(rec, keys[i]), R_OK) == -1)
			return jrec_fail(rec, EX_NOINPUT, "%s: %s",
			    jrec_str(rec, keys[i]), strerror(errno));
	k = jrec_str(rec, "cert.key");
	if (afile_private_ok(k) == -1)
		return jrec_fail(rec, errno == EPERM ? EX_NOPERM : EX_NOINPUT,
		    "%s: %s", k, errno == EPERM ?
		    "key is accessible to group or others" : strerror(errno));

	if (lstat(n.dir, &st) == 0 || netns_exists(n.ns)) {
		if (o->reuse)
			return boot_reuse(rec, &n);
		return jrec_fail(rec, EX_CANTCREAT, "appliance %s exists "
		    "(--reuse to use it, oct-destroy to remove it)", n.ns);
	}
	if (netns_link_exists(n.veth))
		return jrec_fail(rec, EX_CANTCREAT, "link %s exists", n.veth);

	/* mkdir is the claim on the id: a concurrent boot gets EEXIST. */
	if (state_mkdir("netns") == -1)
		return jrec_fail(rec, EX_CANTCREAT, "cannot make the state "
		    "directory");
	if (mkdir(n.dir, 0700) == -1)
		return jrec_fail(rec, errno == EEXIST ? EX_CANTCREAT : EX_OSERR,
		    "%s: %s", n.dir, strerror(errno));
	made |= MADE_DIR;

	if ((lockfd = nsd_lock_take()) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "cannot take the netns lock");
		goto out;
	}
	if ((rc = nsd_bridge_ensure(rec, br, &sn)) != 0)
		goto out;
	if (nsd_lease_take(id, br, &sn, &a) == -1) {
		rc = jrec_fail(rec, EX_UNAVAILABLE, "no free address on %s",
		    br);
		goto out;
	}
	made |= MADE_LEASE;
	(void)strlcpy(addr, inet_ntoa(a), sizeof(addr));
	(void)strlcpy(gw, inet_ntoa(sn.host), sizeof(gw));
	(void)snprintf(cidr, sizeof(cidr), "%s/%d", addr, sn.plen);
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		rc = jrec_fail(rec, EX_OSERR, "getrandom: %s", strerror(errno));
		goto out;
	}
	/* OpenStack's base MAC, as Neutron would hand out. */
	(void)snprintf(mac, sizeof(mac), "fa:16:3e:%02x:%02x:%02x", rnd[0],
	    rnd[1], rnd[2]);

	if ((rc = nsd_files_put(rec, &n, o->ssh_key, addr, port)) != 0)
		goto out;

	/*
	 * Neither the namespace nor the veth existed (checked above, and the
	 * directory is our claim on the names): whatever of them exists after
	 * a failure is ours to undo.
	 */
	made |= MADE_NS | MADE_VETH;
	script[0] = '\0';
	if (netns_script_add(script, sizeof(script), "netns add %s\n"
	    "link add %s type veth peer name eth0 address %s netns %s\n"
	    "link set %s master %s up\n", n.ns, n.veth, mac, n.ns, n.veth,
	    br) == -1 || netns_ip_batch(err, sizeof(err), NULL, script) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "%s: %s", n.ns, err);
		goto out;
	}
	script[0] = '\0';
	if (netns_script_add(script, sizeof(script), "link set lo up\n"
	    "addr add %s dev eth0\nlink set eth0 up\n"
	    "route add default via %s\n", cidr, gw) == -1 ||
	    netns_ip_batch(err, sizeof(err), n.ns, script) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "%s: %s", n.ns, err);
		goto out;
	}
	nsd_lock_drop(lockfd);
	lockfd = -1;

	if ((size_t)snprintf(logf, sizeof(logf), "%s/agent.log", n.dir) >=
	    sizeof(logf)) {
		rc = jrec_fail(rec, EX_SOFTWARE, "%s: path too long", n.dir);
		goto out;
	}
	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:i, s:s, s:i, s:s, s:s}",
	    "driver", "netns", "server_id", n.ns, "status", DRIVER_ACTIVE,
	    "netns", n.ns, "prefix", n.prefix, "bridge", br, "veth", n.veth,
	    "interface", "eth0", "mac_address", mac, "address", addr,
	    "prefix_len", sn.plen, "gateway", gw, "agent_port", port,
	    "agent_log", logf, "dir", n.dir);
	if (c == NULL) {
		rc = jrec_fail(rec, EX_OSERR, "out of memory");
		goto out;
	}
	if ((rc = nsd_agent_start(rec, &n, agent_path, addr, port, timeout_s,
	    &pid)) != 0)
		goto out;
	if (json_object_set_new(c, "agent_pid", json_integer(pid)) == -1 ||
	    compute_save(&n, c) == -1) {
		rc = jrec_fail(rec, EX_CANTCREAT, "%s: cannot save compute.json",
		    n.dir);
		goto out;
	}
	if (json_object_set_new(c, "changed", json_true()) == -1 ||
	    json_object_set_new(rec, "address", json_string(addr)) == -1 ||
	    json_object_set(rec, "compute", c) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "out of memory");
		goto out;
	}
	log_debug("%s: booted at %s", n.ns, addr);
out:
	nsd_lock_drop(lockfd);
	if (rc != 0 && made != 0) {
		log_debug("%s: undoing the boot", n.ns);
		if (teardown(id, &n, br, NULL, made, DEF_DESTROY_S) == -1)
			log_warnx("%s: could not undo everything; oct-destroy "
			    "it", n.ns);
	}
	json_decref(c);
	return rc;
}

/*
 * The names of a booted record's appliance: its id with its own prefix
 * (compute.prefix), else the option's.  0, or the code of jrec_fail().
 */
static int
rec_names(json_t *rec, const struct destroy_opts *o, struct names *n)
{
	const char	*id, *prefix;

	if ((id = jrec_str(rec, "id")) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no \"id\"");
	if ((prefix = jrec_str(rec, "compute.prefix")) == NULL)
		prefix = opt_env(o->prefix, "OCT_NETNS_PREFIX", DEF_PREFIX);
	if (names_make(prefix, id, n) == -1)
		return jrec_fail(rec, EX_DATAERR, "id \"%s\" or prefix \"%s\" "
		    "is not a safe name", id, prefix);
	return 0;
}

static int
netns_destroy(json_t *rec, const struct destroy_opts *o)
{
	struct names	 n;
	const char	*id, *br = NULL, *addr = NULL;
	json_t		*saved, *c;
	int		 rc = 0, timeout_s;

	timeout_s = o->timeout_s > 0 ? o->timeout_s : DEF_DESTROY_S;
	if (geteuid() != 0)
		return jrec_fail(rec, EX_NOPERM, "the netns driver needs root");
	if ((rc = rec_names(rec, o, &n)) != 0)
		return rc;
	id = jrec_id(rec);
	/* What the driver saved knows best; the record may be stale. */
	saved = compute_load(&n);
	c = saved != NULL ? saved : json_object_get(rec, "compute");
	br = json_string_value(json_object_get(c, "bridge"));
	addr = json_string_value(json_object_get(c, "address"));
	if (addr != NULL && inet_addr(addr) == INADDR_NONE)
		addr = NULL;
	if (br != NULL && !nsd_ifname_ok(br))
		br = NULL;
	if (teardown(id, &n, br, addr, MADE_ALL, timeout_s) == -1)
		rc = jrec_fail(rec, EX_TEMPFAIL, "%s: not everything is gone",
		    n.ns);
	else if ((c = json_pack("{s:s, s:s, s:s}", "driver", "netns",
	    "server_id", n.ns, "status", DRIVER_DELETED)) == NULL ||
	    json_object_set_new(rec, "compute", c) == -1)
		rc = jrec_fail(rec, EX_OSERR, "out of memory");
	json_decref(saved);
	return rc;
}

static int
netns_status(json_t *rec, const struct destroy_opts *o)
{
	struct names	 n;
	const char	*status;
	json_t		*saved, *c;
	struct stat	 st;
	int		 rc;

	if ((rc = rec_names(rec, o, &n)) != 0)
		return rc;
	saved = compute_load(&n);
	if (saved == NULL && lstat(n.dir, &st) == -1 && !netns_exists(n.ns))
		status = DRIVER_DELETED;
	else if (saved != NULL && healthy(&n, saved))
		status = DRIVER_ACTIVE;
	else
		status = DRIVER_ERROR;
	json_decref(saved);
	if ((c = jrec_obj(rec, "compute")) == NULL ||
	    json_object_set_new(c, "status", json_string(status)) == -1)
		return jrec_fail(rec, EX_OSERR, "out of memory");
	return 0;
}

static int
netns_route(json_t *rec, const char *vip)
{
	const char	*addr, *br;
	char		 dst[INET_ADDRSTRLEN + 3], err[512];
	struct in_addr	 a;
	json_t		*c, *routes;
	size_t		 i;

	c = json_object_get(rec, "compute");
	addr = json_string_value(json_object_get(c, "address"));
	br = json_string_value(json_object_get(c, "bridge"));
	if (jrec_str(rec, "compute.driver") == NULL ||
	    strcmp(jrec_str(rec, "compute.driver"), "netns") != 0 ||
	    addr == NULL || br == NULL || !nsd_ifname_ok(br) ||
	    inet_addr(addr) == INADDR_NONE)
		return jrec_fail(rec, EX_DATAERR, "record has no booted netns "
		    "appliance (compute.address, compute.bridge)");
	if (inet_pton(AF_INET, vip, &a) != 1)
		return jrec_fail(rec, EX_USAGE, "VIP %s: not an IPv4 address",
		    vip);
	(void)snprintf(dst, sizeof(dst), "%s/32", vip);
	if (NETNS_IP(err, "route", "replace", dst, "via", addr, "dev", br) == -1)
		return jrec_fail(rec, EX_OSERR, "route %s via %s: %s", dst,
		    addr, err);
	if ((routes = json_object_get(c, "routes")) == NULL) {
		routes = json_array();
		if (json_object_set_new(c, "routes", routes) == -1)
			return jrec_fail(rec, EX_OSERR, "out of memory");
	}
	if (!json_is_array(routes))
		return jrec_fail(rec, EX_DATAERR, "compute.routes is not an "
		    "array");
	for (i = 0; i < json_array_size(routes); i++)
		if (json_is_string(json_array_get(routes, i)) &&
		    strcmp(json_string_value(json_array_get(routes, i)), dst) ==
		    0)
			return 0;
	if (json_array_append_new(routes, json_string(dst)) == -1)
		return jrec_fail(rec, EX_OSERR, "out of memory");
	log_debug("route %s via %s dev %s", dst, addr, br);
	return 0;
}

static int
netns_check(const struct boot_opts *o)
{
	return boot_check(o);
}

const struct driver drv_netns = {
	"netns",
	netns_check,
	netns_boot,
	netns_destroy,
	netns_status,
	netns_route,
};
