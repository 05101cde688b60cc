/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hacfg: the haproxy configuration of a load balancer (lbmodel.h), laid
 * out as Octavia's amphora driver does (amphora-api.md (h)): one frontend
 * per listener named by its id, one backend "<pool_id>:<listener_id>" per
 * pool a listener uses.  Octavia's known faults are fixed: L7 policies run
 * in position order (every action is an http-request rule; REDIRECT_TO_POOL
 * sets txn.oct_backend and a single use_backend reads it), FILE_TYPE
 * EQUAL_TO matches the extension of real paths, every pattern follows
 * "--" and is single-quoted when needed, expected codes are sorted, and
 * persistence_timeout sets the stick table's expire.  Octavia's defaults
 * stand for a connection_limit of -1 or 0 (50000) and for timeouts of 0;
 * the global maxconn is Octavia's: the sum over every listener, enabled or
 * not, at most 1000000 (and 1000000 without listeners).
 *
 * allowed_cidrs, which Octavia enforces outside haproxy (Neutron's security
 * group on the VIP port; nftables in newer amphorae), is enforced here by
 * the frontend: each bind is named for its VIP's IP version ("name ipv4",
 * "name ipv6"), the CIDRs of each version are an acl ("oct:cidrs4",
 * "oct:cidrs6"), and "tcp-request connection reject unless" a source of
 * the bind's version is in that version's acl.  The rule travels in the
 * config the agent checks and swaps atomically, no firewall is needed in
 * the appliance, and a refused client is closed at once instead of timing
 * out.  Testing the version first keeps haproxy from matching IPv4 clients
 * against IPv6 patterns (as ::ffff:a.b.c.d) and IPv6 clients in ::/96 or
 * 2002::/16 against IPv4 ones, which a security group never does.
 */
#ifndef OCT_HACFG_H
#define OCT_HACFG_H

#include <stddef.h>

struct lb;

struct hacfg_opts {
	const char	*base_path;	/* appliance's base path, default
					 * "/var/lib/octavia" */
	const char	*cert_dir;	/* default "<base_path>/certs" */
	const char	*vip;		/* overrides lb_vip() when set (the
					 * record's VIP): a unicast address,
					 * which unlike the model's may be a
					 * loopback one (a test on one host) */
};

/*
 * Render the haproxy configuration.  Pure (no I/O) and deterministic: the
 * same model and options give the same bytes.  opts may be NULL.  The
 * config refers to certificate files as "<cert_dir>/<lb_id>/<name>" (see
 * lb_cert_name), the stats socket "<base_path>/<lb_id>.sock" and the state
 * file "<base_path>/<lb_id>/servers-state".  Returns owned text (free) and
 * its length in *lenp (lenp may be NULL), or NULL with err set (no VIP,
 * a VIP that is unspecified or multicast, unusable paths, out of memory).
 */
char		*hacfg_render(const struct lb *, const struct hacfg_opts *,
		    size_t *lenp, char *err, size_t errlen);

#endif
