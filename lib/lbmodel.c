/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel: parse and validate Octavia API v2 load balancer JSON into the
 * model of lbmodel_int.h.  Every fault names its JSON path.  The rules are
 * Octavia 11's (octavia/api/v2/types, common/validate.py) unless lbmodel.h
 * says otherwise.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ident.h"
#include "lbmodel.h"
#include "lbmodel_int.h"

#define PATH_LEN	512
#define MAX_TIMEOUT_MS	(24LL * 24 * 60 * 60 * 1000)	/* Octavia's */
#define MAX_HM_S	(24 * 24 * 60 * 60)
#define POS_LAST	2147483647LL
#define CERT_MAX	(1024 * 1024)

struct pooldef {
	const json_t	*obj;
	char		*path;
};

struct pctx {
	char		*err;
	size_t		 errlen;
	const char	*dir;		/* "_oct_dir" or NULL */
	struct lb	*lb;
	struct pooldef	*defs;
	size_t		 ndefs;
};

static const char *const lb_keys[] = {
	"id", "name", "description", "admin_state_up", "vip_address",
	"vip_port_id", "vip_subnet_id", "vip_network_id", "vip_qos_policy_id",
	"additional_vips", "project_id", "tenant_id", "listeners", "pools",
	"provider", "tags", "flavor_id", "availability_zone",
	"provisioning_status", "operating_status", "created_at", "updated_at",
	NULL
};
static const char *const listener_keys[] = {
	"id", "name", "description", "admin_state_up", "protocol",
	"protocol_port", "connection_limit", "default_tls_container_ref",
	"sni_container_refs", "project_id", "tenant_id", "default_pool_id",
	"default_pool", "l7policies", "insert_headers", "loadbalancer_id",
	"loadbalancers", "timeout_client_data", "timeout_member_connect",
	"timeout_member_data", "timeout_tcp_inspect", "tags",
	"client_ca_tls_container_ref", "client_authentication",
	"client_crl_container_ref", "allowed_cidrs", "tls_ciphers",
	"tls_versions", "alpn_protocols", "provisioning_status",
	"operating_status", "created_at", "updated_at", NULL
};
static const char *const pool_keys[] = {
	"id", "name", "description", "admin_state_up", "listener_id",
	"loadbalancer_id", "loadbalancers", "listeners", "protocol",
	"lb_algorithm", "session_persistence", "project_id", "tenant_id",
	"healthmonitor", "healthmonitor_id", "members", "tags",
	"tls_container_ref", "ca_tls_container_ref", "crl_container_ref",
	"tls_enabled", "tls_ciphers", "tls_versions", "alpn_protocols",
	"provisioning_status", "operating_status", "created_at", "updated_at",
	NULL
};
static const char *const sp_keys[] = {
	"type", "cookie_name", "persistence_timeout",
	"persistence_granularity", NULL
};
static const char *const member_keys[] = {
	"id", "name", "admin_state_up", "address", "protocol_port", "weight",
	"backup", "subnet_id", "monitor_port", "monitor_address", "tags",
	"project_id", "tenant_id", "provisioning_status", "operating_status",
	"created_at", "updated_at", NULL
};
static const char *const hm_keys[] = {
	"id", "name", "type", "delay", "timeout", "max_retries",
	"max_retries_down", "http_method", "url_path", "expected_codes",
	"admin_state_up", "tags", "http_version", "domain_name", "pool_id",
	"pools", "project_id", "tenant_id", "provisioning_status",
	"operating_status", "created_at", "updated_at", NULL
};
static const char *const policy_keys[] = {
	"id", "name", "description", "admin_state_up", "action",
	"redirect_pool", "redirect_pool_id", "redirect_url", "redirect_prefix",
	"position", "rules", "tags", "redirect_http_code", "listener_id",
	"project_id", "tenant_id", "provisioning_status", "operating_status",
	"created_at", "updated_at", NULL
};
static const char *const rule_keys[] = {
	"id", "type", "compare_type", "key", "value", "invert",
	"admin_state_up", "tags", "project_id", "tenant_id",
	"provisioning_status", "operating_status", "created_at", "updated_at",
	NULL
};
static const char *const avip_keys[] = { "subnet_id", "ip_address", NULL };

/* Enum tables: names in enum order, then names Octavia has that oct lacks. */
static const char *const listener_protos[] = {
	"TCP", "HTTP", "HTTPS", "TERMINATED_HTTPS", NULL
};
static const char *const listener_protos_no[] = {
	"UDP", "SCTP", "PROMETHEUS", NULL
};
static const char *const pool_protos[] = {
	"TCP", "HTTP", "HTTPS", "", "PROXY", "PROXYV2", NULL
};
static const char *const pool_protos_no[] = { "UDP", "SCTP", NULL };
static const char *const algos[] = {
	"ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP", NULL
};
static const char *const algos_no[] = { "SOURCE_IP_PORT", NULL };
static const char *const sp_types[] = {
	"", "SOURCE_IP", "HTTP_COOKIE", "APP_COOKIE", NULL
};
static const char *const hm_types[] = {
	"HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO", NULL
};
static const char *const hm_types_no[] = { "UDP-CONNECT", "SCTP", NULL };
static const char *const http_methods[] = {
	"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS", "CONNECT",
	"PATCH", NULL
};
static const char *const actions[] = {
	"REJECT", "REDIRECT_TO_URL", "REDIRECT_TO_POOL", "REDIRECT_PREFIX",
	NULL
};
static const char *const rule_types[] = {
	"HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE",
	"SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT", "SSL_DN_FIELD", NULL
};
static const char *const compares[] = {
	"REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO", NULL
};
static const char *const client_auths[] = {
	"NONE", "OPTIONAL", "MANDATORY", NULL
};
static const char *const tls_versions[] = {
	"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", NULL
};
static const char *const alpns[] = { "h2", "http/1.1", "http/1.0", NULL };
static const struct {
	const char	*name;
	unsigned int	 bit;
	int		 tls;	/* TERMINATED_HTTPS only */
} headers[] = {
	{ "X-Forwarded-For", LB_HDR_XFF, 0 },
	{ "X-Forwarded-Port", LB_HDR_XFPORT, 0 },
	{ "X-Forwarded-Proto", LB_HDR_XFPROTO, 0 },
	{ "X-SSL-Client-Verify", LB_HDR_SSL_VERIFY, 1 },
	{ "X-SSL-Client-Has-Cert", LB_HDR_SSL_HAS_CERT, 1 },
	{ "X-SSL-Client-DN", LB_HDR_SSL_DN, 1 },
	{ "X-SSL-Client-CN", LB_HDR_SSL_CN, 1 },
	{ "X-SSL-Issuer", LB_HDR_SSL_ISSUER, 1 },
	{ "X-SSL-Client-SHA1", LB_HDR_SSL_SHA1, 1 },
	{ "X-SSL-Client-Not-Before", LB_HDR_SSL_NOT_BEFORE, 1 },
	{ "X-SSL-Client-Not-After", LB_HDR_SSL_NOT_AFTER, 1 },
};

/* Each redirect field of a policy goes with one action. */
static const struct {
	const char	*key;
	enum lb_action	 act;
} redirect_fields[] = {
	{ "redirect_url", LB_ACT_REDIRECT_TO_URL },
	{ "redirect_prefix", LB_ACT_REDIRECT_PREFIX },
	{ "redirect_pool", LB_ACT_REDIRECT_TO_POOL },
	{ "redirect_pool_id", LB_ACT_REDIRECT_TO_POOL },
};

static int
fail(struct pctx *c, const char *path, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static int
fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(c->err, c->errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct pctx *c)
{
	snprintf(c->err, c->errlen, "out of memory");
	return -1;
}

static char *
xstrdup(struct pctx *c, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		nomem(c);
	return p;
}

/* Print "<base>.<key>" or "<base>[<i>]" into out. */
static void
subpath(char *out, const char *base, const char *key)
{
	int	 n;

	/* A path cut short still names the place well enough. */
	n = snprintf(out, PATH_LEN, "%s.%s", base, key);
	if (n < 0)
		out[0] = '\0';
}

static void
idxpath(char *out, const char *base, const char *key, size_t i)
{
	int	 n;

	n = snprintf(out, PATH_LEN, "%s.%s[%zu]", base, key, i);
	if (n < 0)
		out[0] = '\0';
}

/*
 * XXX jansson's object iterators take a non-const json_t although they
 * do not change it; this is the one place const is dropped.
 */
static json_t *
unconst(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

static int
check_keys(struct pctx *c, const json_t *obj, const char *path,
    const char *const *known)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 p[PATH_LEN];

	json_object_foreach(unconst(obj), k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], k) == 0)
				break;
		if (known[i] == NULL) {
			subpath(p, path, k);
			return fail(c, p, "unknown field (not an Octavia API v2 "
			    "field of this object)");
		}
	}
	return 0;
}

