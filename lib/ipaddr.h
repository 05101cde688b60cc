/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipaddr: IP addresses judged by their bytes, not their spelling.  An
 * address is parsed with inet_pton(3) and kept as 16 bytes; an IPv4
 * address and its IPv4-mapped IPv6 spelling (::ffff:a.b.c.d) are the same
 * address here, since a socket connecting to the one reaches the other.
 * So "0.0.0.0", "::ffff:0.0.0.0" and "0:0:0:0:0:ffff:0:0" are one address,
 * and "::", "0::0" and "::0.0.0.0" another.
 */
#ifndef OCT_IPADDR_H
#define OCT_IPADDR_H

#include <stddef.h>

struct ipaddr {
	unsigned char	 b[16];		/* IPv4 as ::ffff:a.b.c.d */
	int		 v4;		/* IPv4, or IPv4-mapped IPv6 */
};

/* An address and a prefix length (0..128; an IPv4 one counts from 96). */
struct ipnet {
	struct ipaddr	 addr;
	int		 plen;
};

/* Parse an IPv4 or IPv6 address.  Returns 0, or -1 when s is not one. */
int	 ipaddr_parse(const char *s, struct ipaddr *);

/*
 * What an address is not fit for.  Each returns 1 or 0.
 * unspecified: 0.0.0.0/8 ("this network", which haproxy and the kernel
 *     take for the host itself) and ::.
 * loopback: 127.0.0.0/8 and ::1.
 * multicast: 224.0.0.0/4, 255.255.255.255 (broadcast) and ff00::/8.
 */
int	 ipaddr_unspecified(const struct ipaddr *);
int	 ipaddr_loopback(const struct ipaddr *);
int	 ipaddr_multicast(const struct ipaddr *);

/*
 * Is s an address a host can own, neither unspecified nor multicast (a
 * VIP the operator gives, which may be loopback)?  Returns 1 or 0.
 */
int	 ipaddr_unicast(const char *s);

/*
 * Parse a list of addresses and networks ("169.254.169.254,fd00::/8"),
 * separated by commas and/or spaces; "" is the empty list.  Returns the
 * number of entries (at most max are stored in out), or -1 with err naming
 * the entry that is not an address or network.
 */
int	 ipnet_parse_list(const char *s, struct ipnet *out, size_t max,
	    char *err, size_t errlen);

/* Is a within n?  Returns 1 or 0. */
int	 ipnet_contains(const struct ipnet *n, const struct ipaddr *a);

#endif
