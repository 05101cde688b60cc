/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plug: VIPs and member networks of a netns appliance (oct-boot's netns
 * driver), run as root inside the appliance's network namespace.
 *
 * A netns appliance has one interface, eth0, on the controller's bridge.
 * POST /plug/vip/<ip> adds the VIP there as a /32 (/128) secondary
 * address and announces it with a gratuitous ARP (IPv4; for IPv6 the
 * kernel's own unsolicited neighbour advertisement on address add is left
 * to do it).  With "routed": true in the body (an oct extension) the VIP
 * goes on an interface that never answers ARP instead: the dummy link
 * "vip0", or "lo" where the kernel has no dummy links, with
 * arp_ignore=1/arp_announce=2 on eth0 so eth0 does not answer for it
 * either; the controller then routes the VIP to the appliance's address
 * (oct-boot --route).  POST /plug/network only recognises eth0's MAC: a
 * netns appliance cannot grow interfaces.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <netpacket/packet.h>

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "extern.h"
#include "log.h"
#include "netns.h"
#include "plug.h"

#define VIP_MAX		8	/* the VIP and its additional_vips */
#define DUMMY_IF	"vip0"
#define DEFAULT_IF	"eth0"

struct vip {
	int		 af;
	unsigned char	 a[16];
	char		 text[INET6_ADDRSTRLEN];
};

static int
reply(struct plug_reply *r, int status, const char *message,
    const char *fmt, ...)
    __attribute__((__format__(printf, 4, 5)));

static int
reply(struct plug_reply *r, int status, const char *message,
    const char *fmt, ...)
{
	va_list	 ap;

	r->status = status;
	(void)strlcpy(r->message, message, sizeof(r->message));
	r->details[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(r->details, sizeof(r->details), fmt, ap);
		va_end(ap);
	}
	return status >= 200 && status < 300 ? 0 : -1;
}

/* s made safe to echo: printable ASCII only, at most 64 characters. */
static void
echo_safe(const char *s, char *buf, size_t bufsz)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < bufsz && i < 64; i++)
		buf[i] = s[i] > ' ' && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\' ? s[i] : '?';
	buf[i] = '\0';
}

/* Parse a unicast host address a VIP may be.  Returns 0 or -1. */
static int
vip_parse(const char *s, struct vip *v)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	uint32_t	 h;

	memset(v, 0, sizeof(*v));
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		h = ntohl(a4.s_addr);
		if (h == 0 || h == 0xffffffffu || (h >> 24) == 127 ||
		    (h >> 28) == 0xe)
			return -1;
		v->af = AF_INET;
		memcpy(v->a, &a4, 4);
	} else if (inet_pton(AF_INET6, s, &a6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a6) || IN6_IS_ADDR_LOOPBACK(&a6) ||
		    IN6_IS_ADDR_MULTICAST(&a6) || IN6_IS_ADDR_V4MAPPED(&a6))
			return -1;
		v->af = AF_INET6;
		memcpy(v->a, &a6, 16);
	} else
		return -1;
	if (inet_ntop(v->af, v->a, v->text, sizeof(v->text)) == NULL)
		return -1;
	return 0;
}

static int
mac_parse(const char *s, unsigned char mac[6])
{
	int	 i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = s[0];
		lo = hi != '\0' ? s[1] : '\0';
		if (!isxdigit((unsigned char)hi) ||
		    !isxdigit((unsigned char)lo))
			return -1;
		mac[i] = (unsigned char)((hi <= '9' ? hi - '0' :
		    (hi | 0x20) - 'a' + 10) << 4 | (lo <= '9' ? lo - '0' :
		    (lo | 0x20) - 'a' + 10));
		s += 2;
		if (i < 5 && *s++ != ':')
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* The name of the interface with this MAC; -1 when there is none. */
static int
iface_by_mac(const unsigned char mac[6], char *name, size_t namesz)
{
	struct ifaddrs		*ifa, *p;
	struct sockaddr_ll	*sll;
	int			 rc = -1;

	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return -1;
	}
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != AF_PACKET)
			continue;
		sll = (struct sockaddr_ll *)(void *)p->ifa_addr;
		if (sll->sll_halen == 6 && memcmp(sll->sll_addr, mac, 6) == 0) {
			(void)strlcpy(name, p->ifa_name, namesz);
			rc = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return rc;
}

