/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel_int: the validated load-balancer model as the renderer sees it.
 * Private to lib/lbmodel.c and lib/hacfg*.c; everyone else uses the opaque
 * API of lbmodel.h.  Every string is owned by the model and has passed the
 * validation of lbmodel.c (ids are ident_ok, no control characters).
 * Objects the renderer must leave out (PENDING_DELETE) are not in the model.
 */
#ifndef OCT_LBMODEL_INT_H
#define OCT_LBMODEL_INT_H

#include <stddef.h>

#include <jansson.h>

#include "ipaddr.h"
#include "lbmodel.h"

enum lb_proto {
	LB_PROTO_TCP,
	LB_PROTO_HTTP,
	LB_PROTO_HTTPS,
	LB_PROTO_TERMINATED_HTTPS,
	LB_PROTO_PROXY,
	LB_PROTO_PROXYV2
};

enum lb_algo {
	LB_ALGO_ROUND_ROBIN,
	LB_ALGO_LEAST_CONNECTIONS,
	LB_ALGO_SOURCE_IP
};

enum lb_sp_type {
	LB_SP_NONE,
	LB_SP_SOURCE_IP,
	LB_SP_HTTP_COOKIE,
	LB_SP_APP_COOKIE
};

enum lb_hm_type {
	LB_HM_HTTP,
	LB_HM_HTTPS,
	LB_HM_PING,
	LB_HM_TCP,
	LB_HM_TLS_HELLO
};

enum lb_action {
	LB_ACT_REJECT,
	LB_ACT_REDIRECT_TO_URL,
	LB_ACT_REDIRECT_TO_POOL,
	LB_ACT_REDIRECT_PREFIX
};

enum lb_rule_type {
	LB_RULE_HOST_NAME,
	LB_RULE_PATH,
	LB_RULE_FILE_TYPE,
	LB_RULE_HEADER,
	LB_RULE_COOKIE,
	LB_RULE_SSL_CONN_HAS_CERT,
	LB_RULE_SSL_VERIFY_RESULT,
	LB_RULE_SSL_DN_FIELD
};

enum lb_compare {
	LB_CMP_REGEX,
	LB_CMP_STARTS_WITH,
	LB_CMP_ENDS_WITH,
	LB_CMP_CONTAINS,
	LB_CMP_EQUAL_TO
};

/* tls_versions bits */
#define LB_TLS_SSLV3	0x01
#define LB_TLS_V10	0x02
#define LB_TLS_V11	0x04
#define LB_TLS_V12	0x08
#define LB_TLS_V13	0x10
#define LB_TLS_DEFAULT	(LB_TLS_V12 | LB_TLS_V13)	/* Octavia 11's */

/* insert_headers bits */
#define LB_HDR_XFF		0x001
#define LB_HDR_XFPORT		0x002
#define LB_HDR_XFPROTO		0x004
#define LB_HDR_SSL_VERIFY	0x008
#define LB_HDR_SSL_HAS_CERT	0x010
#define LB_HDR_SSL_DN		0x020
#define LB_HDR_SSL_CN		0x040
#define LB_HDR_SSL_ISSUER	0x080
#define LB_HDR_SSL_SHA1		0x100
#define LB_HDR_SSL_NOT_BEFORE	0x200
#define LB_HDR_SSL_NOT_AFTER	0x400

/* client_authentication */
enum lb_client_auth {
	LB_CAUTH_NONE,
	LB_CAUTH_OPTIONAL,
	LB_CAUTH_MANDATORY
};

struct lb_member {
	size_t		 index;		/* in the input's members[] */
	char		*id;
	char		*address;
	int		 port;
	int		 weight;
	int		 backup;
	int		 enabled;
	char		*monitor_address;	/* or NULL */
	int		 monitor_port;		/* 0: none */
};

struct lb_hm {
	enum lb_hm_type	 type;
	int		 enabled;
	int		 delay;		/* s */
	int		 timeout;	/* s */
	int		 rise;		/* max_retries */
	int		 fall;		/* max_retries_down */
	char		*method;	/* HTTP(S) only */
	char		*url_path;	/* HTTP(S) only */
	char		*codes;		/* "200|202", sorted, HTTP(S) only */
	int		 http_version;	/* 0 (unset), 10 or 11 */
	char		*domain_name;	/* or NULL */
};

