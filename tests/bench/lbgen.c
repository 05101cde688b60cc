/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lbgen: print a random valid Octavia load balancer body (JSON) for the
 * renderer's property test and benchmark.  The same seed and sizes always
 * give the same body.
 *
 *	lbgen [-P] [-c cert.pem] [-L policies] [-l listeners] [-m members]
 *	    [-p pools] [-r crl.pem] [-s seed]
 *
 * -l listeners (default 3), -m members per pool (default 3); -c names a PEM
 * (certificate and key) that enables TERMINATED_HTTPS listeners and TLS
 * pools; -r a CRL of that certificate as CA; -P plain: HTTP listeners each
 * with one round-robin pool and an HTTP monitor, for the benchmark; -L
 * (with -P) adds to each listener that many one-rule L7 policies, all at
 * position 1, each redirecting to a pool of its own, or with -p to one of
 * that many, in turn (defined under the load balancer, named by id; -m
 * members each).
 */
#include <err.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>

struct gen {
	uint64_t	 s;
	const char	*cert;
	const char	*crl;
	int		 members;
	int		 l7;		/* -L */
	int		 l7pools;	/* -p, 0: one per policy */
	int		 npools;	/* pools made so far,
	    for unique names */
	json_t		*lbpools;	/* loadbalancer.pools */
};

static uint64_t
rnd(struct gen *g)
{
	/* xorshift64*: small, portable, reproducible */
	g->s ^= g->s >> 12;
	g->s ^= g->s << 25;
	g->s ^= g->s >> 27;
	return g->s * 2685821657736338717ULL;
}

static int
pick(struct gen *g, int n)
{
	return (int)(rnd(g) >> 33) % n;
}

static int
chance(struct gen *g, int pct)
{
	return pick(g, 100) < pct;
}

static const char *
one(struct gen *g, const char *const *v, size_t n)
{
	return v[pick(g, (int)n)];
}
#define ONE(g, v)	one((g), (v), sizeof(v) / sizeof((v)[0]))

static void
set(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) == -1)
		errx(EX_OSERR, "json: %s", k);
}

static void
push(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) == -1)
		errx(EX_OSERR, "json append");
}

static json_t *
obj(void)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		errx(EX_OSERR, "json_object");
	return o;
}

static json_t *
arr(void)
{
	json_t	*a;

	if ((a = json_array()) == NULL)
		errx(EX_OSERR, "json_array");
	return a;
}

/* How an object is named: an id, a name, both, or neither. */
static void
naming(struct gen *g, json_t *o, const char *kind, int n, int need)
{
	char	 buf[64];

	switch (pick(g, need ? 3 : 4)) {
	case 0:
		snprintf(buf, sizeof(buf), "%s-%08x-%d", kind,
		    (unsigned int)rnd(g), n);
		set(o, "id", json_string(buf));
		break;
	case 1:
		snprintf(buf, sizeof(buf), "%s_%d", kind, n);
		set(o, "name", json_string(buf));
		break;
	case 2:
		snprintf(buf, sizeof(buf), "%s-%d", kind, n);
		set(o, "id", json_string(buf));
		snprintf(buf, sizeof(buf), "the %s number %d", kind, n);
		set(o, "name", json_string(buf));
		break;
	default:
		snprintf(buf, sizeof(buf), "%s #%d", kind, n);
		set(o, "name", json_string(buf));
		break;
	}
}

