/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel_json: typed getters over Octavia JSON whose faults name the JSON
 * path ("loadbalancer.listeners[0].protocol_port: 0 is out of range
 * 1..65535"), and the TLS fields and files every object kind shares.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "ident.h"
#include "lbmodel.h"
#include "log.h"
#include "lbmodel_int.h"

static const char *const alpns[] = { "h2", "http/1.1", "http/1.0", NULL };
static const char *const tls_names[] = {
	"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", NULL
};

int
lbm_fail(struct pctx *c, const char *path, const char *fmt, ...)
{
	va_list	 ap;
	char	 raw[LBM_PATH_LEN + 8192];
	int	 n;

	n = snprintf(raw, sizeof(raw), "%s: ", path);
	if (n < 0)
		raw[0] = '\0';
	else if ((size_t)n < sizeof(raw)) {
		va_start(ap, fmt);
		(void)vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
		va_end(ap);
	}
	/* One message, one line: keys and refs are data, and hold anything. */
	log_vis(c->err, c->errlen, raw);
	return -1;
}

int
lbm_nomem(struct pctx *c)
{
	snprintf(c->err, c->errlen, "out of memory");
	return -1;
}

char *
lbm_strdup(struct pctx *c, const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		lbm_nomem(c);
	return p;
}

/* Print "<base>.<key>" or "<base>[<i>]" into out. */
void
lbm_subpath(char *out, const char *base, const char *key)
{
	/*
	 * A path cut short still names the place well enough.  Every field
	 * read makes one: no printf here.
	 */
	(void)strlcpy(out, base, LBM_PATH_LEN);
	(void)strlcat(out, ".", LBM_PATH_LEN);
	(void)strlcat(out, key, LBM_PATH_LEN);
}

void
lbm_idxpath(char *out, const char *base, const char *key, size_t i)
{
	int	 n;

	n = snprintf(out, LBM_PATH_LEN, "%s.%s[%zu]", base, key, i);
	if (n < 0)
		out[0] = '\0';
}

/*
 * XXX jansson's object iterators take a non-const json_t although they
 * do not change it; this is the one place const is dropped.
 */
json_t *
lbm_unconst(const json_t *j)
{
	return (json_t *)(uintptr_t)j;
}

int
lbm_check_keys(struct pctx *c, const json_t *obj, const char *path,
    const char *const *known)
{
	const char	*k;
	json_t		*v;
	size_t		 i;
	char		 p[LBM_PATH_LEN];

	json_object_foreach(lbm_unconst(obj), k, v) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(known[i], k) == 0)
				break;
		if (known[i] == NULL) {
			lbm_subpath(p, path, k);
			return lbm_fail(c, p, "unknown field (not an Octavia "
			    "API v2 field of this object)");
		}
	}
	return 0;
}

const char *
lbm_typename(const json_t *v)
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
int
lbm_printable(const char *s, int nospace)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < (nospace ? 0x21 : 0x20) ||
		    (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
lbm_charset_ok(const char *s, const char *extra)
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
 * Strings are lbm_printable ASCII of at most max bytes.
 */
int
lbm_get_str(struct pctx *c, const json_t *obj, const char *key,
    const char *path, int required, size_t max, const char **out)
{
	const json_t	*v;
	char		 p[LBM_PATH_LEN];

	*out = NULL;
	lbm_subpath(p, path, key);
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return lbm_fail(c, p, "missing");
		return 0;
	}
	if (!json_is_string(v))
		return lbm_fail(c, p, "must be a string, not %s",
		    lbm_typename(v));
	if (json_string_length(v) > max)
		return lbm_fail(c, p, "longer than %zu characters", max);
	if (strlen(json_string_value(v)) != json_string_length(v) ||
	    !lbm_printable(json_string_value(v), 0))
		return lbm_fail(c, p, "must be printable ASCII (no control "
		    "characters)");
	*out = json_string_value(v);
	return 0;
}