static const char *
typename(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

/* printable ASCII (0x20..0x7e, or 0x21..0x7e when nospace) */
static int
printable(const char *s, int nospace)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < (nospace ? 0x21 : 0x20) ||
		    (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int
charset_ok(const char *s, const char *extra)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			continue;
		if (strchr(extra, *s) == NULL)
			return 0;
	}
	return 1;
}

/*
 * Borrowed string at key (NULL when absent or null).  Returns 0 or -1.
 * Strings are printable ASCII of at most max bytes.
 */
static int
get_str(struct pctx *c, const json_t *obj, const char *key, const char *path,
    int required, size_t max, const char **out)
{
	const json_t	*v;
	char		 p[PATH_LEN];

	*out = NULL;
	subpath(p, path, key);
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return fail(c, p, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return fail(c, p, "must be a string, not %s", typename(v));
	if (json_string_length(v) > max)
		return fail(c, p, "longer than %zu characters", max);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !printable(json_string_value(v), 0))
		return fail(c, p, "must be printable ASCII (no control "
		    "characters)");
	*out = json_string_value(v);
	return 0;
}

static int
get_int(struct pctx *c, const json_t *obj, const char *key, const char *path,
    long long min, long long max, long long def, int required,
    long long *out)
{
	const json_t	*v;
	char		 p[PATH_LEN];
	long long	 n;

	*out = def;
	subpath(p, path, key);
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return fail(c, p, "missing");
		return 0;
	}
	if (!json_is_integer(v))
		return fail(c, p, "must be an integer, not %s", typename(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return fail(c, p, "%lld is out of range %lld..%lld", n, min,
		    max);
	*out = n;
	return 0;
}

static int
get_bool(struct pctx *c, const json_t *obj, const char *key, const char *path,
    int def, int *out)
{
	const json_t	*v;
	char		 p[PATH_LEN];

	*out = def;
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		subpath(p, path, key);
		return fail(c, p, "must be true or false, not %s",
		    typename(v));
	}
	*out = json_is_true(v);
	return 0;
}

static int
enum_list(char *buf, size_t len, const char *const *names)
{
	size_t	 i;

	buf[0] = '\0';
	for (i = 0; names[i] != NULL; i++) {
		if (names[i][0] == '\0')
			continue;
		if (buf[0] != '\0')
			strlcat(buf, ", ", len);
		strlcat(buf, names[i], len);
	}
	return 0;
}

/* Match s against names; -1 when absent. */
static int
enum_find(const char *s, const char *const *names)
{
	int	 i;

	for (i = 0; names[i] != NULL; i++)
		if (names[i][0] != '\0' && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/*
 * The enum value at key: its index in names, def when absent (or an error
 * when def is -1).  Values in no are Octavia's but not oct's.
 */
static int
get_enum(struct pctx *c, const json_t *obj, const char *key, const char *path,
    const char *const *names, const char *const *no, int def, int *out)
{
	const char	*s;
	char		 p[PATH_LEN], list[256];
	int		 i;

	if (get_str(c, obj, key, path, def == -1, 64, &s) == -1)
		return -1;
	*out = def;
	if (s == NULL)
		return 0;
	subpath(p, path, key);
	if ((i = enum_find(s, names)) != -1) {
		*out = i;
		return 0;
	}
	enum_list(list, sizeof(list), names);
	if (no != NULL && enum_find(s, no) != -1)
		return fail(c, p, "\"%s\" is not supported by oct's haproxy "
		    "driver (use one of %s)", s, list);
	return fail(c, p, "\"%s\" is not one of %s", s, list);
}

static int
get_obj(struct pctx *c, const json_t *obj, const char *key, const char *path,
    const json_t **out)
{
	const json_t	*v;
	char		 p[PATH_LEN];

	*out = NULL;
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_object(v)) {
		subpath(p, path, key);
		return fail(c, p, "must be an object, not %s", typename(v));
	}
	*out = v;
	return 0;
}

static int
get_arr(struct pctx *c, const json_t *obj, const char *key, const char *path,
    const json_t **out)
{
	const json_t	*v;
	char		 p[PATH_LEN];

	*out = NULL;
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v)) {
		subpath(p, path, key);
		return fail(c, p, "must be an array, not %s", typename(v));
	}
	*out = v;
	return 0;
}

/* Objects Octavia is deleting are left out of the model. */
static int
deleted(const json_t *obj)
{
	const char	*s;

	s = json_string_value(json_object_get(obj, "provisioning_status"));
	return s != NULL && (strcmp(s, "PENDING_DELETE") == 0 ||
	    strcmp(s, "DELETED") == 0);
}

static int
ip_ok(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

static int
get_ip(struct pctx *c, const json_t *obj, const char *key, const char *path,
    int required, char **out)
{
	const char	*s;
	char		 p[PATH_LEN];

	*out = NULL;
	if (get_str(c, obj, key, path, required, 64, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (!ip_ok(s)) {
		subpath(p, path, key);
		return fail(c, p, "\"%s\" is not an IPv4 or IPv6 address", s);
	}
	return (*out = xstrdup(c, s)) == NULL ? -1 : 0;
}

/*
 * The object's id: "id", else a safe "name", else fallback.  Returns an
 * owned string or NULL.
 */
static char *
make_id(struct pctx *c, const json_t *obj, const char *path,
    const char *fallback)
{
	const char	*s;
	char		 p[PATH_LEN];

	if (get_str(c, obj, "id", path, 0, 255, &s) == -1)
		return NULL;
	if (s != NULL) {
		if (!ident_ok(s) || strlen(s) > LB_ID_MAX) {
			subpath(p, path, "id");
			fail(c, p, "\"%s\" is not a safe id (1..%d characters "
			    "from A-Z a-z 0-9 . _ -, not starting with '.')",
			    s, LB_ID_MAX);
			return NULL;
		}
		return xstrdup(c, s);
	}
	if (get_str(c, obj, "name", path, 0, 255, &s) == -1)
		return NULL;
	if (s != NULL && ident_ok(s) && strlen(s) <= LB_ID_MAX)
		return xstrdup(c, s);
	if (fallback == NULL) {
		fail(c, path, "needs an \"id\", or a \"name\" usable as one "
		    "(1..%d characters from A-Z a-z 0-9 . _ -)", LB_ID_MAX);
		return NULL;
	}
	return xstrdup(c, fallback);
}

static int
tls_versions_get(struct pctx *c, const json_t *obj, const char *path,
    unsigned int *out)
{
	const json_t	*a, *v;
	size_t		 i;
	int		 k;
	char		 p[PATH_LEN], list[128];

	*out = LB_TLS_DEFAULT;
	if (get_arr(c, obj, "tls_versions", path, &a) == -1)
		return -1;
	if (a == NULL)
		return 0;
	subpath(p, path, "tls_versions");
	if (json_array_size(a) == 0)
		return fail(c, p, "must list at least one version");
	*out = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    (k = enum_find(json_string_value(v), tls_versions)) == -1) {
			enum_list(list, sizeof(list), tls_versions);
			idxpath(p, path, "tls_versions", i);
			return fail(c, p, "must be one of %s", list);
		}
		*out |= 1U << k;
	}
	/* haproxy takes a range (ssl-min-ver..ssl-max-ver), not holes */
	for (k = 0; !(*out & (1U << k)); k++)
		;
	for (; k < 5 && (*out & (1U << k)); k++)
		;
	if ((*out >> k) != 0)
		return fail(c, p, "must be a range without gaps (haproxy "
		    "cannot leave out %s)", tls_versions[k]);
	return 0;
}

static int
alpn_get(struct pctx *c, const json_t *obj, const char *path, char **out)
{
	const json_t	*a, *v;
	size_t		 i;
	char		 p[PATH_LEN], buf[64], list[64];

	*out = NULL;
	if (get_arr(c, obj, "alpn_protocols", path, &a) == -1)
		return -1;
	if (a == NULL || json_array_size(a) == 0)
		return 0;
	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    enum_find(json_string_value(v), alpns) == -1) {
			enum_list(list, sizeof(list), alpns);
			idxpath(p, path, "alpn_protocols", i);
			return fail(c, p, "must be one of %s", list);
		}
		if (strstr(buf, json_string_value(v)) != NULL) {
			idxpath(p, path, "alpn_protocols", i);
			return fail(c, p, "\"%s\" is listed twice",
			    json_string_value(v));
		}
		if (buf[0] != '\0')
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, json_string_value(v), sizeof(buf));
	}
	return (*out = xstrdup(c, buf)) == NULL ? -1 : 0;
}