static json_t *
healthmonitor(struct gen *g)
{
	static const char *const types[] = {
		"HTTP", "HTTPS", "PING", "TCP", "TLS-HELLO"
	};
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "OPTIONS",
		"CONNECT", "PATCH"
	};
	static const char *const paths[] = {
		"/", "/healthz", "/a/b?c=d&e=f", "/it's", "/100%25", "/-x"
	};
	static const char *const codes[] = {
		"200", "200,202", "200-204", "301, 302,200", "500-599"
	};
	json_t		*h = obj();
	const char	*t = ONE(g, types);

	set(h, "type", json_string(t));
	set(h, "delay", json_integer(1 + pick(g, 30)));
	set(h, "timeout", json_integer(1 + pick(g, 30)));
	set(h, "max_retries", json_integer(1 + pick(g, 10)));
	if (chance(g, 50))
		set(h, "max_retries_down", json_integer(1 + pick(g, 10)));
	if (chance(g, 10))
		set(h, "admin_state_up", json_false());
	if (strcmp(t, "HTTP") == 0 || strcmp(t, "HTTPS") == 0) {
		if (chance(g, 70))
			set(h, "http_method", json_string(ONE(g, methods)));
		if (chance(g, 70))
			set(h, "url_path", json_string(ONE(g, paths)));
		if (chance(g, 70))
			set(h, "expected_codes", json_string(ONE(g, codes)));
		switch (pick(g, 3)) {
		case 0:
			break;
		case 1:
			set(h, "http_version", json_real(1.0));
			break;
		default:
			set(h, "http_version", json_real(1.1));
			if (chance(g, 50))
				set(h, "domain_name",
				    json_string("health.example.com"));
			break;
		}
	}
	return h;
}

static json_t *
member(struct gen *g, int p, int i)
{
	json_t	*m = obj();
	char	 buf[64];

	naming(g, m, "member", i, 0);
	if (chance(g, 10))
		snprintf(buf, sizeof(buf), "2001:db8:%x::%x", p, i + 1);
	else
		snprintf(buf, sizeof(buf), "198.18.%d.%d", 1 + p % 250,
		    1 + i % 250);
	set(m, "address", json_string(buf));
	set(m, "protocol_port", json_integer(1024 + i / 250 +
	    250 * pick(g, 200)));
	if (chance(g, 50))
		set(m, "weight", json_integer(pick(g, 257)));
	if (chance(g, 10))
		set(m, "backup", json_true());
	if (chance(g, 10))
		set(m, "admin_state_up", json_false());
	if (chance(g, 10)) {
		snprintf(buf, sizeof(buf), "198.19.%d.%d", p % 250, i % 250);
		set(m, "monitor_address", json_string(buf));
	}
	if (chance(g, 10))
		set(m, "monitor_port", json_integer(1 + pick(g, 65535)));
	if (chance(g, 3))
		set(m, "provisioning_status", json_string("PENDING_DELETE"));
	set(m, "subnet_id",
	    json_string("5e5b3bd1-0000-4000-8000-00000000abcd"));
	return m;
}

static json_t *
tls_versions(struct gen *g)
{
	static const char *const v[] = {
		"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"
	};
	json_t	*a = arr();
	int	 lo, hi, i;

	/* a range: haproxy cannot leave out a version in the middle */
	lo = pick(g, 4);
	hi = lo + pick(g, 4 - lo);
	for (i = hi; i >= lo; i--)
		push(a, json_string(v[i]));
	return a;
}