int
lbm_get_int(struct pctx *c, const json_t *obj, const char *key,
    const char *path, long long min, long long max, long long def,
    int required, long long *out)
{
	const json_t	*v;
	char		 p[LBM_PATH_LEN];
	long long	 n;

	*out = def;
	lbm_subpath(p, path, key);
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v)) {
		if (required)
			return lbm_fail(c, p, "missing");
		return 0;
	}
	if (!json_is_integer(v))
		return lbm_fail(c, p, "must be an integer, not %s",
		    lbm_typename(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return lbm_fail(c, p, "%lld is out of range %lld..%lld", n, min,
		    max);
	*out = n;
	return 0;
}

int
lbm_get_bool(struct pctx *c, const json_t *obj, const char *key,
    const char *path, int def, int *out)
{
	const json_t	*v;
	char		 p[LBM_PATH_LEN];

	*out = def;
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v)) {
		lbm_subpath(p, path, key);
		return lbm_fail(c, p, "must be true or false, not %s",
		    lbm_typename(v));
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
int
lbm_get_enum(struct pctx *c, const json_t *obj, const char *key,
    const char *path, const char *const *names, const char *const *no,
    int def, int *out)
{
	const char	*s;
	char		 p[LBM_PATH_LEN], list[256];
	int		 i;

	if (lbm_get_str(c, obj, key, path, def == -1, 64, &s) == -1)
		return -1;
	*out = def;
	if (s == NULL)
		return 0;
	lbm_subpath(p, path, key);
	if ((i = enum_find(s, names)) != -1) {
		*out = i;
		return 0;
	}
	enum_list(list, sizeof(list), names);
	if (no != NULL && enum_find(s, no) != -1)
		return lbm_fail(c, p, "\"%s\" is not supported by oct's "
		    "haproxy driver (use one of %s)", s, list);
	return lbm_fail(c, p, "\"%s\" is not one of %s", s, list);
}

/* The object or array (type) at key, NULL when absent or null. */
static int
get_typed(struct pctx *c, const json_t *obj, const char *key,
    const char *path, json_type type, const json_t **out)
{
	const json_t	*v;
	char		 p[LBM_PATH_LEN];

	*out = NULL;
	v = json_object_get(obj, key);
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_typeof(v) != type) {
		lbm_subpath(p, path, key);
		return lbm_fail(c, p, "must be %s, not %s", type == JSON_ARRAY ?
		    "an array" : "an object", lbm_typename(v));
	}
	*out = v;
	return 0;
}

int
lbm_get_obj(struct pctx *c, const json_t *obj, const char *key,
    const char *path, const json_t **out)
{
	return get_typed(c, obj, key, path, JSON_OBJECT, out);
}

int
lbm_get_arr(struct pctx *c, const json_t *obj, const char *key,
    const char *path, const json_t **out)
{
	return get_typed(c, obj, key, path, JSON_ARRAY, out);
}

/* Objects Octavia is deleting are left out of the model. */
int
lbm_deleted(const json_t *obj)
{
	const char	*s;

	s = json_string_value(json_object_get(obj, "provisioning_status"));
	return s != NULL && (strcmp(s, "PENDING_DELETE") == 0 ||
	    strcmp(s, "DELETED") == 0);
}

