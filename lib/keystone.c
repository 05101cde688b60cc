/* SPDX-License-Identifier: Apache-2.0 */
/*
 * keystone: Keystone v3 password authentication, the token cache and the
 * service catalog (see keystone.h).
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "afile.h"
#include "keystone.h"
#include "log.h"
#include "oshttp.h"
#include "state.h"

#define CACHE_MAX	(4 * 1024 * 1024)

enum {
	C_AUTH_URL, C_USERNAME, C_USER_ID, C_PASSWORD, C_USER_DOMAIN_NAME,
	C_USER_DOMAIN_ID, C_PROJECT_NAME, C_PROJECT_ID, C_PROJECT_DOMAIN_NAME,
	C_PROJECT_DOMAIN_ID, C_REGION, C_INTERFACE, C_CACERT, C_N
};

/* The setting, its variable, and its clouds.yaml key (under auth: or not). */
static const struct {
	const char	*env;
	const char	*yaml;
	int		 in_auth;
} settings[C_N] = {
	[C_AUTH_URL] =		{ "OS_AUTH_URL", "auth_url", 1 },
	[C_USERNAME] =		{ "OS_USERNAME", "username", 1 },
	[C_USER_ID] =		{ "OS_USER_ID", "user_id", 1 },
	[C_PASSWORD] =		{ "OS_PASSWORD", "password", 1 },
	[C_USER_DOMAIN_NAME] =	{ "OS_USER_DOMAIN_NAME", "user_domain_name", 1 },
	[C_USER_DOMAIN_ID] =	{ "OS_USER_DOMAIN_ID", "user_domain_id", 1 },
	[C_PROJECT_NAME] =	{ "OS_PROJECT_NAME", "project_name", 1 },
	[C_PROJECT_ID] =	{ "OS_PROJECT_ID", "project_id", 1 },
	[C_PROJECT_DOMAIN_NAME] = { "OS_PROJECT_DOMAIN_NAME",
				    "project_domain_name", 1 },
	[C_PROJECT_DOMAIN_ID] =	{ "OS_PROJECT_DOMAIN_ID", "project_domain_id", 1 },
	[C_REGION] =		{ "OS_REGION_NAME", "region_name", 0 },
	[C_INTERFACE] =		{ "OS_INTERFACE", "interface", 0 },
	[C_CACERT] =		{ "OS_CACERT", "cacert", 0 },
};

struct keystone {
	char		*c[C_N];
	pthread_mutex_t	 mu;
	char		*token;		/* current token, or NULL */
	time_t		 expires;
	json_t		*catalog;
	int		 refused;	/* exit code of a refusal, or 0 */
	int		 nocache;	/* the cached token was refused */
	char		 refusal[512];
};

/* ---------------------------------------------------------------- pure */

int
keystone_time_parse(const char *s, time_t *tp)
{
	struct tm	 tm;
	const char	*p;
	time_t		 t;

	if (s == NULL)
		return -1;
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == 'Z')
		p++;
	else if (strcmp(p, "+00:00") == 0)
		p += 6;
	if (*p != '\0' || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	*tp = t;
	return 0;
}

int
keystone_stale(time_t expires, time_t now)
{
	return expires - now < KEYSTONE_MARGIN_S;
}

int
keystone_catalog_url(const json_t *catalog, const char *type,
    const char *region, const char *iface, char *buf, size_t bufsz)
{
	const json_t	*svc, *ep, *eps;
	const char	*t, *i, *r, *u;
	size_t		 k, l, len;

	if (!json_is_array(catalog)) {
		errno = EINVAL;
		return -1;
	}
	json_array_foreach(catalog, k, svc) {
		t = json_string_value(json_object_get(svc, "type"));
		if (t == NULL || strcmp(t, type) != 0)
			continue;
		eps = json_object_get(svc, "endpoints");
		json_array_foreach(eps, l, ep) {
			i = json_string_value(json_object_get(ep, "interface"));
			r = json_string_value(json_object_get(ep, "region_id"));
			if (r == NULL)
				r = json_string_value(json_object_get(ep,
				    "region"));
			u = json_string_value(json_object_get(ep, "url"));
			if (i == NULL || u == NULL || strcmp(i, iface) != 0)
				continue;
			if (region != NULL && (r == NULL ||
			    strcmp(r, region) != 0))
				continue;
			if (strlcpy(buf, u, bufsz) >= bufsz) {
				errno = ENAMETOOLONG;
				return -1;
			}
			len = strlen(buf);
			while (len > 0 && buf[len - 1] == '/')
				buf[--len] = '\0';
			return 0;
		}
	}
	errno = ENOENT;
	return -1;
}

