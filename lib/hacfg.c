/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hacfg: render the haproxy configuration of a validated load balancer.
 * The layout follows Octavia 11's combined_listeners templates; where this
 * file differs, a comment says why.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hacfg.h"
#include "ipaddr.h"
#include "lbmodel.h"
#include "lbmodel_int.h"

#define DEF_BASE	"/var/lib/octavia"
#define DEF_MAXCONN	50000		/* Octavia's HAPROXY_DEFAULT_MAXCONN */
#define MAX_MAXCONN	1000000		/* Octavia's HAPROXY_MAX_MAXCONN */
/* Octavia's [haproxy_amphora] timeouts, ms: 0 in a listener means these */
#define DEF_T_CLIENT	50000
#define DEF_T_CONNECT	5000
#define DEF_T_SERVER	50000
#define STICK_SIZE	"10k"		/* Octavia's haproxy_stick_size */
#define BE_VAR		"txn.oct_backend"

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
	int	 oom;
};

struct rctx {
	struct buf	 b;
	const struct lb	*lb;
	size_t		*shown;		/* pool idx -> listener + 1 */
	const char	*base;
	const char	*certdir;	/* "<cert_dir>/<lb_id>" */
	const char	*vip;
};

static int
grow(struct buf *b, size_t need)
{
	char	*np;
	size_t	 ncap;

	if (b->oom)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	ncap = b->cap == 0 ? 65536 : b->cap;
	while (ncap < b->len + need + 1)
		ncap *= 2;
	if ((np = realloc(b->p, ncap)) == NULL) {
		b->oom = 1;
		return -1;
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

static void
bput(struct buf *b, const char *s, size_t n)
{
	if (grow(b, n) == -1)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
bstr(struct buf *b, const char *s)
{
	bput(b, s, strlen(s));
}

static void
bprintf(struct buf *b, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
bprintf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (grow(b, n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	va_end(ap);
	b->len += n;
}

/*
 * One haproxy config word holding s exactly.  Words of plain characters go
 * as they are; others are single-quoted, where nothing is special (no
 * backslash escapes, no "$VAR" expansion, no '#' comment) but the quote
 * itself, written as '"'"'.  With pct, '%' is doubled (log-format args).
 */
static void
bword(struct buf *b, const char *s, int pct)
{
	const char	*p;
	int		 plain = *s != '\0';

	for (p = s; *p != '\0' && plain; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._/:@+=,~^-", *p)))
			plain = 0;
	if (plain) {
		bstr(b, s);
		return;
	}
	bput(b, "'", 1);
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			bstr(b, "'\"'\"'");
		else if (*p == '%' && pct)
			bput(b, "%%", 2);
		else
			bput(b, p, 1);
	}
	bput(b, "'", 1);
}

/*
 * The sample fetch "fetch(arg)" as one quoted word: an HTTP token (a
 * header or cookie name) may hold '#', which would start a comment.
 */
static void
bfetch(struct buf *b, const char *fetch, const char *arg)
{
	char	*w;

	if (asprintf(&w, "%s(%s)", fetch, arg) == -1) {
		b->oom = 1;
		return;
	}
	bword(b, w, 0);
	free(w);
}

static int
is_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

/* addr:port, IPv6 in brackets */
static void
baddr(struct buf *b, const char *a, int port)
{
	if (is_v6(a))
		bprintf(b, "[%s]", a);
	else
		bstr(b, a);
	if (port > 0)
		bprintf(b, ":%d", port);
}

static const char *
mode(const struct lb_listener *li)
{
	return li->protocol == LB_PROTO_HTTP ||
	    li->protocol == LB_PROTO_TERMINATED_HTTPS ? "http" : "tcp";
}

/*
 * As Octavia: a connection_limit of -1 (unlimited), 0 or none is the
 * default, 50000; 0 never caps a listener at no connection at all.
 */
static long long
maxconn(const struct lb_listener *li)
{
	return li->conn_limit > 0 ? li->conn_limit : DEF_MAXCONN;
}

/* A listener's timeout, ms: as Octavia, 0 (or none) is the default. */
static long long
timeout(long long t, long long def)
{
	return t > 0 ? t : def;
}

/*
 * Octavia writes "no-tlsv10 ..." for each version left out; haproxy then
 * refuses a bind whose versions OpenSSL's defaults also exclude ("all
 * SSL/TLS versions are disabled").  lbmodel keeps the set contiguous, so a
 * range says the same and works.
 */
static void
tls_versions(struct buf *b, unsigned int v)
{
	static const char *const names[] = {
		"SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"
	};
	int	 lo, hi;

	for (lo = 0; lo < 5 && !(v & (1U << lo)); lo++)
		;
	for (hi = 4; hi > lo && !(v & (1U << hi)); hi--)
		;
	if (lo == 5)
		return;
	bprintf(b, " ssl-min-ver %s ssl-max-ver %s", names[lo], names[hi]);
}

/* A file pushed through the certificate API, as the appliance sees it. */
static void
bcert(struct rctx *r, const char *name)
{
	bput(&r->b, " ", 1);
	/* name is an ident; the directory was checked by hacfg_render */
	bword(&r->b, r->certdir, 0);
	bput(&r->b, "/", 1);
	bstr(&r->b, name);
}

static void
global(struct rctx *r)
{
	const struct lb	*lb = r->lb;
	struct buf	*b = &r->b;
	long long	 sum = 0;
	size_t		 i, j;
	int		 tls = 0, ping = 0;

	/*
	 * Octavia's global maxconn: the sum over every listener, enabled or
	 * not, when it is between 0 and the maximum, else the maximum.
	 */
	for (i = 0; i < lb->nlisteners; i++) {
		if (sum < MAX_MAXCONN)
			sum += maxconn(&lb->listeners[i]);
		if (lb->listeners[i].enabled &&
		    lb->listeners[i].protocol == LB_PROTO_TERMINATED_HTTPS)
			tls = 1;
	}
	for (j = 0; j < lb->npools; j++)
		if (lb->pools[j]->enabled && lb->pools[j]->hm != NULL &&
		    lb->pools[j]->hm->enabled &&
		    lb->pools[j]->hm->type == LB_HM_PING)
			ping = 1;
	if (sum <= 0 || sum >= MAX_MAXCONN)
		sum = MAX_MAXCONN;
	bprintf(b, "# Configuration for loadbalancer %s\n", lb->id);
	bstr(b, "global\n    stats socket ");
	bword(b, r->base, 0);
	bprintf(b, "/%s.sock mode 0600 level admin\n", lb->id);
	bstr(b, "    server-state-file ");
	bword(b, r->base, 0);
	bprintf(b, "/%s/servers-state\n", lb->id);
	bprintf(b, "    maxconn %lld\n", sum);
	if (tls) {
		/* crt-list lines are names relative to this directory */
		bstr(b, "    crt-base ");
		bword(b, r->certdir, 0);
		bstr(b, "\n");
	}
	if (ping)
		bstr(b, "    external-check\n    insecure-fork-wanted\n");
	bstr(b, "\n"
	    "defaults\n"
	    "    no log\n"
	    "    retries 3\n"
	    "    option redispatch\n"
	    "    option splice-request\n"
	    "    option splice-response\n"
	    "    option http-keep-alive\n");
}

static void
fe_bind(struct rctx *r, const struct lb_listener *li, const char *addr)
{
	struct buf	*b = &r->b;
	static const char *const verify[] = { "none", "optional", "required" };

	bstr(b, "    bind ");
	baddr(b, addr, li->port);
	/* the IP version allowed_cidrs() matches clients of this socket by */
	if (li->ncidrs > 0)
		bstr(b, is_v6(addr) ? " name ipv6" : " name ipv4");
	if (li->protocol == LB_PROTO_TERMINATED_HTTPS) {
		bstr(b, " ssl crt-list");
		bcert(r, li->crt_list);
		if (li->ca_cert != NULL) {
			bstr(b, " ca-file");
			bcert(r, li->ca_cert);
			bprintf(b, " verify %s", verify[li->client_auth]);
			if (li->crl != NULL) {
				bstr(b, " crl-file");
				bcert(r, li->crl);
			}
		}
		if (li->ciphers != NULL)
			bprintf(b, " ciphers %s", li->ciphers);
		tls_versions(b, li->tls_versions);
		if (li->alpn != NULL)
			bprintf(b, " alpn %s", li->alpn);
	}
	bstr(b, "\n");
}

/*
 * allowed_cidrs: a connection from any other source is closed as soon as
 * haproxy accepts it, before TLS or HTTP.  Octavia has Neutron's security
 * group drop such packets instead (newer releases, nftables in the
 * amphora); here the rule travels with the config the agent validates and
 * swaps in one step, needs no firewall in the appliance, and a client
 * refused learns it at once instead of timing out.
 *
 * Each CIDR matches clients of its own IP version only, as a security
 * group rule does: haproxy alone would match an IPv4 client against IPv6
 * patterns as ::ffff:a.b.c.d (so "::/0" would let every IPv4 client in)
 * and a 6to4 or IPv4-compatible IPv6 client against IPv4 patterns.  So
 * each bind names its VIP's IP version and the rule tests so_name first.
 * The acl names hold ':', which rule ids (ident_ok) never do; haproxy ORs
 * the lines of one acl, which keeps each line within its 64 words.
 */
#define CIDRS_PER_LINE	32

static void
allowed_cidrs(struct rctx *r, const struct lb_listener *li)
{
	struct buf	*b = &r->b;
	char		 t[LB_CIDR_TEXT];
	size_t		 i, n = 0;
	int		 has[2] = { 0, 0 }, v6;

	if (li->ncidrs == 0)
		return;
	for (i = 0; i < li->ncidrs; i++) {
		v6 = li->cidrs[i].af == AF_INET6;
		if (!has[v6] || n == CIDRS_PER_LINE) {
			if (n > 0)
				bstr(b, "\n");
			bprintf(b, "    acl oct:cidrs%d src", v6 ? 6 : 4);
			has[v6] = 1;
			n = 0;
		}
		if (lbm_cidr_text(&li->cidrs[i], t, sizeof(t)) == -1) {
			b->oom = 1;
			return;
		}
		bprintf(b, " %s", t);
		n++;
	}
	bstr(b, "\n    tcp-request connection reject unless");
	if (has[0])
		bstr(b, " { so_name ipv4 } oct:cidrs4");
	if (has[0] && has[1])
		bstr(b, " ||");
	if (has[1])
		bstr(b, " { so_name ipv6 } oct:cidrs6");
	bstr(b, "\n");
}

static const char *const match[] = {
	"-m reg", "-m beg", "-m end", "-m sub", "-m str"
};

static void
acl(struct rctx *r, const struct lb_rule *ru)
{
	struct buf	*b = &r->b;
	char		*ext = NULL;

	bstr(b, "    acl ");
	bstr(b, ru->id);
	bstr(b, " ");
	switch (ru->type) {
	case LB_RULE_HOST_NAME:
		bprintf(b, "req.hdr(host) -i %s -- ", match[ru->compare]);
		break;
	case LB_RULE_PATH:
		bprintf(b, "path %s -- ", match[ru->compare]);
		break;
	case LB_RULE_FILE_TYPE:
		if (ru->compare == LB_CMP_REGEX) {
			bstr(b, "path -m reg -- ");
			break;
		}
		/*
		 * Octavia writes "path_end -m str jpg", which only matches the
		 * path "jpg".  The extension of a real path is its end after
		 * a dot.
		 */
		bstr(b, "path_end -- ");
		if (ru->value[0] != '.' &&
		    asprintf(&ext, ".%s", ru->value) == -1) {
			b->oom = 1;
			return;
		}
		break;
	case LB_RULE_HEADER:
	case LB_RULE_COOKIE:
		bfetch(b, ru->type == LB_RULE_HEADER ? "req.hdr" : "req.cook",
		    ru->key);
		bprintf(b, " %s -- ", match[ru->compare]);
		break;
	case LB_RULE_SSL_CONN_HAS_CERT:
		bstr(b, "ssl_c_used\n");
		return;
	case LB_RULE_SSL_VERIFY_RESULT:
		bprintf(b, "ssl_c_verify eq %s\n", ru->value);
		return;
	case LB_RULE_SSL_DN_FIELD:
		bprintf(b, "ssl_c_s_dn(%s) %s -- ", ru->key,
		    match[ru->compare]);
		break;
	}
	bword(b, ext != NULL ? ext : ru->value, 0);
	bstr(b, "\n");
	free(ext);
}

static int
pool_on(const struct lb_pool *pl)
{
	return pl != NULL && pl->enabled;
}

/* The L7 policies: ACLs, then one http-request rule each, in order. */
static void
policies(struct rctx *r, const struct lb_listener *li)
{
	struct buf		*b = &r->b;
	const struct lb_policy	*po;
	size_t			 i, j;
	int			 chosen = 0;

	for (i = 0; i < li->npolicies; i++) {
		po = &li->policies[i];
		if (!po->enabled || po->nrules == 0)
			continue;
		for (j = 0; j < po->nrules; j++)
			acl(r, &po->rules[j]);
	}
	for (i = 0; i < li->npolicies; i++) {
		po = &li->policies[i];
		if (!po->enabled || po->nrules == 0)
			continue;
		if (po->action == LB_ACT_REDIRECT_TO_POOL &&
		    !pool_on(po->pool))
			continue;	/* as Octavia: a disabled pool */
		switch (po->action) {
		case LB_ACT_REJECT:
			bstr(b, "    http-request deny");
			break;
		case LB_ACT_REDIRECT_TO_URL:
			bstr(b, "    http-request redirect location ");
			bword(b, po->url, 1);
			bprintf(b, " code %d", po->code);
			break;
		case LB_ACT_REDIRECT_PREFIX:
			bstr(b, "    http-request redirect prefix ");
			bword(b, po->prefix, 1);
			bprintf(b, " code %d", po->code);
			break;
		case LB_ACT_REDIRECT_TO_POOL:
			bprintf(b, "    http-request set-var(%s) str(%s:%s)",
			    BE_VAR, po->pool->id, li->id);
			break;
		}
		bstr(b, " if");
		/* once a pool is chosen, later policies do not apply */
		if (chosen)
			bstr(b, " !{ var(" BE_VAR ") -m found }");
		for (j = 0; j < po->nrules; j++)
			bprintf(b, " %s%s", po->rules[j].invert ? "!" : "",
			    po->rules[j].id);
		bstr(b, "\n");
		if (po->action == LB_ACT_REDIRECT_TO_POOL)
			chosen = 1;
	}
	if (chosen)
		bstr(b, "    use_backend %[var(" BE_VAR ")] if { var(" BE_VAR
		    ") -m found }\n");
}

static void
frontend(struct rctx *r, const struct lb_listener *li)
{
	struct buf	*b = &r->b;
	size_t		 i;

	bprintf(b, "\nfrontend %s\n", li->id);
	bprintf(b, "    maxconn %lld\n", maxconn(li));
	fe_bind(r, li, r->vip);
	for (i = 0; i < r->lb->nvips; i++)
		fe_bind(r, li, r->lb->vips[i]);
	bprintf(b, "    mode %s\n", mode(li));
	/*
	 * On a reload the old worker would close its idle kept-alive
	 * connections at once, and a client whose next request crossed the
	 * close sees it fail (wrk: read errors); this way the old worker
	 * answers that request first, with "Connection: close".
	 */
	if (strcmp(mode(li), "http") == 0)
		bstr(b, "    option idle-close-on-response\n");
	allowed_cidrs(r, li);
	policies(r, li);
	if (pool_on(li->default_pool))
		bprintf(b, "    default_backend %s:%s\n", li->default_pool->id,
		    li->id);
	bprintf(b, "    timeout client %lld\n",
	    timeout(li->t_client, DEF_T_CLIENT));
	if (li->t_inspect > 0)
		bprintf(b, "    tcp-request inspect-delay %lld\n",
		    li->t_inspect);
}

static void
persistence(struct rctx *r, const struct lb_pool *pl)
{
	struct buf	*b = &r->b;
	char		 exp[32] = "";

	if (pl->sp_timeout > 0)
		snprintf(exp, sizeof(exp), " expire %ds", pl->sp_timeout);
	switch (pl->sp) {
	case LB_SP_NONE:
		break;
	case LB_SP_SOURCE_IP:
		/* type ipv6 holds IPv4 clients too (Octavia master does so) */
		bprintf(b, "    stick-table type ipv6 size %s%s\n"
		    "    stick on src\n", STICK_SIZE, exp);
		break;
	case LB_SP_APP_COOKIE:
		bprintf(b, "    stick-table type string len 64 size %s%s\n"
		    "    stick store-response ", STICK_SIZE, exp);
		bfetch(b, "res.cook", pl->cookie_name);
		bstr(b, "\n    stick match ");
		bfetch(b, "req.cook", pl->cookie_name);
		bstr(b, "\n");
		break;
	case LB_SP_HTTP_COOKIE:
		bstr(b, "    cookie SRV insert indirect nocache");
		if (pl->sp_timeout > 0)
			bprintf(b, " maxidle %ds", pl->sp_timeout);
		bstr(b, "\n");
		break;
	}
}

static void
monitor(struct rctx *r, const struct lb_pool *pl)
{
	struct buf		*b = &r->b;
	const struct lb_hm	*hm = pl->hm;

	if (hm == NULL || !hm->enabled)
		return;
	bprintf(b, "    load-server-state-from-file global\n"
	    "    timeout check %ds\n", hm->timeout);
	switch (hm->type) {
	case LB_HM_HTTP:
	case LB_HM_HTTPS:
		bprintf(b, "    option httpchk\n"
		    "    http-check send meth %s uri ", hm->method);
		bword(b, hm->url_path, 0);
		if (hm->http_version != 0)
			bprintf(b, " ver HTTP/1.%d", hm->http_version % 10);
		if (hm->domain_name != NULL)
			bprintf(b, " hdr Host %s", hm->domain_name);
		bprintf(b, "\n    http-check expect rstatus '^(%s)$'\n",
		    hm->codes);
		break;
	case LB_HM_TLS_HELLO:
		bstr(b, "    option ssl-hello-chk\n");
		break;
	case LB_HM_PING:
		bstr(b, "    option external-check\n"
		    "    external-check command ");
		bword(b, r->base, 0);
		bstr(b, "/ping-wrapper.sh\n");
		break;
	case LB_HM_TCP:
		break;
	}
}

static void
insert_headers(struct rctx *r, const struct lb_listener *li)
{
	struct buf	*b = &r->b;
	unsigned int	 h = li->headers;
	static const struct {
		unsigned int	 bit;
		const char	*line;
	} ssl[] = {
		{ LB_HDR_SSL_VERIFY, "X-SSL-Client-Verify %[ssl_c_verify]" },
		{ LB_HDR_SSL_HAS_CERT, "X-SSL-Client-Has-Cert %[ssl_c_used]" },
		{ LB_HDR_SSL_DN, "X-SSL-Client-DN %{+Q}[ssl_c_s_dn]" },
		{ LB_HDR_SSL_CN, "X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]" },
		{ LB_HDR_SSL_ISSUER, "X-SSL-Issuer %{+Q}[ssl_c_i_dn]" },
		{ LB_HDR_SSL_SHA1, "X-SSL-Client-SHA1 %{+Q}[ssl_c_sha1,hex]" },
		{ LB_HDR_SSL_NOT_BEFORE,
		    "X-SSL-Client-Not-Before %{+Q}[ssl_c_notbefore]" },
		{ LB_HDR_SSL_NOT_AFTER,
		    "X-SSL-Client-Not-After %{+Q}[ssl_c_notafter]" },
	};
	size_t		 i;

	/*
	 * Octavia adds X-Forwarded-For/-Port only for HTTP pools; they are
	 * added here for every pool of an HTTP-mode listener (PROXY pools
	 * carry HTTP too).
	 */
	if (h & LB_HDR_XFF)
		bstr(b, "    option forwardfor\n");
	if (h & LB_HDR_XFPORT)
		bstr(b, "    http-request set-header X-Forwarded-Port "
		    "%[dst_port]\n");
	if (h & LB_HDR_XFPROTO)
		bprintf(b, "    http-request set-header X-Forwarded-Proto %s\n",
		    li->protocol == LB_PROTO_TERMINATED_HTTPS ? "https" :
		    "http");
	for (i = 0; i < sizeof(ssl) / sizeof(ssl[0]); i++)
		if (h & ssl[i].bit)
			bprintf(b, "    http-request set-header %s\n",
			    ssl[i].line);
}

static void
server(struct rctx *r, const struct lb_listener *li, const struct lb_pool *pl,
    const struct lb_member *m)
{
	struct buf		*b = &r->b;
	const struct lb_hm	*hm = pl->hm;

	bprintf(b, "    server %s ", m->id);
	baddr(b, m->address, m->port);
	bprintf(b, " weight %d", m->weight);
	if (hm != NULL && hm->enabled) {
		bstr(b, " check");
		/*
		 * An HTTPS monitor on a plain pool does not verify; on a TLS
		 * pool the pool's own verify setting below covers checks too
		 * (Octavia writes both "verify none" and "verify required").
		 */
		if (hm->type == LB_HM_HTTPS)
			bstr(b, pl->tls_enabled ? " check-ssl" :
			    " check-ssl verify none");
		bprintf(b, " inter %ds fall %d rise %d", hm->delay, hm->fall,
		    hm->rise);
		if (m->monitor_address != NULL) {
			bstr(b, " addr ");
			baddr(b, m->monitor_address, 0);
		}
		if (m->monitor_port != 0)
			bprintf(b, " port %d", m->monitor_port);
	}
	if (pl->sp == LB_SP_HTTP_COOKIE)
		bprintf(b, " cookie %s", m->id);
	if (pl->protocol == LB_PROTO_PROXY)
		bstr(b, " send-proxy");
	else if (pl->protocol == LB_PROTO_PROXYV2)
		bstr(b, li->protocol == LB_PROTO_TERMINATED_HTTPS ?
		    " send-proxy-v2-ssl-cn" : " send-proxy-v2");
	if (m->backup)
		bstr(b, " backup");
	if (!m->enabled)
		bstr(b, " disabled");
	if (pl->tls_enabled) {
		bstr(b, " ssl");
		if (pl->client_cert != NULL) {
			bstr(b, " crt");
			bcert(r, pl->client_cert);
		}
		if (pl->ca_cert != NULL) {
			bstr(b, " ca-file");
			bcert(r, pl->ca_cert);
			bstr(b, " verify required");
			if (pl->crl != NULL) {
				bstr(b, " crl-file");
				bcert(r, pl->crl);
			}
		} else
			bstr(b, " verify none");
		bstr(b, " sni ssl_fc_sni");
		if (pl->ciphers != NULL)
			bprintf(b, " ciphers %s", pl->ciphers);
		tls_versions(b, pl->tls_versions);
		if (pl->alpn != NULL)
			bprintf(b, " alpn %s", pl->alpn);
	}
	bstr(b, "\n");
}

static void
backend(struct rctx *r, const struct lb_listener *li, const struct lb_pool *pl)
{
	struct buf	*b = &r->b;
	static const char *const balance[] = {
		"roundrobin", "leastconn", "source"
	};
	size_t		 i;

	bprintf(b, "\nbackend %s:%s\n", pl->id, li->id);
	/*
	 * The listener's mode: haproxy refuses an http backend behind a tcp
	 * frontend, which Octavia renders for an HTTP pool on a TCP listener.
	 */
	bprintf(b, "    mode %s\n", mode(li));
	if (strcmp(mode(li), "http") == 0)
		bstr(b, "    http-reuse safe\n");
	bprintf(b, "    balance %s\n", balance[pl->algo]);
	persistence(r, pl);
	monitor(r, pl);
	if (strcmp(mode(li), "http") == 0)
		insert_headers(r, li);
	bprintf(b, "    fullconn %lld\n", maxconn(li));
	bstr(b, "    option allbackups\n");
	bprintf(b, "    timeout connect %lld\n",
	    timeout(li->t_connect, DEF_T_CONNECT));
	bprintf(b, "    timeout server %lld\n",
	    timeout(li->t_server, DEF_T_SERVER));
	for (i = 0; i < pl->nmembers; i++)
		server(r, li, pl, &pl->members[i]);
}

/*
 * Each enabled pool the n-th listener li uses, once: the default pool,
 * then policy pools.  r->shown marks the pools shown for it.
 */
static void
backends(struct rctx *r, const struct lb_listener *li, size_t n)
{
	const struct lb_pool	*pl;
	size_t			 i;

	if (pool_on(li->default_pool)) {
		backend(r, li, li->default_pool);
		r->shown[li->default_pool->idx] = n + 1;
	}
	for (i = 0; i < li->npolicies; i++) {
		pl = li->policies[i].pool;
		if (!pool_on(pl) || r->shown[pl->idx] == n + 1)
			continue;
		r->shown[pl->idx] = n + 1;
		backend(r, li, pl);
	}
}

static int
path_ok(const char *s)
{
	const char	*p;

	if (s[0] != '/')
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e ||
		    *p == '\'' || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

char *
hacfg_render(const struct lb *lb, const struct hacfg_opts *opts,
    size_t *lenp, char *err, size_t errlen)
{
	struct rctx	 r;
	struct ipaddr	 a;
	char		*cd = NULL, *cdl = NULL, *ret = NULL;
	size_t		 i;

	memset(&r, 0, sizeof(r));
	r.lb = lb;
	r.base = opts != NULL && opts->base_path != NULL ? opts->base_path :
	    DEF_BASE;
	r.vip = opts != NULL && opts->vip != NULL ? opts->vip : lb->vip;
	if (!path_ok(r.base)) {
		snprintf(err, errlen, "base path \"%s\": not an absolute path "
		    "of plain characters", r.base);
		goto out;
	}
	if (opts != NULL && opts->cert_dir != NULL) {
		if ((cd = strdup(opts->cert_dir)) == NULL)
			goto nomem;
	} else if (asprintf(&cd, "%s/certs", r.base) == -1) {
		cd = NULL;
		goto nomem;
	}
	if (!path_ok(cd)) {
		snprintf(err, errlen, "certificate directory \"%s\": not an "
		    "absolute path of plain characters", cd);
		goto out;
	}
	if (asprintf(&cdl, "%s/%s", cd, lb->id) == -1) {
		cdl = NULL;
		goto nomem;
	}
	r.certdir = cdl;
	if (lb->enabled) {
		for (i = 0; i < lb->nlisteners; i++)
			if (lb->listeners[i].enabled)
				break;
		if (i < lb->nlisteners && r.vip == NULL) {
			snprintf(err, errlen, "loadbalancer.vip_address: "
			    "missing (and no VIP given by the caller)");
			goto out;
		}
		if (r.vip != NULL && ipaddr_parse(r.vip, &a) == -1) {
			snprintf(err, errlen, "VIP \"%s\": not an address",
			    r.vip);
			goto out;
		}
		/*
		 * The model's VIPs are unicast addresses (lbmodel.h); the
		 * caller's may be a loopback one (a test on one host), but a
		 * bind on every address or on a group is never a VIP.
		 */
		if (r.vip != NULL && !ipaddr_unicast(r.vip)) {
			snprintf(err, errlen, "VIP \"%s\": not a unicast "
			    "address", r.vip);
			goto out;
		}
	}

	global(&r);
	/* A disabled load balancer has no frontends (and so no backends). */
	for (i = 0; lb->enabled && i < lb->nlisteners; i++)
		if (lb->listeners[i].enabled)
			frontend(&r, &lb->listeners[i]);
	if (lb->npools > 0 &&
	    (r.shown = calloc(lb->npools, sizeof(*r.shown))) == NULL)
		goto nomem;
	for (i = 0; lb->enabled && i < lb->nlisteners; i++)
		if (lb->listeners[i].enabled)
			backends(&r, &lb->listeners[i], i);
	if (r.b.oom)
		goto nomem;
	ret = r.b.p;
	r.b.p = NULL;
	if (lenp != NULL)
		*lenp = r.b.len;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(r.b.p);
	free(r.shown);
	free(cd);
	free(cdl);
	return ret;
}