/* A pool usable by a listener of protocol lp; a full definition. */
static json_t *
pool(struct gen *g, const char *lp)
{
	static const char *const tcp[] = {
		"TCP", "HTTP", "HTTPS", "PROXY", "PROXYV2"
	};
	static const char *const http[] = { "HTTP", "PROXY", "PROXYV2" };
	static const char *const https[] = {
		"HTTPS", "TCP", "PROXY", "PROXYV2"
	};
	static const char *const algos[] = {
		"ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"
	};
	json_t		*p = obj(), *ms, *sp;
	const char	*proto;
	char		 buf[64];
	int		 n = g->npools++, i, ishttp;

	ishttp = strcmp(lp, "HTTP") == 0 ||
	    strcmp(lp, "TERMINATED_HTTPS") == 0;
	proto = strcmp(lp, "TCP") == 0 ? ONE(g, tcp) : ishttp ?
	    ONE(g, http) : ONE(g, https);
	/* pools must be named to be referenced: always a name */
	snprintf(buf, sizeof(buf), "pool_%d", n);
	set(p, "name", json_string(buf));
	if (chance(g, 50)) {
		snprintf(buf, sizeof(buf), "p-%08x-%d", (unsigned int)rnd(g),
		    n);
		set(p, "id", json_string(buf));
	}
	set(p, "protocol", json_string(proto));
	set(p, "lb_algorithm", json_string(ONE(g, algos)));
	if (chance(g, 5))
		set(p, "admin_state_up", json_false());
	if (chance(g, 50)) {
		sp = obj();
		switch (pick(g, ishttp ? 3 : 1)) {
		case 0:
			set(sp, "type", json_string("SOURCE_IP"));
			break;
		case 1:
			set(sp, "type", json_string("HTTP_COOKIE"));
			break;
		default:
			set(sp, "type", json_string("APP_COOKIE"));
			set(sp, "cookie_name", json_string(chance(g, 50) ?
			    "JSESSIONID" : "my_cookie-1"));
			break;
		}
		if (chance(g, 50))
			set(sp, "persistence_timeout",
			    json_integer(pick(g, 3600)));
		set(p, "session_persistence", sp);
	}
	if (chance(g, 70))
		set(p, "healthmonitor", healthmonitor(g));
	ms = arr();
	for (i = 0; i < g->members; i++)
		push(ms, member(g, n, i));
	set(p, "members", ms);
	if (g->cert != NULL && chance(g, 20)) {
		set(p, "tls_enabled", json_true());
		if (chance(g, 50))
			set(p, "tls_container_ref", json_string(g->cert));
		if (chance(g, 50)) {
			set(p, "ca_tls_container_ref", json_string(g->cert));
			if (g->crl != NULL && chance(g, 50))
				set(p, "crl_container_ref",
				    json_string(g->crl));
		}
		if (chance(g, 30))
			set(p, "tls_versions", tls_versions(g));
		if (chance(g, 30))
			set(p, "tls_ciphers", json_string(
			    "ECDHE-ECDSA-AES256-GCM-SHA384:"
			    "ECDHE-RSA-AES128-GCM-SHA256"));
		if (chance(g, 30))
			set(p, "alpn_protocols", json_pack("[ss]", "h2",
			    "http/1.1"));
	}
	set(p, "project_id", json_string("e3cd678b11784734bc366148aa37580e"));
	return p;
}

/* A reference to p: by name object, or by default_pool_id-style string. */
static json_t *
pool_ref(const json_t *p)
{
	return json_pack("{sO}", "name", json_object_get(p, "name"));
}

static json_t *
rule(struct gen *g)
{
	static const char *const cmp[] = {
		"REGEX", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "EQUAL_TO"
	};
	static const char *const vals[] = {
		"/api", "-dash", "\"a b\"", "it's", "back\\slash", "100%",
		"#hash", "$HOME", "x,y", "\"say \\\"hi\\\"\"", "--", "a;b"
	};
	static const char *const cookies[] = {
		"abc", "-x", "a'b", "q=1", "%41", "#c"
	};
	static const char *const regexes[] = {
		"^/api/v[0-9]+", "-x$", "a b", "it's", "\\.(gif|png)$", "^$"
	};
	static const char *const types[] = {
		"HOST_NAME", "PATH", "FILE_TYPE", "HEADER", "COOKIE",
		"SSL_CONN_HAS_CERT", "SSL_VERIFY_RESULT", "SSL_DN_FIELD"
	};
	json_t		*r = obj();
	const char	*t = ONE(g, types), *c = ONE(g, cmp), *v;

	v = strcmp(c, "REGEX") == 0 ? ONE(g, regexes) : ONE(g, vals);
	if (strcmp(t, "FILE_TYPE") == 0) {
		c = chance(g, 50) ? "REGEX" : "EQUAL_TO";
		v = strcmp(c, "REGEX") == 0 ? "\\.(jpe?g|png)$" :
		    chance(g, 50) ? "jpg" : ".tar.gz";
	} else if (strcmp(t, "HEADER") == 0) {
		set(r, "key", json_string(chance(g, 50) ? "X-Test" :
		    "X-A#b$c"));
	} else if (strcmp(t, "COOKIE") == 0) {
		set(r, "key", json_string("sess"));
		if (strcmp(c, "REGEX") != 0)
			v = ONE(g, cookies);
	} else if (strcmp(t, "SSL_CONN_HAS_CERT") == 0) {
		c = "EQUAL_TO";
		v = "True";
	} else if (strcmp(t, "SSL_VERIFY_RESULT") == 0) {
		c = "EQUAL_TO";
		v = chance(g, 50) ? "0" : "21";
	} else if (strcmp(t, "SSL_DN_FIELD") == 0) {
		set(r, "key", json_string(chance(g, 50) ? "CN" : "OU"));
	}
	set(r, "type", json_string(t));
	set(r, "compare_type", json_string(c));
	set(r, "value", json_string(v));
	if (chance(g, 30))
		set(r, "invert", json_true());
	if (chance(g, 5))
		set(r, "admin_state_up", json_false());
	return r;
}