/* 1 when v is already an address of this namespace. */
static int
vip_plugged(const struct vip *v)
{
	struct ifaddrs	*ifa, *p;
	const void	*a;
	int		 found = 0;

	if (getifaddrs(&ifa) == -1)
		return 0;
	for (p = ifa; p != NULL && !found; p = p->ifa_next) {
		if (p->ifa_addr == NULL || p->ifa_addr->sa_family != v->af)
			continue;
		if (v->af == AF_INET)
			a = &((struct sockaddr_in *)(void *)
			    p->ifa_addr)->sin_addr;
		else
			a = &((struct sockaddr_in6 *)(void *)
			    p->ifa_addr)->sin6_addr;
		found = memcmp(a, v->a, v->af == AF_INET ? 4 : 16) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

/*
 * Announce v on ifname with one gratuitous ARP request (as arping -U), so
 * neighbours that knew another MAC for it update their caches.
 */
static int
garp(const char *ifname, const struct vip *v)
{
	struct ifreq		 ifr;
	struct sockaddr_ll	 sll;
	struct ether_arp	 a;
	int			 s, rc = -1;

	if ((s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC,
	    htons(ETHERTYPE_ARP))) == -1) {
		log_warn("garp: socket");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFHWADDR, &ifr) == -1) {
		log_warn("garp: %s: SIOCGIFHWADDR", ifname);
		goto out;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_ARP);
	sll.sll_ifindex = if_nametoindex(ifname);
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	memset(&a, 0, sizeof(a));
	a.arp_hrd = htons(ARPHRD_ETHER);
	a.arp_pro = htons(ETHERTYPE_IP);
	a.arp_hln = ETH_ALEN;
	a.arp_pln = 4;
	a.arp_op = htons(ARPOP_REQUEST);
	memcpy(a.arp_sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(a.arp_spa, v->a, 4);
	memcpy(a.arp_tpa, v->a, 4);
	if (sendto(s, &a, sizeof(a), 0, (struct sockaddr *)&sll,
	    sizeof(sll)) != (ssize_t)sizeof(a)) {
		log_warn("garp: %s: sendto", ifname);
		goto out;
	}
	log_debug("garp: %s on %s", v->text, ifname);
	rc = 0;
out:
	(void)close(s);
	return rc;
}

static int
sysctl_set(const char *iface, const char *key, const char *val)
{
	char	 path[128];

	(void)snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s",
	    iface, key);
	return sys_write(path, val);
}

/*
 * The interface for routed VIPs: vip0 (made here), or lo when the kernel
 * cannot make dummy links.  eth0 stops answering ARP for addresses that
 * are not its own.
 */
static int
routed_iface(const char *arpif, char *name, size_t namesz, char *err,
    size_t errsz)
{
	const char	*add[] = { "ip", "link", "add", DUMMY_IF, "type",
	    "dummy", NULL };
	const char	*up[] = { "ip", "link", "set", DUMMY_IF, "up", NULL };

	if (sysctl_set("all", "arp_ignore", "1") == -1 ||
	    sysctl_set(arpif, "arp_ignore", "1") == -1 ||
	    sysctl_set("all", "arp_announce", "2") == -1 ||
	    sysctl_set(arpif, "arp_announce", "2") == -1) {
		snprintf(err, errsz, "cannot set arp_ignore on %s: %s", arpif,
		    strerror(errno));
		return -1;
	}
	if (if_nametoindex(DUMMY_IF) == 0 && netns_run(err, errsz, add) == -1) {
		log_debug("no dummy links (%s): routed VIPs go on lo", err);
		(void)strlcpy(name, "lo", namesz);
		return 0;
	}
	if (netns_run(err, errsz, up) == -1)
		return -1;
	(void)strlcpy(name, DUMMY_IF, namesz);
	return 0;
}

static int
vip_add(const struct vip *v, const char *ifname, char *err, size_t errsz)
{
	char		 cidr[INET6_ADDRSTRLEN + 5];
	const char	*argv[] = { "ip", v->af == AF_INET ? "-4" : "-6",
	    "addr", "add", cidr, "dev", ifname,
	    v->af == AF_INET6 ? "nodad" : NULL, NULL };

	(void)snprintf(cidr, sizeof(cidr), "%s/%d", v->text,
	    v->af == AF_INET ? 32 : 128);
	return netns_run(err, errsz, argv);
}