/* ---------------------------------------------------------------- config */

static yaml_node_t *
ymap_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t	*p;
	yaml_node_t		*k;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		k = yaml_document_get_node(d, p->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static int
cloud_file(char *buf, size_t bufsz)
{
	const char	*e, *home;
	int		 n;

	if ((e = getenv("OS_CLIENT_CONFIG_FILE")) != NULL && *e != '\0') {
		if (strlcpy(buf, e, bufsz) >= bufsz)
			return -1;
		return 0;
	}
	if (access("clouds.yaml", R_OK) == 0)
		return strlcpy(buf, "clouds.yaml", bufsz) >= bufsz ? -1 : 0;
	if ((e = getenv("XDG_CONFIG_HOME")) != NULL && *e != '\0')
		n = snprintf(buf, bufsz, "%s/openstack/clouds.yaml", e);
	else if ((home = getenv("HOME")) != NULL)
		n = snprintf(buf, bufsz, "%s/.config/openstack/clouds.yaml",
		    home);
	else
		n = -1;
	if (n >= 0 && (size_t)n < bufsz && access(buf, R_OK) == 0)
		return 0;
	return strlcpy(buf, "/etc/openstack/clouds.yaml", bufsz) >= bufsz ?
	    -1 : 0;
}

/* Fill ks->c from cloud name in clouds.yaml.  0, or -1 with err set. */
static int
cloud_load(struct keystone *ks, const char *name, char *err, size_t errlen)
{
	yaml_parser_t	 p;
	yaml_document_t	 d;
	yaml_node_t	*root, *cl, *auth, *v;
	FILE		*fp = NULL;
	char		 path[PATH_MAX];
	int		 i, rc = -1, parser = 0, doc = 0;

	if (cloud_file(path, sizeof(path)) == -1) {
		(void)snprintf(err, errlen, "clouds.yaml: path too long");
		return -1;
	}
	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "cloud %s: %s: %s", name, path,
		    strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		(void)snprintf(err, errlen, "yaml_parser_initialize failed");
		goto out;
	}
	parser = 1;
	yaml_parser_set_input_file(&p, fp);
	if (!yaml_parser_load(&p, &d)) {
		(void)snprintf(err, errlen, "%s:%zu: %s", path,
		    p.problem_mark.line + 1, p.problem != NULL ? p.problem :
		    "YAML error");
		goto out;
	}
	doc = 1;
	root = yaml_document_get_root_node(&d);
	if ((cl = ymap_get(&d, ymap_get(&d, root, "clouds"), name)) == NULL ||
	    cl->type != YAML_MAPPING_NODE) {
		(void)snprintf(err, errlen, "cloud %s: not in %s", name, path);
		goto out;
	}
	auth = ymap_get(&d, cl, "auth");
	for (i = 0; i < C_N; i++) {
		v = ymap_get(&d, settings[i].in_auth ? auth : cl,
		    settings[i].yaml);
		if (v == NULL || v->type != YAML_SCALAR_NODE)
			continue;
		if ((ks->c[i] = strdup((const char *)v->data.scalar.value)) ==
		    NULL) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			goto out;
		}
	}
	rc = 0;
 out:
	if (doc)
		yaml_document_delete(&d);
	if (parser)
		yaml_parser_delete(&p);
	(void)fclose(fp);
	return rc;
}