static int
ciphers_get(struct pctx *c, const json_t *obj, const char *path, char **out)
{
	const char	*s;
	char		 p[PATH_LEN];

	*out = NULL;
	if (get_str(c, obj, "tls_ciphers", path, 0, 2048, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (!charset_ok(s, ":_+!@=.-")) {
		subpath(p, path, "tls_ciphers");
		return fail(c, p, "not an OpenSSL cipher list (letters, "
		    "digits and : _ + ! @ = . - only)");
	}
	return (*out = xstrdup(c, s)) == NULL ? -1 : 0;
}

/*
 * Add a file to push: the local file named by the string at key, pushed as
 * name.  *outname gets a borrowed pointer to the name (or NULL when the key
 * is absent).
 */
static int
cert_add(struct pctx *c, const char *field, const char *ref,
    const char *name, int need_key, char **outname)
{
	struct lb	*lb = c->lb;
	struct lb_cert	*nc, *ct;
	char		 path[PATH_MAX];
	int		 n;

	if (strstr(ref, "://") != NULL || ref[0] == '\0')
		return fail(c, field, "\"%s\" is not a local file path (oct "
		    "reads PEM files, not Barbican refs)", ref);
	if (ref[0] == '/' || c->dir == NULL)
		n = snprintf(path, sizeof(path), "%s", ref);
	else
		n = snprintf(path, sizeof(path), "%s/%s", c->dir, ref);
	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(c, field, "path too long");
	nc = reallocarray(lb->certs, lb->ncerts + 1, sizeof(*nc));
	if (nc == NULL)
		return nomem(c);
	lb->certs = nc;
	ct = &lb->certs[lb->ncerts];
	memset(ct, 0, sizeof(*ct));
	lb->ncerts++;
	ct->need_key = need_key;
	if ((ct->name = xstrdup(c, name)) == NULL ||
	    (ct->path = xstrdup(c, path)) == NULL ||
	    (ct->field = xstrdup(c, field)) == NULL)
		return -1;
	if (outname != NULL)
		*outname = ct->name;
	return 0;
}

/* cert_add for the string at key, when present. */
static int
cert_key(struct pctx *c, const json_t *obj, const char *key,
    const char *path, const char *id, const char *suffix, int need_key,
    char **outname)
{
	const char	*s;
	char		 p[PATH_LEN], name[PATH_LEN];

	*outname = NULL;
	if (get_str(c, obj, key, path, 0, 4096, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	subpath(p, path, key);
	snprintf(name, sizeof(name), "%s-%s.pem", id, suffix);
	return cert_add(c, p, s, name, need_key, outname);
}

/* "200", "200,202", "200-204": sorted, unique, joined by '|'. */
static int
codes_expand(struct pctx *c, const char *s, const char *path, char **out)
{
	unsigned char	 seen[1000];
	char		 buf[1000 * 4 + 1], *q;
	const char	*p = s;
	long		 lo, hi, i;
	int		 n = 0;

	memset(seen, 0, sizeof(seen));
	for (;;) {
		if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' ||
		    p[2] < '0' || p[2] > '9')
			goto bad;
		lo = hi = (p[0] - '0') * 100 + (p[1] - '0') * 10 + p[2] - '0';
		p += 3;
		if (*p == '-' && n == 0) {
			p++;
			if (p[0] < '0' || p[0] > '9' || p[1] < '0' ||
			    p[1] > '9' || p[2] < '0' || p[2] > '9')
				goto bad;
			hi = (p[0] - '0') * 100 + (p[1] - '0') * 10 + p[2] -
			    '0';
			p += 3;
			if (*p != '\0' || hi < lo)
				goto bad;
		}
		if (lo < 100 || hi > 599)
			goto bad;
		for (i = lo; i <= hi; i++)
			seen[i] = 1;
		n++;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',' || hi != lo)
			goto bad;
		p++;
		while (*p == ' ')
			p++;
	}
	q = buf;
	*q = '\0';
	for (i = 100; i < 600; i++) {
		if (!seen[i])
			continue;
		if (q != buf)
			*q++ = '|';
		q += snprintf(q, buf + sizeof(buf) - q, "%ld", i);
	}
	return (*out = xstrdup(c, buf)) == NULL ? -1 : 0;
bad:
	return fail(c, path, "\"%s\" is not a status code (100..599), a list "
	    "\"200,202\" or a range \"200-204\"", s);
}

static int
domain_ok(const char *s)
{
	size_t	 len = strlen(s), lab = 0;
	char	 prev = '.';

	if (len == 0 || len > 253)
		return 0;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (lab == 0 || prev == '-')
				return 0;
			lab = 0;
		} else {
			if (!charset_ok((char []){ *s, '\0' }, "-_"))
				return 0;
			if (lab == 0 && *s == '-')
				return 0;
			if (++lab > 63)
				return 0;
		}
		prev = *s;
	}
	return prev != '-';
}

static int
hm_parse(struct pctx *c, const json_t *o, const char *path, struct lb_hm **out)
{
	struct lb_hm	*hm;
	const char	*s;
	const json_t	*v;
	long long	 n;
	int		 t, http;
	char		 p[PATH_LEN];

	*out = NULL;
	if (check_keys(c, o, path, hm_keys) == -1)
		return -1;
	if ((hm = calloc(1, sizeof(*hm))) == NULL)
		return nomem(c);
	*out = hm;
	if (get_enum(c, o, "type", path, hm_types, hm_types_no, -1, &t) == -1)
		return -1;
	hm->type = t;
	http = hm->type == LB_HM_HTTP || hm->type == LB_HM_HTTPS;
	if (get_bool(c, o, "admin_state_up", path, 1, &hm->enabled) == -1)
		return -1;
	if (get_int(c, o, "delay", path, 1, MAX_HM_S, 0, 1, &n) == -1)
		return -1;
	hm->delay = n;
	if (get_int(c, o, "timeout", path, 1, MAX_HM_S, 0, 1, &n) == -1)
		return -1;
	hm->timeout = n;
	if (get_int(c, o, "max_retries", path, 1, 10, 0, 1, &n) == -1)
		return -1;
	hm->rise = n;
	if (get_int(c, o, "max_retries_down", path, 1, 10, 3, 0, &n) == -1)
		return -1;
	hm->fall = n;
	if (!http) {
		static const char *const httponly[] = {
			"http_method", "url_path", "expected_codes",
			"http_version", "domain_name", NULL
		};
		size_t	 i;

		for (i = 0; httponly[i] != NULL; i++) {
			v = json_object_get(o, httponly[i]);
			if (v != NULL && !json_is_null(v)) {
				subpath(p, path, httponly[i]);
				return fail(c, p, "only for HTTP and HTTPS "
				    "monitors, not %s", hm_types[hm->type]);
			}
		}
		return 0;
	}
	if (get_enum(c, o, "http_method", path, http_methods, NULL, 0,
	    &t) == -1)
		return -1;
	if ((hm->method = xstrdup(c, http_methods[t])) == NULL)
		return -1;
	if (get_str(c, o, "url_path", path, 0, 2048, &s) == -1)
		return -1;
	if (s == NULL)
		s = "/";
	if (s[0] != '/' || !charset_ok(s, "-._~!$&'()*+,;=:@/%?")) {
		subpath(p, path, "url_path");
		return fail(c, p, "\"%s\" is not a URL path (starts with '/', "
		    "URL characters only)", s);
	}
	if ((hm->url_path = xstrdup(c, s)) == NULL)
		return -1;
	if (get_str(c, o, "expected_codes", path, 0, 255, &s) == -1)
		return -1;
	subpath(p, path, "expected_codes");
	if (codes_expand(c, s == NULL ? "200" : s, p, &hm->codes) == -1)
		return -1;
	v = json_object_get(o, "http_version");
	if (v != NULL && !json_is_null(v)) {
		subpath(p, path, "http_version");
		if (!json_is_number(v))
			return fail(c, p, "must be 1.0 or 1.1, not %s",
			    typename(v));
		if (json_number_value(v) == 1.0)
			hm->http_version = 10;
		else if (json_number_value(v) > 1.0999 &&
		    json_number_value(v) < 1.1001)
			hm->http_version = 11;
		else
			return fail(c, p, "%g is not one of 1.0, 1.1",
			    json_number_value(v));
	}
	if (get_str(c, o, "domain_name", path, 0, 255, &s) == -1)
		return -1;
	if (s != NULL) {
		subpath(p, path, "domain_name");
		if (!domain_ok(s))
			return fail(c, p, "\"%s\" is not a domain name", s);
		if (hm->http_version != 11)
			return fail(c, p, "needs \"http_version\": 1.1");
		if ((hm->domain_name = xstrdup(c, s)) == NULL)
			return -1;
	}
	return 0;
}

static int
member_parse(struct pctx *c, const json_t *o, const char *path, size_t idx,
    struct lb_member *m)
{
	char		 fb[32];
	long long	 n;

