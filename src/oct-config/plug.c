/* SPDX-License-Identifier: Apache-2.0 */
/*
 * plug: give an appliance its load balancer's VIP (POST /1.0/plug/vip/<ip>,
 * step 10 of Octavia's create flow) before the configuration that binds it
 * is pushed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "ipaddr.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"

/*
 * The network of addr/plen as "a.b.c.d/plen" in buf.  Returns 0, or -1 for
 * an address that is not IPv4 or a prefix length out of 0..32.
 */
static int
subnet_cidr(const char *addr, json_int_t plen, char *buf, size_t bufsz)
{
	struct in_addr	 in;
	uint32_t	 mask;
	char		 net[INET_ADDRSTRLEN];

	if (plen < 0 || plen > 32 || inet_pton(AF_INET, addr, &in) != 1)
		return -1;
	mask = plen == 0 ? 0 : htonl(~(uint32_t)0 << (32 - plen));
	in.s_addr &= mask;
	if (inet_ntop(AF_INET, &in, net, sizeof(net)) == NULL)
		return -1;
	return snprintf(buf, bufsz, "%s/%d", net, (int)plen) >= (int)bufsz ?
	    -1 : 0;
}

/*
 * The jrec_fn of plug: plug the record's "vip_address" on its appliance,
 * in routed mode when "vip_routed" is true, with the interface facts the
 * compute driver recorded (compute.mac_address, compute.gateway,
 * compute.prefix_len).  An agent that has the VIP already (409) is
 * success.  Adds "vip": {"address", "routed", "changed"}.  Returns 0 or
 * the code rec was failed with.
 */
int
plug_record(json_t *rec, void *arg)
{
	const struct conf	*c = arg;
	struct call		 k;
	const char		*vip, *mac, *gw, *addr;
	json_t			*body = NULL, *v, *plen;
	char			*text = NULL, cidr[INET_ADDRSTRLEN + 4];
	int			 st, code = 0, routed;

	memset(&k, 0, sizeof(k));
	if ((vip = jrec_str(rec, "vip_address")) == NULL) {
		code = jrec_fail(rec, EX_DATAERR, "no \"vip_address\"");
		goto out;
	}
	/* It goes into the URL, and onto an interface of the appliance. */
	if (!ipaddr_unicast(vip)) {
		code = jrec_fail(rec, EX_DATAERR, "vip_address \"%s\": not a "
		    "unicast IP address", vip);
		goto out;
	}
	routed = json_is_true(json_object_get(rec, "vip_routed"));
	mac = jrec_str(rec, "compute.mac_address");
	gw = jrec_str(rec, "compute.gateway");
	addr = jrec_str(rec, "address");
	plen = json_object_get(json_object_get(rec, "compute"), "prefix_len");
	if (mac == NULL || gw == NULL || addr == NULL ||
	    !json_is_integer(plen)) {
		code = jrec_fail(rec, EX_DATAERR, "need \"address\" and "
		    "compute.mac_address, .gateway and .prefix_len (from "
		    "oct-boot) to plug a VIP");
		goto out;
	}
	if (subnet_cidr(addr, json_integer_value(plen), cidr,
	    sizeof(cidr)) == -1) {
		code = jrec_fail(rec, EX_DATAERR, "address %s/%lld: not an "
		    "IPv4 address and prefix length", addr,
		    (long long)json_integer_value(plen));
		goto out;
	}
	body = json_pack("{s:s, s:s, s:s, s:b}", "subnet_cidr", cidr,
	    "gateway", gw, "mac_address", mac, "routed", routed);
	if (body == NULL ||
	    (text = json_dumps(body, JSON_COMPACT)) == NULL) {
		code = jrec_fail(rec, EX_OSERR, "out of memory");
		goto out;
	}
	if ((code = call_open(&k, c, rec)) != 0)
		goto out;
	st = call_do(&k, "POST", text, strlen(text), "/1.0/plug/vip/%s", vip);
	if (st != 202 && st != 409) {
		code = call_fail(&k, rec, NULL);
		goto out;
	}
	v = json_pack("{s:s, s:b, s:b}", "address", vip, "routed", routed,
	    "changed", st == 202);
	if (v == NULL || json_object_set_new(rec, "vip", v) == -1) {
		code = jrec_fail(rec, EX_OSERR, "cannot set \"vip\"");
		goto out;
	}
	log_debug("%s: VIP %s plugged%s", k.amp_id, vip,
	    st == 409 ? " already" : "");
 out:
	call_close(&k);
	json_decref(body);
	free(text);
	return code;
}
