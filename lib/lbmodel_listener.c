/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel_listener: listeners, their TLS settings and inserted headers, L7
 * policies in Octavia's position order, and L7 rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH	8

#include <jansson.h>
#include <pcre2.h>

#include "lbmodel.h"
#include "lbmodel_int.h"

#define MAX_TIMEOUT_MS	(24LL * 24 * 60 * 60 * 1000)	/* Octavia's */
#define POS_LAST	2147483647LL

const char *const lbm_listener_protos[] = {
	"TCP", "HTTP", "HTTPS", "TERMINATED_HTTPS", NULL
};

static const char *const listener_protos_no[] = {
	"UDP", "SCTP", "PROMETHEUS", NULL
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
		return lbm_strdup(c, s);
	if ((r = strndup(s + 1, len - 2)) == NULL)
		lbm_nomem(c);
	return r;
}

/*
 * A REGEX value as haproxy compiles it for "-m reg": PCRE2 without
 * automatic captures, so (a)\1 fails there too.  Returns 0, or -1 with
 * PCRE2's reason in c->err.
 */
static int
regex_check(struct pctx *c, const char *s, const char *path)
{
	pcre2_code	*re;
	PCRE2_SIZE	 off;
	PCRE2_UCHAR	 msg[128];
	int		 e;

	re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED,
	    PCRE2_NO_AUTO_CAPTURE, &e, &off, NULL);
	if (re != NULL) {
		pcre2_code_free(re);
		return 0;
	}
	if (pcre2_get_error_message(e, msg, sizeof(msg)) < 0)
		(void)strlcpy((char *)msg, "unknown error", sizeof(msg));
	return lbm_fail(c, path, "\"%s\" is not a regular expression haproxy "
	    "takes (%s at offset %zu)", s, (const char *)msg, (size_t)off);
}

