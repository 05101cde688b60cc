/* SPDX-License-Identifier: Apache-2.0 */
/*
 * priv: what the agent keeps of root, and what it hands its children.
 *
 * The agent stays uid 0, as Octavia's does: it plugs VIPs (ip(8), sysctls,
 * a packet socket for gratuitous ARP), starts haproxy, which binds ports
 * below 1024 and sets its workers' user and group, and writes files that
 * only root may read.  It needs a handful of capabilities for that, not
 * all of root's, so once it listens and has loaded its keys it keeps only
 *
 *	CAP_NET_ADMIN		addresses, routes, links, net.* sysctls
 *	CAP_NET_RAW		the gratuitous ARP's packet socket
 *	CAP_NET_BIND_SERVICE	haproxy's listeners on ports below 1024
 *	CAP_SETUID, CAP_SETGID	haproxy's workers become nobody:nogroup
 *	CAP_KILL		haproxy's master (root) signals its workers
 *	CAP_SYS_RESOURCE	haproxy raises its file descriptor limit
 *
 * in its bounding set (so no child, haproxy and ip included, gets more on
 * exec) and in its own permitted and effective sets.  Gone are, among
 * others, CAP_SYS_ADMIN (mount, setns), CAP_SYS_MODULE, CAP_SYS_PTRACE,
 * CAP_DAC_OVERRIDE (root may no longer write other users' files) and
 * CAP_SETPCAP (none of this can be undone).  PR_SET_NO_NEW_PRIVS follows,
 * inherited by every child: a setuid or file-capability program that a
 * haproxy worker or health check runs gains nothing; and the agent is not
 * dumpable, so its keys do not end in a core file.
 *
 * Not root, the agent has nothing to drop and only sets NO_NEW_PRIVS.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "log.h"
#include "extern.h"

#define CAP_BIT(c)	(UINT64_C(1) << (c))

static const uint64_t	keep = CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_NET_RAW) |
    CAP_BIT(CAP_NET_BIND_SERVICE) | CAP_BIT(CAP_SETUID) |
    CAP_BIT(CAP_SETGID) | CAP_BIT(CAP_KILL) | CAP_BIT(CAP_SYS_RESOURCE);

/* The highest capability this kernel knows. */
static int
cap_last(void)
{
	char	*s;
	int	 last = CAP_LAST_CAP;
	long	 v;

	if ((s = afile_read("/proc/sys/kernel/cap_last_cap", 64, NULL)) !=
	    NULL) {
		v = strtol(s, NULL, 10);
		if (v > 0 && v < 64)
			last = (int)v;
		free(s);
	}
	return last;
}

/* Set the permitted, effective and (empty) inheritable sets.  0 or -1. */
static int
cap_set(uint64_t set)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].permitted = data[0].effective = (uint32_t)set;
	data[1].permitted = data[1].effective = (uint32_t)(set >> 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

/* The permitted and effective sets now.  0, or -1 with errno set. */
static int
cap_get(uint64_t *permp, uint64_t *effp)
{
	struct __user_cap_header_struct	 hdr;
	struct __user_cap_data_struct	 data[2];

	memset(&hdr, 0, sizeof(hdr));
	/* valgrind knows capget(2) writes only data[0] */
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	*permp = data[0].permitted | (uint64_t)data[1].permitted << 32;
	*effp = data[0].effective | (uint64_t)data[1].effective << 32;
	return 0;
}

/*
 * Let the group haproxy's health checks run as (nogroup) open ICMP
 * datagram sockets in this network namespace, as ping(8) does when it
 * has no capability: the workers run unprivileged and NO_NEW_PRIVS keeps
 * ping's file capability from counting.  The range only ever widens.
 */
static void
ping_group(void)
{
	const char	*path = "/proc/sys/net/ipv4/ping_group_range";
	struct group	*gr;
	const char	*e1 = NULL, *e2 = NULL;
	char		*s, *p, *w1, *w2, buf[64];
	long long	 lo = 1, hi = 0, gid;

	if ((gr = getgrnam("nogroup")) == NULL)
		return;
	gid = gr->gr_gid;
	if ((s = afile_read(path, sizeof(buf), NULL)) != NULL) {
		/* "1\t0\n": two numbers, tab-separated */
		p = s;
		w1 = strsep(&p, " \t");
		w2 = strsep(&p, " \t\n");
		lo = strtonum(w1, 0, INT32_MAX, &e1);
		hi = w2 == NULL ? 0 : strtonum(w2, 0, INT32_MAX, &e2);
		if (e1 != NULL || e2 != NULL || w2 == NULL)
			lo = 1, hi = 0;
		free(s);
	}
	if (lo <= gid && gid <= hi)
		return;
	if (lo > hi)
		lo = hi = gid;
	else if (gid < lo)
		lo = gid;
	else
		hi = gid;
	(void)snprintf(buf, sizeof(buf), "%lld %lld\n", lo, hi);
	if (sys_write(path, buf) == -1)
		log_warn("%s", path);
	else
		log_debug("%s: %lld %lld", path, lo, hi);
}

/*
 * Drop what the agent does not need (see above).  prctl(2) is variadic and
 * reads unsigned longs: every argument passed is one.
 */
int
priv_drop(void)
{
	uint64_t	 perm, eff, mine;
	int		 c, last;

	if (geteuid() == 0) {
		/* A container may have withheld some already. */
		if (cap_get(&perm, &eff) == -1) {
			log_warn("capget");
			return -1;
		}
		mine = keep & perm;
		ping_group();
		last = cap_last();
		for (c = 0; c <= last; c++) {
			if (keep & CAP_BIT(c))
				continue;
			if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0UL,
			    0UL, 0UL) == -1 && errno != EINVAL) {
				log_warn("prctl PR_CAPBSET_DROP %d", c);
				return -1;
			}
		}
		if (cap_set(mine) == -1) {
			log_warn("capset");
			return -1;
		}
		/* Check the drop: what is left must be what we kept. */
		if (cap_get(&perm, &eff) == -1 || perm != mine || eff != mine ||
		    prctl(PR_CAPBSET_READ, (unsigned long)CAP_SYS_ADMIN, 0UL,
		    0UL, 0UL) != 0) {
			log_warnx("capabilities not dropped: permitted %llx, "
			    "effective %llx, kept %llx",
			    (unsigned long long)perm, (unsigned long long)eff,
			    (unsigned long long)mine);
			return -1;
		}
		if (prctl(PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL) == -1) {
			log_warn("prctl PR_SET_DUMPABLE");
			return -1;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	log_debug("privileges: %s, no new privileges",
	    geteuid() == 0 ? "root with capabilities" : "not root");
	return 0;
}
