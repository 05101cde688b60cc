/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbmodel: parse and validate Octavia API v2 load balancer JSON into the
 * model of lbmodel_int.h: the load balancer, its pools, members and health
 * monitors (listeners are in lbmodel_listener.c).  Every fault names its
 * JSON path.  The rules are Octavia 11's (octavia/api/v2/types,
 * common/validate.py) unless lbmodel.h says otherwise.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/openat2.h>

#include <jansson.h>

#include "afile.h"
#include "lbmodel.h"
#include "lbmodel_int.h"
#include "log.h"

#define CERT_MAX	(1024 * 1024)

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

static const char *const lb_keys[] = {
	"id", "name", "description", "admin_state_up", "vip_address",
	"vip_port_id", "vip_subnet_id", "vip_network_id", "vip_qos_policy_id",
	"additional_vips", "project_id", "tenant_id", "listeners", "pools",
	"provider", "tags", "flavor_id", "availability_zone",
	"provisioning_status", "operating_status", "created_at", "updated_at",
	NULL
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

static const char *const avip_keys[] = { "subnet_id", "ip_address", NULL };

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
	return (*out = lbm_strdup(c, buf)) == NULL ? -1 : 0;
bad:
	return lbm_fail(c, path, "\"%s\" is not a status code (100..599), a "
	    "list \"200,202\" or a range \"200-204\"", s);
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
			if (!lbm_charset_ok((char []){ *s, '\0' }, "-_"))
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
	char		 p[LBM_PATH_LEN];

	*out = NULL;
	if (lbm_check_keys(c, o, path, hm_keys) == -1)
		return -1;
	if ((hm = calloc(1, sizeof(*hm))) == NULL)
		return lbm_nomem(c);
	*out = hm;
	if (lbm_get_enum(c, o, "type", path, hm_types, hm_types_no, -1,
	    &t) == -1)
		return -1;
	hm->type = t;
	http = hm->type == LB_HM_HTTP || hm->type == LB_HM_HTTPS;
	if (lbm_get_bool(c, o, "admin_state_up", path, 1, &hm->enabled) == -1)
		return -1;
	if (lbm_get_int(c, o, "delay", path, 1, LBM_MAX_HM_S, 0, 1, &n) == -1)
		return -1;
	hm->delay = n;
	/* as Octavia: 0 is accepted, and haproxy takes it for no timeout */
	if (lbm_get_int(c, o, "timeout", path, 0, LBM_MAX_HM_S, 0, 1, &n) == -1)
		return -1;
	hm->timeout = n;
	if (lbm_get_int(c, o, "max_retries", path, 1, 10, 0, 1, &n) == -1)
		return -1;
	hm->rise = n;
	if (lbm_get_int(c, o, "max_retries_down", path, 1, 10, 3, 0, &n) == -1)
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
				lbm_subpath(p, path, httponly[i]);
				return lbm_fail(c, p, "only for HTTP and HTTPS "
				    "monitors, not %s", hm_types[hm->type]);
			}
		}
		return 0;
	}
	if (lbm_get_enum(c, o, "http_method", path, http_methods, NULL, 0,
	    &t) == -1)
		return -1;
	if ((hm->method = lbm_strdup(c, http_methods[t])) == NULL)
		return -1;
	if (lbm_get_str(c, o, "url_path", path, 0, 2048, &s) == -1)
		return -1;
	if (s == NULL)
		s = "/";
	if (s[0] != '/' || !lbm_charset_ok(s, "-._~!$&'()*+,;=:@/%?")) {
		lbm_subpath(p, path, "url_path");
		return lbm_fail(c, p, "\"%s\" is not a URL path (starts with "
		    "'/', URL characters only)", s);
	}
	if ((hm->url_path = lbm_strdup(c, s)) == NULL)
		return -1;
	if (lbm_get_str(c, o, "expected_codes", path, 0, 255, &s) == -1)
		return -1;
	lbm_subpath(p, path, "expected_codes");
	if (codes_expand(c, s == NULL ? "200" : s, p, &hm->codes) == -1)
		return -1;
	v = json_object_get(o, "http_version");
	if (v != NULL && !json_is_null(v)) {
		lbm_subpath(p, path, "http_version");
		if (!json_is_number(v))
			return lbm_fail(c, p, "must be 1.0 or 1.1, not %s",
			    lbm_typename(v));
		if (json_number_value(v) == 1.0)
			hm->http_version = 10;
		else if (json_number_value(v) > 1.0999 &&
		    json_number_value(v) < 1.1001)
			hm->http_version = 11;
		else
			return lbm_fail(c, p, "%g is not one of 1.0, 1.1",
			    json_number_value(v));
	}
	if (lbm_get_str(c, o, "domain_name", path, 0, 255, &s) == -1)
		return -1;
	if (s != NULL) {
		lbm_subpath(p, path, "domain_name");
		if (!domain_ok(s))
			return lbm_fail(c, p, "\"%s\" is not a domain name", s);
		if (hm->http_version != 11)
			return lbm_fail(c, p, "needs \"http_version\": 1.1");
		if ((hm->domain_name = lbm_strdup(c, s)) == NULL)
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

	if (lbm_check_keys(c, o, path, member_keys) == -1)
		return -1;
	snprintf(fb, sizeof(fb), "member-%zu", idx);
	if ((m->id = lbm_make_id(c, o, path, fb)) == NULL)
		return -1;
	if (lbm_get_ip(c, o, "address", path, 1, &m->address) == -1 ||
	    lbm_ip_use(c, m->address, path, "address", LBM_IP_MEMBER) == -1)
		return -1;
	if (lbm_get_int(c, o, "protocol_port", path, 1, 65535, 0, 1, &n) == -1)
		return -1;
	m->port = n;
	if (lbm_get_int(c, o, "weight", path, 0, 256, 1, 0, &n) == -1)
		return -1;
	m->weight = n;
	if (lbm_get_bool(c, o, "backup", path, 0, &m->backup) == -1 ||
	    lbm_get_bool(c, o, "admin_state_up", path, 1, &m->enabled) == -1)
		return -1;
	if (lbm_get_ip(c, o, "monitor_address", path, 0,
	    &m->monitor_address) == -1)
		return -1;
	if (m->monitor_address != NULL && lbm_ip_use(c, m->monitor_address,
	    path, "monitor_address", LBM_IP_MEMBER) == -1)
		return -1;
	if (lbm_get_int(c, o, "monitor_port", path, 1, 65535, 0, 0, &n) == -1)
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
	char		 p[LBM_PATH_LEN];
	int		 badid = 0;

	if (pl->nmembers < 2)
		return 0;
	if ((ix = reallocarray(NULL, pl->nmembers, sizeof(*ix))) == NULL)
		return lbm_nomem(c);
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
	lbm_idxpath(p, path, "members", m[bad].index);
	if (badid)
		return lbm_fail(c, p, "duplicate member id \"%s\"", m[bad].id);
	return lbm_fail(c, p, "duplicate member %s port %d", m[bad].address,
	    m[bad].port);
}