	if (check_keys(c, o, path, member_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "member-%zu", idx);
	if ((m->id = make_id(c, o, path, fb)) == NULL)
		return -1;
	if (get_ip(c, o, "address", path, 1, &m->address) == -1)
		return -1;
	if (get_int(c, o, "protocol_port", path, 1, 65535, 0, 1, &n) == -1)
		return -1;
	m->port = n;
	if (get_int(c, o, "weight", path, 0, 256, 1, 0, &n) == -1)
		return -1;
	m->weight = n;
	if (get_bool(c, o, "backup", path, 0, &m->backup) == -1 ||
	    get_bool(c, o, "admin_state_up", path, 1, &m->enabled) == -1)
		return -1;
	if (get_ip(c, o, "monitor_address", path, 0,
	    &m->monitor_address) == -1)
		return -1;
	if (get_int(c, o, "monitor_port", path, 1, 65535, 0, 0, &n) == -1)
		return -1;
	m->monitor_port = n;
	return 0;
}

static int
member_cmp_id(const void *a, const void *b, void *arg)
{
	const struct lb_member	*m = arg;
	const size_t		*x = a, *y = b;
	int			 d;

	if ((d = strcmp(m[*x].id, m[*y].id)) != 0)
		return d;
	return *x < *y ? -1 : *x > *y;
}

static int
member_cmp_addr(const void *a, const void *b, void *arg)
{
	const struct lb_member	*m = arg;
	const size_t		*x = a, *y = b;
	int			 d;

	if ((d = strcmp(m[*x].address, m[*y].address)) != 0)
		return d;
	if (m[*x].port != m[*y].port)
		return m[*x].port < m[*y].port ? -1 : 1;
	return *x < *y ? -1 : *x > *y;
}

/*
 * Members must differ in id and in address and port.  Sorting keeps this
 * O(n log n) for pools of many thousand members; the fault reported is the
 * first member (in input order) that repeats an earlier one, as a plain
 * scan would find it.
 */
static int
members_unique(struct pctx *c, struct lb_pool *pl, const char *path)
{
	struct lb_member *m = pl->members;
	size_t		*ix, i, bad = SIZE_MAX;
	char		 p[PATH_LEN];
	int		 badid = 0;

	if (pl->nmembers < 2)
		return 0;
	if ((ix = reallocarray(NULL, pl->nmembers, sizeof(*ix))) == NULL)
		return nomem(c);
	for (i = 0; i < pl->nmembers; i++)
		ix[i] = i;
	qsort_r(ix, pl->nmembers, sizeof(*ix), member_cmp_id, m);
	for (i = 1; i < pl->nmembers; i++)
		if (strcmp(m[ix[i - 1]].id, m[ix[i]].id) == 0 && ix[i] < bad) {
			bad = ix[i];
			badid = 1;
		}
	qsort_r(ix, pl->nmembers, sizeof(*ix), member_cmp_addr, m);
	for (i = 1; i < pl->nmembers; i++)
		if (strcmp(m[ix[i - 1]].address, m[ix[i]].address) == 0 &&
		    m[ix[i - 1]].port == m[ix[i]].port && ix[i] < bad) {
			bad = ix[i];
			badid = 0;
		}
	free(ix);
	if (bad == SIZE_MAX)
		return 0;
	idxpath(p, path, "members", m[bad].index);
	if (badid)
		return fail(c, p, "duplicate member id \"%s\"", m[bad].id);
	return fail(c, p, "duplicate member %s port %d", m[bad].address,
	    m[bad].port);
}

static int
pool_parse(struct pctx *c, const json_t *o, const char *path, size_t idx,
    struct lb_pool *pl)
{
	const json_t	*sp, *hm, *ms, *v;
	const char	*s;
	char		 fb[32], p[PATH_LEN], p2[PATH_LEN];
	long long	 n;
	size_t		 i;
	int		 t;

	if (check_keys(c, o, path, pool_keys) == -1)
		return -1;
	if ((pl->path = xstrdup(c, path)) == NULL)
		return -1;
	snprintf(fb, sizeof(fb), "pool-%zu", idx);
	if ((pl->id = make_id(c, o, path, fb)) == NULL)
		return -1;
	if (get_str(c, o, "name", path, 0, 255, &s) == -1)
		return -1;
	if (s != NULL && (pl->name = xstrdup(c, s)) == NULL)
		return -1;
	if (get_enum(c, o, "protocol", path, pool_protos, pool_protos_no, -1,
	    &t) == -1)
		return -1;
	pl->protocol = t;
	if (get_enum(c, o, "lb_algorithm", path, algos, algos_no, -1,
	    &t) == -1)
		return -1;
	pl->algo = t;
	if (get_bool(c, o, "admin_state_up", path, 1, &pl->enabled) == -1 ||
	    get_bool(c, o, "tls_enabled", path, 0, &pl->tls_enabled) == -1)
		return -1;

	if (get_obj(c, o, "session_persistence", path, &sp) == -1)
		return -1;
	if (sp != NULL) {
		subpath(p, path, "session_persistence");
		if (check_keys(c, sp, p, sp_keys) == -1 ||
		    get_enum(c, sp, "type", p, sp_types, NULL, -1, &t) == -1)
			return -1;
		pl->sp = t;
		if (get_str(c, sp, "cookie_name", p, 0, 255, &s) == -1)
			return -1;
		subpath(p2, p, "cookie_name");
		if (pl->sp == LB_SP_APP_COOKIE && s == NULL)
			return fail(c, p2, "missing (APP_COOKIE needs it)");
		if (pl->sp != LB_SP_APP_COOKIE && s != NULL)
			return fail(c, p2, "only for APP_COOKIE persistence");
		if (s != NULL) {
			if (!charset_ok(s, "!#$%&*+.^_`|~-"))
				return fail(c, p2, "\"%s\" is not a cookie "
				    "name (HTTP token characters only)", s);
			if ((pl->cookie_name = xstrdup(c, s)) == NULL)
				return -1;
		}
		if (get_int(c, sp, "persistence_timeout", p, 0, MAX_HM_S, 0,
		    0, &n) == -1)
			return -1;
		pl->sp_timeout = n;
		v = json_object_get(sp, "persistence_granularity");
		if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
		    !ip_ok(json_string_value(v)))) {
			subpath(p2, p, "persistence_granularity");
			return fail(c, p2, "must be an IP address mask");
		}
	}

	if (get_obj(c, o, "healthmonitor", path, &hm) == -1)
		return -1;
	if (hm != NULL && !deleted(hm)) {
		subpath(p, path, "healthmonitor");
		if (hm_parse(c, hm, p, &pl->hm) == -1)
			return -1;
	}

	if (get_arr(c, o, "members", path, &ms) == -1)
		return -1;
	if (ms != NULL && json_array_size(ms) > 0) {
		pl->members = calloc(json_array_size(ms), sizeof(*pl->members));
		if (pl->members == NULL)
			return nomem(c);
		json_array_foreach(ms, i, v) {
			struct lb_member *m = &pl->members[pl->nmembers];

			idxpath(p, path, "members", i);
			if (!json_is_object(v))
				return fail(c, p, "must be an object, not %s",
				    typename(v));
			if (deleted(v))
				continue;
			m->index = i;
			pl->nmembers++;
			if (member_parse(c, v, p, i, m) == -1)
				return -1;
		}
		if (members_unique(c, pl, path) == -1)
			return -1;
	}

	if (tls_versions_get(c, o, path, &pl->tls_versions) == -1 ||
	    ciphers_get(c, o, path, &pl->ciphers) == -1 ||
	    alpn_get(c, o, path, &pl->alpn) == -1)
		return -1;
	if (cert_key(c, o, "tls_container_ref", path, pl->id, "crt", 1,
	    &pl->client_cert) == -1 ||
	    cert_key(c, o, "ca_tls_container_ref", path, pl->id, "ca", 0,
	    &pl->ca_cert) == -1 ||
	    cert_key(c, o, "crl_container_ref", path, pl->id, "crl", 0,
	    &pl->crl) == -1)
		return -1;
	if (pl->crl != NULL && pl->ca_cert == NULL) {
		subpath(p, path, "crl_container_ref");
		return fail(c, p, "needs ca_tls_container_ref");
	}
	if (!pl->tls_enabled && (pl->client_cert != NULL ||
	    pl->ca_cert != NULL)) {
		subpath(p, path, pl->client_cert != NULL ?
		    "tls_container_ref" : "ca_tls_container_ref");
		return fail(c, p, "needs \"tls_enabled\": true");
	}
	return 0;
}

static int
pooldef_add(struct pctx *c, const json_t *o, const char *path)
{
	struct pooldef	*nd;

	nd = reallocarray(c->defs, c->ndefs + 1, sizeof(*nd));
	if (nd == NULL)
		return nomem(c);
	c->defs = nd;
	c->defs[c->ndefs].obj = o;
	if ((c->defs[c->ndefs].path = xstrdup(c, path)) == NULL)
		return -1;
	c->ndefs++;
	return 0;
}

/* An object with nothing but "name" and/or "id" refers to another pool. */
static int
is_ref(const json_t *o)
{
	const char	*k;
	json_t		*v;

	json_object_foreach(unconst(o), k, v) {
		if (strcmp(k, "name") != 0 && strcmp(k, "id") != 0)
			return 0;
	}
	return 1;
}

