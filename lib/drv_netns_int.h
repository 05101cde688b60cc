/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drv_netns_int: what the netns driver's files share (nsd_ functions):
 *	drv_netns.c		the driver's operations: names, boot, destroy,
 *				status, route, and undoing a boot
 *	drv_netns_bridge.c	the bridge, its subnet, address leases, the lock
 *	drv_netns_agent.c	the appliance's files and its oct-agent
 * Not a public API: only these files include it.
 */
#ifndef OCT_DRV_NETNS_INT_H
#define OCT_DRV_NETNS_INT_H

#include <sys/types.h>

#include <net/if.h>
#include <netinet/in.h>

#include <limits.h>

#include <jansson.h>

#define NSD_PREFIX_MAX	6
#define NSD_NSNAME_MAX	64

/* An appliance's names: namespace, host end of its veth, directory. */
struct names {
	char		 prefix[NSD_PREFIX_MAX + 1];
	char		 ns[NSD_NSNAME_MAX + 1];
	char		 veth[IFNAMSIZ];
	char		 dir[PATH_MAX];
};

struct subnet {
	struct in_addr	 host;		/* the bridge's address */
	struct in_addr	 net;
	int		 plen;
};

/* 1 when s is a safe name that fits an interface name. */
int	 nsd_ifname_ok(const char *s);

/* "ADDRESS/8..30" into sn (a network address means its first host). */
int	 nsd_subnet_parse(const char *s, struct subnet *sn);

/* Take the lock of links and leases: its fd, or -1 (logged). */
int	 nsd_lock_take(void);
void	 nsd_lock_drop(int fd);

/* Make bridge br unless it exists; it must then carry sn's address. */
int	 nsd_bridge_ensure(json_t *rec, const char *br,
	    const struct subnet *sn);

/* Remove bridge br when it was made here and has no port left. */
void	 nsd_bridge_gc(const char *br);

/* Lease the next free address of sn on br to id; -1 when none is free. */
int	 nsd_lease_take(const char *id, const char *br,
	    const struct subnet *sn, struct in_addr *out);

/* Release every lease of id, and gc the bridges they were on. */
void	 nsd_lease_release(const char *id);

/*
 * Write the appliance's files (ampfiles.h; and root's authorized_keys
 * from the file ssh_key, debug only, when not NULL) below n->dir, its
 * agent to listen on addr:port.  0, or the code of jrec_fail() on rec.
 */
int	 nsd_files_put(json_t *rec, const struct names *n,
	    const char *ssh_key, const char *addr, int port);

/*
 * Start the oct-agent at path agent in the appliance and wait until it
 * accepts connections on addr:port, at most timeout_s.  0 with *pidp
 * set, or the code of jrec_fail() on rec.
 */
int	 nsd_agent_start(json_t *rec, const struct names *n,
	    const char *agent, const char *addr, int port, int timeout_s,
	    pid_t *pidp);

#endif