struct keystone *
keystone_new(const char *cloud, const char *region, const char *iface,
    char *err, size_t errlen)
{
	struct keystone	*ks;
	const char	*e;
	int		 i;

	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (pthread_mutex_init(&ks->mu, NULL) != 0) {
		free(ks);
		(void)snprintf(err, errlen, "pthread_mutex_init failed");
		return NULL;
	}
	if (cloud == NULL && (e = getenv("OS_CLOUD")) != NULL && *e != '\0')
		cloud = e;
	if (cloud != NULL && cloud_load(ks, cloud, err, errlen) == -1)
		goto fail;
	for (i = 0; i < C_N; i++) {
		if ((e = getenv(settings[i].env)) == NULL || *e == '\0')
			continue;
		if (ks->c[i] != NULL)
			freezero(ks->c[i], strlen(ks->c[i]));
		if ((ks->c[i] = strdup(e)) == NULL) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
	}
	if (region != NULL) {
		free(ks->c[C_REGION]);
		if ((ks->c[C_REGION] = strdup(region)) == NULL) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
	}
	if (iface != NULL) {
		free(ks->c[C_INTERFACE]);
		if ((ks->c[C_INTERFACE] = strdup(iface)) == NULL) {
			(void)snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
	}
	if (ks->c[C_INTERFACE] == NULL &&
	    (ks->c[C_INTERFACE] = strdup("public")) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	/* "publicURL" is the v2 spelling some clouds.yaml files still use. */
	if ((e = strstr(ks->c[C_INTERFACE], "URL")) != NULL && e[3] == '\0')
		ks->c[C_INTERFACE][e - ks->c[C_INTERFACE]] = '\0';
	if (strcmp(ks->c[C_INTERFACE], "public") != 0 &&
	    strcmp(ks->c[C_INTERFACE], "internal") != 0 &&
	    strcmp(ks->c[C_INTERFACE], "admin") != 0) {
		(void)snprintf(err, errlen, "OS_INTERFACE %s: not public, "
		    "internal or admin", ks->c[C_INTERFACE]);
		goto fail;
	}
	if (ks->c[C_AUTH_URL] == NULL ||
	    (ks->c[C_USERNAME] == NULL && ks->c[C_USER_ID] == NULL) ||
	    ks->c[C_PASSWORD] == NULL ||
	    (ks->c[C_PROJECT_NAME] == NULL && ks->c[C_PROJECT_ID] == NULL)) {
		(void)snprintf(err, errlen, "no credentials: set OS_AUTH_URL, "
		    "OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME, or "
		    "--os-cloud / OS_CLOUD");
		goto fail;
	}
	return ks;
 fail:
	keystone_free(ks);
	return NULL;
}

void
keystone_free(struct keystone *ks)
{
	int	 i;

	if (ks == NULL)
		return;
	for (i = 0; i < C_N; i++)
		if (ks->c[i] != NULL)
			freezero(ks->c[i], strlen(ks->c[i]));
	if (ks->token != NULL)
		freezero(ks->token, strlen(ks->token));
	json_decref(ks->catalog);
	(void)pthread_mutex_destroy(&ks->mu);
	free(ks);
}

const char *
keystone_region(const struct keystone *ks)
{
	return ks->c[C_REGION];
}

const char *
keystone_interface(const struct keystone *ks)
{
	return ks->c[C_INTERFACE];
}

const char *
keystone_cacert(const struct keystone *ks)
{
	return ks->c[C_CACERT];
}

/* ---------------------------------------------------------------- tokens */

/* The identity of the token: what the cache must match. */
static json_t *
cache_key(const struct keystone *ks)
{
	static const int keys[] = { C_AUTH_URL, C_USERNAME, C_USER_ID,
	    C_USER_DOMAIN_NAME, C_USER_DOMAIN_ID, C_PROJECT_NAME, C_PROJECT_ID,
	    C_PROJECT_DOMAIN_NAME, C_PROJECT_DOMAIN_ID };
	json_t		*o;
	size_t		 i;

	if ((o = json_object()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (ks->c[keys[i]] != NULL && json_object_set_new(o,
		    settings[keys[i]].yaml, json_string(ks->c[keys[i]])) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* Take the cached token if it is ours and fresh.  Quiet when not. */
static void
cache_load(struct keystone *ks)
{
	char		 path[PATH_MAX];
	char		*buf = NULL;
	size_t		 len = 0;
	json_t		*doc = NULL, *key = NULL, *cat;
	const char	*tok, *exp;
	time_t		 t;

	if (state_path(path, sizeof(path), "keystone/token.json") == -1)
		return;
	if ((buf = afile_read(path, CACHE_MAX, &len)) == NULL)
		return;
	if (afile_private_ok(path) == -1) {
		log_warnx("%s: readable by others: not used", path);
		goto out;
	}
	if ((doc = json_loadb(buf, len, 0, NULL)) == NULL ||
	    (key = cache_key(ks)) == NULL ||
	    !json_equal(json_object_get(doc, "key"), key))
		goto out;
	tok = json_string_value(json_object_get(doc, "token"));
	exp = json_string_value(json_object_get(doc, "expires_at"));
	cat = json_object_get(doc, "catalog");
	if (tok == NULL || keystone_time_parse(exp, &t) == -1 ||
	    !json_is_array(cat) || keystone_stale(t, time(NULL)))
		goto out;
	if ((ks->token = strdup(tok)) == NULL)
		goto out;
	ks->expires = t;
	ks->catalog = json_incref(cat);
	log_debug("keystone: cached token, expires %s", exp);
 out:
	if (doc != NULL) {
		/* the token string lives in doc: drop it before freeing */
		(void)json_object_del(doc, "token");
		json_decref(doc);
	}
	json_decref(key);
	if (buf != NULL)
		freezero(buf, len);
}

static void
cache_save(struct keystone *ks, const char *expires_at)
{
	char	 path[PATH_MAX];
	char	*s = NULL;
	json_t	*doc = NULL;

	if (state_mkdir("keystone") == -1 ||
	    state_path(path, sizeof(path), "keystone/token.json") == -1)
		return;
	if ((doc = json_object()) == NULL ||
	    json_object_set_new(doc, "key", cache_key(ks)) != 0 ||
	    json_object_set_new(doc, "expires_at", json_string(expires_at))
	    != 0 ||
	    json_object_set_new(doc, "token", json_string(ks->token)) != 0 ||
	    json_object_set(doc, "catalog", ks->catalog) != 0 ||
	    (s = json_dumps(doc, JSON_COMPACT)) == NULL) {
		log_warnx("%s: cannot encode the token cache", path);
		goto out;
	}
	if (afile_write(path, s, strlen(s), 0600, 0) == -1)
		log_warnx("%s: token not cached", path);
 out:
	if (s != NULL)
		freezero(s, strlen(s));
	json_decref(doc);
}

static json_t *
auth_body(const struct keystone *ks)
{
	json_t	*user, *pdom = NULL, *proj, *udom = NULL;

	if (ks->c[C_USER_DOMAIN_ID] != NULL)
		udom = json_pack("{s:s}", "id", ks->c[C_USER_DOMAIN_ID]);
	else
		udom = json_pack("{s:s}", "name", ks->c[C_USER_DOMAIN_NAME] !=
		    NULL ? ks->c[C_USER_DOMAIN_NAME] : "Default");
	if (ks->c[C_USER_ID] != NULL)
		user = json_pack("{s:s,s:s}", "id", ks->c[C_USER_ID],
		    "password", ks->c[C_PASSWORD]);
	else
		user = json_pack("{s:s,s:o,s:s}", "name", ks->c[C_USERNAME],
		    "domain", udom, "password", ks->c[C_PASSWORD]), udom = NULL;
	json_decref(udom);
	if (ks->c[C_PROJECT_ID] != NULL)
		proj = json_pack("{s:s}", "id", ks->c[C_PROJECT_ID]);
	else {
		if (ks->c[C_PROJECT_DOMAIN_ID] != NULL)
			pdom = json_pack("{s:s}", "id",
			    ks->c[C_PROJECT_DOMAIN_ID]);
		else
			pdom = json_pack("{s:s}", "name",
			    ks->c[C_PROJECT_DOMAIN_NAME] != NULL ?
			    ks->c[C_PROJECT_DOMAIN_NAME] : "Default");
		proj = json_pack("{s:s,s:o*}", "name", ks->c[C_PROJECT_NAME],
		    "domain", pdom);
	}
	return json_pack("{s:{s:{s:[s],s:{s:o*}},s:{s:o*}}}", "auth",
	    "identity", "methods", "password", "password", "user", user,
	    "scope", "project", proj);
}

/* Authenticate (ks->mu held).  0 or an exit code with err set. */
static int
authenticate(struct keystone *ks, char *err, size_t errlen)
{
	struct oshttp_req	 q;
	struct oshttp_resp	 r;
	json_t			*body = NULL, *doc = NULL, *cat;
	char			 url[2048], msg[256];
	char			*s = NULL;
	const char		*exp;
	time_t			 t;
	size_t			 len;
	int			 rc = EX_SOFTWARE, n;

	memset(&r, 0, sizeof(r));
	len = strlen(ks->c[C_AUTH_URL]);
	while (len > 0 && ks->c[C_AUTH_URL][len - 1] == '/')
		len--;
	/* OS_AUTH_URL may name the v3 API or the root of Keystone */
	n = snprintf(url, sizeof(url), "%.*s%s/auth/tokens", (int)len,
	    ks->c[C_AUTH_URL], len >= 3 && strncmp(ks->c[C_AUTH_URL] + len - 3,
	    "/v3", 3) == 0 ? "" : "/v3");
	if (n < 0 || (size_t)n >= sizeof(url)) {
		(void)snprintf(err, errlen, "OS_AUTH_URL too long");
		return EX_CONFIG;
	}
	if ((body = auth_body(ks)) == NULL ||
	    (s = json_dumps(body, JSON_COMPACT)) == NULL) {
		(void)snprintf(err, errlen, "keystone: cannot encode request");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.url = url;
	q.body = s;
	q.cacert = ks->c[C_CACERT];
	if (oshttp_do(&q, &r) == -1) {
		(void)snprintf(err, errlen, "keystone %s: %s", url, r.err);
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (r.status != 201 && r.status != 200) {
		(void)snprintf(err, errlen, "keystone %s: HTTP %ld: %s", url,
		    r.status, oshttp_errmsg(&r, msg, sizeof(msg)));
		rc = r.status >= 500 ? EX_TEMPFAIL : r.status == 401 ||
		    r.status == 403 ? EX_NOPERM : EX_UNAVAILABLE;
		if (rc != EX_TEMPFAIL) {
			ks->refused = rc;
			(void)strlcpy(ks->refusal, err, sizeof(ks->refusal));
		}
		goto out;
	}
	rc = EX_PROTOCOL;
	if (r.subject_token == NULL || *r.subject_token == '\0') {
		(void)snprintf(err, errlen, "keystone %s: no X-Subject-Token",
		    url);
		goto out;
	}
	if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    (exp = json_string_value(json_object_get(json_object_get(doc,
	    "token"), "expires_at"))) == NULL ||
	    keystone_time_parse(exp, &t) == -1 ||
	    !json_is_array(cat = json_object_get(json_object_get(doc, "token"),
	    "catalog"))) {
		(void)snprintf(err, errlen, "keystone %s: answer without "
		    "token.expires_at or token.catalog", url);
		goto out;
	}
	if (ks->token != NULL)
		freezero(ks->token, strlen(ks->token));
	ks->token = r.subject_token;
	r.subject_token = NULL;
	ks->expires = t;
	json_decref(ks->catalog);
	ks->catalog = json_incref(cat);
	log_debug("keystone %s: new token, expires %s", url, exp);
	cache_save(ks, exp);
	rc = 0;
 out:
	if (s != NULL)
		freezero(s, strlen(s));
	json_decref(body);
	json_decref(doc);
	oshttp_resp_clear(&r);
	return rc;
}

/* A fresh token in ks (ks->mu held).  0 or an exit code with err set. */
static int
ensure(struct keystone *ks, char *err, size_t errlen)
{
	if (ks->refused) {
		(void)strlcpy(err, ks->refusal, errlen);
		return ks->refused;
	}
	if (ks->token != NULL && !keystone_stale(ks->expires, time(NULL)))
		return 0;
	if (ks->token == NULL && !ks->nocache) {
		cache_load(ks);
		if (ks->token != NULL)
			return 0;
	}
	return authenticate(ks, err, errlen);
}

int
keystone_token(struct keystone *ks, char **tokenp, char *err, size_t errlen)
{
	int	 rc;

	*tokenp = NULL;
	if (pthread_mutex_lock(&ks->mu) != 0) {
		(void)snprintf(err, errlen, "pthread_mutex_lock failed");
		return EX_OSERR;
	}
	if ((rc = ensure(ks, err, errlen)) == 0 &&
	    (*tokenp = strdup(ks->token)) == NULL) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		rc = EX_OSERR;
	}
	(void)pthread_mutex_unlock(&ks->mu);
	return rc;
}

void
keystone_invalidate(struct keystone *ks, const char *token)
{
	if (pthread_mutex_lock(&ks->mu) != 0)
		return;
	/* Another thread may have renewed it already. */
	if (ks->token != NULL && strcmp(ks->token, token) == 0) {
		freezero(ks->token, strlen(ks->token));
		ks->token = NULL;
		ks->expires = 0;
		/* the cache holds the same refused token: skip it */
		ks->nocache = 1;
	}
	(void)pthread_mutex_unlock(&ks->mu);
}

int
keystone_endpoint(struct keystone *ks, const char *type, char *buf,
    size_t bufsz, char *err, size_t errlen)
{
	int	 rc;

	if (pthread_mutex_lock(&ks->mu) != 0) {
		(void)snprintf(err, errlen, "pthread_mutex_lock failed");
		return EX_OSERR;
	}
	if ((rc = ensure(ks, err, errlen)) == 0 &&
	    keystone_catalog_url(ks->catalog, type, ks->c[C_REGION],
	    ks->c[C_INTERFACE], buf, bufsz) == -1) {
		(void)snprintf(err, errlen, "keystone catalog: no %s endpoint "
		    "for interface %s%s%s", type, ks->c[C_INTERFACE],
		    ks->c[C_REGION] != NULL ? " in region " : "",
		    ks->c[C_REGION] != NULL ? ks->c[C_REGION] : "");
		rc = EX_CONFIG;
	}
	(void)pthread_mutex_unlock(&ks->mu);
	return rc;
}
