/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netinfo: the bodies of POST /1.0/plug/vip/<ip> (Octavia's net_info) and
 * POST /1.0/plug/network (its port_info), checked whole before anything
 * is plugged.  Octavia's agent (server.py, plug.py) requires subnet_cidr,
 * gateway and mac_address in a net_info and mac_address in a port_info,
 * and answers werkzeug's 400 "Invalid subnet information" / "Invalid port
 * information" without them; the keys it reads later it takes as the
 * controller sends them and fails (often with a 500) on anything else.
 * Here every key it reads is checked, with the rules of the Neutron
 * objects they come from:
 *
 *	subnet_cidr, destination	"address/prefix", no host bits set
 *	gateway, vrrp_ip, nexthop,	an address of the subnet's family;
 *	    ip_address			gateway and vrrp_ip may be null
 *	mac_address			six hex pairs joined by ':'
 *	mtu				an integer, 68 to 65535, or null
 *	host_routes			[{"destination", "nexthop"}] or null
 *	additional_vips			[{"ip_address", "subnet_cidr",
 *					"gateway", "host_routes"}] or null
 *	fixed_ips			[{"ip_address", "subnet_cidr", ...}]
 *	vip_net_info			a net_info with "vip", or null
 *	is_sriov, routed		true, false or null
 *
 * An optional key that is null counts as absent; keys not listed are
 * ignored, as Octavia's agent ignores them.  A VIP need not lie in
 * subnet_cidr: a routed VIP (oct-boot --route) does not.  No I/O here.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "plug.h"

#define ROUTES_MAX	256	/* host routes in one list */
#define FIXED_IPS_MAX	64
#define MTU_MIN		68
#define MTU_MAX		65535

/* The message of a body refusal that is not about a VIP. */
#define SUBNET_INFO	"Invalid subnet information"
#define PORT_INFO	"Invalid network port"

int
plug_set(struct plug_reply *r, int status, const char *message,
    const char *fmt, ...)
{
	va_list	 ap;

	r->status = status;
	r->werror = 0;
	(void)strlcpy(r->message, message, sizeof(r->message));
	r->details[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		(void)vsnprintf(r->details, sizeof(r->details), fmt, ap);
		va_end(ap);
	}
	return status >= 200 && status < 300 ? 0 : -1;
}

void
plug_echo(const char *s, char *buf, size_t bufsz)
{
	size_t	 i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < bufsz && i < 64; i++)
		buf[i] = s[i] > ' ' && s[i] < 0x7f && s[i] != '"' &&
		    s[i] != '\\' ? s[i] : '?';
	buf[i] = '\0';
}

/* What a check refuses: the message and the details of the 400. */
struct why {
	struct plug_reply	*r;
	const char		*message;	/* SUBNET_INFO or PORT_INFO */
};

static int
vrefuse(struct why *w, int werror, const char *message, const char *fmt,
    va_list ap)
    __attribute__((__format__(printf, 4, 0)));

static int
vrefuse(struct why *w, int werror, const char *message, const char *fmt,
    va_list ap)
{
	w->r->status = 400;
	w->r->werror = werror;
	(void)strlcpy(w->r->message, message != NULL ? message : w->message,
	    sizeof(w->r->message));
	(void)vsnprintf(w->r->details, sizeof(w->r->details), fmt, ap);
	return -1;
}