static int
rule_parse(struct pctx *c, const json_t *o, const char *path,
    const char *fallback, struct lb_rule *r)
{
	const char	*key, *val;
	char		 p[LBM_PATH_LEN];
	size_t		 vlen;
	int		 t, hv;

	if (lbm_check_keys(c, o, path, rule_keys) == -1)
		return -1;
	if ((r->id = lbm_make_id(c, o, path, fallback)) == NULL)
		return -1;
	if (lbm_get_enum(c, o, "type", path, rule_types, NULL, -1, &t) == -1)
		return -1;
	r->type = t;
	if (lbm_get_enum(c, o, "compare_type", path, compares, NULL, -1,
	    &t) == -1)
		return -1;
	r->compare = t;
	if (lbm_get_str(c, o, "key", path, 0, 255, &key) == -1 ||
	    lbm_get_str(c, o, "value", path, 1, 255, &val) == -1)
		return -1;
	if (lbm_get_bool(c, o, "invert", path, 0, &r->invert) == -1)
		return -1;
	lbm_subpath(p, path, "value");
	if (val[0] == '\0')
		return lbm_fail(c, p, "must not be empty");
	vlen = strlen(val);
	/* Octavia's header value: printable, or "quoted with spaces". */
	hv = lbm_printable(val, 1) || (vlen >= 2 && val[0] == '"' &&
	    val[vlen - 1] == '"');
	switch (r->type) {
	case LB_RULE_HEADER:
	case LB_RULE_COOKIE:
		lbm_subpath(p, path, "key");
		if (key == NULL)
			return lbm_fail(c, p, "missing (%s rules need it)",
			    rule_types[r->type]);
		if (!lbm_charset_ok(key, "!#$%&*+.^_`|~-"))
			return lbm_fail(c, p, "\"%s\" is not an HTTP header or "
			    "cookie name", key);
		lbm_subpath(p, path, "value");
		if (r->compare != LB_CMP_REGEX && r->type == LB_RULE_COOKIE &&
		    !lbm_charset_ok(val, "!#$%&'()*+,-./:<=>?@[]^_`{|}~"))
			return lbm_fail(c, p, "\"%s\" is not a cookie value",
			    val);
		if (r->compare != LB_CMP_REGEX && r->type == LB_RULE_HEADER &&
		    !hv)
			return lbm_fail(c, p, "\"%s\" is not a header value "
			    "(quote it to use spaces)", val);
		break;
	case LB_RULE_HOST_NAME:
	case LB_RULE_PATH:
		key = NULL;
		if (r->compare != LB_CMP_REGEX && !hv)
			return lbm_fail(c, p, "\"%s\" is not a valid "
			    "comparison value (quote it to use spaces)", val);
		break;
	case LB_RULE_FILE_TYPE:
		key = NULL;
		lbm_subpath(p, path, "compare_type");
		if (r->compare != LB_CMP_REGEX && r->compare != LB_CMP_EQUAL_TO)
			return lbm_fail(c, p, "FILE_TYPE rules take REGEX or "
			    "EQUAL_TO only");
		lbm_subpath(p, path, "value");
		if (r->compare == LB_CMP_EQUAL_TO && !hv)
			return lbm_fail(c, p, "\"%s\" is not a valid "
			    "comparison value", val);
		break;
	case LB_RULE_SSL_CONN_HAS_CERT:
	case LB_RULE_SSL_VERIFY_RESULT:
		if (key != NULL) {
			lbm_subpath(p, path, "key");
			return lbm_fail(c, p, "%s rules do not use a key",
			    rule_types[r->type]);
		}
		if (r->type == LB_RULE_SSL_CONN_HAS_CERT &&
		    strcasecmp(val, "true") != 0)
			return lbm_fail(c, p, "\"%s\" must be \"true\"", val);
		if (r->type == LB_RULE_SSL_VERIFY_RESULT &&
		    (!lbm_charset_ok(val, "") || strspn(val, "0123456789") !=
		    vlen || vlen > 9))
			return lbm_fail(c, p, "\"%s\" must be an integer >= 0",
			    val);
		lbm_subpath(p, path, "compare_type");
		if (r->compare != LB_CMP_EQUAL_TO)
			return lbm_fail(c, p, "%s rules take EQUAL_TO only",
			    rule_types[r->type]);
		break;
	case LB_RULE_SSL_DN_FIELD:
		lbm_subpath(p, path, "key");
		if (key == NULL)
			return lbm_fail(c, p, "missing (SSL_DN_FIELD rules "
			    "need it)");
		if (!((key[0] >= 'a' && key[0] <= 'z') ||
		    (key[0] >= 'A' && key[0] <= 'Z')) || !lbm_charset_ok(key,
		    "-"))
			return lbm_fail(c, p, "\"%s\" is not a distinguished "
			    "name field", key);
		lbm_subpath(p, path, "value");
		if (r->compare != LB_CMP_REGEX && !hv)
			return lbm_fail(c, p, "\"%s\" is not a valid "
			    "comparison value (quote it to use spaces)", val);
		break;
	}
	lbm_subpath(p, path, "value");
	if (r->compare == LB_CMP_REGEX && regex_check(c, val, p) == -1)
		return -1;
	if (key != NULL && (r->key = lbm_strdup(c, key)) == NULL)
		return -1;
	if (r->compare == LB_CMP_REGEX || r->type == LB_RULE_COOKIE)
		r->value = lbm_strdup(c, val);
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
	return lbm_printable(s, 1) && strpbrk(s, "\"<>\\^`{|}") == NULL;
}

/*
 * The id of the policy with an enabled rule id: po, or one parsed before
 * it (in c->parsed).  Only for the message of a duplicate: a scan.
 */
static const char *
rule_owner(const struct pctx *c, const struct lb_policy *po, const char *id)
{
	size_t	 i, j;

	for (j = 0; j + 1 < po->nrules; j++)
		if (strcmp(po->rules[j].id, id) == 0)
			return po->id;
	for (i = 0; i < c->nparsed; i++)
		for (j = 0; j < c->parsed[i].nrules; j++)
			if (strcmp(c->parsed[i].rules[j].id, id) == 0)
				return c->parsed[i].id;
	return "?";
}