/* First pass: every pool definition, LB-level first, then inline ones. */
static int
collect_pools(struct pctx *c, const json_t *lbo)
{
	const json_t	*a, *ls, *l, *ps, *po, *d;
	size_t		 i, j;
	char		 p[PATH_LEN], lp[PATH_LEN], pp[PATH_LEN];

	if (get_arr(c, lbo, "pools", "loadbalancer", &a) == -1)
		return -1;
	if (a != NULL) {
		json_array_foreach(a, i, d) {
			idxpath(p, "loadbalancer", "pools", i);
			if (!json_is_object(d))
				return fail(c, p, "must be an object, not %s",
				    typename(d));
			if (!deleted(d) && pooldef_add(c, d, p) == -1)
				return -1;
		}
	}
	if (get_arr(c, lbo, "listeners", "loadbalancer", &ls) == -1)
		return -1;
	if (ls == NULL)
		return 0;
	json_array_foreach(ls, i, l) {
		idxpath(lp, "loadbalancer", "listeners", i);
		if (!json_is_object(l))
			return fail(c, lp, "must be an object, not %s",
			    typename(l));
		if (deleted(l))
			continue;
		if (get_obj(c, l, "default_pool", lp, &d) == -1)
			return -1;
		subpath(p, lp, "default_pool");
		if (d != NULL && !is_ref(d) && pooldef_add(c, d, p) == -1)
			return -1;
		if (get_arr(c, l, "l7policies", lp, &ps) == -1)
			return -1;
		if (ps == NULL)
			continue;
		json_array_foreach(ps, j, po) {
			idxpath(pp, lp, "l7policies", j);
			if (!json_is_object(po))
				return fail(c, pp, "must be an object, not %s",
				    typename(po));
			if (deleted(po))
				continue;
			if (get_obj(c, po, "redirect_pool", pp, &d) == -1)
				return -1;
			subpath(p, pp, "redirect_pool");
			if (d != NULL && !is_ref(d) &&
			    pooldef_add(c, d, p) == -1)
				return -1;
		}
	}
	return 0;
}

static int
parse_pools(struct pctx *c)
{
	struct lb	*lb = c->lb;
	size_t		 i, j;

	if (c->ndefs == 0)
		return 0;
	if ((lb->pools = calloc(c->ndefs, sizeof(*lb->pools))) == NULL)
		return nomem(c);
	for (i = 0; i < c->ndefs; i++) {
		if ((lb->pools[i] = calloc(1, sizeof(**lb->pools))) == NULL)
			return nomem(c);
		lb->npools++;
		if (pool_parse(c, c->defs[i].obj, c->defs[i].path, i,
		    lb->pools[i]) == -1)
			return -1;
		for (j = 0; j < i; j++) {
			if (strcmp(lb->pools[j]->id, lb->pools[i]->id) == 0)
				return fail(c, c->defs[i].path, "duplicate "
				    "pool id \"%s\" (also %s)",
				    lb->pools[i]->id, lb->pools[j]->path);
			if (lb->pools[i]->name != NULL &&
			    lb->pools[j]->name != NULL &&
			    strcmp(lb->pools[j]->name,
			    lb->pools[i]->name) == 0)
				return fail(c, c->defs[i].path, "duplicate "
				    "pool name \"%s\" (also %s)",
				    lb->pools[i]->name, lb->pools[j]->path);
		}
	}
	return 0;
}

/* The pool an inline object, a reference object or an id/name names. */
static int
pool_resolve(struct pctx *c, const json_t *o, const char *ref,
    const char *path, struct lb_pool **out)
{
	struct lb	*lb = c->lb;
	const char	*k = ref;
	size_t		 i;

	*out = NULL;
	if (o != NULL && !is_ref(o)) {
		for (i = 0; i < c->ndefs; i++)
			if (c->defs[i].obj == o) {
				*out = lb->pools[i];
				return 0;
			}
		return fail(c, path, "internal error: pool not collected");
	}
	if (o != NULL) {
		k = json_string_value(json_object_get(o, "id"));
		if (k == NULL)
			k = json_string_value(json_object_get(o, "name"));
		if (k == NULL)
			return fail(c, path, "a pool reference needs a "
			    "string \"name\" or \"id\"");
	}
	for (i = 0; i < lb->npools; i++)
		if (strcmp(lb->pools[i]->id, k) == 0) {
			*out = lb->pools[i];
			return 0;
		}
	for (i = 0; i < lb->npools; i++)
		if (lb->pools[i]->name != NULL &&
		    strcmp(lb->pools[i]->name, k) == 0) {
			*out = lb->pools[i];
			return 0;
		}
	return fail(c, path, "pool \"%s\" is not defined (no pool has that "
	    "id or name)", k);
}

/* Octavia's rule: which pool protocols a listener protocol can use. */
static int
pool_compat(enum lb_proto l, enum lb_proto p)
{
	switch (l) {
	case LB_PROTO_TCP:
		return p != LB_PROTO_TERMINATED_HTTPS;
	case LB_PROTO_HTTP:
	case LB_PROTO_TERMINATED_HTTPS:
		return p == LB_PROTO_HTTP || p == LB_PROTO_PROXY ||
		    p == LB_PROTO_PROXYV2;
	case LB_PROTO_HTTPS:
		return p == LB_PROTO_HTTPS || p == LB_PROTO_PROXY ||
		    p == LB_PROTO_PROXYV2 || p == LB_PROTO_TCP;
	default:
		return 0;
	}
}

static int
pool_use(struct pctx *c, struct lb_listener *li, struct lb_pool *pl,
    const char *path)
{
	int	 http;

	http = li->protocol == LB_PROTO_HTTP ||
	    li->protocol == LB_PROTO_TERMINATED_HTTPS;
	if (!pool_compat(li->protocol, pl->protocol))
		return fail(c, path, "a %s pool (\"%s\") cannot serve a %s "
		    "listener", pool_protos[pl->protocol], pl->id,
		    listener_protos[li->protocol]);
	if (!http && (pl->sp == LB_SP_HTTP_COOKIE ||
	    pl->sp == LB_SP_APP_COOKIE))
		return fail(c, path, "pool \"%s\" has %s persistence, which "
		    "needs an HTTP or TERMINATED_HTTPS listener", pl->id,
		    sp_types[pl->sp]);
	pl->used = 1;
	return 0;
}

/*
 * The rule value as haproxy must see it: Octavia's quoted form ("a b", the
 * double quotes part of the value) means the text between the quotes.
 */
static char *
unquote(struct pctx *c, const char *s)
{
	char	*r;
	size_t	 len = strlen(s);

	if (len < 2 || s[0] != '"' || s[len - 1] != '"')
		return xstrdup(c, s);
	if ((r = strndup(s + 1, len - 2)) == NULL)
		nomem(c);
	return r;
}

static int
rule_parse(struct pctx *c, const json_t *o, const char *path,
    const char *fallback, struct lb_rule *r)
{
	const char	*key, *val;
	char		 p[PATH_LEN];
	size_t		 vlen;
	int		 t, hv;

	if (check_keys(c, o, path, rule_keys) == -1)
		return -1;
	if ((r->id = make_id(c, o, path, fallback)) == NULL)
		return -1;
	if (get_enum(c, o, "type", path, rule_types, NULL, -1, &t) == -1)
		return -1;
	r->type = t;
	if (get_enum(c, o, "compare_type", path, compares, NULL, -1,
	    &t) == -1)
		return -1;
	r->compare = t;
	if (get_str(c, o, "key", path, 0, 255, &key) == -1 ||
	    get_str(c, o, "value", path, 1, 255, &val) == -1)
		return -1;
	if (get_bool(c, o, "invert", path, 0, &r->invert) == -1)
		return -1;
	subpath(p, path, "value");
	if (val[0] == '\0')
		return fail(c, p, "must not be empty");
	vlen = strlen(val);
	/* Octavia's header value: printable, or "quoted with spaces". */
	hv = printable(val, 1) || (vlen >= 2 && val[0] == '"' &&
	    val[vlen - 1] == '"');
	switch (r->type) {
	case LB_RULE_HEADER:
	case LB_RULE_COOKIE:
		subpath(p, path, "key");
		if (key == NULL)
			return fail(c, p, "missing (%s rules need it)",
			    rule_types[r->type]);
		if (!charset_ok(key, "!#$%&*+.^_`|~-"))
			return fail(c, p, "\"%s\" is not an HTTP header or "
			    "cookie name", key);
		subpath(p, path, "value");
		if (r->compare != LB_CMP_REGEX && r->type == LB_RULE_COOKIE &&
		    !charset_ok(val, "!#$%&'()*+,-./:<=>?@[]^_`{|}~"))
			return fail(c, p, "\"%s\" is not a cookie value", val);
		if (r->compare != LB_CMP_REGEX && r->type == LB_RULE_HEADER &&
		    !hv)
			return fail(c, p, "\"%s\" is not a header value "
			    "(quote it to use spaces)", val);
		break;
	case LB_RULE_HOST_NAME:
	case LB_RULE_PATH:
		key = NULL;
		if (r->compare != LB_CMP_REGEX && !hv)
			return fail(c, p, "\"%s\" is not a valid comparison "
			    "value (quote it to use spaces)", val);
		break;
	case LB_RULE_FILE_TYPE:
		key = NULL;
		subpath(p, path, "compare_type");
		if (r->compare != LB_CMP_REGEX && r->compare != LB_CMP_EQUAL_TO)
			return fail(c, p, "FILE_TYPE rules take REGEX or "
			    "EQUAL_TO only");
		subpath(p, path, "value");
		if (r->compare == LB_CMP_EQUAL_TO && !hv)
			return fail(c, p, "\"%s\" is not a valid comparison "
			    "value", val);
		break;
	case LB_RULE_SSL_CONN_HAS_CERT:
	case LB_RULE_SSL_VERIFY_RESULT:
		if (key != NULL) {
			subpath(p, path, "key");
			return fail(c, p, "%s rules do not use a key",
			    rule_types[r->type]);
		}
		if (r->type == LB_RULE_SSL_CONN_HAS_CERT &&
		    strcasecmp(val, "true") != 0)
			return fail(c, p, "\"%s\" must be \"true\"", val);
		if (r->type == LB_RULE_SSL_VERIFY_RESULT &&
		    (!charset_ok(val, "") || strspn(val, "0123456789") !=
		    vlen || vlen > 9))
			return fail(c, p, "\"%s\" must be an integer >= 0",
			    val);
		subpath(p, path, "compare_type");
		if (r->compare != LB_CMP_EQUAL_TO)
			return fail(c, p, "%s rules take EQUAL_TO only",
			    rule_types[r->type]);
		break;
	case LB_RULE_SSL_DN_FIELD:
		subpath(p, path, "key");
		if (key == NULL)
			return fail(c, p, "missing (SSL_DN_FIELD rules need "
			    "it)");
		if (!((key[0] >= 'a' && key[0] <= 'z') ||
		    (key[0] >= 'A' && key[0] <= 'Z')) || !charset_ok(key, "-"))
			return fail(c, p, "\"%s\" is not a distinguished "
			    "name field", key);
		subpath(p, path, "value");
		if (r->compare != LB_CMP_REGEX && !hv)
			return fail(c, p, "\"%s\" is not a valid comparison "
			    "value (quote it to use spaces)", val);
		break;
	}
	if (key != NULL && (r->key = xstrdup(c, key)) == NULL)
		return -1;
	if (r->compare == LB_CMP_REGEX || r->type == LB_RULE_COOKIE)
		r->value = xstrdup(c, val);
	else
		r->value = unquote(c, val);
	return r->value == NULL ? -1 : 0;
}

