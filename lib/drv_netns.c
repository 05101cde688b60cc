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
#include "driver.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "netns.h"
#include "state.h"

#define DEF_PREFIX	"oct"
#define DEF_BRIDGE	"octbr0"
#define DEF_SUBNET	"198.18.0.1/16"
#define DEF_PORT	9443
#define DEF_BOOT_S	30
#define DEF_DESTROY_S	10
#define PREFIX_MAX	6
#define NSNAME_MAX	64
#define PEM_MAX		(256 * 1024)
#define AGENT_CONF	"/etc/octavia/amphora-agent.conf"

/* What a boot has made, for undoing it. */
#define MADE_DIR	0x01
#define MADE_LEASE	0x02
#define MADE_NS		0x04
#define MADE_VETH	0x08
#define MADE_ALL	0xff

struct names {
	char		 prefix[PREFIX_MAX + 1];
	char		 ns[NSNAME_MAX + 1];
	char		 veth[IFNAMSIZ];
	char		 dir[PATH_MAX];
};

struct subnet {
	struct in_addr	 host;		/* the bridge's address */
	struct in_addr	 net;
	int		 plen;
};

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

static int
ifname_ok(const char *s)
{
	return ident_ok(s) && strlen(s) < IFNAMSIZ;
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

static int
subnet_parse(const char *s, struct subnet *sn)
{
	char		 buf[64], *slash;
	const char	*errstr;
	uint32_t	 a, mask, bcast;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) ||
	    (slash = strchr(buf, '/')) == NULL)
		return -1;
	*slash++ = '\0';
	sn->plen = strtonum(slash, 8, 30, &errstr);
	if (errstr != NULL || inet_pton(AF_INET, buf, &sn->host) != 1)
		return -1;
	mask = 0xffffffffu << (32 - sn->plen);
	a = ntohl(sn->host.s_addr);
	bcast = (a & mask) | ~mask;
	sn->net.s_addr = htonl(a & mask);
	if (a == bcast)
		return -1;
	if ((a & mask) == a)
		sn->host.s_addr = htonl(a + 1);
	return 0;
}

/* Run ip(8) with the NULL-terminated arguments; -1 with err filled. */
static int
ip(char *err, size_t errsz, const char *const args[])
{
	const char	*argv[16];
	size_t		 i;

	argv[0] = "ip";
	for (i = 0; args[i] != NULL && i + 2 < sizeof(argv) / sizeof(argv[0]);
	    i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (log_verbose()) {
		char	 line[512] = "ip";

		for (i = 0; args[i] != NULL; i++) {
			(void)strlcat(line, " ", sizeof(line));
			(void)strlcat(line, args[i], sizeof(line));
		}
		log_debug("%s", line);
	}
	return netns_run(err, errsz, argv);
}

#define IP(err, ...) ip((err), sizeof(err), (const char *const []){ \
	__VA_ARGS__, NULL })

/*
 * Run script (ip commands, one a line) with one ip -batch, in namespace ns
 * when not NULL: one process instead of one per command.  -1 with err
 * filled (ip names the failing line).
 */
static int
ip_batch(char *err, size_t errsz, const char *ns, const char *script)
{
	const char	*inside[] = { "ip", "-n", ns, "-batch", "-", NULL };
	const char	*host[] = { "ip", "-batch", "-", NULL };

	if (log_verbose())
		log_debug("ip%s%s -batch:\n%s", ns != NULL ? " -n " : "",
		    ns != NULL ? ns : "", script);
	return netns_run_in(err, errsz, ns != NULL ? inside : host, script);
}

/* Append a formatted line to a script buffer; -1 when it is full. */
static int
script_add(char *buf, size_t bufsz, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
script_add(char *buf, size_t bufsz, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len = strlen(buf);
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(buf + len, bufsz - len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= bufsz - len) {
		buf[len] = '\0';
		return -1;
	}
	return 0;
}

static int
lock_take(void)
{
	char	 path[PATH_MAX];
	int	 fd;

	if (state_mkdir("netns") == -1 ||
	    state_path(path, sizeof(path), "netns/.lock") == -1)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			log_warn("%s: flock", path);
			(void)close(fd);
			return -1;
		}
	return fd;
}