static int
policy_parse(struct pctx *c, struct lb_listener *li, const json_t *o,
    const char *path, size_t idx, struct lb_policy *po)
{
	const json_t	*rs, *v, *rp;
	const char	*s, *pid, *id;
	char		 fb[LBM_PATH_LEN], p[LBM_PATH_LEN];
	long long	 n;
	size_t		 i;
	int		 t, en;

	if (lbm_check_keys(c, o, path, policy_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "%s-l7policy-%zu", li->id, idx);
	if ((po->id = lbm_make_id(c, o, path, fb)) == NULL)
		return -1;
	if (lbm_get_enum(c, o, "action", path, actions, NULL, -1, &t) == -1)
		return -1;
	po->action = t;
	if (lbm_get_bool(c, o, "admin_state_up", path, 1, &po->enabled) == -1)
		return -1;
	/* Each redirect field goes with one action. */
	for (i = 0; i < sizeof(redirect_fields) / sizeof(redirect_fields[0]);
	    i++) {
		v = json_object_get(o, redirect_fields[i].key);
		lbm_subpath(p, path, redirect_fields[i].key);
		if (v != NULL && !json_is_null(v) &&
		    redirect_fields[i].act != po->action)
			return lbm_fail(c, p, "only for %s policies, not %s",
			    actions[redirect_fields[i].act],
			    actions[po->action]);
	}
	switch (po->action) {
	case LB_ACT_REDIRECT_TO_URL:
	case LB_ACT_REDIRECT_PREFIX:
		s = po->action == LB_ACT_REDIRECT_TO_URL ? "redirect_url" :
		    "redirect_prefix";
		lbm_subpath(p, path, s);
		if (lbm_get_str(c, o, s, path, 1, 2048, &pid) == -1)
			return -1;
		if (!url_ok(pid))
			return lbm_fail(c, p, "\"%s\" is not an http or https "
			    "URL", pid);
		if (po->action == LB_ACT_REDIRECT_TO_URL)
			po->url = lbm_strdup(c, pid);
		else
			po->prefix = lbm_strdup(c, pid);
		if (po->url == NULL && po->prefix == NULL)
			return -1;
		if (lbm_get_int(c, o, "redirect_http_code", path, 301, 308, 302,
		    0, &n) == -1)
			return -1;
		if (n != 301 && n != 302 && n != 303 && n != 307 && n != 308) {
			lbm_subpath(p, path, "redirect_http_code");
			return lbm_fail(c, p, "%lld is not one of 301, 302, "
			    "303, 307, 308", n);
		}
		po->code = n;
		break;
	case LB_ACT_REDIRECT_TO_POOL:
		if (lbm_get_obj(c, o, "redirect_pool", path, &rp) == -1 ||
		    lbm_get_str(c, o, "redirect_pool_id", path, 0, 255,
		    &pid) == -1)
			return -1;
		lbm_subpath(p, path, rp != NULL ? "redirect_pool" :
		    "redirect_pool_id");
		if (rp == NULL && pid == NULL) {
			lbm_subpath(p, path, "redirect_pool_id");
			return lbm_fail(c, p, "missing (REDIRECT_TO_POOL needs "
			    "redirect_pool_id or redirect_pool)");
		}
		if (rp != NULL && pid != NULL)
			return lbm_fail(c, p, "give redirect_pool or "
			    "redirect_pool_id, not both");
		if (lbm_pool_resolve(c, rp, pid, p, &po->pool) == -1 ||
		    lbm_pool_use(c, li, po->pool, p) == -1)
			return -1;
		/* FALLTHROUGH */
	case LB_ACT_REJECT:
		v = json_object_get(o, "redirect_http_code");
		if (v != NULL && !json_is_null(v)) {
			lbm_subpath(p, path, "redirect_http_code");
			return lbm_fail(c, p, "only for REDIRECT_TO_URL and "
			    "REDIRECT_PREFIX policies");
		}
		break;
	}
	if (lbm_get_arr(c, o, "rules", path, &rs) == -1)
		return -1;
	if (rs == NULL)
		return 0;
	if (json_array_size(rs) > 50) {
		lbm_subpath(p, path, "rules");
		return lbm_fail(c, p, "more than 50 rules");
	}
	if (json_array_size(rs) > 0 && (po->rules = calloc(json_array_size(rs),
	    sizeof(*po->rules))) == NULL)
		return lbm_nomem(c);
	json_array_foreach(rs, i, v) {
		lbm_idxpath(p, path, "rules", i);
		if (!json_is_object(v))
			return lbm_fail(c, p, "must be an object, not %s",
			    lbm_typename(v));
		if (lbm_deleted(v))
			continue;
		if (lbm_get_bool(c, v, "admin_state_up", p, 1, &en) == -1)
			return -1;
		snprintf(fb, sizeof(fb), "%s-rule-%zu", po->id, i);
		if (rule_parse(c, v, p, fb, &po->rules[po->nrules]) == -1) {
			/* rule_parse may have set some fields */
			po->nrules++;
			return -1;
		}
		po->nrules++;
		/*
		 * Rule ids name acls, and haproxy merges the acls of a
		 * frontend that share a name: unique per listener, not only
		 * per policy.
		 */
		id = po->rules[po->nrules - 1].id;
		if (json_object_get(c->rule_ids, id) != NULL)
			return lbm_fail(c, p, "duplicate rule id \"%s\" (also in "
			    "policy \"%s\" of this listener)", id,
			    rule_owner(c, po, id));
		if (en && lbm_map_put(c, c->rule_ids, id, json_true()) == -1)
			return -1;
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

void
lbm_policy_clear(struct lb_policy *po)
{
	size_t	 i;

	free(po->id);
	free(po->url);
	free(po->prefix);
	for (i = 0; i < po->nrules; i++)
		rule_clear(&po->rules[i]);
	free(po->rules);
}

/*
 * Where Octavia's insertions put each policy: the j-th (0-based) goes to
 * index at[j] (clamped to j) of the list of the j before it.  Read
 * backwards, the last one takes free slot at[n-1] of the final list, the
 * one before it free slot at[n-2] of the slots left, and so on: a Fenwick
 * tree of free slots makes that O(n log n) where inserting is O(n^2).
 * at[j] becomes the final index.  Returns 0 or -1 (no memory).
 */
static int
insertion_order(size_t *at, size_t n)
{
	size_t	*t, i, j, k, step, pos;

	if ((t = calloc(n + 1, sizeof(*t))) == NULL)
		return -1;
	for (i = 1; i <= n; i++) {		/* every slot free */
		t[i] += 1;
		if (i + (i & -i) <= n)
			t[i + (i & -i)] += t[i];
	}
	for (step = 1; step * 2 <= n; step *= 2)
		;
	for (j = n; j-- > 0;) {
		k = (at[j] < j ? at[j] : j) + 1;	/* the k-th free slot */
		for (pos = 0, i = step; i > 0; i /= 2)
			if (pos + i <= n && t[pos + i] < k) {
				pos += i;
				k -= t[pos];
			}
		at[j] = pos;			/* slot pos + 1, 0-based */
		for (i = pos + 1; i <= n; i += i & -i)
			t[i]--;
	}
	free(t);
	return 0;
}

/* Policies in Octavia's order: each inserted at index position - 1. */
static int
policies_parse(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	const json_t	*ps, *v;
	struct lb_policy po, *parsed;
	char		 p[LBM_PATH_LEN];
	long long	 pos;
	size_t		 i, *at = NULL;
	int		 http, rc = -1;

	json_object_clear(c->policy_ids);
	json_object_clear(c->rule_ids);
	if (lbm_get_arr(c, l, "l7policies", path, &ps) == -1)
		return -1;
	if (ps == NULL || json_array_size(ps) == 0)
		return 0;
	http = li->protocol == LB_PROTO_HTTP ||
	    li->protocol == LB_PROTO_TERMINATED_HTTPS;
	if (!http) {
		lbm_subpath(p, path, "l7policies");
		return lbm_fail(c, p, "L7 policies need an HTTP or "
		    "TERMINATED_HTTPS listener, not %s",
		    lbm_listener_protos[li->protocol]);
	}
	li->policies = calloc(json_array_size(ps), sizeof(*li->policies));
	parsed = c->parsed = calloc(json_array_size(ps), sizeof(*parsed));
	at = calloc(json_array_size(ps), sizeof(*at));
	if (li->policies == NULL || parsed == NULL || at == NULL) {
		lbm_nomem(c);
		goto out;
	}
	json_array_foreach(ps, i, v) {
		if (lbm_deleted(v))
			continue;
		lbm_idxpath(p, path, "l7policies", i);
		memset(&po, 0, sizeof(po));
		if (policy_parse(c, li, v, p, i, &po) == -1 ||
		    lbm_get_int(c, v, "position", p, 1, POS_LAST, POS_LAST, 0,
		    &pos) == -1) {
			lbm_policy_clear(&po);
			goto out;
		}
		if (json_object_get(c->policy_ids, po.id) != NULL) {
			lbm_fail(c, p, "duplicate policy id \"%s\"", po.id);
			lbm_policy_clear(&po);
			goto out;
		}
		parsed[c->nparsed] = po;
		at[c->nparsed++] = (size_t)pos - 1;
		if (lbm_map_put(c, c->policy_ids, po.id, json_true()) == -1)
			goto out;
	}
	if (insertion_order(at, c->nparsed) == -1) {
		lbm_nomem(c);
		goto out;
	}
	for (i = 0; i < c->nparsed; i++)
		li->policies[at[i]] = parsed[i];
	li->npolicies = c->nparsed;
	c->nparsed = 0;
	if (lbm_listener_rules(li) > LB_MAX_LISTENER_RULES) {
		lbm_subpath(p, path, "l7policies");
		lbm_fail(c, p, "%zu enabled L7 rules; haproxy takes at most %d "
		    "in one listener", lbm_listener_rules(li),
		    LB_MAX_LISTENER_RULES);
		goto out;
	}
	rc = 0;
out:
	/* on failure, what was parsed is not the listener's yet */
	for (i = 0; i < c->nparsed; i++)
		lbm_policy_clear(&c->parsed[i]);
	free(c->parsed);
	c->parsed = NULL;
	c->nparsed = 0;
	free(at);
	return rc;
}

static int
headers_parse(struct pctx *c, struct lb_listener *li, const json_t *l,
    const char *path)
{
	const json_t	*h;
	const char	*k;
	json_t		*v;
	char		 p[LBM_PATH_LEN];
	size_t		 i;

	if (lbm_get_obj(c, l, "insert_headers", path, &h) == -1)
		return -1;
	if (h == NULL)
		return 0;
	json_object_foreach(lbm_unconst(h), k, v) {
		lbm_subpath(p, path, "insert_headers");
		strlcat(p, ".", sizeof(p));
		strlcat(p, k, sizeof(p));
		for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
			if (strcmp(headers[i].name, k) == 0)
				break;
		if (i == sizeof(headers) / sizeof(headers[0]))
			return lbm_fail(c, p, "not a header Octavia inserts");
		if (!json_is_string(v) ||
		    (strcasecmp(json_string_value(v), "true") != 0 &&
		    strcasecmp(json_string_value(v), "false") != 0))
			return lbm_fail(c, p, "must be \"true\" or \"false\"");
		if (strcasecmp(json_string_value(v), "false") == 0)
			continue;
		if (li->protocol != LB_PROTO_HTTP &&
		    li->protocol != LB_PROTO_TERMINATED_HTTPS)
			return lbm_fail(c, p, "needs an HTTP or "
			    "TERMINATED_HTTPS listener");
		if (headers[i].tls && li->protocol != LB_PROTO_TERMINATED_HTTPS)
			return lbm_fail(c, p, "needs a TERMINATED_HTTPS "
			    "listener");
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
	char		 p[LBM_PATH_LEN], name[LBM_PATH_LEN], *nm;
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
				lbm_subpath(p, path, tlsonly[i]);
				return lbm_fail(c, p, "only for "
				    "TERMINATED_HTTPS listeners");
			}
		}
		return 0;
	}
	if (lbm_get_str(c, l, "default_tls_container_ref", path, 0, 4096,
	    &s) == -1)
		return -1;
	lbm_subpath(p, path, "default_tls_container_ref");
	if (s == NULL)
		return lbm_fail(c, p, "missing (a TERMINATED_HTTPS listener "
		    "needs a certificate)");
	first = lb->ncerts;
	snprintf(name, sizeof(name), "%s-crt-0.pem", li->id);
	if (lbm_cert_add(c, p, s, name, 1, NULL) == -1)
		return -1;
	if (lbm_get_arr(c, l, "sni_container_refs", path, &sni) == -1)
		return -1;
	if (sni != NULL) {
		json_array_foreach(sni, i, v) {
			lbm_idxpath(p, path, "sni_container_refs", i);
			if (!json_is_string(v))
				return lbm_fail(c, p, "must be a string, not "
				    "%s",
				    lbm_typename(v));
			/* as lbm_get_str takes the other refs */
			if (json_string_length(v) > 4096)
				return lbm_fail(c, p, "longer than 4096 "
				    "characters");
			if (strlen(json_string_value(v)) !=
			    json_string_length(v) ||
			    !lbm_printable(json_string_value(v), 0))
				return lbm_fail(c, p, "must be printable ASCII "
				    "(no control characters)");
			snprintf(name, sizeof(name), "%s-crt-%zu.pem", li->id,
			    i + 1);
			if (lbm_cert_add(c, p, json_string_value(v), name, 1,
			    NULL) == -1)
				return -1;
		}
	}
	/* The crt-list: one name per line, relative to crt-base. */
	need = 1;
	for (i = first; i < lb->ncerts; i++)
		need += strlen(lb->certs[i].name) + 1;
	lbm_subpath(p, path, "default_tls_container_ref");
	snprintf(name, sizeof(name), "%s.pem", li->id);
	if (lbm_cert_add(c, p, NULL, name, 0, &nm) == -1)
		return -1;
	ct = &lb->certs[lb->ncerts - 1];
	if ((li->crt_list = lbm_strdup(c, nm)) == NULL)
		return -1;
	if ((ct->data = malloc(need)) == NULL)
		return lbm_nomem(c);
	ct->data[0] = '\0';
	for (i = first, len = 0; i < lb->ncerts - 1; i++)
		len += snprintf(ct->data + len, need - len, "%s\n",
		    lb->certs[i].name);
	ct->len = len;

	if (lbm_cert_key(c, l, "client_ca_tls_container_ref", path, li->id,
	    "ca",
	    0, &li->ca_cert) == -1 ||
	    lbm_cert_key(c, l, "client_crl_container_ref", path, li->id, "crl",
	    0,
	    &li->crl) == -1)
		return -1;
	if (lbm_get_enum(c, l, "client_authentication", path, client_auths,
	    NULL,
	    LB_CAUTH_NONE, &t) == -1)
		return -1;
	li->client_auth = t;
	if (li->client_auth != LB_CAUTH_NONE && li->ca_cert == NULL) {
		lbm_subpath(p, path, "client_authentication");
		return lbm_fail(c, p, "%s needs client_ca_tls_container_ref",
		    client_auths[t]);
	}
	if (li->crl != NULL && li->ca_cert == NULL) {
		lbm_subpath(p, path, "client_crl_container_ref");
		return lbm_fail(c, p, "needs client_ca_tls_container_ref");
	}
	if (lbm_tls_versions(c, l, path, &li->tls_versions) == -1 ||
	    lbm_ciphers(c, l, path, &li->ciphers) == -1 ||
	    lbm_alpn(c, l, path, &li->alpn) == -1)
		return -1;
	return 0;
}

static int
listener_parse(struct pctx *c, const json_t *l, const char *path, size_t idx,
    struct lb_listener *li)
{
	const json_t	*dp;
	const char	*pid;
	char		 fb[32], p[LBM_PATH_LEN];
	long long	 n;
	int		 t;

	if (lbm_check_keys(c, l, path, listener_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "listener-%zu", idx);
	li->index = idx;
	if ((li->id = lbm_make_id(c, l, path, fb)) == NULL)
		return -1;
	if (lbm_get_enum(c, l, "protocol", path, lbm_listener_protos,
	    listener_protos_no, -1, &t) == -1)
		return -1;
	li->protocol = t;
	if (lbm_get_int(c, l, "protocol_port", path, 1, 65535, 0, 1, &n) == -1)
		return -1;
	li->port = n;
	if (lbm_get_bool(c, l, "admin_state_up", path, 1, &li->enabled) == -1)
		return -1;
	if (lbm_get_int(c, l, "connection_limit", path, -1, 1000000, -1, 0,
	    &li->conn_limit) == -1 ||
	    lbm_get_int(c, l, "timeout_client_data", path, 0, MAX_TIMEOUT_MS,
	    50000, 0, &li->t_client) == -1 ||
	    lbm_get_int(c, l, "timeout_member_connect", path, 0, MAX_TIMEOUT_MS,
	    5000, 0, &li->t_connect) == -1 ||
	    lbm_get_int(c, l, "timeout_member_data", path, 0, MAX_TIMEOUT_MS,
	    50000, 0, &li->t_server) == -1 ||
	    lbm_get_int(c, l, "timeout_tcp_inspect", path, 0, MAX_TIMEOUT_MS,
	    0, 0, &li->t_inspect) == -1)
		return -1;
	if (listener_tls(c, li, l, path) == -1 ||
	    headers_parse(c, li, l, path) == -1 ||
	    lbm_cidrs_parse(c, li, l, path) == -1)
		return -1;
	if (lbm_get_obj(c, l, "default_pool", path, &dp) == -1 ||
	    lbm_get_str(c, l, "default_pool_id", path, 0, 255, &pid) == -1)
		return -1;
	lbm_subpath(p, path, dp != NULL ? "default_pool" : "default_pool_id");
	if (dp != NULL && pid != NULL)
		return lbm_fail(c, p, "give default_pool or default_pool_id, "
		    "not both");
	if (dp != NULL || pid != NULL) {
		if (lbm_pool_resolve(c, dp, pid, p, &li->default_pool) == -1 ||
		    lbm_pool_use(c, li, li->default_pool, p) == -1)
			return -1;
	}
	return policies_parse(c, li, l, path);
}

int
lbm_listeners_parse(struct pctx *c, const json_t *lbo)
{
	struct lb	*lb = c->lb;
	const json_t	*ls, *l, *other;
	char		 p[LBM_PATH_LEN];
	size_t		 i, *byport = NULL;	/* port -> listener + 1 */
	json_t		*ids = NULL;
	int		 rc = -1;

	if (lbm_get_arr(c, lbo, "listeners", "loadbalancer", &ls) == -1)
		return -1;
	if (ls == NULL || json_array_size(ls) == 0)
		return 0;
	lb->listeners = calloc(json_array_size(ls), sizeof(*lb->listeners));
	byport = calloc(65536, sizeof(*byport));
	ids = json_object();
	if (lb->listeners == NULL || byport == NULL || ids == NULL) {
		lbm_nomem(c);
		goto out;
	}
	json_array_foreach(ls, i, l) {
		struct lb_listener *li = &lb->listeners[lb->nlisteners];

		if (lbm_deleted(l))
			continue;
		lbm_idxpath(p, "loadbalancer", "listeners", i);
		lb->nlisteners++;
		if (listener_parse(c, l, p, i, li) == -1)
			goto out;
		/* the first of both faults an earlier listener shows */
		other = json_object_get(ids, li->id);
		if (other != NULL && (byport[li->port] == 0 ||
		    (size_t)json_integer_value(other) <= byport[li->port] - 1)) {
			lbm_fail(c, p, "duplicate listener id \"%s\"", li->id);
			goto out;
		}
		if (byport[li->port] != 0) {
			lbm_fail(c, p, "protocol_port %d is already used by "
			    "listener \"%s\"", li->port,
			    lb->listeners[byport[li->port] - 1].id);
			goto out;
		}
		byport[li->port] = lb->nlisteners;
		if (lbm_map_put(c, ids, li->id,
		    json_integer((json_int_t)lb->nlisteners - 1)) == -1)
			goto out;
	}
	rc = 0;
out:
	free(byport);
	json_decref(ids);
	return rc;
}