struct lb_pool {
	size_t		 idx;		/* in lb->pools */
	char		*id;
	char		*name;		/* or NULL */
	char		*path;		/* JSON path of the definition */
	enum lb_proto	 protocol;
	enum lb_algo	 algo;
	int		 enabled;
	enum lb_sp_type	 sp;
	char		*cookie_name;	/* APP_COOKIE */
	int		 sp_timeout;	/* s, 0: none */
	struct lb_hm	*hm;		/* or NULL */
	struct lb_member *members;
	size_t		 nmembers;
	int		 tls_enabled;
	char		*client_cert;	/* cert file names, or NULL */
	char		*ca_cert;
	char		*crl;
	char		*ciphers;
	unsigned int	 tls_versions;
	char		*alpn;		/* "h2,http/1.1" or NULL */
	int		 used;
};

struct lb_rule {
	char		*id;
	enum lb_rule_type type;
	enum lb_compare	 compare;
	char		*key;		/* or NULL */
	char		*value;		/* unquoted */
	int		 invert;
};

struct lb_policy {
	char		*id;
	enum lb_action	 action;
	int		 enabled;
	struct lb_pool	*pool;		/* REDIRECT_TO_POOL */
	char		*url;		/* REDIRECT_TO_URL */
	char		*prefix;	/* REDIRECT_PREFIX */
	int		 code;		/* redirects: 301..308 */
	struct lb_rule	*rules;		/* enabled rules only */
	size_t		 nrules;
};

/*
 * An allowed_cidrs entry: a network, host bits clear.  A listener's are
 * sorted (IPv4 first) and unique; a listener that has any serves only
 * clients in them, each CIDR matching clients of its own IP version only
 * (hacfg.h says how).
 */
#define LB_CIDR_TEXT	(46 + 4)	/* INET6_ADDRSTRLEN + "/128" */

struct lb_cidr {
	int		 af;		/* AF_INET or AF_INET6 */
	int		 plen;		/* prefix length */
	unsigned char	 addr[16];	/* 4 bytes used for AF_INET */
	size_t		 index;		/* in allowed_cidrs[] */
};

struct lb_listener {
	char		*id;
	enum lb_proto	 protocol;
	int		 port;
	int		 enabled;
	long long	 conn_limit;	/* -1: unlimited */
	struct lb_pool	*default_pool;	/* or NULL */
	struct lb_policy *policies;	/* in evaluation order */
	size_t		 npolicies;
	long long	 t_client, t_connect, t_server, t_inspect; /* ms */
	unsigned int	 headers;
	char		*crt_list;	/* cert file name of the crt-list */
	char		*ca_cert;	/* or NULL */
	char		*crl;		/* or NULL */
	enum lb_client_auth client_auth;
	char		*ciphers;
	unsigned int	 tls_versions;
	char		*alpn;
	size_t		 index;		/* in listeners[] */
	struct lb_cidr	*cidrs;		/* allowed_cidrs */
	size_t		 ncidrs;	/* 0: every client */
};

/* One file to push to the agent's certificate API. */
struct lb_cert {
	char		*name;		/* file name on the appliance */
	char		*path;		/* local file, or NULL when generated */
	size_t		 dir;		/* in lb->dirs; LB_DIR_CWD: "." */
	char		*rel;		/* path beneath dir */
	char		*field;		/* JSON path that named it */
	char		*data;		/* generated content, or NULL */
	size_t		 len;
	int		 need_key;	/* must hold a private key */
};

#define LB_DIR_CWD	((size_t)-1)

struct lb {
	char		*id;
	char	       **dirs;		/* lb_opts.tls_dirs, copied */
	size_t		 ndirs;
	char		*vip;		/* or NULL */
	int		 enabled;
	char	       **vips;		/* additional_vips[].ip_address */
	size_t		 nvips;
	struct lb_listener *listeners;
	size_t		 nlisteners;
	struct lb_pool	**pools;	/* owned */
	size_t		 npools;
	struct lb_cert	*certs;
	size_t		 ncerts;
};

/*
 * Parsing internals shared by lbmodel.c (load balancer, pools, members,
 * monitors), lbmodel_listener.c (listeners, L7 policies and rules) and
 * lbmodel_json.c (typed getters whose faults name the JSON path).  Every
 * lbm_ function returning int gives 0, or -1 with the message in c->err.
 */
#define LBM_PATH_LEN	512
#define LBM_MAX_HM_S	(24 * 24 * 60 * 60)	/* 24 days, in seconds */

struct lbm_pooldef {
	const json_t	*obj;
	char		*path;
	size_t		 idx;		/* its pool: lb->pools[idx] */
};

/* lbm_ip_use: what an address is for */
enum lbm_ip_role {
	LBM_IP_VIP,		/* a VIP the frontends bind */
	LBM_IP_MEMBER		/* a member or monitor address to connect to */
};

