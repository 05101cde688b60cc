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

#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "extern.h"
#include "log.h"
#include "plug.h"

#define DUMMY_IF	"vip0"

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
vip_plugged(const struct plug_addr *v)
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
garp(const char *ifname, const struct plug_addr *v)
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
	if (if_nametoindex(DUMMY_IF) == 0 && proc_cmd(err, errsz, add) == -1) {
		log_debug("no dummy links (%s): routed VIPs go on lo", err);
		(void)strlcpy(name, "lo", namesz);
		return 0;
	}
	if (proc_cmd(err, errsz, up) == -1)
		return -1;
	(void)strlcpy(name, DUMMY_IF, namesz);
	return 0;
}

static int
vip_add(const struct plug_addr *v, const char *ifname, char *err, size_t errsz)
{
	char		 cidr[INET6_ADDRSTRLEN + 5];
	const char	*argv[] = { "ip", v->af == AF_INET ? "-4" : "-6",
	    "addr", "add", cidr, "dev", ifname,
	    v->af == AF_INET6 ? "nodad" : NULL, NULL };

	(void)snprintf(cidr, sizeof(cidr), "%s/%d", v->text,
	    v->af == AF_INET ? 32 : 128);
	return proc_cmd(err, errsz, argv);
}

int
plug_vip(const char *vipstr, const json_t *body, struct plug_reply *r)
{
	struct plug_vips vs;
	const struct plug_addr *v;
	char		 arpif[IF_NAMESIZE], vipif[IF_NAMESIZE], err[512];
	char		 list[512];
	size_t		 i;

	if (netinfo_vip(vipstr, body, &vs, r) == -1)
		return -1;
	if (iface_by_mac(vs.mac, arpif, sizeof(arpif)) == -1)
		return plug_set(r, 404, "Network interface not found",
		    "No suitable network interface found");
	for (i = 0; i < vs.n; i++)
		if (vip_plugged(&vs.vip[i]))
			return plug_set(r, 409, "Interface already exists",
			    "%s is already plugged", vs.vip[i].text);

	(void)strlcpy(vipif, arpif, sizeof(vipif));
	if (vs.routed && routed_iface(arpif, vipif, sizeof(vipif), err,
	    sizeof(err)) == -1)
		return plug_set(r, 500, "Error plugging VIP", "%s", err);
	list[0] = '\0';
	for (i = 0; i < vs.n; i++) {
		v = &vs.vip[i];
		if (vip_add(v, vipif, err, sizeof(err)) == -1)
			return plug_set(r, 500, "Error plugging VIP", "%s: %s",
			    v->text, err);
		if (!vs.routed && v->af == AF_INET)
			(void)garp(arpif, v);
		if (i > 0)
			(void)strlcat(list, ", ", sizeof(list));
		(void)strlcat(list, v->text, sizeof(list));
		log_info("plugged VIP %s on %s%s", v->text, vipif,
		    vs.routed ? " (routed)" : "");
	}
	return plug_set(r, 202, "OK", "VIPs plugged on interface %s: %s",
	    vipif, list);
}

int
plug_network(const json_t *body, struct plug_reply *r)
{
	unsigned char	 mac[6];
	char		 ifname[IF_NAMESIZE];

	if (netinfo_network(body, mac, r) == -1)
		return -1;
	if (iface_by_mac(mac, ifname, sizeof(ifname)) == -1)
		return plug_set(r, 404, "Network interface not found",
		    "No suitable network interface found");
	/* One interface, addressed by oct-boot: nothing to change. */
	return plug_set(r, 202, "OK", "Updated existing interface %s",
	    ifname);
}