int
lbm_ip_ok(const char *s)
{
	unsigned char	 buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

int
lbm_get_ip(struct pctx *c, const json_t *obj, const char *key, const char *path,
    int required, char **out)
{
	const char	*s;
	char		 p[LBM_PATH_LEN];

	*out = NULL;
	if (lbm_get_str(c, obj, key, path, required, 64, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	if (!lbm_ip_ok(s)) {
		lbm_subpath(p, path, key);
		return lbm_fail(c, p, "\"%s\" is not an IPv4 or IPv6 address",
		    s);
	}
	return (*out = lbm_strdup(c, s)) == NULL ? -1 : 0;
}

/*
 * Is the address s (at path.key, a valid address) fit for its role?  A VIP
 * must not be unspecified (haproxy would bind every address of the
 * appliance, its management network's too), loopback or multicast.  A
 * member must not be unspecified (haproxy connects to the client's own
 * destination: the appliance) nor reserved (lb_opts.reserved_ips).  Every
 * spelling of an address is the same address here (ipaddr.h).  Returns 0
 * or -1.
 */
int
lbm_ip_use(struct pctx *c, const char *s, const char *path, const char *key,
    enum lbm_ip_role role)
{
	struct ipaddr	 a;
	char		 p[LBM_PATH_LEN];
	size_t		 i;

	lbm_subpath(p, path, key);
	if (ipaddr_parse(s, &a) == -1)
		return lbm_fail(c, p, "\"%s\" is not an IPv4 or IPv6 address",
		    s);
	if (ipaddr_unspecified(&a))
		return lbm_fail(c, p, "\"%s\" is an unspecified address (%s)",
		    s, role == LBM_IP_VIP ? "haproxy would bind every address "
		    "of the appliance" : "haproxy would connect to the "
		    "appliance itself");
	if (role == LBM_IP_VIP && ipaddr_loopback(&a))
		return lbm_fail(c, p, "\"%s\" is a loopback address, not a "
		    "VIP clients can reach", s);
	if (role == LBM_IP_VIP && ipaddr_multicast(&a))
		return lbm_fail(c, p, "\"%s\" is a multicast or broadcast "
		    "address, not a VIP", s);
	if (role == LBM_IP_MEMBER)
		for (i = 0; i < c->nreserved; i++)
			if (ipnet_contains(&c->reserved[i], &a))
				return lbm_fail(c, p, "\"%s\" is a reserved "
				    "address (reserved_ips)", s);
	return 0;
}

/*
 * The object's id: "id", else a safe "name", else fallback.  Returns an
 * owned string or NULL.
 */
char *
lbm_make_id(struct pctx *c, const json_t *obj, const char *path,
    const char *fallback)
{
	const char	*s;
	char		 p[LBM_PATH_LEN];

	if (lbm_get_str(c, obj, "id", path, 0, 255, &s) == -1)
		return NULL;
	if (s != NULL) {
		if (!ident_ok(s) || strlen(s) > LB_ID_MAX) {
			lbm_subpath(p, path, "id");
			lbm_fail(c, p, "\"%s\" is not a safe id (1..%d "
			    "characters from A-Z a-z 0-9 . _ -, not starting "
			    "with '.')",
			    s, LB_ID_MAX);
			return NULL;
		}
		return lbm_strdup(c, s);
	}
	if (lbm_get_str(c, obj, "name", path, 0, 255, &s) == -1)
		return NULL;
	if (s != NULL && ident_ok(s) && strlen(s) <= LB_ID_MAX)
		return lbm_strdup(c, s);
	if (fallback == NULL) {
		lbm_fail(c, path, "needs an \"id\", or a \"name\" usable as "
		    "one (1..%d characters from A-Z a-z 0-9 . _ -)", LB_ID_MAX);
		return NULL;
	}
	return lbm_strdup(c, fallback);
}

int
lbm_tls_versions(struct pctx *c, const json_t *obj, const char *path,
    unsigned int *out)
{
	const json_t	*a, *v;
	size_t		 i;
	int		 k;
	char		 p[LBM_PATH_LEN], list[128];

	*out = LB_TLS_DEFAULT;
	if (lbm_get_arr(c, obj, "tls_versions", path, &a) == -1)
		return -1;
	if (a == NULL)
		return 0;
	lbm_subpath(p, path, "tls_versions");
	if (json_array_size(a) == 0)
		return lbm_fail(c, p, "must list at least one version");
	*out = 0;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    (k = enum_find(json_string_value(v), tls_names)) == -1) {
			enum_list(list, sizeof(list), tls_names);
			lbm_idxpath(p, path, "tls_versions", i);
			return lbm_fail(c, p, "must be one of %s", list);
		}
		*out |= 1U << k;
	}
	/* haproxy takes a range (ssl-min-ver..ssl-max-ver), not holes */
	for (k = 0; !(*out & (1U << k)); k++)
		;
	for (; k < 5 && (*out & (1U << k)); k++)
		;
	if ((*out >> k) != 0)
		return lbm_fail(c, p, "must be a range without gaps (haproxy "
		    "cannot leave out %s)", tls_names[k]);
	return 0;
}

int
lbm_alpn(struct pctx *c, const json_t *obj, const char *path, char **out)
{
	const json_t	*a, *v;
	size_t		 i;
	char		 p[LBM_PATH_LEN], buf[64], list[64];

	*out = NULL;
	if (lbm_get_arr(c, obj, "alpn_protocols", path, &a) == -1)
		return -1;
	if (a == NULL || json_array_size(a) == 0)
		return 0;
	buf[0] = '\0';
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    enum_find(json_string_value(v), alpns) == -1) {
			enum_list(list, sizeof(list), alpns);
			lbm_idxpath(p, path, "alpn_protocols", i);
			return lbm_fail(c, p, "must be one of %s", list);
		}
		if (strstr(buf, json_string_value(v)) != NULL) {
			lbm_idxpath(p, path, "alpn_protocols", i);
			return lbm_fail(c, p, "\"%s\" is listed twice",
			    json_string_value(v));
		}
		if (buf[0] != '\0')
			strlcat(buf, ",", sizeof(buf));
		strlcat(buf, json_string_value(v), sizeof(buf));
	}
	return (*out = lbm_strdup(c, buf)) == NULL ? -1 : 0;
}

