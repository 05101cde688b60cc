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
 * it.  A top-level "_oct_dir" beside "loadbalancer" (which once named the
 * directory of relative file refs) is passed over: the operator names the
 * directories (struct lb_opts), never the body.
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
 * oct, paths of local PEM files beneath lb_opts.tls_dirs: a relative one
 * beneath the first directory, an absolute one beneath the one it names;
 * a ".." component, an absolute path elsewhere and URLs such as Barbican
 * refs are refused, and lb_cert_read refuses a symlink out of the
 * directory (openat2 RESOLVE_BENEATH).  Each becomes a file to push to the
 * agent (lb_ncerts..): "<listener_id>-crt-<i>.pem" (i = 0 for the default
 * certificate, 1.. for SNI ones; PEM with certificate and key),
 * "<listener_id>-ca.pem", "<listener_id>-crl.pem", "<pool_id>-crt.pem",
 * "<pool_id>-ca.pem", "<pool_id>-crl.pem", and the generated crt-list
 * "<listener_id>.pem" (lb_cert_data; its lines are names relative to the
 * config's crt-base, the default certificate first).  A name another file
 * has already (listener and pool ids may meet: both "web", each with a CA)
 * gets "-2", "-3"... before ".pem".
 *
 * Addresses (ipaddr.h: by their bytes, IPv4-mapped IPv6 the same as IPv4):
 * vip_address and additional_vips[].ip_address must not be unspecified
 * (0.0.0.0/8, ::: a bind on every address of the appliance), loopback or
 * multicast/broadcast; a member's address and monitor_address must not be
 * unspecified (haproxy connects to the appliance itself) nor within
 * lb_opts.reserved_ips (Octavia's [networking] reserved_ips; its default).
 *
 * Size: at most LB_MAX_POOL_MEMBERS members in a pool and
 * LB_MAX_LISTENER_RULES enabled L7 rules in a listener, and in all
 * LB_MAX_SERVERS servers, LB_MAX_BACKENDS backends, LB_MAX_RULES rules,
 * LB_MAX_BINDS binds and LB_MAX_CERTS certificate files (below), counted
 * as if every object were enabled.  Parsing is linear in the model.
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
 * - Health monitor delay must be at least 1 s (haproxy refuses "inter
 *   0"); timeout may be 0 (haproxy: no check timeout but the delay) and,
 *   as in Octavia, may exceed delay.
 * - connection_limit is -1..1000000; as in Octavia, -1 and 0 mean the
 *   default (50000 in the config, hacfg.h), and so do timeouts of 0.
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

/*
 * What haproxy loads in reasonable time (a few seconds for haproxy -c at
 * every bound at once; its cost per server grows with the size of the
 * backend, and per acl with the size of the frontend).  A model beyond
 * one is refused, naming the bound.
 */
#define LB_MAX_POOL_MEMBERS	5000	/* members of one pool */
#define LB_MAX_LISTENER_RULES	10000	/* enabled L7 rules of a listener */
#define LB_MAX_SERVERS		100000	/* members, once per listener using
					 * their pool */
#define LB_MAX_BACKENDS		20000	/* pools, once per listener using
					 * them */
#define LB_MAX_RULES		50000	/* enabled L7 rules in all */
#define LB_MAX_BINDS		10000	/* listeners x VIPs */
#define LB_MAX_CERTS		1000	/* certificate files to push */

/* Octavia's [networking] reserved_ips default: the metadata service. */
#define LB_RESERVED_IPS	"169.254.169.254"
#define LB_RESERVED_MAX	256	/* entries of a reserved list */

struct lb;			/* opaque: a validated load balancer */

/* What the operator, not the model, decides. */
struct lb_opts {
	/*
	 * The directories certificate refs are confined to: absolute paths
	 * without symlinks (realpath(3)); relative refs are taken beneath
	 * the first.  None: relative refs beneath the current directory,
	 * absolute ones refused.
	 */
	const char *const *tls_dirs;
	size_t		 ntls_dirs;
	/*
	 * Addresses and networks members may not use, as Octavia's
	 * [networking] reserved_ips ("169.254.169.254,fd00::/8"; commas or
	 * spaces); NULL: LB_RESERVED_IPS, "": none.
	 */
	const char	*reserved_ips;
};

/*
 * Parse and validate Octavia API v2 JSON: {"loadbalancer": {...}}.
 * Returns an owned lb (lb_free), or NULL with a message in err naming the
 * field path and the fault, e.g. "loadbalancer.listeners[0].default_pool.
 * members[2].weight: 300 is out of range 0..256".  The message quotes the
 * input as it is: print it escaped (log.h does).  Pure: reads no file
 * the model names (OpenSSL may read its own configuration once).  opts
 * may be NULL (the defaults); lb_parse is lb_parse_opts with NULL.
 */
struct lb	*lb_parse_opts(const json_t *doc, const struct lb_opts *opts,
		    char *err, size_t errlen);
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
 * The content of file i (lb_cert_path not NULL), read beneath its directory
 * (lb_opts.tls_dirs): a symlink or a path that leaves it is refused, and so
 * is anything but a regular file of at most max bytes.  Returns owned
 * NUL-terminated memory (freezero(buf, *lenp + 1) or free) with its length
 * in *lenp, or NULL with errno set (EXDEV: it leaves its directory; EFBIG:
 * too large; EINVAL: not a regular file) and err naming the field, the
 * path and the fault.
 */
char		*lb_cert_read(const struct lb *, size_t i, size_t max,
		    size_t *lenp, char *err, size_t errlen);

/*
 * Check that every file the model refers to can be read and holds PEM data
 * (and a private key where a certificate for a listener or a pool client
 * certificate is expected).  The caller runs it before pushing anything.
 * Returns 0, or -1 with err naming the field and the fault.
 */
int		 lb_check_files(const struct lb *, char *err, size_t errlen);

#endif
