/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipaddr: IP addresses parsed with inet_pton(3) and judged by their bytes.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipaddr.h"

static const unsigned char v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

int
ipaddr_parse(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b + 12) == 1) {
		memcpy(a->b, v4mapped, sizeof(v4mapped));
		a->v4 = 1;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) != 1)
		return -1;
	a->v4 = memcmp(a->b, v4mapped, sizeof(v4mapped)) == 0;
	return 0;
}

int
ipaddr_unspecified(const struct ipaddr *a)
{
	static const unsigned char zero[16];

	if (a->v4)
		return a->b[12] == 0;
	return memcmp(a->b, zero, sizeof(zero)) == 0;
}

int
ipaddr_loopback(const struct ipaddr *a)
{
	static const unsigned char one[16] = { [15] = 1 };

	if (a->v4)
		return a->b[12] == 127;
	return memcmp(a->b, one, sizeof(one)) == 0;
}

int
ipaddr_multicast(const struct ipaddr *a)
{
	if (a->v4)
		return (a->b[12] & 0xf0) == 0xe0 || (a->b[12] == 0xff &&
		    a->b[13] == 0xff && a->b[14] == 0xff && a->b[15] == 0xff);
	return a->b[0] == 0xff;
}

int
ipaddr_unicast(const char *s)
{
	struct ipaddr	 a;

	return ipaddr_parse(s, &a) == 0 && !ipaddr_unspecified(&a) &&
	    !ipaddr_multicast(&a);
}

int
ipnet_contains(const struct ipnet *n, const struct ipaddr *a)
{
	int	 full = n->plen / 8, rest = n->plen % 8;

	if (memcmp(n->addr.b, a->b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((n->addr.b[full] ^ a->b[full]) & (0xff << (8 - rest))) == 0;
}

/* One entry, "addr" or "addr/plen", into n.  Returns 0 or -1. */
static int
ipnet_parse(const char *s, struct ipnet *n)
{
	char		 buf[INET6_ADDRSTRLEN + 8], *slash;
	const char	*errstr;
	long long	 plen;
	int		 i, full, text4;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (ipaddr_parse(buf, &n->addr) == -1)
		return -1;
	/* An IPv4 prefix length counts the bits of its IPv4 spelling. */
	text4 = strchr(buf, ':') == NULL;
	n->plen = 128;
	if (slash != NULL) {
		plen = strtonum(slash, 0, text4 ? 32 : 128, &errstr);
		if (errstr != NULL)
			return -1;
		n->plen = (int)plen + (text4 ? 96 : 0);
	}
	/* The host bits do not matter: clear them. */
	full = n->plen / 8;
	for (i = full; i < 16; i++)
		n->addr.b[i] &= i == full ? (0xff << (8 - n->plen % 8)) & 0xff :
		    0;
	return 0;
}

int
ipnet_parse_list(const char *s, struct ipnet *out, size_t max, char *err,
    size_t errlen)
{
	char	 item[INET6_ADDRSTRLEN + 8];
	size_t	 len, n = 0;

	for (;;) {
		s += strspn(s, ", ");
		if (*s == '\0')
			return (int)n;
		len = strcspn(s, ", ");
		if (n >= max || n >= 0x7fffffff) {
			snprintf(err, errlen, "more than %zu entries", max);
			return -1;
		}
		if (len < sizeof(item)) {
			memcpy(item, s, len);
			item[len] = '\0';
		}
		if (len >= sizeof(item) || ipnet_parse(item, &out[n]) == -1) {
			snprintf(err, errlen, "\"%.*s\" is not an IP address "
			    "or network", (int)(len < 64 ? len : 64), s);
			return -1;
		}
		n++;
		s += len;
	}
}
