/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keystone: Keystone v3 password authentication the way OpenStack's own
 * clients do it, and the service catalog that comes with the token.
 *
 * Credentials come from a cloud in clouds.yaml (--os-cloud NAME, or
 * OS_CLOUD) and then from the usual variables, which override it:
 * OS_AUTH_URL, OS_USERNAME (or OS_USER_ID), OS_PASSWORD, OS_PROJECT_NAME
 * (or OS_PROJECT_ID), OS_USER_DOMAIN_NAME (or _ID), OS_PROJECT_DOMAIN_NAME
 * (or _ID), OS_REGION_NAME, OS_INTERFACE (public, internal or admin) and
 * OS_CACERT.
 *
 * The project-scoped token and its catalog are cached in the state
 * directory as keystone/token.json (0600), keyed by auth URL, user and
 * project, and renewed when less than KEYSTONE_MARGIN_S seconds of it are
 * left.  One struct keystone may be used by several threads at once.
 */
#ifndef OCT_KEYSTONE_H
#define OCT_KEYSTONE_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

/* Renew a token that expires within this many seconds. */
#define KEYSTONE_MARGIN_S	120

struct keystone;

/*
 * Read the configuration (cloud may be NULL: OS_CLOUD, else variables
 * only); region and iface, when not NULL, override OS_REGION_NAME and
 * OS_INTERFACE.  Returns the handle (free with keystone_free) or NULL with
 * a message in err; a missing or bad setting is EX_CONFIG.
 */
struct keystone	*keystone_new(const char *cloud, const char *region,
		    const char *iface, char *err, size_t errlen);
void		 keystone_free(struct keystone *);

/*
 * A valid token: the cached one, or a new one when there is none, it is
 * about to expire, or it is the token given to keystone_invalidate().
 * Returns 0 with *tokenp set (owned: freezero it), or an exit code (EX_NOPERM
 * for credentials Keystone refuses, EX_TEMPFAIL for a transport failure or
 * 5xx, EX_UNAVAILABLE for another 4xx, EX_PROTOCOL for garbage) with a
 * one-line message in err.  A refusal is remembered: later calls fail the
 * same way without asking Keystone again.
 */
int		 keystone_token(struct keystone *, char **tokenp, char *err,
		    size_t errlen);

/* The service refused token (HTTP 401): the next keystone_token() renews. */
void		 keystone_invalidate(struct keystone *, const char *token);

/*
 * The URL of service type (e.g. "compute") from the token's catalog, for
 * the configured region and interface, into buf.  Returns 0 or an exit
 * code as keystone_token() does (EX_CONFIG when the catalog has none).
 */
int		 keystone_endpoint(struct keystone *, const char *type,
		    char *buf, size_t bufsz, char *err, size_t errlen);

/* The region, interface and CA bundle in use (borrowed; region and
 * cacert may be NULL). */
const char	*keystone_region(const struct keystone *);
const char	*keystone_interface(const struct keystone *);
const char	*keystone_cacert(const struct keystone *);

/* Pure parts, for tests. */

/*
 * Find type's endpoint URL in a v3 catalog (the token's "catalog" array)
 * for interface iface and region (NULL: any), copied to buf without a
 * trailing slash.  Returns 0, or -1 with errno ENOENT when there is none,
 * EINVAL for a catalog of the wrong shape, ENAMETOOLONG when buf is short.
 */
int		 keystone_catalog_url(const json_t *catalog, const char *type,
		    const char *region, const char *iface, char *buf,
		    size_t bufsz);

/*
 * Parse a Keystone time ("2026-11-25T13:30:55.000000Z", fraction and "Z"
 * optional).  Returns 0 with *tp set, or -1.
 */
int		 keystone_time_parse(const char *s, time_t *tp);

/* Whether a token expiring at expires must be renewed at now. */
int		 keystone_stale(time_t expires, time_t now);

#endif