/* A 400 {"message": message (NULL: w's), "details"}. */
static int
refuse(struct why *w, const char *message, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
refuse(struct why *w, const char *message, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vrefuse(w, 0, message, fmt, ap);
	va_end(ap);
	return -1;
}

/* Octavia's own refusal: werkzeug's 400 with its description. */
static int
refuse_werror(struct why *w, const char *description, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
refuse_werror(struct why *w, const char *description, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	(void)vrefuse(w, 1, description, fmt, ap);
	va_end(ap);
	return -1;
}

/* The key of obj, NULL when it is absent or null. */
static const json_t *
opt(const json_t *obj, const char *key)
{
	const json_t	*v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

/* Parse an address of any family.  Returns 0 or -1. */
static int
addr_parse(const char *s, struct plug_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1)
		a->af = AF_INET;
	else if (inet_pton(AF_INET6, s, a->a) == 1)
		a->af = AF_INET6;
	else
		return -1;
	return inet_ntop(a->af, a->a, a->text, sizeof(a->text)) == NULL ?
	    -1 : 0;
}

/* A unicast host address a VIP may be.  Returns 0 or -1. */
static int
vip_ok(const struct plug_addr *a)
{
	const struct in6_addr	*a6 = (const struct in6_addr *)a->a;
	uint32_t		 h;

	if (a->af == AF_INET) {
		h = (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 |
		    (uint32_t)a->a[2] << 8 | a->a[3];
		return h == 0 || h == 0xffffffffu || (h >> 24) == 127 ||
		    (h >> 28) == 0xe ? -1 : 0;
	}
	return IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_LOOPBACK(a6) ||
	    IN6_IS_ADDR_MULTICAST(a6) || IN6_IS_ADDR_V4MAPPED(a6) ? -1 : 0;
}

/* The string at key of obj as an address, into *a. */
static int
addr_key(struct why *w, const json_t *obj, const char *key, const char *in,
    struct plug_addr *a)
{
	const char	*s = json_string_value(json_object_get(obj, key));
	char		 safe[72];

	if (s == NULL)
		return refuse(w, NULL, "%s%s: not a string", in, key);
	if (addr_parse(s, a) == -1) {
		plug_echo(s, safe, sizeof(safe));
		return refuse(w, NULL, "%s%s: %s is not an IP address", in,
		    key, safe);
	}
	return 0;
}

/*
 * The string at key of obj as a network "address/prefix" with no host
 * bits set (Python's ipaddress.ip_network, strict, as Octavia reads it),
 * into *net and *plen.
 */
static int
cidr_key(struct why *w, const char *message, const json_t *obj,
    const char *key, const char *in, struct plug_addr *net, int *plen)
{
	const char	*s = json_string_value(json_object_get(obj, key));
	const char	*slash, *errstr;
	char		 addr[INET6_ADDRSTRLEN], safe[72];
	int		 bits, i;

	if (s == NULL)
		return refuse(w, message, "%s%s: not a string", in, key);
	plug_echo(s, safe, sizeof(safe));
	if ((slash = strchr(s, '/')) == NULL ||
	    (size_t)(slash - s) >= sizeof(addr))
		return refuse(w, message, "%s%s: %s is not a network "
		    "address/prefix length", in, key, safe);
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	if (addr_parse(addr, net) == -1 || !isdigit((unsigned char)slash[1]))
		return refuse(w, message, "%s%s: %s is not a network "
		    "address/prefix length", in, key, safe);
	bits = net->af == AF_INET ? 32 : 128;
	*plen = strtonum(slash + 1, 0, bits, &errstr);
	if (errstr != NULL)
		return refuse(w, message, "%s%s: %s: prefix length %s", in,
		    key, safe, errstr);
	for (i = *plen; i < bits; i++)
		if (net->a[i / 8] & (0x80 >> (i % 8)))
			return refuse(w, message, "%s%s: %s has host bits "
			    "set", in, key, safe);
	return 0;
}

static int
family_ok(struct why *w, const struct plug_addr *a, int af, const char *in,
    const char *key)
{
	if (a->af != af)
		return refuse(w, NULL, "%s%s: %s is not of the subnet's IP "
		    "version", in, key, a->text);
	return 0;
}

/* An optional boolean. */
static int
bool_key(struct why *w, const json_t *obj, const char *key, int *val)
{
	const json_t	*v = opt(obj, key);

	if (v != NULL && !json_is_boolean(v))
		return refuse(w, NULL, "%s: not true or false", key);
	if (val != NULL)
		*val = json_is_true(v);
	return 0;
}

static int
mtu_key(struct why *w, const json_t *obj)
{
	const json_t	*v = opt(obj, "mtu");

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < MTU_MIN ||
	    json_integer_value(v) > MTU_MAX)
		return refuse(w, NULL, "mtu: not an integer from %d to %d",
		    MTU_MIN, MTU_MAX);
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

static int
mac_key(struct why *w, const json_t *obj, unsigned char mac[6])
{
	const char	*s = json_string_value(json_object_get(obj,
			    "mac_address"));
	char		 safe[72];

	if (s == NULL)
		return refuse(w, NULL, "mac_address: not a string");
	if (mac_parse(s, mac) == -1) {
		plug_echo(s, safe, sizeof(safe));
		return refuse(w, NULL, "mac_address: %s is not a MAC address",
		    safe);
	}
	return 0;
}

/* host_routes of a subnet of family af: null or [{destination, nexthop}]. */
static int
routes_key(struct why *w, const json_t *obj, int af, const char *in)
{
	const json_t		*routes = opt(obj, "host_routes"), *hr;
	struct plug_addr	 dst, hop;
	char			 where[96];
	size_t			 i;
	int			 plen;

	if (routes == NULL)
		return 0;
	if (!json_is_array(routes))
		return refuse(w, NULL, "%shost_routes: not a list", in);
	if (json_array_size(routes) > ROUTES_MAX)
		return refuse(w, NULL, "%shost_routes: more than %d", in,
		    ROUTES_MAX);
	json_array_foreach(routes, i, hr) {
		(void)snprintf(where, sizeof(where), "%shost_routes[%zu].",
		    in, i);
		if (!json_is_object(hr))
			return refuse(w, NULL, "%shost_routes[%zu]: not an "
			    "object", in, i);
		if (cidr_key(w, NULL, hr, "destination", where, &dst,
		    &plen) == -1 ||
		    addr_key(w, hr, "nexthop", where, &hop) == -1 ||
		    family_ok(w, &dst, af, where, "destination") == -1 ||
		    family_ok(w, &hop, af, where, "nexthop") == -1)
			return -1;
	}
	return 0;
}

/* The gateway of a subnet of family af: null or an address. */
static int
gateway_key(struct why *w, const json_t *obj, int af, const char *in)
{
	struct plug_addr	 gw;

	if (opt(obj, "gateway") == NULL)
		return 0;
	if (addr_key(w, obj, "gateway", in, &gw) == -1 ||
	    family_ok(w, &gw, af, in, "gateway") == -1)
		return -1;
	return 0;
}

/* A VIP address (text s, at key in where), into the list of vs. */
static int
vip_add(struct why *w, struct plug_vips *vs, const char *s, const char *in,
    const char *key)
{
	struct plug_addr	*a;
	char			 safe[72];
	size_t			 i;

	if (vs->n == PLUG_VIPS_MAX)
		return refuse(w, "Invalid VIP", "too many additional_vips "
		    "(at most %d)", PLUG_VIPS_MAX - 1);
	a = &vs->vip[vs->n];
	if (s == NULL)
		return refuse(w, "Invalid VIP", "%s%s: not a string", in,
		    key);
	if (addr_parse(s, a) == -1 || vip_ok(a) == -1) {
		plug_echo(s, safe, sizeof(safe));
		return refuse(w, "Invalid VIP", "Invalid VIP: %s", safe);
	}
	for (i = 0; i < vs->n; i++)
		if (vs->vip[i].af == a->af &&
		    memcmp(vs->vip[i].a, a->a, 16) == 0)
			return refuse(w, "Invalid VIP", "%s is given twice",
			    a->text);
	vs->n++;
	return 0;
}

/* additional_vips: null or a list of {ip_address, subnet_cidr, ...}. */
static int
extra_vips_key(struct why *w, const json_t *obj, struct plug_vips *vs)
{
	static const char *const need[] = { "ip_address", "subnet_cidr",
	    "gateway", "host_routes" };
	const json_t		*extra = opt(obj, "additional_vips"), *e;
	struct plug_addr	 net;
	char			 where[64];
	size_t			 i, k;
	int			 plen;

	if (extra == NULL)
		return 0;
	if (!json_is_array(extra))
		return refuse(w, NULL, "additional_vips: not a list");
	json_array_foreach(extra, i, e) {
		(void)snprintf(where, sizeof(where), "additional_vips[%zu].",
		    i);
		if (!json_is_object(e))
			return refuse(w, NULL, "additional_vips[%zu]: not an "
			    "object", i);
		for (k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if (json_object_get(e, need[k]) == NULL)
				return refuse(w, NULL, "%s%s: missing", where,
				    need[k]);
		if (vip_add(w, vs, json_string_value(json_object_get(e,
		    "ip_address")), where, "ip_address") == -1 ||
		    cidr_key(w, "Invalid VIP", e, "subnet_cidr", where, &net,
		    &plen) == -1 ||
		    gateway_key(w, e, net.af, where) == -1 ||
		    routes_key(w, e, net.af, where) == -1)
			return -1;
	}
	return 0;
}

/*
 * A net_info (the body of plug/vip, or plug/network's vip_net_info) for
 * the VIPs already in vs: its subnet, gateway, VRRP address, routes, MTU
 * and additional VIPs.  mac: where to put mac_address, NULL when the key
 * is not read.
 */
static int
net_info(struct why *w, const json_t *obj, struct plug_vips *vs,
    unsigned char *mac)
{
	struct plug_addr	 net, vrrp;
	const json_t		*v;
	int			 plen;

	if (cidr_key(w, "Invalid VIP", obj, "subnet_cidr", "", &net,
	    &plen) == -1 ||
	    gateway_key(w, obj, net.af, "") == -1 ||
	    (mac != NULL && mac_key(w, obj, mac) == -1) ||
	    mtu_key(w, obj) == -1 ||
	    routes_key(w, obj, net.af, "") == -1 ||
	    bool_key(w, obj, "is_sriov", NULL) == -1 ||
	    bool_key(w, obj, "routed", &vs->routed) == -1)
		return -1;
	/* Octavia's agent reads vrrp_ip only when it is not empty. */
	v = opt(obj, "vrrp_ip");
	if (v != NULL && !(json_is_string(v) && json_string_length(v) == 0) &&
	    (addr_key(w, obj, "vrrp_ip", "", &vrrp) == -1 ||
	    family_ok(w, &vrrp, net.af, "", "vrrp_ip") == -1)) {
		(void)strlcpy(w->r->message, "Invalid VRRP Address",
		    sizeof(w->r->message));
		return -1;
	}
	return extra_vips_key(w, obj, vs);
}

int
netinfo_vip(const char *vip, const json_t *body, struct plug_vips *vs,
    struct plug_reply *r)
{
	static const char *const need[] = { "subnet_cidr", "gateway",
	    "mac_address" };
	struct why	 w = { r, SUBNET_INFO };
	size_t		 i;

	memset(vs, 0, sizeof(*vs));
	if (vip_add(&w, vs, vip, "", "") == -1)
		return -1;
	if (!json_is_object(body))
		return refuse_werror(&w, SUBNET_INFO, "the body is not a "
		    "JSON object");
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (json_object_get(body, need[i]) == NULL)
			return refuse_werror(&w, SUBNET_INFO, "%s: missing",
			    need[i]);
	return net_info(&w, body, vs, vs->mac);
}

/* fixed_ips: null or [{ip_address, subnet_cidr, gateway, host_routes}]. */
static int
fixed_ips_key(struct why *w, const json_t *obj)
{
	const json_t		*ips = opt(obj, "fixed_ips"), *e;
	struct plug_addr	 ip, net;
	char			 where[64];
	size_t			 i;
	int			 plen;

	if (ips == NULL)
		return 0;
	if (!json_is_array(ips))
		return refuse(w, NULL, "fixed_ips: not a list");
	if (json_array_size(ips) > FIXED_IPS_MAX)
		return refuse(w, NULL, "fixed_ips: more than %d",
		    FIXED_IPS_MAX);
	json_array_foreach(ips, i, e) {
		(void)snprintf(where, sizeof(where), "fixed_ips[%zu].", i);
		if (!json_is_object(e))
			return refuse(w, NULL, "fixed_ips[%zu]: not an object",
			    i);
		if (addr_key(w, e, "ip_address", where, &ip) == -1 ||
		    cidr_key(w, NULL, e, "subnet_cidr", where, &net,
		    &plen) == -1 ||
		    family_ok(w, &ip, net.af, where, "ip_address") == -1 ||
		    gateway_key(w, e, net.af, where) == -1 ||
		    routes_key(w, e, net.af, where) == -1)
			return -1;
	}
	return 0;
}

int
netinfo_network(const json_t *body, unsigned char mac[6],
    struct plug_reply *r)
{
	static const char *const need[] = { "vip", "subnet_cidr", "gateway" };
	struct why	 w = { r, PORT_INFO };
	struct plug_vips vs;
	const json_t	*vni;
	char		 d[sizeof(r->details) + 16];
	size_t		 i;

	if (!json_is_object(body))
		return refuse(&w, NULL, "the body is not a JSON object");
	if (json_object_get(body, "mac_address") == NULL)
		return refuse(&w, NULL, "mac_address: missing");
	if (mac_key(&w, body, mac) == -1 || mtu_key(&w, body) == -1 ||
	    bool_key(&w, body, "is_sriov", NULL) == -1 ||
	    fixed_ips_key(&w, body) == -1)
		return -1;
	/* The VRRP port's own subnet plugged again: a net_info with "vip". */
	if ((vni = opt(body, "vip_net_info")) == NULL)
		return 0;
	if (!json_is_object(vni))
		return refuse(&w, NULL, "vip_net_info: not an object");
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (json_object_get(vni, need[i]) == NULL)
			return refuse(&w, NULL, "vip_net_info.%s: missing",
			    need[i]);
	memset(&vs, 0, sizeof(vs));
	if (vip_add(&w, &vs, json_string_value(json_object_get(vni, "vip")),
	    "", "vip") == -1 || net_info(&w, vni, &vs, NULL) == -1) {
		/* One message for the port; the details say where. */
		(void)snprintf(d, sizeof(d), "vip_net_info: %s", r->details);
		(void)strlcpy(r->details, d, sizeof(r->details));
		(void)strlcpy(r->message, PORT_INFO, sizeof(r->message));
		return -1;
	}
	return 0;
}