static void
lock_drop(int fd)
{
	if (fd != -1)
		(void)close(fd);
}

/* Make the bridge unless it exists; it must then carry sn's address. */
static int
bridge_ensure(json_t *rec, const char *br, const struct subnet *sn)
{
	char		 err[512], cidr[INET_ADDRSTRLEN + 4], path[PATH_MAX];
	char		 mark[PATH_MAX], script[256], mac[18];
	unsigned char	 rnd[5];
	struct stat	 st;

	(void)snprintf(cidr, sizeof(cidr), "%s/%d", inet_ntoa(sn->host),
	    sn->plen);
	if (state_mkdir("netns/.bridges") == -1 ||
	    state_path(mark, sizeof(mark), "netns/.bridges/%s", br) == -1)
		return jrec_fail(rec, EX_CANTCREAT, "cannot record bridge");
	if (netns_link_exists(br)) {
		(void)snprintf(path, sizeof(path), "/sys/class/net/%s/bridge",
		    br);
		if (stat(path, &st) == -1)
			return jrec_fail(rec, EX_CONFIG,
			    "%s exists and is not a bridge", br);
		if (!netns_has_addr4(br, sn->host))
			return jrec_fail(rec, EX_CONFIG,
			    "bridge %s exists without address %s", br, cidr);
		return 0;
	}
	if (afile_write(mark, cidr, strlen(cidr), 0600, 0) == -1)
		return jrec_fail(rec, EX_CANTCREAT, "%s: cannot write", mark);
	/*
	 * A bridge without an address of its own takes the lowest MAC of its
	 * ports and changes it as appliances come and go; every namespace
	 * that cached the old one then loses the host until its neighbour
	 * entry goes stale (about 30 s).  A fixed, locally administered MAC
	 * never changes.
	 */
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return jrec_fail(rec, EX_OSERR, "getrandom: %s",
		    strerror(errno));
	(void)snprintf(mac, sizeof(mac), "02:%02x:%02x:%02x:%02x:%02x",
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4]);
	script[0] = '\0';
	if (script_add(script, sizeof(script), "link add %s address %s "
	    "type bridge\naddr add %s dev %s\nlink set %s up\n", br, mac,
	    cidr, br, br) == -1 ||
	    ip_batch(err, sizeof(err), NULL, script) == -1)
		return jrec_fail(rec, EX_OSERR, "bridge %s: %s", br, err);
	log_debug("made bridge %s %s", br, cidr);
	return 0;
}

/* Remove the bridge when it was made here and has no port left. */
static void
bridge_gc(const char *br)
{
	char		 mark[PATH_MAX], path[PATH_MAX], err[512];
	DIR		*d;
	struct dirent	*de;
	int		 ports = 0;

	if (br == NULL || !ifname_ok(br) ||
	    state_path(mark, sizeof(mark), "netns/.bridges/%s", br) == -1 ||
	    access(mark, F_OK) == -1)
		return;
	if (netns_link_exists(br)) {
		(void)snprintf(path, sizeof(path), "/sys/class/net/%s/brif",
		    br);
		if ((d = opendir(path)) == NULL)
			return;
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				ports++;
		(void)closedir(d);
		if (ports > 0)
			return;
		if (IP(err, "link", "del", br) == -1) {
			log_warnx("bridge %s: %s", br, err);
			return;
		}
		log_debug("removed bridge %s", br);
	}
	if (unlink(mark) == -1 && errno != ENOENT)
		log_warn("%s", mark);
}

/* Lease the next free address of sn to id; -1 when none is free. */
static int
lease_take(const char *id, const char *br, const struct subnet *sn,
    struct in_addr *out)
{
	char		 path[PATH_MAX], line[256];
	uint32_t	 a, first, last, mask;
	struct in_addr	 ia;
	int		 fd, len;

