/* SPDX-License-Identifier: Apache-2.0 */
/*
 * driver: the compute drivers behind oct-boot, oct-destroy and oct-wait.
 * A driver boots, destroys and checks the appliance of one record.  Each
 * operation reads the record, adds its own keys ("compute", "address") and
 * returns 0, or marks the record with jrec_fail() and returns that code.
 *
 * To add a driver: write lib/drv_<name>.c defining a const struct driver
 * drv_<name>, declare it below and list it in lib/driver.c.  Options a
 * driver needs that others do not go in the opts structs; a NULL or zero
 * field means "the driver's default" (which may come from the environment).
 */
#ifndef OCT_DRIVER_H
#define OCT_DRIVER_H

#include <jansson.h>

/* The most --driver-opt KEY=VALUE a command line may give. */
#define DRIVER_OPTS_MAX	64

struct boot_opts {
	const char	*prefix;	/* names of namespaces and links */
	const char	*bridge;	/* bridge the appliances join */
	const char	*subnet;	/* bridge address/prefix length */
	const char	*agent_cmd;	/* path of oct-agent */
	const char	*ssh_key;	/* --debug-ssh-key public key, or NULL */
	int		 agent_port;	/* 0: 9443 */
	int		 reuse;		/* return an existing healthy appliance */
	int		 timeout_s;	/* until the agent listens; 0: 30 */
	char *const	*driver_opts;	/* --driver-opt KEY=VALUE list, NULL-
					   terminated, or NULL */
	int		 parallel;	/* records booted at once; 0: 1 */
};

struct destroy_opts {
	const char	*prefix;	/* used when the record has none */
	int		 timeout_s;	/* until everything is gone; 0: 10 */
	char *const	*driver_opts;	/* as in boot_opts */
	int		 parallel;	/* records destroyed at once; 0: 1 */
};

/* compute.status values */
#define DRIVER_ACTIVE	"ACTIVE"
#define DRIVER_ERROR	"ERROR"
#define DRIVER_DELETED	"DELETED"

struct driver {
	const char	*name;
	/* Check the boot options before any record is read: 0, or an exit
	 * code after saying why on stderr. */
	int		(*check)(const struct boot_opts *);
	/* Boot rec's appliance; add "compute" and "address". */
	int		(*boot)(json_t *rec, const struct boot_opts *);
	/* Delete rec's appliance and wait until it is gone; a missing one
	 * is success.  Sets compute.status to DELETED. */
	int		(*destroy)(json_t *rec, const struct destroy_opts *);
	/* Set compute.status from what is there now (ACTIVE when the agent
	 * runs and accepts connections, ERROR when not, DELETED when there is
	 * no appliance); 0 unless the record is unusable. */
	int		(*status)(json_t *rec, const struct destroy_opts *);
	/* Route vip (an IPv4 address) to rec's appliance from this host, for
	 * VIPs plugged in routed mode; NULL when the driver cannot. */
	int		(*route)(json_t *rec, const char *vip);
};

extern const struct driver	drv_netns;
extern const struct driver	drv_nova;

/* The driver called name, or NULL. */
const struct driver	*driver_find(const char *name);

/* Whether d's operations may run in several threads at once (--parallel). */
int			 driver_threaded(const struct driver *d);

/* The names of all drivers, comma-separated, for messages (static). */
const char		*driver_names(void);

#endif