/*
 * haproxy gives a cipher list to SSL_CTX_set_cipher_list and refuses the
 * config when it selects no cipher: ask the same OpenSSL.  Returns 1 when
 * s selects a cipher, 0 when it selects none, -1 when OpenSSL fails.
 */
static int
ciphers_select(const char *s)
{
	SSL_CTX	*ctx;
	int	 ok;

	if ((ctx = SSL_CTX_new(TLS_method())) == NULL) {
		ERR_clear_error();
		return -1;
	}
	ok = SSL_CTX_set_cipher_list(ctx, s) == 1;
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int
lbm_ciphers(struct pctx *c, const json_t *obj, const char *path, char **out)
{
	const json_t	*v;
	const char	*s;
	char		 p[LBM_PATH_LEN];
	int		 n;

	*out = NULL;
	if (lbm_get_str(c, obj, "tls_ciphers", path, 0, 2048, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	lbm_subpath(p, path, "tls_ciphers");
	if (!lbm_charset_ok(s, ":_+!@=.-"))
		return lbm_fail(c, p, "not an OpenSSL cipher list (letters, "
		    "digits and : _ + ! @ = . - only)");
	/* An SSL_CTX costs: one per distinct list, not one per object. */
	if ((v = json_object_get(c->ciphers, s)) != NULL)
		n = json_is_true(v);
	else if ((n = ciphers_select(s)) == -1)
		return lbm_fail(c, p, "OpenSSL cannot check it (SSL_CTX_new "
		    "failed)");
	else if (lbm_map_put(c, c->ciphers, s, json_boolean(n)) == -1)
		return -1;
	if (n == 0)
		return lbm_fail(c, p, "\"%s\" selects no cipher OpenSSL knows "
		    "(TLS 1.3 suites cannot be chosen here)", s);
	return (*out = lbm_strdup(c, s)) == NULL ? -1 : 0;
}

/*
 * The array arr (n used of *cap, size bytes each) with room for one more:
 * doubled when full, so that adding n costs O(n).  Returns the array (arr
 * or its new place), or NULL with arr unchanged.
 */
void *
lbm_grow(struct pctx *c, void *arr, size_t n, size_t *cap, size_t size)
{
	void	*na;
	size_t	 ncap;

	if (n < *cap)
		return arr;
	ncap = *cap == 0 ? 16 : *cap * 2;
	if ((na = reallocarray(arr, ncap, size)) == NULL) {
		lbm_nomem(c);
		return NULL;
	}
	*cap = ncap;
	return na;
}

/* map[key] = v (a new reference); keys are data, not checked.  0 or -1. */
int
lbm_map_put(struct pctx *c, json_t *map, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new_nocheck(map, key, v) == -1)
		return lbm_nomem(c);
	return 0;
}

/* Does path have a ".." component? */
static int
has_dotdot(const char *path)
{
	size_t	 n;

	for (;;) {
		n = strcspn(path, "/");
		if (n == 2 && path[0] == '.' && path[1] == '.')
			return 1;
		if (path[n] == '\0')
			return 0;
		path += n + 1;
	}
}

/*
 * Where ref is read from: the directory (an index in lb->dirs, or
 * LB_DIR_CWD) and the path beneath it (borrowed from ref).  A relative ref
 * is beneath the first directory, an absolute one must be beneath one of
 * them, and none may climb out with "..".  Symlinks are judged when the
 * file is opened (lb_cert_read).  Returns 0 or -1.
 */
static int
cert_where(struct pctx *c, const char *field, const char *ref, size_t *dirp,
    const char **relp)
{
	const struct lb	*lb = c->lb;
	size_t		 i, len;

	if (has_dotdot(ref))
		return lbm_fail(c, field, "\"%s\" has a \"..\" (certificate "
		    "refs stay in their directory)", ref);
	*dirp = lb->ndirs > 0 ? 0 : LB_DIR_CWD;
	*relp = ref;
	if (ref[0] != '/')
		return 0;
	for (i = 0; i < lb->ndirs; i++) {
		/* "/" itself is a prefix of every absolute path */
		len = strcmp(lb->dirs[i], "/") == 0 ? 0 : strlen(lb->dirs[i]);
		if (strncmp(ref, lb->dirs[i], len) != 0 || ref[len] != '/')
			continue;
		*dirp = i;
		*relp = ref + len + strspn(ref + len, "/");
		if (**relp == '\0')
			return lbm_fail(c, field, "\"%s\" is a directory, not "
			    "a file", ref);
		return 0;
	}
	return lbm_fail(c, field, "\"%s\" is outside the directories "
	    "certificates are read from", ref);
}

/*
 * Add a file to push: the local file named by ref (lbm_cert_where), pushed
 * as name (which ends in ".pem"), or a generated file when ref is NULL.
 * *outname gets a borrowed pointer to the name it is pushed as.
 */
int
lbm_cert_add(struct pctx *c, const char *field, const char *ref,
    const char *name, int need_key, char **outname)
{
	struct lb	*lb = c->lb;
	struct lb_cert	*ct;
	const char	*want, *rel = NULL;
	char		 path[PATH_MAX], alt[LBM_PATH_LEN];
	size_t		 dir = LB_DIR_CWD;
	unsigned int	 k;
	int		 n = 0;

	if (ref != NULL && (strstr(ref, "://") != NULL || ref[0] == '\0'))
		return lbm_fail(c, field, "\"%s\" is not a local file path "
		    "(oct reads PEM files, not Barbican refs)", ref);
	if (ref != NULL && cert_where(c, field, ref, &dir, &rel) == -1)
		return -1;
	if (rel != NULL && dir == LB_DIR_CWD)
		n = snprintf(path, sizeof(path), "%s", rel);
	else if (rel != NULL)
		n = snprintf(path, sizeof(path), "%s/%s",
		    strcmp(lb->dirs[dir], "/") == 0 ? "" : lb->dirs[dir], rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return lbm_fail(c, field, "path too long");
	/*
	 * Listener and pool ids may meet in a name (a listener and its pool
	 * both "web", each with a CA: "web-ca.pem"), and one file would
	 * overwrite the other on the appliance.  A name taken gets "-<k>"
	 * before its ".pem".
	 */
	for (k = 2, want = name; json_object_get(c->cert_names, name) != NULL;
	    k++) {
		n = snprintf(alt, sizeof(alt), "%.*s-%u.pem",
		    (int)strlen(want) - 4, want, k);
		if (n < 0 || (size_t)n >= sizeof(alt))
			return lbm_fail(c, field, "file name too long");
		name = alt;
	}
	if (lbm_map_put(c, c->cert_names, name, json_true()) == -1)
		return -1;
	if ((ct = lbm_grow(c, lb->certs, lb->ncerts, &c->certcap,
	    sizeof(*lb->certs))) == NULL)
		return -1;
	lb->certs = ct;
	ct = &lb->certs[lb->ncerts];
	memset(ct, 0, sizeof(*ct));
	lb->ncerts++;
	ct->need_key = need_key;
	ct->dir = dir;
	if ((ct->name = lbm_strdup(c, name)) == NULL ||
	    (ct->field = lbm_strdup(c, field)) == NULL)
		return -1;
	if (rel != NULL && ((ct->path = lbm_strdup(c, path)) == NULL ||
	    (ct->rel = lbm_strdup(c, rel)) == NULL))
		return -1;
	if (outname != NULL)
		*outname = ct->name;
	return 0;
}

/* lbm_cert_add for the string at key, when present. */
int
lbm_cert_key(struct pctx *c, const json_t *obj, const char *key,
    const char *path, const char *id, const char *suffix, int need_key,
    char **outname)
{
	const char	*s;
	char		 p[LBM_PATH_LEN], name[LBM_PATH_LEN];

	*outname = NULL;
	if (lbm_get_str(c, obj, key, path, 0, 4096, &s) == -1)
		return -1;
	if (s == NULL)
		return 0;
	lbm_subpath(p, path, key);
	snprintf(name, sizeof(name), "%s-%s.pem", id, suffix);
	return lbm_cert_add(c, p, s, name, need_key, outname);
}