struct pctx {
	char		*err;
	size_t		 errlen;
	const struct lb_opts *opts;	/* never NULL */
	struct ipnet	 reserved[LB_RESERVED_MAX];
	size_t		 nreserved;
	struct lb	*lb;
	struct lbm_pooldef *defs;	/* every pool definition, in order */
	size_t		 ndefs, defcap;
	struct lbm_pooldef *byobj;	/* defs sorted by obj, for lookups */
	size_t		 certcap;	/* lb->certs allocated */
	/*
	 * Lookups, so that no check or reference costs a scan: jansson
	 * objects (hash tables) from a key to an index or a name.
	 */
	json_t		*pool_ids;	/* pool id -> index in lb->pools */
	json_t		*pool_names;	/* pool name -> index */
	json_t		*cert_names;	/* file name -> true */
	json_t		*ciphers;	/* cipher list -> OpenSSL's verdict */
	json_t		*policy_ids;	/* of the listener: id -> true */
	json_t		*rule_ids;	/* of the listener: id -> true */
	struct lb_policy *parsed;	/* the listener's, in input order */
	size_t		 nparsed;
};

extern const char *const lbm_listener_protos[];

int	 lbm_fail(struct pctx *, const char *path, const char *fmt, ...)
	    __attribute__((__format__(printf, 3, 4)));
int	 lbm_nomem(struct pctx *);
char	*lbm_strdup(struct pctx *, const char *);
void	 lbm_subpath(char *out, const char *base, const char *key);
void	 lbm_idxpath(char *out, const char *base, const char *key, size_t i);
json_t	*lbm_unconst(const json_t *);
const char *lbm_typename(const json_t *);
int	 lbm_check_keys(struct pctx *, const json_t *obj, const char *path,
	    const char *const *known);
int	 lbm_printable(const char *, int nospace);
int	 lbm_charset_ok(const char *, const char *extra);
int	 lbm_get_str(struct pctx *, const json_t *obj, const char *key,
	    const char *path, int required, size_t max, const char **out);
int	 lbm_get_int(struct pctx *, const json_t *obj, const char *key,
	    const char *path, long long min, long long max, long long def,
	    int required, long long *out);
int	 lbm_get_bool(struct pctx *, const json_t *obj, const char *key,
	    const char *path, int def, int *out);
int	 lbm_get_enum(struct pctx *, const json_t *obj, const char *key,
	    const char *path, const char *const *names,
	    const char *const *no, int def, int *out);
int	 lbm_get_obj(struct pctx *, const json_t *obj, const char *key,
	    const char *path, const json_t **out);
int	 lbm_get_arr(struct pctx *, const json_t *obj, const char *key,
	    const char *path, const json_t **out);
int	 lbm_deleted(const json_t *obj);
int	 lbm_ip_ok(const char *);
int	 lbm_get_ip(struct pctx *, const json_t *obj, const char *key,
	    const char *path, int required, char **out);
int	 lbm_ip_use(struct pctx *, const char *s, const char *path,
	    const char *key, enum lbm_ip_role);
char	*lbm_make_id(struct pctx *, const json_t *obj, const char *path,
	    const char *fallback);
int	 lbm_tls_versions(struct pctx *, const json_t *obj, const char *path,
	    unsigned int *out);
int	 lbm_alpn(struct pctx *, const json_t *obj, const char *path,
	    char **out);
int	 lbm_ciphers(struct pctx *, const json_t *obj, const char *path,
	    char **out);
void	*lbm_grow(struct pctx *, void *arr, size_t n, size_t *cap,
	    size_t size);
int	 lbm_map_put(struct pctx *, json_t *map, const char *key, json_t *v);
int	 lbm_cert_add(struct pctx *, const char *field, const char *ref,
	    const char *name, int need_key, char **outname);
int	 lbm_cert_key(struct pctx *, const json_t *obj, const char *key,
	    const char *path, const char *id, const char *suffix,
	    int need_key, char **outname);
int	 lbm_pool_resolve(struct pctx *, const json_t *o, const char *ref,
	    const char *path, struct lb_pool **out);
int	 lbm_pool_use(struct pctx *, struct lb_listener *,
	    struct lb_pool *, const char *path);
void	 lbm_policy_clear(struct lb_policy *);
size_t	 lbm_listener_rules(const struct lb_listener *);
int	 lbm_listeners_parse(struct pctx *, const json_t *lbo);
int	 lbm_cidrs_parse(struct pctx *, struct lb_listener *,
	    const json_t *l, const char *path);
int	 lbm_cidrs_vips(struct pctx *, const struct lb *,
	    const struct lb_listener *, const char *vip);
int	 lbm_cidr_text(const struct lb_cidr *, char *buf, size_t len);

#endif