static int
pool_parse(struct pctx *c, const json_t *o, const char *path, size_t idx,
    struct lb_pool *pl)
{
	const json_t	*sp, *hm, *ms, *v;
	const char	*s;
	char		 fb[32], p[LBM_PATH_LEN], p2[LBM_PATH_LEN];
	long long	 n;
	size_t		 i;
	int		 t;

	if (lbm_check_keys(c, o, path, pool_keys) == -1)
		return -1;
	if ((pl->path = lbm_strdup(c, path)) == NULL)
		return -1;
	snprintf(fb, sizeof(fb), "pool-%zu", idx);
	if ((pl->id = lbm_make_id(c, o, path, fb)) == NULL)
		return -1;
	if (lbm_get_str(c, o, "name", path, 0, 255, &s) == -1)
		return -1;
	if (s != NULL && (pl->name = lbm_strdup(c, s)) == NULL)
		return -1;
	if (lbm_get_enum(c, o, "protocol", path, pool_protos, pool_protos_no,
	    -1,
	    &t) == -1)
		return -1;
	pl->protocol = t;
	if (lbm_get_enum(c, o, "lb_algorithm", path, algos, algos_no, -1,
	    &t) == -1)
		return -1;
	pl->algo = t;
	if (lbm_get_bool(c, o, "admin_state_up", path, 1, &pl->enabled) == -1 ||
	    lbm_get_bool(c, o, "tls_enabled", path, 0, &pl->tls_enabled) == -1)
		return -1;