	if (state_mkdir("netns/.leases") == -1)
		return -1;
	mask = 0xffffffffu << (32 - sn->plen);
	first = ntohl(sn->net.s_addr) + 1;
	last = (ntohl(sn->net.s_addr) | ~mask) - 1;
	for (a = first; a <= last; a++) {
		if (a == ntohl(sn->host.s_addr))
			continue;
		ia.s_addr = htonl(a);
		if (state_path(path, sizeof(path), "netns/.leases/%s",
		    inet_ntoa(ia)) == -1)
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd == -1 && errno == EEXIST)
			continue;
		if (fd == -1) {
			log_warn("%s", path);
			return -1;
		}
		len = snprintf(line, sizeof(line), "%s %s\n", id, br);
		if (write(fd, line, len) != len || close(fd) == -1) {
			log_warn("%s", path);
			(void)unlink(path);
			return -1;
		}
		*out = ia;
		return 0;
	}
	log_warnx("no free address in %s/%d", inet_ntoa(sn->net), sn->plen);
	return -1;
}

static void	 bridge_gc(const char *);

/*
 * Release every lease held by id, and remove the bridges they were on
 * when empty and ours: a boot cut short may not have said which.
 */
static void
lease_release(const char *id)
{
	char		 dir[PATH_MAX], path[PATH_MAX], *buf;
	DIR		*d;
	struct dirent	*de;
	size_t		 len, idlen = strlen(id);

	if (state_path(dir, sizeof(dir), "netns/.leases") == -1 ||
	    (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (size_t)snprintf(path,
		    sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if ((buf = afile_read(path, 1024, &len)) == NULL)
			continue;
		if (len > idlen && strncmp(buf, id, idlen) == 0 &&
		    buf[idlen] == ' ') {
			if (unlink(path) == -1)
				log_warn("%s", path);
			else
				log_debug("released %s", de->d_name);
			buf[strcspn(buf, "\n")] = '\0';
			bridge_gc(buf + idlen + 1);
		}
		free(buf);
	}
	(void)closedir(d);
}

/* Write dir/rel with mode from buf. */
static int
put_file(const char *dir, const char *rel, const void *buf, size_t len,
    mode_t mode)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    sizeof(path)) {
		log_warnx("%s/%s: path too long", dir, rel);
		return -1;
	}
	return afile_write(path, buf, len, mode, 0);
}

static int
put_dirs(const char *dir, const char *rel, mode_t mode)
{
	char	 path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rel) >=
	    sizeof(path) || afile_mkdirs(path, mode) == -1) {
		log_warn("%s/%s", dir, rel);
		return -1;
	}
	return 0;
}

/*
 * The appliance's files: server.pem (cert then key, 0600), client_ca.pem,
 * the agent configuration, the base path and, for debugging, root's
 * authorized_keys.
 */
