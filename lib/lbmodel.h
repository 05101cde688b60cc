/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel: a load balancer described in Octavia's API v2 JSON, parsed and
 * validated into a model the haproxy renderer (hacfg.h) turns into text.
 *
 * Input: {"loadbalancer": {...}} as Octavia's "create a fully populated load
 * balancer" call takes it (listeners[] with default_pool / l7policies[] and
 * rules[], pools[] with members[], healthmonitor and session_persistence),
 * or as Octavia's GET answers it (ids, statuses, timestamps).  Fields only a
 * cloud can satisfy (vip_subnet_id, vip_network_id, vip_port_id, project_id,
 * flavor_id, provider, availability_zone, tags, subnet_id, ...) are
 * accepted and passed over; a key Octavia does not know is an error naming
 * it.  An optional top-level "_oct_dir" (string, beside
 * "loadbalancer") is the directory relative file refs are taken from.
 *
 * Pools: defined at loadbalancer.pools[] or inline (listeners[].default_pool,
 * l7policies[].redirect_pool); an object holding only "name" and/or "id" is a
 * reference to a pool defined elsewhere, as are default_pool_id and
 * redirect_pool_id, which match a pool's id or name.  Every pool must be
 * used by a listener or a policy.
 *
 * Ids (frontend, backend, server, acl and file names): the object's "id"
 * when present, else its "name" when that is a safe name (ident.h), else one
 * made from its position: "listener-<i>" (i in listeners[]), "pool-<i>" (i
 * in the list of pools: loadbalancer.pools[] first, then inline ones in
 * order of appearance), "member-<i>" (in its pool), "<listener_id>-l7policy-
 * <i>" and "<policy_id>-rule-<i>".  The loadbalancer needs an id or a safe
 * name.  Ids are at most LB_ID_MAX characters and must be unique per kind.
 *
 * TLS material: default_tls_container_ref, sni_container_refs[],
 * client_ca_tls_container_ref, client_crl_container_ref and the pool's
 * tls_container_ref, ca_tls_container_ref and crl_container_ref are, for
 * oct, paths of local PEM files (absolute or relative to "_oct_dir"; URLs
 * such as Barbican refs are refused).  Each becomes a file to push to the
 * agent (lb_ncerts..): "<listener_id>-crt-<i>.pem" (i = 0 for the default
 * certificate, 1.. for SNI ones; PEM with certificate and key),
 * "<listener_id>-ca.pem", "<listener_id>-crl.pem", "<pool_id>-crt.pem",
 * "<pool_id>-ca.pem", "<pool_id>-crl.pem", and the generated crt-list
 * "<listener_id>.pem" (lb_cert_data; its lines are names relative to the
 * config's crt-base, the default certificate first).  A name another file
 * has already (listener and pool ids may meet: both "web", each with a CA)
 * gets "-2", "-3"... before ".pem".
 *
 * Choices where Octavia is silent or wrong (see amphora-api.md (h)):
 * - UDP, SCTP and PROMETHEUS listeners, UDP/SCTP pools, UDP-CONNECT/SCTP
 *   monitors and SOURCE_IP_PORT are refused: the haproxy driver has no
 *   such thing.
 * - L7 policies: Octavia's insertion order (each policy goes to index
 *   position-1 of the list built so far, or last); policies with no enabled
 *   rule never match and are left out, as in Octavia.
 * - Rule values in Octavia's quoted form ("a b", with the double quotes)
 *   mean the text between the quotes, taken literally.
 * - persistence_granularity (UDP only) is accepted and ignored;
 *   persistence_timeout (s) becomes the stick table's expire (and the
 *   cookie's maxidle for HTTP_COOKIE).
 * - Health monitor delay and timeout must be at least 1 s (haproxy refuses
 *   "inter 0"); as in Octavia, timeout may exceed delay.
 * - connection_limit is -1 (50000 in the config) or 0..1000000; the global
 *   maxconn is the sum over enabled listeners, capped at 1000000.
 * - tls_versions default to TLSv1.2 and TLSv1.3, as in Octavia 11, and
 *   must be a range without gaps (haproxy's ssl-min-ver..ssl-max-ver).
 * - tls_ciphers must select a cipher of the local OpenSSL (asked with
 *   SSL_CTX_set_cipher_list, as haproxy does), or haproxy refuses the
 *   config.
 * - REGEX rule values must compile as haproxy compiles them (PCRE2, no
 *   automatic captures); Octavia checks them with Python's re.
 * - allowed_cidrs is enforced by haproxy itself (hacfg.h), where Octavia
 *   has Neutron's security group on the VIP port do it.  Each item is read
 *   as Octavia's CidrType reads it (Python's ip_network(strict=False)): an
 *   address alone is a /32 or /128, host bits are cleared, an IPv4 prefix
 *   may be a netmask or a hostmask; duplicates count once; each must have
 *   the IP version of the VIP or of an additional VIP (checked here when
 *   the model has vip_address, else by lb_vip_check).  null or [] serves
 *   every client.  Stricter than Octavia: an IPv6 scope id ("%eth0") is
 *   refused.
 */
#ifndef OCT_LBMODEL_H
#define OCT_LBMODEL_H

#include <stddef.h>

#include <jansson.h>

#define LB_ID_MAX	100	/* leaves room for "-crt-<i>.pem" suffixes */

struct lb;			/* opaque: a validated load balancer */

/*
 * Parse and validate Octavia API v2 JSON: {"loadbalancer": {...}}.
 * Returns an owned lb (lb_free), or NULL with a message in err naming the
 * field path and the fault, e.g. "loadbalancer.listeners[0].default_pool.
 * members[2].weight: 300 is out of range 0..256".  Pure: reads no file
 * the model names (OpenSSL may read its own configuration once).
 */
struct lb	*lb_parse(const json_t *doc, char *err, size_t errlen);
void		 lb_free(struct lb *);

const char	*lb_id(const struct lb *);	/* never NULL */
const char	*lb_vip(const struct lb *);	/* vip_address or NULL */

/*
 * Check that the model can serve on vip (NULL: its own vip_address; no VIP
 * at all: nothing to check): every allowed CIDR of a listener has the IP
 * version of vip or of an additional VIP, as Octavia requires.  For a VIP
 * the caller gives at render time (hacfg_opts.vip).  Returns 0, or -1 with
 * err naming the CIDR's field.
 */
int		 lb_vip_check(const struct lb *, const char *vip, char *err,
		    size_t errlen);

/*
 * Files to push to the agent's certificate API before the config
 * (PUT /1.0/loadbalancer/<lb_id>/certificates/<name>), i in 0..n-1.
 * lb_cert_path is the local PEM file to send, or NULL for a generated file
 * whose content lb_cert_data gives (borrowed, *lenp set; NULL for a file).
 */
size_t		 lb_ncerts(const struct lb *);
const char	*lb_cert_name(const struct lb *, size_t i);
const char	*lb_cert_path(const struct lb *, size_t i);
const char	*lb_cert_data(const struct lb *, size_t i, size_t *lenp);

/*
 * Check that every file the model refers to can be read and holds PEM data
 * (and a private key where a certificate for a listener or a pool client
 * certificate is expected).  The caller runs it before pushing anything.
 * Returns 0, or -1 with err naming the field and the fault.
 */
int		 lb_check_files(const struct lb *, char *err, size_t errlen);

#endif