static json_t *
policy(struct gen *g, const char *lp, int n)
{
	static const char *const actions[] = {
		"REJECT", "REDIRECT_TO_URL", "REDIRECT_TO_POOL",
		"REDIRECT_PREFIX"
	};
	static const char *const urls[] = {
		"https://example.com/", "http://example.com/a%20b?c=d",
		"https://example.com/it's", "http://[2001:db8::1]:8080/x"
	};
	static const int codes[] = { 301, 302, 303, 307, 308 };
	json_t		*po = obj(), *rs, *p;
	const char	*a = ONE(g, actions);
	int		 i, nr;

	naming(g, po, "policy", n, 0);
	set(po, "action", json_string(a));
	if (strcmp(a, "REDIRECT_TO_URL") == 0)
		set(po, "redirect_url", json_string(ONE(g, urls)));
	else if (strcmp(a, "REDIRECT_PREFIX") == 0)
		set(po, "redirect_prefix", json_string(ONE(g, urls)));
	else if (strcmp(a, "REDIRECT_TO_POOL") == 0) {
		p = pool(g, lp);
		if (chance(g, 50))
			set(po, "redirect_pool", p);
		else {
			if (chance(g, 50))
				set(po, "redirect_pool", pool_ref(p));
			else
				set(po, "redirect_pool_id", json_incref(
				    json_object_get(p, "name")));
			push(g->lbpools, p);
		}
	}
	if ((strcmp(a, "REDIRECT_TO_URL") == 0 ||
	    strcmp(a, "REDIRECT_PREFIX") == 0) && chance(g, 50))
		set(po, "redirect_http_code", json_integer(codes[pick(g, 5)]));
	if (chance(g, 50))
		set(po, "position", json_integer(1 + pick(g, 5)));
	if (chance(g, 5))
		set(po, "admin_state_up", json_false());
	rs = arr();
	nr = pick(g, 4);
	for (i = 0; i < nr; i++)
		push(rs, rule(g));
	set(po, "rules", rs);
	return po;
}

/* The members of a plain pool: n of them, on 198.18.<l>.<i>. */
static json_t *
plain_members(int l, int n)
{
	json_t	*h = arr();
	char	 buf[32];
	int	 i;

	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "198.18.%d.%d", l % 250 + 1,
		    i % 250 + 1);
		push(h, json_pack("{ss si}", "address", buf,
		    "protocol_port", 8000 + i / 250));
	}
	return h;
}

/* -L: one-rule policies of listener n, each to its own pool. */
static json_t *
plain_policies(struct gen *g, int n)
{
	json_t	*ps = arr(), *p;
	char	 id[64], val[64];
	int	 k, np;

	np = g->l7pools > 0 && g->l7pools < g->l7 ? g->l7pools : g->l7;
	for (k = 0; k < g->l7; k++) {
		snprintf(id, sizeof(id), "pool-%d-%d", n, k % np);
		if (k < np) {
			p = json_pack("{ss ss ss}", "id", id, "protocol",
			    "HTTP", "lb_algorithm", "ROUND_ROBIN");
			if (p == NULL)
				errx(EX_OSERR, "json_pack");
			set(p, "members", plain_members(n, g->members));
			push(g->lbpools, p);
		}
		snprintf(val, sizeof(val), "/p%d", k);
		push(ps, json_pack("{ss ss si s[{ss ss ss}]}", "action",
		    "REDIRECT_TO_POOL", "redirect_pool_id", id, "position", 1,
		    "rules", "type", "PATH", "compare_type", "STARTS_WITH",
		    "value", val));
	}
	return ps;
}

