/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nova: the pure parts of the nova compute driver (lib/drv_nova.c), kept
 * apart for unit tests: microversions, what an appliance is booted with,
 * and where its management address is.
 */
#ifndef OCT_NOVA_H
#define OCT_NOVA_H

#include <stddef.h>

#include <jansson.h>

struct amp_files;

/* The newest compute microversion this driver was tested with. */
#define NOVA_MV_CLIENT_MAX	"2.93"
/* The oldest it can use (OS-EXT-SRV-ATTR, fault, networks "none"). */
#define NOVA_MV_CLIENT_MIN	"2.37"

/* Parse "X.Y".  Returns X * 1000 + Y, or -1. */
int	 nova_mv_parse(const char *s);

/*
 * The microversion to use with a Nova that supports server_min to
 * server_max (its GET /v2.1 "min_version" and "version"): the highest both
 * sides know, into buf as "X.Y".  Returns 0, or -1 when there is none.
 */
int	 nova_mv_pick(const char *server_min, const char *server_max,
	    char *buf, size_t bufsz);

/*
 * The #cloud-config user data that writes the appliance's files (fs,
 * ampfiles.h), each base64-encoded; ssh_key (a public key line, debug
 * only) may be NULL.  Returns an owned string holding a private key
 * (freezero it), or NULL.
 */
char	*nova_cloud_config(const char *id, const struct amp_files *fs,
	    const char *ssh_key);

/* Base64 of len bytes of buf (owned string, freezero it), or NULL. */
char	*nova_base64(const void *buf, size_t len);

/*
 * The management address from a server's "addresses" ({"<network name>":
 * [{"addr", "version", "OS-EXT-IPS:type"}, ...]}): the first fixed IPv4
 * address of network netname (NULL: the only network), else its first
 * fixed IPv6 one.  Returns 0 with buf set, or -1 (ENOENT: none yet;
 * EINVAL: netname is NULL and there are several networks).
 */
int	 nova_address(const json_t *addresses, const char *netname,
	    char *buf, size_t bufsz);

/*
 * The same from "interfaceAttachments" (GET servers/{id}/os-interface):
 * the first fixed address on network net_id.  Returns 0 or -1 (ENOENT).
 */
int	 nova_iface_address(const json_t *attachments, const char *net_id,
	    char *buf, size_t bufsz);

#endif