static int
url_ok(const char *s)
{
	const char	*h;

	if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else
		return 0;
	if (*h == '\0' || *h == '/')
		return 0;
	return printable(s, 1) && strpbrk(s, "\"<>\\^`{|}") == NULL;
}

static int
policy_parse(struct pctx *c, struct lb_listener *li, const json_t *o,
    const char *path, size_t idx, struct lb_policy *po)
{
	const json_t	*rs, *v, *rp;
	const char	*s, *pid;
	char		 fb[PATH_LEN], p[PATH_LEN];
	long long	 n;
	size_t		 i, j;
	int		 t, en;

	if (check_keys(c, o, path, policy_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "%s-l7policy-%zu", li->id, idx);
	if ((po->id = make_id(c, o, path, fb)) == NULL)
		return -1;
	if (get_enum(c, o, "action", path, actions, NULL, -1, &t) == -1)
		return -1;
	po->action = t;
	if (get_bool(c, o, "admin_state_up", path, 1, &po->enabled) == -1)
		return -1;
	/* Each redirect field goes with one action. */
	for (i = 0; i < sizeof(redirect_fields) / sizeof(redirect_fields[0]); i++) {
		v = json_object_get(o, redirect_fields[i].key);
		subpath(p, path, redirect_fields[i].key);
		if (v != NULL && !json_is_null(v) && redirect_fields[i].act != po->action)
			return fail(c, p, "only for %s policies, not %s",
			    actions[redirect_fields[i].act], actions[po->action]);
	}
	switch (po->action) {
	case LB_ACT_REDIRECT_TO_URL:
	case LB_ACT_REDIRECT_PREFIX:
		s = po->action == LB_ACT_REDIRECT_TO_URL ? "redirect_url" :
		    "redirect_prefix";
		subpath(p, path, s);
		if (get_str(c, o, s, path, 1, 2048, &pid) == -1)
			return -1;
		if (!url_ok(pid))
			return fail(c, p, "\"%s\" is not an http or https "
			    "URL", pid);
		if (po->action == LB_ACT_REDIRECT_TO_URL)
			po->url = xstrdup(c, pid);
		else
			po->prefix = xstrdup(c, pid);
		if (po->url == NULL && po->prefix == NULL)
			return -1;
		if (get_int(c, o, "redirect_http_code", path, 301, 308, 302,
		    0, &n) == -1)
			return -1;
		if (n != 301 && n != 302 && n != 303 && n != 307 && n != 308) {
			subpath(p, path, "redirect_http_code");
			return fail(c, p, "%lld is not one of 301, 302, 303, "
			    "307, 308", n);
		}
		po->code = n;
		break;
	case LB_ACT_REDIRECT_TO_POOL:
		if (get_obj(c, o, "redirect_pool", path, &rp) == -1 ||
		    get_str(c, o, "redirect_pool_id", path, 0, 255, &pid) == -1)
			return -1;
		subpath(p, path, rp != NULL ? "redirect_pool" :
		    "redirect_pool_id");
		if (rp == NULL && pid == NULL) {
			subpath(p, path, "redirect_pool_id");
			return fail(c, p, "missing (REDIRECT_TO_POOL needs "
			    "redirect_pool_id or redirect_pool)");
		}
		if (rp != NULL && pid != NULL)
			return fail(c, p, "give redirect_pool or "
			    "redirect_pool_id, not both");
		if (pool_resolve(c, rp, pid, p, &po->pool) == -1 ||
		    pool_use(c, li, po->pool, p) == -1)
			return -1;
		/* FALLTHROUGH */
	case LB_ACT_REJECT:
		v = json_object_get(o, "redirect_http_code");
		if (v != NULL && !json_is_null(v)) {
			subpath(p, path, "redirect_http_code");
			return fail(c, p, "only for REDIRECT_TO_URL and "
			    "REDIRECT_PREFIX policies");
		}
		break;
	}
	if (get_arr(c, o, "rules", path, &rs) == -1)
		return -1;
	if (rs == NULL)
		return 0;
	if (json_array_size(rs) > 50) {
		subpath(p, path, "rules");
		return fail(c, p, "more than 50 rules");
	}
	if (json_array_size(rs) > 0 && (po->rules = calloc(json_array_size(rs),
	    sizeof(*po->rules))) == NULL)
		return nomem(c);
	json_array_foreach(rs, i, v) {
		idxpath(p, path, "rules", i);
		if (!json_is_object(v))
			return fail(c, p, "must be an object, not %s",
			    typename(v));
		if (deleted(v))
			continue;
		if (get_bool(c, v, "admin_state_up", p, 1, &en) == -1)
			return -1;
		snprintf(fb, sizeof(fb), "%s-rule-%zu", po->id, i);
		if (rule_parse(c, v, p, fb, &po->rules[po->nrules]) == -1) {
			/* rule_parse may have set some fields */
			po->nrules++;
			return -1;
		}
		po->nrules++;
		for (j = 0; j + 1 < po->nrules; j++)
			if (strcmp(po->rules[j].id,
			    po->rules[po->nrules - 1].id) == 0)
				return fail(c, p, "duplicate rule id \"%s\"",
				    po->rules[j].id);
		if (!en) {
			/* Disabled rules are left out. */
			po->nrules--;
			free(po->rules[po->nrules].id);
			free(po->rules[po->nrules].key);
			free(po->rules[po->nrules].value);
			memset(&po->rules[po->nrules], 0,
			    sizeof(po->rules[po->nrules]));
		}
	}
	return 0;
}

static void
rule_clear(struct lb_rule *r)
{
	free(r->id);
	free(r->key);
	free(r->value);
}

static void
policy_clear(struct lb_policy *po)
{
	size_t	 i;

	free(po->id);
	free(po->url);
	free(po->prefix);
	for (i = 0; i < po->nrules; i++)
		rule_clear(&po->rules[i]);
	free(po->rules);
}

/* Policies in Octavia's order: each inserted at index position - 1. */
static int
policies_parse(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	const json_t	*ps, *v;
	struct lb_policy po, *tmp;
	char		 p[PATH_LEN];
	long long	 pos;
	size_t		 i, j, at;
	int		 http;

	if (get_arr(c, l, "l7policies", path, &ps) == -1)
		return -1;
	if (ps == NULL || json_array_size(ps) == 0)
		return 0;
	http = li->protocol == LB_PROTO_HTTP ||
	    li->protocol == LB_PROTO_TERMINATED_HTTPS;
	if (!http) {
		subpath(p, path, "l7policies");
		return fail(c, p, "L7 policies need an HTTP or "
		    "TERMINATED_HTTPS listener, not %s",
		    listener_protos[li->protocol]);
	}
	li->policies = calloc(json_array_size(ps), sizeof(*li->policies));
	if (li->policies == NULL)
		return nomem(c);
	json_array_foreach(ps, i, v) {
		if (deleted(v))
			continue;
		idxpath(p, path, "l7policies", i);
		memset(&po, 0, sizeof(po));
		if (policy_parse(c, li, v, p, i, &po) == -1 ||
		    get_int(c, v, "position", p, 1, POS_LAST, POS_LAST, 0,
		    &pos) == -1) {
			policy_clear(&po);
			return -1;
		}
		for (j = 0; j < li->npolicies; j++)
			if (strcmp(li->policies[j].id, po.id) == 0) {
				policy_clear(&po);
				return fail(c, p, "duplicate policy id \"%s\"",
				    li->policies[j].id);
			}
		at = (unsigned long long)pos - 1 < li->npolicies ?
		    (size_t)pos - 1 : li->npolicies;
		tmp = li->policies;
		memmove(&tmp[at + 1], &tmp[at],
		    (li->npolicies - at) * sizeof(*tmp));
		tmp[at] = po;
		li->npolicies++;
	}
	return 0;
}

static int
headers_parse(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	const json_t	*h;
	const char	*k;
	json_t		*v;
	char		 p[PATH_LEN];
	size_t		 i;

	if (get_obj(c, l, "insert_headers", path, &h) == -1)
		return -1;
	if (h == NULL)
		return 0;
	json_object_foreach(unconst(h), k, v) {
		subpath(p, path, "insert_headers");
		strlcat(p, ".", sizeof(p));
		strlcat(p, k, sizeof(p));
		for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
			if (strcmp(headers[i].name, k) == 0)
				break;
		if (i == sizeof(headers) / sizeof(headers[0]))
			return fail(c, p, "not a header Octavia inserts");
		if (!json_is_string(v) ||
		    (strcasecmp(json_string_value(v), "true") != 0 &&
		    strcasecmp(json_string_value(v), "false") != 0))
			return fail(c, p, "must be \"true\" or \"false\"");
		if (strcasecmp(json_string_value(v), "false") == 0)
			continue;
		if (li->protocol != LB_PROTO_HTTP &&
		    li->protocol != LB_PROTO_TERMINATED_HTTPS)
			return fail(c, p, "needs an HTTP or TERMINATED_HTTPS "
			    "listener");
		if (headers[i].tls && li->protocol != LB_PROTO_TERMINATED_HTTPS)
			return fail(c, p, "needs a TERMINATED_HTTPS listener");
		li->headers |= headers[i].bit;
	}
	return 0;
}

static int
listener_tls(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	struct lb	*lb = c->lb;
	struct lb_cert	*ct;
	const json_t	*sni, *v;
	const char	*s;
	char		 p[PATH_LEN], name[PATH_LEN], *nm;
	size_t		 i, first, need, len;
	int		 t;

	static const char *const tlsonly[] = {
		"default_tls_container_ref", "sni_container_refs",
		"client_ca_tls_container_ref", "client_authentication",
		"client_crl_container_ref", "tls_ciphers", "tls_versions",
		"alpn_protocols", NULL
	};

	if (li->protocol != LB_PROTO_TERMINATED_HTTPS) {
		for (i = 0; tlsonly[i] != NULL; i++) {
			v = json_object_get(l, tlsonly[i]);
			if (v != NULL && !json_is_null(v) &&
			    !(json_is_array(v) && json_array_size(v) == 0)) {
				subpath(p, path, tlsonly[i]);
				return fail(c, p, "only for TERMINATED_HTTPS "
				    "listeners");
			}
		}
		return 0;
	}
	if (get_str(c, l, "default_tls_container_ref", path, 0, 4096,
	    &s) == -1)
		return -1;
	subpath(p, path, "default_tls_container_ref");
	if (s == NULL)
		return fail(c, p, "missing (a TERMINATED_HTTPS listener needs "
		    "a certificate)");
	first = lb->ncerts;
	snprintf(name, sizeof(name), "%s-crt-0.pem", li->id);
	if (cert_add(c, p, s, name, 1, NULL) == -1)
		return -1;
	if (get_arr(c, l, "sni_container_refs", path, &sni) == -1)
		return -1;
	if (sni != NULL) {
		json_array_foreach(sni, i, v) {
			idxpath(p, path, "sni_container_refs", i);
			if (!json_is_string(v))
				return fail(c, p, "must be a string, not %s",
				    typename(v));
			snprintf(name, sizeof(name), "%s-crt-%zu.pem", li->id,
			    i + 1);
			if (cert_add(c, p, json_string_value(v), name, 1,
			    NULL) == -1)
				return -1;
		}
	}
	/* The crt-list: one name per line, relative to crt-base. */
	need = 1;
	for (i = first; i < lb->ncerts; i++)
		need += strlen(lb->certs[i].name) + 1;
	subpath(p, path, "default_tls_container_ref");
	snprintf(name, sizeof(name), "%s.pem", li->id);
	if (cert_add(c, p, "-", name, 0, &nm) == -1)
		return -1;
	ct = &lb->certs[lb->ncerts - 1];
	free(ct->path);
	ct->path = NULL;
	if ((li->crt_list = xstrdup(c, name)) == NULL)
		return -1;
	if ((ct->data = malloc(need)) == NULL)
		return nomem(c);
	ct->data[0] = '\0';
	for (i = first, len = 0; i < lb->ncerts - 1; i++)
		len += snprintf(ct->data + len, need - len, "%s\n",
		    lb->certs[i].name);
	ct->len = len;

	if (cert_key(c, l, "client_ca_tls_container_ref", path, li->id, "ca",
	    0, &li->ca_cert) == -1 ||
	    cert_key(c, l, "client_crl_container_ref", path, li->id, "crl", 0,
	    &li->crl) == -1)
		return -1;
	if (get_enum(c, l, "client_authentication", path, client_auths, NULL,
	    LB_CAUTH_NONE, &t) == -1)
		return -1;
	li->client_auth = t;
	if (li->client_auth != LB_CAUTH_NONE && li->ca_cert == NULL) {
		subpath(p, path, "client_authentication");
		return fail(c, p, "%s needs client_ca_tls_container_ref",
		    client_auths[t]);
	}
	if (li->crl != NULL && li->ca_cert == NULL) {
		subpath(p, path, "client_crl_container_ref");
		return fail(c, p, "needs client_ca_tls_container_ref");
	}
	if (tls_versions_get(c, l, path, &li->tls_versions) == -1 ||
	    ciphers_get(c, l, path, &li->ciphers) == -1 ||
	    alpn_get(c, l, path, &li->alpn) == -1)
		return -1;
	return 0;
}

static int
listener_parse(struct pctx *c, const json_t *l, const char *path, size_t idx,
    struct lb_listener *li)
{
	const json_t	*dp;
	const char	*pid;
	char		 fb[32], p[PATH_LEN];
	long long	 n;
	int		 t;

	if (check_keys(c, l, path, listener_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "listener-%zu", idx);
	if ((li->id = make_id(c, l, path, fb)) == NULL)
		return -1;
	if (get_enum(c, l, "protocol", path, listener_protos,
	    listener_protos_no, -1, &t) == -1)
		return -1;
	li->protocol = t;
	if (get_int(c, l, "protocol_port", path, 1, 65535, 0, 1, &n) == -1)
		return -1;
	li->port = n;
	if (get_bool(c, l, "admin_state_up", path, 1, &li->enabled) == -1)
		return -1;
	if (get_int(c, l, "connection_limit", path, -1, 1000000, -1, 0,
	    &li->conn_limit) == -1 ||
	    get_int(c, l, "timeout_client_data", path, 0, MAX_TIMEOUT_MS,
	    50000, 0, &li->t_client) == -1 ||
	    get_int(c, l, "timeout_member_connect", path, 0, MAX_TIMEOUT_MS,
	    5000, 0, &li->t_connect) == -1 ||
	    get_int(c, l, "timeout_member_data", path, 0, MAX_TIMEOUT_MS,
	    50000, 0, &li->t_server) == -1 ||
	    get_int(c, l, "timeout_tcp_inspect", path, 0, MAX_TIMEOUT_MS,
	    0, 0, &li->t_inspect) == -1)
		return -1;
	if (listener_tls(c, li, l, path) == -1 ||
	    headers_parse(c, li, l, path) == -1)
		return -1;
	if (get_obj(c, l, "default_pool", path, &dp) == -1 ||
	    get_str(c, l, "default_pool_id", path, 0, 255, &pid) == -1)
		return -1;
	subpath(p, path, dp != NULL ? "default_pool" : "default_pool_id");
	if (dp != NULL && pid != NULL)
		return fail(c, p, "give default_pool or default_pool_id, not "
		    "both");
	if (dp != NULL || pid != NULL) {
		if (pool_resolve(c, dp, pid, p, &li->default_pool) == -1 ||
		    pool_use(c, li, li->default_pool, p) == -1)
			return -1;
	}
	return policies_parse(c, li, l, path);
}

static int
listeners_parse(struct pctx *c, const json_t *lbo)
{
	struct lb	*lb = c->lb;
	const json_t	*ls, *l;
	char		 p[PATH_LEN];
	size_t		 i, j;

	if (get_arr(c, lbo, "listeners", "loadbalancer", &ls) == -1)
		return -1;
	if (ls == NULL || json_array_size(ls) == 0)
		return 0;
	lb->listeners = calloc(json_array_size(ls), sizeof(*lb->listeners));
	if (lb->listeners == NULL)
		return nomem(c);
	json_array_foreach(ls, i, l) {
		struct lb_listener *li = &lb->listeners[lb->nlisteners];

		if (deleted(l))
			continue;
		idxpath(p, "loadbalancer", "listeners", i);
		lb->nlisteners++;
		if (listener_parse(c, l, p, i, li) == -1)
			return -1;
		for (j = 0; j + 1 < lb->nlisteners; j++) {
			if (strcmp(lb->listeners[j].id, li->id) == 0)
				return fail(c, p, "duplicate listener id "
				    "\"%s\"", li->id);
			if (lb->listeners[j].port == li->port)
				return fail(c, p, "protocol_port %d is "
				    "already used by listener \"%s\"",
				    li->port, lb->listeners[j].id);
		}
	}
	return 0;
}

static int
vips_parse(struct pctx *c, const json_t *lbo)
{
	struct lb	*lb = c->lb;
	const json_t	*a, *v;
	char		 p[PATH_LEN];
	size_t		 i;

	if (get_ip(c, lbo, "vip_address", "loadbalancer", 0, &lb->vip) == -1)
		return -1;
	if (get_arr(c, lbo, "additional_vips", "loadbalancer", &a) == -1)
		return -1;
	if (a == NULL || json_array_size(a) == 0)
		return 0;
	if ((lb->vips = calloc(json_array_size(a), sizeof(char *))) == NULL)
		return nomem(c);
	json_array_foreach(a, i, v) {
		idxpath(p, "loadbalancer", "additional_vips", i);
		if (!json_is_object(v))
			return fail(c, p, "must be an object, not %s",
			    typename(v));
		if (check_keys(c, v, p, avip_keys) == -1 ||
		    get_ip(c, v, "ip_address", p, 0,
		    &lb->vips[lb->nvips]) == -1)
			return -1;
		if (lb->vips[lb->nvips] != NULL)
			lb->nvips++;
	}
	return 0;
}

struct lb *
lb_parse(const json_t *doc, char *err, size_t errlen)
{
	struct pctx	 c;
	struct lb	*lb = NULL;
	const json_t	*lbo, *v;
	const char	*k;
	size_t		 i;
	int		 rc = -1;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	if (errlen > 0)
		err[0] = '\0';
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	json_object_foreach(unconst(doc), k, v) {
		if (strcmp(k, "loadbalancer") != 0 && strcmp(k, "_oct_dir") != 0) {
			fail(&c, k, "unknown field (expected "
			    "{\"loadbalancer\": {...}})");
			return NULL;
		}
	}
	v = json_object_get(doc, "_oct_dir");
	if (v != NULL) {
		if (!json_is_string(v)) {
			fail(&c, "_oct_dir", "must be a string");
			return NULL;
		}
		c.dir = json_string_value(v);
	}
	lbo = json_object_get(doc, "loadbalancer");
	if (lbo == NULL) {
		fail(&c, "loadbalancer", "missing");
		return NULL;
	}
	if (!json_is_object(lbo)) {
		fail(&c, "loadbalancer", "must be an object, not %s",
		    typename(lbo));
		return NULL;
	}
	if ((lb = calloc(1, sizeof(*lb))) == NULL) {
		nomem(&c);
		return NULL;
	}
	c.lb = lb;
	if (check_keys(&c, lbo, "loadbalancer", lb_keys) == -1)
		goto out;
	if ((lb->id = make_id(&c, lbo, "loadbalancer", NULL)) == NULL)
		goto out;
	if (get_bool(&c, lbo, "admin_state_up", "loadbalancer", 1,
	    &lb->enabled) == -1 || vips_parse(&c, lbo) == -1)
		goto out;
	if (collect_pools(&c, lbo) == -1 || parse_pools(&c) == -1 ||
	    listeners_parse(&c, lbo) == -1)
		goto out;
	for (i = 0; i < lb->npools; i++)
		if (!lb->pools[i]->used) {
			fail(&c, lb->pools[i]->path, "pool \"%s\" is not used "
			    "by any listener or L7 policy", lb->pools[i]->id);
			goto out;
		}
	rc = 0;
out:
	for (i = 0; i < c.ndefs; i++)
		free(c.defs[i].path);
	free(c.defs);
	if (rc == -1) {
		lb_free(lb);
		return NULL;
	}
	return lb;
}

static void
pool_free(struct lb_pool *pl)
{
	size_t	 i;

	if (pl == NULL)
		return;
	free(pl->id);
	free(pl->name);
	free(pl->path);
	free(pl->cookie_name);
	if (pl->hm != NULL) {
		free(pl->hm->method);
		free(pl->hm->url_path);
		free(pl->hm->codes);
		free(pl->hm->domain_name);
		free(pl->hm);
	}
	for (i = 0; i < pl->nmembers; i++) {
		free(pl->members[i].id);
		free(pl->members[i].address);
		free(pl->members[i].monitor_address);
	}
	free(pl->members);
	free(pl->ciphers);
	free(pl->alpn);
	free(pl);
}

void
lb_free(struct lb *lb)
{
	struct lb_listener *li;
	size_t		 i, j;

	if (lb == NULL)
		return;
	free(lb->id);
	free(lb->vip);
	for (i = 0; i < lb->nvips; i++)
		free(lb->vips[i]);
	free(lb->vips);
	for (i = 0; i < lb->nlisteners; i++) {
		li = &lb->listeners[i];
		free(li->id);
		for (j = 0; j < li->npolicies; j++)
			policy_clear(&li->policies[j]);
		free(li->policies);
		free(li->crt_list);
		free(li->ciphers);
		free(li->alpn);
	}
	free(lb->listeners);
	for (i = 0; i < lb->npools; i++)
		pool_free(lb->pools[i]);
	free(lb->pools);
	for (i = 0; i < lb->ncerts; i++) {
		free(lb->certs[i].name);
		free(lb->certs[i].path);
		free(lb->certs[i].field);
		free(lb->certs[i].data);
	}
	free(lb->certs);
	free(lb);
}

const char *
lb_id(const struct lb *lb)
{
	return lb->id;
}

const char *
lb_vip(const struct lb *lb)
{
	return lb->vip;
}

size_t
lb_ncerts(const struct lb *lb)
{
	return lb->ncerts;
}

const char *
lb_cert_name(const struct lb *lb, size_t i)
{
	return i < lb->ncerts ? lb->certs[i].name : NULL;
}

const char *
lb_cert_path(const struct lb *lb, size_t i)
{
	return i < lb->ncerts ? lb->certs[i].path : NULL;
}

const char *
lb_cert_data(const struct lb *lb, size_t i, size_t *lenp)
{
	if (i >= lb->ncerts || lb->certs[i].data == NULL)
		return NULL;
	if (lenp != NULL)
		*lenp = lb->certs[i].len;
	return lb->certs[i].data;
}

int
lb_check_files(const struct lb *lb, char *err, size_t errlen)
{
	const struct lb_cert *ct;
	char		*buf = NULL;
	size_t		 i, len;
	ssize_t		 r;
	int		 fd = -1, rc = -1;

	if ((buf = malloc(CERT_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < lb->ncerts; i++) {
		ct = &lb->certs[i];
		if (ct->path == NULL)
			continue;
		if ((fd = open(ct->path, O_RDONLY | O_CLOEXEC)) == -1) {
			snprintf(err, errlen, "%s: %s: %s", ct->field,
			    ct->path, strerror(errno));
			goto out;
		}
		len = 0;
		while (len < CERT_MAX && (r = read(fd, buf + len,
		    CERT_MAX - len)) != 0) {
			if (r == -1) {
				if (errno == EINTR)
					continue;
				snprintf(err, errlen, "%s: %s: %s", ct->field,
				    ct->path, strerror(errno));
				goto out;
			}
			len += r;
		}
		close(fd);
		fd = -1;
		buf[len] = '\0';
		if (len == CERT_MAX || strlen(buf) != len ||
		    strstr(buf, "-----BEGIN ") == NULL) {
			snprintf(err, errlen, "%s: %s: not a PEM file",
			    ct->field, ct->path);
			goto out;
		}
		if (ct->need_key && strstr(buf, "PRIVATE KEY-----") == NULL) {
			snprintf(err, errlen, "%s: %s: holds no private key "
			    "(the PEM file needs the certificate and its key)",
			    ct->field, ct->path);
			goto out;
		}
	}
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	freezero(buf, CERT_MAX + 1);
	return rc;
}