static json_t *
listener(struct gen *g, int n, int plain)
{
	static const char *const protos[] = {
		"TCP", "HTTP", "HTTPS", "TERMINATED_HTTPS"
	};
	static const char *const hdrs[] = {
		"X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"
	};
	static const char *const ssl[] = {
		"X-SSL-Client-Verify", "X-SSL-Client-Has-Cert",
		"X-SSL-Client-DN", "X-SSL-Client-CN", "X-SSL-Issuer",
		"X-SSL-Client-SHA1", "X-SSL-Client-Not-Before",
		"X-SSL-Client-Not-After"
	};
	static const char *const auths[] = {
		"NONE", "OPTIONAL", "MANDATORY"
	};
	json_t		*l = obj(), *p, *h, *ps;
	const char	*proto;
	size_t		 i;
	int		 np;

	if (plain) {
		char	 buf[32];

		snprintf(buf, sizeof(buf), "listener-%d", n);
		set(l, "id", json_string(buf));
		set(l, "protocol", json_string("HTTP"));
		set(l, "protocol_port", json_integer(1 + n));
		p = obj();
		snprintf(buf, sizeof(buf), "pool-%d", n);
		set(p, "id", json_string(buf));
		set(p, "protocol", json_string("HTTP"));
		set(p, "lb_algorithm", json_string("ROUND_ROBIN"));
		set(p, "healthmonitor", json_pack("{ss si si si ss}",
		    "type", "HTTP", "delay", 5, "timeout", 3, "max_retries", 3,
		    "url_path", "/healthz"));
		set(p, "members", plain_members(n, g->members));
		set(l, "default_pool", p);
		if (g->l7 > 0)
			set(l, "l7policies", plain_policies(g, n));
		return l;
	}
	proto = g->cert != NULL ? ONE(g, protos) :
	    protos[pick(g, 3)];
	naming(g, l, "listener", n, 0);
	set(l, "protocol", json_string(proto));
	set(l, "protocol_port", json_integer(1 + n * 7 % 65535));
	if (chance(g, 50))
		set(l, "connection_limit", json_integer(pick(g, 3) == 0 ? -1 :
		    pick(g, 100000)));
	if (chance(g, 30))
		set(l, "timeout_client_data", json_integer(pick(g, 100000)));
	if (chance(g, 30))
		set(l, "timeout_member_connect",
		    json_integer(pick(g, 10000)));
	if (chance(g, 30))
		set(l, "timeout_member_data", json_integer(pick(g, 100000)));
	if (chance(g, 30))
		set(l, "timeout_tcp_inspect", json_integer(pick(g, 1000)));
	if (chance(g, 5))
		set(l, "admin_state_up", json_false());
	set(l, "allowed_cidrs", json_pack("[s]", "198.18.0.0/15"));
	if (strcmp(proto, "HTTP") == 0 ||
	    strcmp(proto, "TERMINATED_HTTPS") == 0) {
		h = obj();
		for (i = 0; i < 3; i++)
			if (chance(g, 40))
				set(h, hdrs[i], json_string(chance(g, 80) ?
				    "true" : "False"));
		for (i = 0; i < 8 && proto[0] == 'T'; i++)
			if (chance(g, 30))
				set(h, ssl[i], json_string("true"));
		set(l, "insert_headers", h);
	}
	if (strcmp(proto, "TERMINATED_HTTPS") == 0) {
		set(l, "default_tls_container_ref", json_string(g->cert));
		if (chance(g, 30))
			set(l, "sni_container_refs", json_pack("[ss]",
			    g->cert, g->cert));
		if (chance(g, 50)) {
			set(l, "client_ca_tls_container_ref",
			    json_string(g->cert));
			set(l, "client_authentication",
			    json_string(ONE(g, auths)));
			if (g->crl != NULL && chance(g, 50))
				set(l, "client_crl_container_ref",
				    json_string(g->crl));
		}
		if (chance(g, 50))
			set(l, "tls_versions", tls_versions(g));
		if (chance(g, 30))
			set(l, "tls_ciphers", json_string(
			    "ECDHE-ECDSA-AES128-GCM-SHA256:"
			    "ECDHE-RSA-AES256-GCM-SHA384"));
		if (chance(g, 50))
			set(l, "alpn_protocols", json_pack("[ss]",
			    "http/1.1", "h2"));
	}
	/* the default pool: inline, referenced by name, or none */
	switch (pick(g, 5)) {
	case 0:
		break;
	case 1:
	case 2:
		set(l, "default_pool", pool(g, proto));
		break;
	case 3:
		p = pool(g, proto);
		set(l, "default_pool", pool_ref(p));
		push(g->lbpools, p);
		break;
	default:
		p = pool(g, proto);
		set(l, "default_pool_id", json_incref(json_object_get(p,
		    json_object_get(p, "id") != NULL && chance(g, 50) ?
		    "id" : "name")));
		push(g->lbpools, p);
		break;
	}
	if (strcmp(proto, "HTTP") == 0 ||
	    strcmp(proto, "TERMINATED_HTTPS") == 0) {
		ps = arr();
		np = pick(g, 5);
		for (i = 0; i < (size_t)np; i++)
			push(ps, policy(g, proto, (int)(n * 10 + i)));
		set(l, "l7policies", ps);
	}
	return l;
}