	if (lbm_get_obj(c, o, "session_persistence", path, &sp) == -1)
		return -1;
	if (sp != NULL) {
		lbm_subpath(p, path, "session_persistence");
		if (lbm_check_keys(c, sp, p, sp_keys) == -1 ||
		    lbm_get_enum(c, sp, "type", p, sp_types, NULL, -1,
		    &t) == -1)
			return -1;
		pl->sp = t;
		if (lbm_get_str(c, sp, "cookie_name", p, 0, 255, &s) == -1)
			return -1;
		lbm_subpath(p2, p, "cookie_name");
		if (pl->sp == LB_SP_APP_COOKIE && s == NULL)
			return lbm_fail(c, p2, "missing (APP_COOKIE needs it)");
		if (pl->sp != LB_SP_APP_COOKIE && s != NULL)
			return lbm_fail(c, p2, "only for APP_COOKIE "
			    "persistence");
		if (s != NULL) {
			if (!lbm_charset_ok(s, "!#$%&*+.^_`|~-"))
				return lbm_fail(c, p2, "\"%s\" is not a cookie "
				    "name (HTTP token characters only)", s);
			if ((pl->cookie_name = lbm_strdup(c, s)) == NULL)
				return -1;
		}
		if (lbm_get_int(c, sp, "persistence_timeout", p, 0,
		    LBM_MAX_HM_S, 0,
		    0, &n) == -1)
			return -1;
		pl->sp_timeout = n;
		v = json_object_get(sp, "persistence_granularity");
		if (v != NULL && !json_is_null(v) && (!json_is_string(v) ||
		    !lbm_ip_ok(json_string_value(v)))) {
			lbm_subpath(p2, p, "persistence_granularity");
			return lbm_fail(c, p2, "must be an IP address mask");
		}
	}

	if (lbm_get_obj(c, o, "healthmonitor", path, &hm) == -1)
		return -1;
	if (hm != NULL && !lbm_deleted(hm)) {
		lbm_subpath(p, path, "healthmonitor");
		if (hm_parse(c, hm, p, &pl->hm) == -1)
			return -1;
	}

	if (lbm_get_arr(c, o, "members", path, &ms) == -1)
		return -1;
	if (ms != NULL && json_array_size(ms) > 0) {
		pl->members = calloc(json_array_size(ms), sizeof(*pl->members));
		if (pl->members == NULL)
			return lbm_nomem(c);
		json_array_foreach(ms, i, v) {
			struct lb_member *m = &pl->members[pl->nmembers];

			lbm_idxpath(p, path, "members", i);
			if (!json_is_object(v))
				return lbm_fail(c, p, "must be an object, not "
				    "%s",
				    lbm_typename(v));
			if (lbm_deleted(v))
				continue;
			m->index = i;
			pl->nmembers++;
			if (member_parse(c, v, p, i, m) == -1)
				return -1;
		}
		if (members_unique(c, pl, path) == -1)
			return -1;
		if (pl->nmembers > LB_MAX_POOL_MEMBERS) {
			lbm_subpath(p, path, "members");
			return lbm_fail(c, p, "%zu members; haproxy takes at "
			    "most %d in one pool", pl->nmembers,
			    LB_MAX_POOL_MEMBERS);
		}
	}

	if (lbm_tls_versions(c, o, path, &pl->tls_versions) == -1 ||
	    lbm_ciphers(c, o, path, &pl->ciphers) == -1 ||
	    lbm_alpn(c, o, path, &pl->alpn) == -1)
		return -1;
	if (lbm_cert_key(c, o, "tls_container_ref", path, pl->id, "crt", 1,
	    &pl->client_cert) == -1 ||
	    lbm_cert_key(c, o, "ca_tls_container_ref", path, pl->id, "ca", 0,
	    &pl->ca_cert) == -1 ||
	    lbm_cert_key(c, o, "crl_container_ref", path, pl->id, "crl", 0,
	    &pl->crl) == -1)
		return -1;
	if (pl->crl != NULL && pl->ca_cert == NULL) {
		lbm_subpath(p, path, "crl_container_ref");
		return lbm_fail(c, p, "needs ca_tls_container_ref");
	}
	if (!pl->tls_enabled && (pl->client_cert != NULL ||
	    pl->ca_cert != NULL)) {
		lbm_subpath(p, path, pl->client_cert != NULL ?
		    "tls_container_ref" : "ca_tls_container_ref");
		return lbm_fail(c, p, "needs \"tls_enabled\": true");
	}
	return 0;
}