static int
put_files(json_t *rec, const struct names *n, const struct boot_opts *o,
    const char *addr, int port)
{
	const char	*id = jrec_id(rec);
	char		*cert = NULL, *key = NULL, *ca = NULL, *pem = NULL;
	char		*ssh = NULL, conf[2048];
	size_t		 certlen, keylen = 0, calen, sshlen, pemlen = 0;
	int		 rc = -1, len;

	if ((cert = afile_read(jrec_str(rec, "cert.cert"), PEM_MAX,
	    &certlen)) == NULL ||
	    (key = afile_read(jrec_str(rec, "cert.key"), PEM_MAX,
	    &keylen)) == NULL ||
	    (ca = afile_read(jrec_str(rec, "cert.ca"), PEM_MAX,
	    &calen)) == NULL) {
		rc = jrec_fail(rec, EX_NOINPUT, "cannot read the certificate "
		    "files: %s", strerror(errno));
		goto out;
	}
	if (o->ssh_key != NULL &&
	    (ssh = afile_read(o->ssh_key, 64 * 1024, &sshlen)) == NULL) {
		rc = jrec_fail(rec, EX_NOINPUT, "%s: %s", o->ssh_key,
		    strerror(errno));
		goto out;
	}
	pemlen = certlen + 1 + keylen;
	if ((pem = malloc(pemlen + 1)) == NULL) {
		rc = jrec_fail(rec, EX_OSERR, "malloc: %s", strerror(errno));
		goto out;
	}
	memcpy(pem, cert, certlen);
	pemlen = certlen;
	if (certlen > 0 && cert[certlen - 1] != '\n')
		pem[pemlen++] = '\n';
	memcpy(pem + pemlen, key, keylen);
	pemlen += keylen;
	len = snprintf(conf, sizeof(conf),
	    "# oct-boot: oct-agent configuration of appliance %s\n"
	    "[amphora_agent]\n"
	    "agent_server_ca = /etc/octavia/certs/client_ca.pem\n"
	    "agent_server_cert = /etc/octavia/certs/server.pem\n"
	    "amphora_id = %s\n"
	    "\n"
	    "[haproxy_amphora]\n"
	    "base_cert_dir = /var/lib/octavia/certs\n"
	    "base_path = /var/lib/octavia\n"
	    "bind_host = %s\n"
	    "bind_port = %d\n"
	    "haproxy_cmd = /usr/sbin/haproxy\n",
	    id, id, addr, port);
	if (len < 0 || (size_t)len >= sizeof(conf)) {
		rc = jrec_fail(rec, EX_SOFTWARE, "agent configuration too long");
		goto out;
	}
	if (put_dirs(n->dir, "etc/octavia/certs", 0700) == -1 ||
	    put_dirs(n->dir, "var/lib/octavia", 0755) == -1 ||
	    put_file(n->dir, "etc/octavia/certs/server.pem", pem, pemlen,
	    0600) == -1 ||
	    put_file(n->dir, "etc/octavia/certs/client_ca.pem", ca, calen,
	    0644) == -1 ||
	    put_file(n->dir, "etc/octavia/amphora-agent.conf", conf, len,
	    0644) == -1) {
		rc = jrec_fail(rec, EX_CANTCREAT, "%s: cannot write the "
		    "appliance's files", n->dir);
		goto out;
	}
	if (ssh != NULL && (put_dirs(n->dir, "root/.ssh", 0700) == -1 ||
	    put_file(n->dir, "root/.ssh/authorized_keys", ssh, sshlen,
	    0600) == -1)) {
		rc = jrec_fail(rec, EX_CANTCREAT, "%s: cannot write "
		    "authorized_keys", n->dir);
		goto out;
	}
	rc = 0;
out:
	if (key != NULL) {
		explicit_bzero(key, keylen);
		free(key);
	}
	if (pem != NULL) {
		explicit_bzero(pem, pemlen);
		free(pem);
	}
	free(cert);
	free(ca);
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
static int
agent_start(json_t *rec, const struct names *n, const char *addr, int port,
    int timeout_s, pid_t *pidp)
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

	if ((size_t)snprintf(etc, sizeof(etc), "%s/etc/octavia", n->dir) >=
	    sizeof(etc) ||
	    (size_t)snprintf(var, sizeof(var), "%s/var/lib/octavia", n->dir) >=
	    sizeof(var) ||
	    (size_t)snprintf(logf, sizeof(logf), "%s/agent.log", n->dir) >=
	    sizeof(logf))
		return jrec_fail(rec, EX_SOFTWARE, "%s: path too long", n->dir);
	/* The bind mounts need their targets; an amphora has them. */
	if (afile_mkdirs("/etc/octavia", 0755) == -1 ||
	    afile_mkdirs("/var/lib/octavia", 0755) == -1)
		return jrec_fail(rec, EX_OSERR, "cannot make /etc/octavia "
		    "and /var/lib/octavia: %s", strerror(errno));
	binds[0] = etc;
	binds[1] = "/etc/octavia";
	binds[2] = var;
	binds[3] = "/var/lib/octavia";
	binds[4] = NULL;
	argv[0] = agent_path;
	argv[1] = "--config-file";
	argv[2] = AGENT_CONF;
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
	log_debug("%s: agent %s pid %d", n->ns, agent_path, (int)pid);
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
	if ((lockfd = lock_take()) == -1)
		return -1;
	script[0] = '\0';
	if (addr != NULL && br != NULL && netns_link_exists(br))
		(void)script_add(script, sizeof(script),
		    "route flush via %s\n", addr);
	if ((made & MADE_VETH) && netns_link_exists(n->veth))
		(void)script_add(script, sizeof(script), "link del %s\n",
		    n->veth);
	if ((made & MADE_NS) && netns_exists(n->ns))
		(void)script_add(script, sizeof(script), "netns del %s\n",
		    n->ns);
	if (script[0] != '\0' &&
	    ip_batch(err, sizeof(err), NULL, script) == -1) {
		log_warnx("%s: %s", n->ns, err);
		rc = -1;
	}
	if (made & MADE_LEASE)
		lease_release(id);
	bridge_gc(br);
	lock_drop(lockfd);
	if ((made & MADE_DIR) && netns_rmtree(n->dir) == -1)
		rc = -1;
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
	if (!ifname_ok(br)) {
		log_warnx("bridge \"%s\": not an interface name", br);
		ne++;
	}
	if (subnet_parse(sub, &sn) == -1) {
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
	(void)subnet_parse(opt_env(o->subnet, "OCT_NETNS_SUBNET", DEF_SUBNET),
	    &sn);
	port = o->agent_port > 0 ? o->agent_port : DEF_PORT;
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

	if ((lockfd = lock_take()) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "cannot take the netns lock");
		goto out;
	}
	if ((rc = bridge_ensure(rec, br, &sn)) != 0)
		goto out;
	if (lease_take(id, br, &sn, &a) == -1) {
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

	if ((rc = put_files(rec, &n, o, addr, port)) != 0)
		goto out;

	/*
	 * Neither the namespace nor the veth existed (checked above, and the
	 * directory is our claim on the names): whatever of them exists after
	 * a failure is ours to undo.
	 */
	made |= MADE_NS | MADE_VETH;
	script[0] = '\0';
	if (script_add(script, sizeof(script), "netns add %s\n"
	    "link add %s type veth peer name eth0 address %s netns %s\n"
	    "link set %s master %s up\n", n.ns, n.veth, mac, n.ns, n.veth,
	    br) == -1 || ip_batch(err, sizeof(err), NULL, script) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "%s: %s", n.ns, err);
		goto out;
	}
	script[0] = '\0';
	if (script_add(script, sizeof(script), "link set lo up\n"
	    "addr add %s dev eth0\nlink set eth0 up\n"
	    "route add default via %s\n", cidr, gw) == -1 ||
	    ip_batch(err, sizeof(err), n.ns, script) == -1) {
		rc = jrec_fail(rec, EX_OSERR, "%s: %s", n.ns, err);
		goto out;
	}
	lock_drop(lockfd);
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
	if ((rc = agent_start(rec, &n, addr, port, timeout_s, &pid)) != 0)
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
	lock_drop(lockfd);
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
	if (br != NULL && !ifname_ok(br))
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
	    addr == NULL || br == NULL || !ifname_ok(br) ||
	    inet_addr(addr) == INADDR_NONE)
		return jrec_fail(rec, EX_DATAERR, "record has no booted netns "
		    "appliance (compute.address, compute.bridge)");
	if (inet_pton(AF_INET, vip, &a) != 1)
		return jrec_fail(rec, EX_USAGE, "VIP %s: not an IPv4 address",
		    vip);
	(void)snprintf(dst, sizeof(dst), "%s/32", vip);
	if (IP(err, "route", "replace", dst, "via", addr, "dev", br) == -1)
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