int
plug_vip(const char *vipstr, const json_t *body, struct plug_reply *r)
{
	struct vip	 v[VIP_MAX];
	unsigned char	 mac[6];
	const char	*macstr, *s;
	const json_t	*extra, *e;
	char		 arpif[IF_NAMESIZE], vipif[IF_NAMESIZE], err[512];
	char		 safe[72], list[512];
	size_t		 nv = 0, i;
	int		 routed;

	if (vip_parse(vipstr, &v[nv]) == -1) {
		echo_safe(vipstr, safe, sizeof(safe));
		return reply(r, 400, "Invalid VIP", "Invalid VIP: %s", safe);
	}
	nv++;
	if (body != NULL && !json_is_object(body) && !json_is_null(body))
		return reply(r, 400, "Invalid subnet information", NULL);
	routed = json_is_true(json_object_get(body, "routed"));
	macstr = json_string_value(json_object_get(body, "mac_address"));
	if (json_object_get(body, "mac_address") != NULL &&
	    !json_is_null(json_object_get(body, "mac_address")) &&
	    (macstr == NULL || mac_parse(macstr, mac) == -1))
		return reply(r, 400, "Invalid subnet information",
		    "bad mac_address");
	extra = json_object_get(body, "additional_vips");
	if (extra != NULL && !json_is_null(extra) && !json_is_array(extra))
		return reply(r, 400, "Invalid subnet information",
		    "additional_vips is not an array");
	for (i = 0; i < json_array_size(extra); i++) {
		e = json_array_get(extra, i);
		s = json_string_value(json_object_get(e, "ip_address"));
		if (nv == VIP_MAX)
			return reply(r, 400, "Invalid VIP", "too many "
			    "additional_vips (at most %d)", VIP_MAX - 1);
		if (vip_parse(s, &v[nv]) == -1) {
			echo_safe(s, safe, sizeof(safe));
			return reply(r, 400, "Invalid VIP", "Invalid VIP: %s",
			    safe);
		}
		nv++;
	}

	if (macstr != NULL) {
		if (iface_by_mac(mac, arpif, sizeof(arpif)) == -1)
			return reply(r, 404, "Network interface not found",
			    "No suitable network interface found");
	} else {
		if (if_nametoindex(DEFAULT_IF) == 0)
			return reply(r, 404, "Network interface not found",
			    "No suitable network interface found");
		(void)strlcpy(arpif, DEFAULT_IF, sizeof(arpif));
	}
	for (i = 0; i < nv; i++)
		if (vip_plugged(&v[i]))
			return reply(r, 409, "Interface already exists",
			    "%s is already plugged", v[i].text);

	(void)strlcpy(vipif, arpif, sizeof(vipif));
	if (routed && routed_iface(arpif, vipif, sizeof(vipif), err,
	    sizeof(err)) == -1)
		return reply(r, 500, "Error plugging VIP", "%s", err);
	list[0] = '\0';
	for (i = 0; i < nv; i++) {
		if (vip_add(&v[i], vipif, err, sizeof(err)) == -1)
			return reply(r, 500, "Error plugging VIP", "%s: %s",
			    v[i].text, err);
		if (!routed && v[i].af == AF_INET)
			(void)garp(arpif, &v[i]);
		if (i > 0)
			(void)strlcat(list, ", ", sizeof(list));
		(void)strlcat(list, v[i].text, sizeof(list));
		log_info("plugged VIP %s on %s%s", v[i].text, vipif,
		    routed ? " (routed)" : "");
	}
	return reply(r, 202, "OK", "VIPs plugged on interface %s: %s", vipif,
	    list);
}

int
plug_network(const json_t *body, struct plug_reply *r)
{
	unsigned char	 mac[6];
	const char	*macstr;
	char		 ifname[IF_NAMESIZE];

	macstr = json_string_value(json_object_get(body, "mac_address"));
	if (!json_is_object(body) || macstr == NULL ||
	    mac_parse(macstr, mac) == -1)
		return reply(r, 400, "Invalid network port", NULL);
	if (iface_by_mac(mac, ifname, sizeof(ifname)) == -1)
		return reply(r, 404, "Network interface not found",
		    "No suitable network interface found");
	/* One interface, addressed by oct-boot: nothing to change. */
	return reply(r, 202, "OK", "Updated existing interface %s", ifname);
}