static int
pooldef_add(struct pctx *c, const json_t *o, const char *path)
{
	struct lbm_pooldef	*nd;

	if ((nd = lbm_grow(c, c->defs, c->ndefs, &c->defcap,
	    sizeof(*c->defs))) == NULL)
		return -1;
	c->defs = nd;
	c->defs[c->ndefs].obj = o;
	c->defs[c->ndefs].idx = c->ndefs;
	if ((c->defs[c->ndefs].path = lbm_strdup(c, path)) == NULL)
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

	json_object_foreach(lbm_unconst(o), k, v) {
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
	char		 p[LBM_PATH_LEN], lp[LBM_PATH_LEN], pp[LBM_PATH_LEN];

	if (lbm_get_arr(c, lbo, "pools", "loadbalancer", &a) == -1)
		return -1;
	if (a != NULL) {
		json_array_foreach(a, i, d) {
			lbm_idxpath(p, "loadbalancer", "pools", i);
			if (!json_is_object(d))
				return lbm_fail(c, p, "must be an object, not "
				    "%s",
				    lbm_typename(d));
			if (!lbm_deleted(d) && pooldef_add(c, d, p) == -1)
				return -1;
		}
	}
	if (lbm_get_arr(c, lbo, "listeners", "loadbalancer", &ls) == -1)
		return -1;
	if (ls == NULL)
		return 0;
	json_array_foreach(ls, i, l) {
		lbm_idxpath(lp, "loadbalancer", "listeners", i);
		if (!json_is_object(l))
			return lbm_fail(c, lp, "must be an object, not %s",
			    lbm_typename(l));
		if (lbm_deleted(l))
			continue;
		if (lbm_get_obj(c, l, "default_pool", lp, &d) == -1)
			return -1;
		lbm_subpath(p, lp, "default_pool");
		if (d != NULL && !is_ref(d) && pooldef_add(c, d, p) == -1)
			return -1;
		if (lbm_get_arr(c, l, "l7policies", lp, &ps) == -1)
			return -1;
		if (ps == NULL)
			continue;
		json_array_foreach(ps, j, po) {
			lbm_idxpath(pp, lp, "l7policies", j);
			if (!json_is_object(po))
				return lbm_fail(c, pp, "must be an object, not "
				    "%s",
				    lbm_typename(po));
			if (lbm_deleted(po))
				continue;
			if (lbm_get_obj(c, po, "redirect_pool", pp, &d) == -1)
				return -1;
			lbm_subpath(p, pp, "redirect_pool");
			if (d != NULL && !is_ref(d) &&
			    pooldef_add(c, d, p) == -1)
				return -1;
		}
	}
	return 0;
}

static int
def_cmp_obj(const void *a, const void *b)
{
	uintptr_t	 x = (uintptr_t)((const struct lbm_pooldef *)a)->obj;
	uintptr_t	 y = (uintptr_t)((const struct lbm_pooldef *)b)->obj;

	return x < y ? -1 : x > y;
}

/* The pool defined by the inline object o (collected), or NULL. */
static struct lb_pool *
pool_of_obj(struct pctx *c, const json_t *o)
{
	struct lbm_pooldef	 key, *d;

	key.obj = o;
	d = bsearch(&key, c->byobj, c->ndefs, sizeof(*c->byobj), def_cmp_obj);
	return d == NULL ? NULL : c->lb->pools[d->idx];
}

/* The index in lb->pools that map gives key, or -1. */
static long long
map_index(const json_t *map, const char *key)
{
	const json_t	*v;

	if (key == NULL || (v = json_object_get(map, key)) == NULL)
		return -1;
	return json_integer_value(v);
}

static int
parse_pools(struct pctx *c)
{
	struct lb	*lb = c->lb;
	struct lb_pool	*pl;
	long long	 byid, byname;
	size_t		 i;

	if (c->ndefs == 0)
		return 0;
	if ((lb->pools = calloc(c->ndefs, sizeof(*lb->pools))) == NULL)
		return lbm_nomem(c);
	for (i = 0; i < c->ndefs; i++) {
		if ((lb->pools[i] = calloc(1, sizeof(**lb->pools))) == NULL)
			return lbm_nomem(c);
		pl = lb->pools[i];
		pl->idx = i;
		lb->npools++;
		if (pool_parse(c, c->defs[i].obj, c->defs[i].path, i,
		    pl) == -1)
			return -1;
		/* the first earlier pool sharing its id or its name */
		byid = map_index(c->pool_ids, pl->id);
		byname = map_index(c->pool_names, pl->name);
		if (byid != -1 && (byname == -1 || byid <= byname))
			return lbm_fail(c, c->defs[i].path, "duplicate "
			    "pool id \"%s\" (also %s)", pl->id,
			    lb->pools[byid]->path);
		if (byname != -1)
			return lbm_fail(c, c->defs[i].path, "duplicate "
			    "pool name \"%s\" (also %s)", pl->name,
			    lb->pools[byname]->path);
		if (lbm_map_put(c, c->pool_ids, pl->id,
		    json_integer((json_int_t)i)) == -1 || (pl->name != NULL &&
		    lbm_map_put(c, c->pool_names, pl->name,
		    json_integer((json_int_t)i)) == -1))
			return -1;
	}
	/* inline definitions are found by their object */
	if ((c->byobj = reallocarray(NULL, c->ndefs, sizeof(*c->byobj))) ==
	    NULL)
		return lbm_nomem(c);
	memcpy(c->byobj, c->defs, c->ndefs * sizeof(*c->byobj));
	qsort(c->byobj, c->ndefs, sizeof(*c->byobj), def_cmp_obj);
	return 0;
}

/* The pool an inline object, a reference object or an id/name names. */
int
lbm_pool_resolve(struct pctx *c, const json_t *o, const char *ref,
    const char *path, struct lb_pool **out)
{
	struct lb	*lb = c->lb;
	const char	*k = ref;
	long long	 i;

	*out = NULL;
	if (o != NULL && !is_ref(o)) {
		if ((*out = pool_of_obj(c, o)) != NULL)
			return 0;
		return lbm_fail(c, path, "internal error: pool not collected");
	}
	if (o != NULL) {
		k = json_string_value(json_object_get(o, "id"));
		if (k == NULL)
			k = json_string_value(json_object_get(o, "name"));
		if (k == NULL)
			return lbm_fail(c, path, "a pool reference needs a "
			    "string \"name\" or \"id\"");
	}
	if ((i = map_index(c->pool_ids, k)) != -1 ||
	    (i = map_index(c->pool_names, k)) != -1) {
		*out = lb->pools[i];
		return 0;
	}
	return lbm_fail(c, path, "pool \"%s\" is not defined (no pool has that "
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

int
lbm_pool_use(struct pctx *c, struct lb_listener *li, struct lb_pool *pl,
    const char *path)
{
	int	 http;

	http = li->protocol == LB_PROTO_HTTP ||
	    li->protocol == LB_PROTO_TERMINATED_HTTPS;
	if (!pool_compat(li->protocol, pl->protocol))
		return lbm_fail(c, path, "a %s pool (\"%s\") cannot serve a %s "
		    "listener", pool_protos[pl->protocol], pl->id,
		    lbm_listener_protos[li->protocol]);
	if (!http && (pl->sp == LB_SP_HTTP_COOKIE ||
	    pl->sp == LB_SP_APP_COOKIE))
		return lbm_fail(c, path, "pool \"%s\" has %s persistence, "
		    "which needs an HTTP or TERMINATED_HTTPS listener", pl->id,
		    sp_types[pl->sp]);
	pl->used = 1;
	return 0;
}

static int
vips_parse(struct pctx *c, const json_t *lbo)
{
	struct lb	*lb = c->lb;
	const json_t	*a, *v;
	char		 p[LBM_PATH_LEN];
	size_t		 i;

	if (lbm_get_ip(c, lbo, "vip_address", "loadbalancer", 0,
	    &lb->vip) == -1)
		return -1;
	if (lb->vip != NULL && lbm_ip_use(c, lb->vip, "loadbalancer",
	    "vip_address", LBM_IP_VIP) == -1)
		return -1;
	if (lbm_get_arr(c, lbo, "additional_vips", "loadbalancer", &a) == -1)
		return -1;
	if (a == NULL || json_array_size(a) == 0)
		return 0;
	if ((lb->vips = calloc(json_array_size(a), sizeof(char *))) == NULL)
		return lbm_nomem(c);
	json_array_foreach(a, i, v) {
		lbm_idxpath(p, "loadbalancer", "additional_vips", i);
		if (!json_is_object(v))
			return lbm_fail(c, p, "must be an object, not %s",
			    lbm_typename(v));
		if (lbm_check_keys(c, v, p, avip_keys) == -1 ||
		    lbm_get_ip(c, v, "ip_address", p, 0,
		    &lb->vips[lb->nvips]) == -1)
			return -1;
		if (lb->vips[lb->nvips] == NULL)
			continue;
		if (lbm_ip_use(c, lb->vips[lb->nvips++], p, "ip_address",
		    LBM_IP_VIP) == -1)
			return -1;
	}
	return 0;
}

/* The enabled rules of li's enabled policies: haproxy's acls. */
size_t
lbm_listener_rules(const struct lb_listener *li)
{
	size_t	 i, n = 0;

	for (i = 0; i < li->npolicies; i++)
		if (li->policies[i].enabled)
			n += li->policies[i].nrules;
	return n;
}

/*
 * The model within what haproxy loads in reasonable time (lbmodel.h),
 * counted as if everything were enabled: an admin_state_up turned on
 * later must not make a model too big.  Returns 0 or -1.
 */
static int
bounds_check(struct pctx *c)
{
	const struct lb		*lb = c->lb;
	const struct lb_listener *li;
	const struct lb_pool	*pl;
	size_t			*seen = NULL, i, j, certs = 0;
	size_t			 servers = 0, backends = 0, rules = 0;
	int			 rc = -1;

	if (lb->nlisteners > LB_MAX_BINDS / (1 + lb->nvips))
		return lbm_fail(c, "loadbalancer", "%zu listeners on %zu VIPs "
		    "would be %zu binds; haproxy takes at most %d",
		    lb->nlisteners, 1 + lb->nvips, lb->nlisteners *
		    (1 + lb->nvips), LB_MAX_BINDS);
	for (i = 0; i < lb->ncerts; i++)
		certs += lb->certs[i].rel != NULL;
	if (certs > LB_MAX_CERTS)
		return lbm_fail(c, "loadbalancer", "%zu certificate files; "
		    "at most %d", certs, LB_MAX_CERTS);
	if (lb->npools > 0 && (seen = calloc(lb->npools,
	    sizeof(*seen))) == NULL)
		return lbm_nomem(c);
	for (i = 0; i < lb->nlisteners; i++) {
		li = &lb->listeners[i];
		rules += lbm_listener_rules(li);
		for (j = 0; j <= li->npolicies; j++) {
			pl = j == 0 ? li->default_pool :
			    li->policies[j - 1].pool;
			if (pl == NULL || seen[pl->idx] == i + 1)
				continue;
			seen[pl->idx] = i + 1;
			backends++;
			servers += pl->nmembers;
		}
	}
	if (servers > LB_MAX_SERVERS)
		lbm_fail(c, "loadbalancer", "%zu servers (members, once for "
		    "each listener using their pool); haproxy takes at most %d",
		    servers, LB_MAX_SERVERS);
	else if (backends > LB_MAX_BACKENDS)
		lbm_fail(c, "loadbalancer", "%zu backends (pools, once for "
		    "each listener using them); haproxy takes at most %d",
		    backends, LB_MAX_BACKENDS);
	else if (rules > LB_MAX_RULES)
		lbm_fail(c, "loadbalancer", "%zu enabled L7 rules in all; "
		    "haproxy takes at most %d", rules, LB_MAX_RULES);
	else
		rc = 0;
	free(seen);
	return rc;
}

struct lb *
lb_parse(const json_t *doc, char *err, size_t errlen)
{
	return lb_parse_opts(doc, NULL, err, errlen);
}

struct lb *
lb_parse_opts(const json_t *doc, const struct lb_opts *opts, char *err,
    size_t errlen)
{
	static const struct lb_opts defaults;
	struct pctx	 c;
	struct lb	*lb = NULL;
	const json_t	*lbo, *v;
	const char	*k;
	char		 msg[256];
	size_t		 i;
	int		 rc = -1, n;

	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	c.opts = opts != NULL ? opts : &defaults;
	if (errlen > 0)
		err[0] = '\0';
	if (!json_is_object(doc)) {
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	n = ipnet_parse_list(c.opts->reserved_ips != NULL ?
	    c.opts->reserved_ips : LB_RESERVED_IPS, c.reserved,
	    LB_RESERVED_MAX, msg, sizeof(msg));
	if (n == -1) {
		snprintf(err, errlen, "reserved_ips: %s", msg);
		return NULL;
	}
	c.nreserved = n;
	/*
	 * "_oct_dir" named the directory of relative refs once; the operator
	 * names them now (lb_opts), and a body cannot.  Old saved models
	 * still carry it: it is passed over.
	 */
	json_object_foreach(lbm_unconst(doc), k, v) {
		if (strcmp(k, "loadbalancer") != 0 && strcmp(k,
		    "_oct_dir") != 0) {
			lbm_fail(&c, k, "unknown field (expected "
			    "{\"loadbalancer\": {...}})");
			return NULL;
		}
	}
	lbo = json_object_get(doc, "loadbalancer");
	if (lbo == NULL) {
		lbm_fail(&c, "loadbalancer", "missing");
		return NULL;
	}
	if (!json_is_object(lbo)) {
		lbm_fail(&c, "loadbalancer", "must be an object, not %s",
		    lbm_typename(lbo));
		return NULL;
	}
	if ((lb = calloc(1, sizeof(*lb))) == NULL) {
		lbm_nomem(&c);
		return NULL;
	}
	c.lb = lb;
	if ((c.pool_ids = json_object()) == NULL ||
	    (c.pool_names = json_object()) == NULL ||
	    (c.cert_names = json_object()) == NULL ||
	    (c.ciphers = json_object()) == NULL ||
	    (c.policy_ids = json_object()) == NULL ||
	    (c.rule_ids = json_object()) == NULL) {
		lbm_nomem(&c);
		goto out;
	}
	if (c.opts->ntls_dirs > 0 && (lb->dirs = calloc(c.opts->ntls_dirs,
	    sizeof(*lb->dirs))) == NULL) {
		lbm_nomem(&c);
		goto out;
	}
	for (i = 0; i < c.opts->ntls_dirs; i++) {
		if (c.opts->tls_dirs[i][0] != '/') {
			lbm_fail(&c, "tls_dirs", "\"%s\" is not an absolute "
			    "path", c.opts->tls_dirs[i]);
			goto out;
		}
		if ((lb->dirs[lb->ndirs++] = lbm_strdup(&c,
		    c.opts->tls_dirs[i])) == NULL)
			goto out;
	}
	if (lbm_check_keys(&c, lbo, "loadbalancer", lb_keys) == -1)
		goto out;
	if ((lb->id = lbm_make_id(&c, lbo, "loadbalancer", NULL)) == NULL)
		goto out;
	if (lbm_get_bool(&c, lbo, "admin_state_up", "loadbalancer", 1,
	    &lb->enabled) == -1 || vips_parse(&c, lbo) == -1)
		goto out;
	if (collect_pools(&c, lbo) == -1 || parse_pools(&c) == -1 ||
	    lbm_listeners_parse(&c, lbo) == -1 || bounds_check(&c) == -1)
		goto out;
	for (i = 0; i < lb->npools; i++)
		if (!lb->pools[i]->used) {
			lbm_fail(&c, lb->pools[i]->path, "pool \"%s\" is not "
			    "used by any listener or L7 policy",
			    lb->pools[i]->id);
			goto out;
		}
	rc = 0;
out:
	for (i = 0; i < c.ndefs; i++)
		free(c.defs[i].path);
	free(c.defs);
	free(c.byobj);
	json_decref(c.pool_ids);
	json_decref(c.pool_names);
	json_decref(c.cert_names);
	json_decref(c.ciphers);
	json_decref(c.policy_ids);
	json_decref(c.rule_ids);
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
	for (i = 0; i < lb->ndirs; i++)
		free(lb->dirs[i]);
	free(lb->dirs);
	free(lb->vip);
	for (i = 0; i < lb->nvips; i++)
		free(lb->vips[i]);
	free(lb->vips);
	for (i = 0; i < lb->nlisteners; i++) {
		li = &lb->listeners[i];
		free(li->id);
		for (j = 0; j < li->npolicies; j++)
			lbm_policy_clear(&li->policies[j]);
		free(li->policies);
		free(li->crt_list);
		free(li->ciphers);
		free(li->alpn);
		free(li->cidrs);
	}
	free(lb->listeners);
	for (i = 0; i < lb->npools; i++)
		pool_free(lb->pools[i]);
	free(lb->pools);
	for (i = 0; i < lb->ncerts; i++) {
		free(lb->certs[i].name);
		free(lb->certs[i].path);
		free(lb->certs[i].rel);
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

/* err = "<field>: <path>: <reason>", escaped as lbm_fail does. */
static void
cert_fail(const struct lb_cert *ct, char *err, size_t errlen,
    const char *reason)
{
	char	*raw;

	if (asprintf(&raw, "%s: %s: %s", ct->field, ct->path, reason) == -1) {
		snprintf(err, errlen, "out of memory");
		return;
	}
	log_vis(err, errlen, raw);
	free(raw);
}

char *
lb_cert_read(const struct lb *lb, size_t i, size_t max, size_t *lenp,
    char *err, size_t errlen)
{
	const struct lb_cert *ct;
	struct open_how	 how;
	char		*buf = NULL, why[64];
	int		 dfd = AT_FDCWD, fd = -1, saved;

	if (i >= lb->ncerts || lb->certs[i].rel == NULL) {
		snprintf(err, errlen, "certificate %zu: not a file to read", i);
		errno = EINVAL;
		return NULL;
	}
	ct = &lb->certs[i];
	if (ct->dir != LB_DIR_CWD && (dfd = open(lb->dirs[ct->dir],
	    O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		saved = errno;
		snprintf(why, sizeof(why), "its directory: %s",
		    strerror(saved));
		cert_fail(ct, err, errlen, why);
		errno = saved;
		return NULL;
	}
	/*
	 * Beneath its directory, whatever the path's symlinks say: the
	 * kernel refuses a step out of it (EXDEV), and /proc's links.
	 */
	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, dfd, ct->rel, &how, sizeof(how));
	if (fd != -1)
		buf = afile_readfd(fd, max, lenp);
	saved = errno;
	if (buf == NULL) {
		if (saved == EXDEV)
			cert_fail(ct, err, errlen, "leaves its directory (a "
			    "symlink out of it, or an absolute one)");
		else if (saved == ENOSYS)
			cert_fail(ct, err, errlen, "cannot be opened safely "
			    "(openat2 needs Linux 5.6)");
		else if (saved == EFBIG) {
			snprintf(why, sizeof(why), "larger than %zu bytes",
			    max);
			cert_fail(ct, err, errlen, why);
		} else if (saved == EINVAL)
			cert_fail(ct, err, errlen, "not a regular file");
		else
			cert_fail(ct, err, errlen, strerror(saved));
	}
	if (fd != -1)
		(void)close(fd);
	if (dfd != AT_FDCWD)
		(void)close(dfd);
	errno = saved;
	return buf;
}

int
lb_check_files(const struct lb *lb, char *err, size_t errlen)
{
	const struct lb_cert *ct;
	char		*buf;
	size_t		 i, len;

	for (i = 0; i < lb->ncerts; i++) {
		ct = &lb->certs[i];
		if (ct->rel == NULL)
			continue;
		if ((buf = lb_cert_read(lb, i, CERT_MAX - 1, &len, err,
		    errlen)) == NULL)
			return -1;
		if (strlen(buf) != len || strstr(buf, "-----BEGIN ") == NULL) {
			cert_fail(ct, err, errlen, "not a PEM file");
			freezero(buf, len);
			return -1;
		}
		if (ct->need_key && strstr(buf, "PRIVATE KEY-----") == NULL) {
			cert_fail(ct, err, errlen, "holds no private key (the "
			    "PEM file needs the certificate and its key)");
			freezero(buf, len);
			return -1;
		}
		freezero(buf, len);
	}
	return 0;
}