static void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr, "usage: lbgen [-P] [-c cert.pem] "
	    "[-L policies] [-l listeners] [-m members] [-p pools] "
	    "[-r crl.pem] [-s seed]\n");
	exit(code);
}

int
main(int argc, char *argv[])
{
	struct gen	 g;
	json_t		*doc, *lb, *ls;
	const char	*errstr;
	char		 buf[64];
	long long	 seed = 1, nl = 3;
	int		 ch, i, plain = 0;

	memset(&g, 0, sizeof(g));
	g.members = 3;
	while ((ch = getopt(argc, argv, "c:hL:l:m:Pp:r:s:")) != -1) {
		switch (ch) {
		case 'c':
			g.cert = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'L':
			g.l7 = strtonum(optarg, 0, 1000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-L %s: %s", optarg, errstr);
			break;
		case 'l':
			nl = strtonum(optarg, 0, 65535, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-l %s: %s", optarg, errstr);
			break;
		case 'm':
			g.members = strtonum(optarg, 0, 1000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-m %s: %s", optarg, errstr);
			break;
		case 'P':
			plain = 1;
			break;
		case 'p':
			g.l7pools = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-p %s: %s", optarg, errstr);
			break;
		case 'r':
			g.crl = optarg;
			break;
		case 's':
			seed = strtonum(optarg, 0, LLONG_MAX, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-s %s: %s", optarg, errstr);
			break;
		default:
			usage(EX_USAGE);
		}
	}
	if (optind != argc)
		usage(EX_USAGE);
	g.s = 0x9e3779b97f4a7c15ULL ^ (uint64_t)seed;
	if (g.s == 0)
		g.s = 1;
	(void)rnd(&g);

	doc = obj();
	lb = obj();
	g.lbpools = arr();
	snprintf(buf, sizeof(buf), "lb-%lld", seed);
	set(lb, "id", json_string(buf));
	set(lb, "name", json_string("generated load balancer"));
	set(lb, "vip_subnet_id",
	    json_string("5e5b3bd1-0000-4000-8000-000000000001"));
	set(lb, "vip_address", json_string("198.18.0.10"));
	if (!plain && chance(&g, 20))
		set(lb, "additional_vips", json_pack("[{ss ss}]",
		    "subnet_id", "5e5b3bd1-0000-4000-8000-000000000002",
		    "ip_address", "2001:db8::10"));
	if (!plain && chance(&g, 3))
		set(lb, "admin_state_up", json_false());
	set(lb, "tags", json_pack("[s]", "generated"));
	ls = arr();
	for (i = 0; i < nl; i++)
		push(ls, listener(&g, i, plain));
	set(lb, "listeners", ls);
	set(lb, "pools", g.lbpools);
	set(doc, "loadbalancer", lb);
	if (json_dumpf(doc, stdout, JSON_COMPACT) == -1 ||
	    putchar('\n') == EOF || fflush(stdout) != 0)
		err(EX_IOERR, "stdout");
	json_decref(doc);
	return 0;
}
