/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel_cidr: a listener's allowed_cidrs, read as Octavia 11 reads them
 * (api/common/types.py CidrType: Python's ipaddress.ip_network(value,
 * strict=False)), kept as networks, sorted and without duplicates (Octavia
 * stores a set), and checked against the VIPs as Octavia's listener
 * controller checks them: each CIDR has the IP version of a VIP.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lbmodel.h"
#include "lbmodel_int.h"

/* The length of the leading run of one bits of a 32-bit mask, or -1. */
static int
mask_len(uint32_t m)
{
	int	 n = 0;

	while (n < 32 && (m & (0x80000000u >> n)) != 0)
		n++;
	return n == 32 || (m << n) == 0 ? n : -1;
}

/*
 * The prefix length after the '/' of a CIDR: decimal digits (leading zeros
 * allowed, as Python allows them) up to max, or for IPv4 a netmask
 * ("255.255.0.0") or a hostmask ("0.0.255.255"), tried in that order as
 * Python does.  Returns the length or -1.
 */
static int
prefix_parse(const char *s, int af, int max)
{
	struct in_addr	 m;
	uint32_t	 h;
	const char	*p;
	int		 n = 0;

	if (*s == '\0')
		return -1;
	if (strspn(s, "0123456789") == strlen(s)) {
		for (p = s; *p != '\0'; p++) {
			n = n * 10 + (*p - '0');
			if (n > max)
				return -1;
		}
		return n;
	}
	if (af != AF_INET || inet_pton(AF_INET, s, &m) != 1)
		return -1;
	h = ntohl(m.s_addr);
	if ((n = mask_len(h)) != -1)
		return n;
	return mask_len(~h);
}

/*
 * Parse one CIDR as Octavia accepts it: an IPv4 or IPv6 address, then
 * optionally '/' and a prefix length (an address alone is a /32 or /128).
 * Host bits are cleared, as strict=False does.  IPv6 scope ids ("%eth0")
 * are refused: a source network has none.  Returns 0 or -1.
 */
static int
cidr_parse(const char *s, struct lb_cidr *cd)
{
	char		 a[INET6_ADDRSTRLEN];
	const char	*slash;
	size_t		 alen;
	int		 max, i;

	memset(cd, 0, sizeof(*cd));
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(a))
		return -1;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET, a, cd->addr) == 1) {
		cd->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, a, cd->addr) == 1) {
		cd->af = AF_INET6;
		max = 128;
	} else
		return -1;
	cd->plen = max;
	if (slash != NULL && (cd->plen = prefix_parse(slash + 1, cd->af,
	    max)) == -1)
		return -1;
	for (i = 0; i < max / 8; i++) {
		if (i * 8 >= cd->plen)
			cd->addr[i] = 0;
		else if (i * 8 + 8 > cd->plen)
			cd->addr[i] &= 0xff << (8 - (cd->plen - i * 8));
	}
	return 0;
}

static int
same_net(const struct lb_cidr *a, const struct lb_cidr *b)
{
	return a->af == b->af && a->plen == b->plen &&
	    memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* IPv4 first, then by address, then by prefix length. */
static int
cidr_cmp(const void *va, const void *vb)
{
	const struct lb_cidr	*a = va, *b = vb;
	int			 d;

	if (a->af != b->af)
		return a->af == AF_INET ? -1 : 1;
	if ((d = memcmp(a->addr, b->addr, sizeof(a->addr))) != 0)
		return d;
	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	/* the first given stays, and names the entry in messages */
	return a->index < b->index ? -1 : a->index > b->index;
}

int
lbm_cidr_text(const struct lb_cidr *cd, char *buf, size_t len)
{
	char	 a[INET6_ADDRSTRLEN];
	int	 n;

	if (inet_ntop(cd->af, cd->addr, a, sizeof(a)) == NULL)
		return -1;
	n = snprintf(buf, len, "%s/%d", a, cd->plen);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
is_v6(const char *addr)
{
	return strchr(addr, ':') != NULL;
}

/*
 * Octavia's rule: every CIDR has the IP version of one of the VIPs (vip and
 * the model's additional ones).  The offending CIDR given first is named.
 */
int
lbm_cidrs_vips(struct pctx *c, const struct lb *lb,
    const struct lb_listener *li, const char *vip)
{
	const struct lb_cidr *bad = NULL;
	char		 p[LBM_PATH_LEN], t[LB_CIDR_TEXT];
	size_t		 i;
	int		 has[2];

	has[0] = !is_v6(vip);
	has[1] = is_v6(vip);
	for (i = 0; i < lb->nvips; i++)
		has[is_v6(lb->vips[i])] = 1;
	for (i = 0; i < li->ncidrs; i++)
		if (!has[li->cidrs[i].af == AF_INET6] &&
		    (bad == NULL || li->cidrs[i].index < bad->index))
			bad = &li->cidrs[i];
	if (bad == NULL)
		return 0;
	snprintf(p, sizeof(p), "loadbalancer.listeners[%zu].allowed_cidrs[%zu]",
	    li->index, bad->index);
	if (lbm_cidr_text(bad, t, sizeof(t)) == -1)
		return lbm_fail(c, p, "cannot print this CIDR");
	return lbm_fail(c, p, "%s is an IPv%d CIDR and no VIP of the load "
	    "balancer is IPv%d (vip_address %s): it would match no client",
	    t, bad->af == AF_INET ? 4 : 6, bad->af == AF_INET ? 4 : 6, vip);
}

int
lbm_cidrs_parse(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	const json_t	*a, *v;
	char		 p[LBM_PATH_LEN];
	size_t		 i, n;

	if (lbm_get_arr(c, l, "allowed_cidrs", path, &a) == -1)
		return -1;
	/* null or [] (Octavia: None): every client */
	if (a == NULL || json_array_size(a) == 0)
		return 0;
	if ((li->cidrs = calloc(json_array_size(a),
	    sizeof(*li->cidrs))) == NULL)
		return lbm_nomem(c);
	json_array_foreach(a, i, v) {
		lbm_idxpath(p, path, "allowed_cidrs", i);
		if (!json_is_string(v))
			return lbm_fail(c, p, "must be a string, not %s",
			    lbm_typename(v));
		if (cidr_parse(json_string_value(v), &li->cidrs[i]) == -1)
			return lbm_fail(c, p, "\"%s\" is not an IPv4 or IPv6 "
			    "CIDR (address[/prefix length])",
			    json_string_value(v));
		li->cidrs[i].index = i;
	}
	n = json_array_size(a);
	qsort(li->cidrs, n, sizeof(*li->cidrs), cidr_cmp);
	/* duplicates (after host bits are cleared) count once, as in Octavia */
	for (i = 1, li->ncidrs = 1; i < n; i++)
		if (!same_net(&li->cidrs[i], &li->cidrs[li->ncidrs - 1]))
			li->cidrs[li->ncidrs++] = li->cidrs[i];
	if (c->lb->vip != NULL)
		return lbm_cidrs_vips(c, c->lb, li, c->lb->vip);
	return 0;
}

int
lb_vip_check(const struct lb *lb, const char *vip, char *err, size_t errlen)
{
	struct pctx	 c;
	size_t		 i;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	if (vip == NULL && (vip = lb->vip) == NULL)
		return 0;
	for (i = 0; i < lb->nlisteners; i++)
		if (lbm_cidrs_vips(&c, lb, &lb->listeners[i], vip) == -1)
			return -1;
	return 0;
}
