/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drv_netns_bridge: the netns driver's network on the host: the bridge
 * the appliances join, its subnet, the address leases and the lock held
 * while they change (see drv_netns_int.h).
 */
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

#include "afile.h"
#include "drv_netns_int.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "netns.h"
#include "state.h"

int
nsd_subnet_parse(const char *s, struct subnet *sn)
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

int
nsd_ifname_ok(const char *s)
{
	return ident_ok(s) && strlen(s) < IFNAMSIZ;
}

int
nsd_lock_take(void)
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

void
nsd_lock_drop(int fd)
{
	if (fd != -1)
		(void)close(fd);
}

/* Make the bridge unless it exists; it must then carry sn's address. */
int
nsd_bridge_ensure(json_t *rec, const char *br, const struct subnet *sn)
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
	if (netns_script_add(script, sizeof(script), "link add %s address %s "
	    "type bridge\naddr add %s dev %s\nlink set %s up\n", br, mac,
	    cidr, br, br) == -1 ||
	    netns_ip_batch(err, sizeof(err), NULL, script) == -1)
		return jrec_fail(rec, EX_OSERR, "bridge %s: %s", br, err);
	log_debug("made bridge %s %s", br, cidr);
	return 0;
}

/* Remove the bridge when it was made here and has no port left. */
void
nsd_bridge_gc(const char *br)
{
	char		 mark[PATH_MAX], path[PATH_MAX], err[512];
	DIR		*d;
	struct dirent	*de;
	int		 ports = 0;

	if (br == NULL || !nsd_ifname_ok(br) ||
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
		if (NETNS_IP(err, "link", "del", br) == -1) {
			log_warnx("bridge %s: %s", br, err);
			return;
		}
		log_debug("removed bridge %s", br);
	}
	if (unlink(mark) == -1 && errno != ENOENT)
		log_warn("%s", mark);
}

/* Lease the next free address of sn to id; -1 when none is free. */
int
nsd_lease_take(const char *id, const char *br, const struct subnet *sn,
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

/*
 * Release every lease held by id, and remove the bridges they were on
 * when empty and ours: a boot cut short may not have said which.
 */
void
nsd_lease_release(const char *id)
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
			nsd_bridge_gc(buf + idlen + 1);
		}
		free(buf);
	}
	(void)closedir(d);
}
