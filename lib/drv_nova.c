/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drv_nova: the nova compute driver.  An appliance is a Nova server booted
 * from the appliance image, with the appliance's files (server certificate
 * and key, the controller's CA, the agent's configuration) in its
 * cloud-init user data or on a config drive, as Octavia delivers them.
 *
 * Settings come from --driver-opt KEY=VALUE, else from OCT_NOVA_<KEY>
 * variables: image, flavor, network (comma-separated ids; the first is the
 * management network), security_groups (comma-separated), key_name (debug
 * only), server_group (scheduler hint "group"), availability_zone,
 * config_drive (true/false), cloud, region and interface (which override
 * OS_CLOUD, OS_REGION_NAME and OS_INTERFACE).  Credentials: lib/keystone.
 *
 * Every operation may run in several threads at once (oct-boot
 * --parallel): the shared state below is set up once under a lock, and the
 * token is kept by lib/keystone, which locks too.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "afile.h"
#include "ampfiles.h"
#include "driver.h"
#include "ident.h"
#include "jrec.h"
#include "keystone.h"
#include "log.h"
#include "nova.h"
#include "oshttp.h"

#define BOOT_TIMEOUT_S		300	/* Octavia: 30 tries x 10 s */
#define DESTROY_TIMEOUT_S	120
#define CLEANUP_TIMEOUT_S	120	/* deleting what a failed boot made */
#define USER_DATA_MAX		65535	/* Nova's limit, base64 */
#define POLL_FIRST_S		0.5
#define POLL_MAX_S		5.0

enum {
	O_IMAGE, O_FLAVOR, O_NETWORK, O_SECGROUPS, O_KEY_NAME, O_SERVER_GROUP,
	O_AZ, O_CONFIG_DRIVE, O_CLOUD, O_REGION, O_INTERFACE, O_N
};

static const char *const optnames[O_N] = {
	[O_IMAGE] = "image",
	[O_FLAVOR] = "flavor",
	[O_NETWORK] = "network",
	[O_SECGROUPS] = "security_groups",
	[O_KEY_NAME] = "key_name",
	[O_SERVER_GROUP] = "server_group",
	[O_AZ] = "availability_zone",
	[O_CONFIG_DRIVE] = "config_drive",
	[O_CLOUD] = "cloud",
	[O_REGION] = "region",
	[O_INTERFACE] = "interface",
};

static struct {
	pthread_mutex_t	 mu;
	int		 done;		/* setup ran */
	int		 rc;		/* its outcome */
	char		 err[1024];
	struct keystone	*ks;
	char		*opt[O_N];
	char		 url[1024];	/* compute endpoint */
	char		 mv[16];	/* microversion in use */
} nv = { .mu = PTHREAD_MUTEX_INITIALIZER };

static double
now_s(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec	 ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Settings from dopts (KEY=VALUE, NULL-terminated) and OCT_NOVA_*. */
static int
opts_load(char *const *dopts, char *err, size_t errlen)
{
	char		 env[64];
	const char	*v, *eq;
	size_t		 i, k;
	int		 j;

	for (i = 0; dopts != NULL && dopts[i] != NULL; i++) {
		if ((eq = strchr(dopts[i], '=')) == NULL) {
			(void)snprintf(err, errlen, "--driver-opt %s: not "
			    "KEY=VALUE", dopts[i]);
			return EX_USAGE;
		}
		k = (size_t)(eq - dopts[i]);
		for (j = 0; j < O_N; j++)
			if (strlen(optnames[j]) == k &&
			    strncmp(optnames[j], dopts[i], k) == 0)
				break;
		if (j == O_N) {
			(void)snprintf(err, errlen, "--driver-opt %.*s: not a "
			    "nova setting", (int)k, dopts[i]);
			return EX_USAGE;
		}
		free(nv.opt[j]);
		if ((nv.opt[j] = strdup(eq + 1)) == NULL)
			goto oom;
	}
	for (j = 0; j < O_N; j++) {
		if (nv.opt[j] != NULL)
			continue;
		(void)snprintf(env, sizeof(env), "OCT_NOVA_%s", optnames[j]);
		for (k = 0; env[k] != '\0'; k++)
			if (env[k] >= 'a' && env[k] <= 'z')
				env[k] -= 'a' - 'A';
		if ((v = getenv(env)) != NULL && *v != '\0' &&
		    (nv.opt[j] = strdup(v)) == NULL)
			goto oom;
	}
	if (nv.opt[O_CONFIG_DRIVE] != NULL &&
	    strcmp(nv.opt[O_CONFIG_DRIVE], "true") != 0 &&
	    strcmp(nv.opt[O_CONFIG_DRIVE], "false") != 0) {
		(void)snprintf(err, errlen, "config_drive %s: not true or "
		    "false", nv.opt[O_CONFIG_DRIVE]);
		return EX_USAGE;
	}
	return 0;
 oom:
	(void)snprintf(err, errlen, "strdup: %s", strerror(errno));
	return EX_OSERR;
}

/*
 * An answer that is a failure, as an exit code and message: 401 and a 403
 * that is not about quota are EX_NOPERM; quota (403, 413) and rate limits
 * (429) EX_TEMPFAIL, saying when to retry if Nova said; other 4xx
 * EX_UNAVAILABLE; 5xx EX_TEMPFAIL.
 */
static int
http_fail(const struct oshttp_resp *r, const char *what, char *err,
    size_t errlen)
{
	char	 msg[384], after[48];
	int	 quota;

	oshttp_errmsg(r, msg, sizeof(msg));
	after[0] = '\0';
	if (r->retry_after_s >= 0)
		(void)snprintf(after, sizeof(after), " (retry after %ld s)",
		    r->retry_after_s);
	quota = strcasestr(msg, "quota") != NULL;
	(void)snprintf(err, errlen, "nova %s: HTTP %ld: %s%s", what, r->status,
	    msg, after);
	if (r->status == 429 || r->status == 413 ||
	    (r->status == 403 && quota) || r->status >= 500)
		return EX_TEMPFAIL;
	if (r->status == 401 || r->status == 403)
		return EX_NOPERM;
	if (r->status >= 400)
		return EX_UNAVAILABLE;
	return EX_PROTOCOL;
}

/* Whether r asks to come back later, and may within deadline. */
static int
retry_later(const struct oshttp_resp *r, double deadline)
{
	char	 msg[256];

	if (r->retry_after_s < 0)
		return 0;
	if (r->status != 429 && r->status != 413 && !(r->status == 403 &&
	    strcasestr(oshttp_errmsg(r, msg, sizeof(msg)), "quota") != NULL))
		return 0;
	return now_s() + (double)r->retry_after_s < deadline;
}

/*
 * One call to Nova: path below the compute endpoint (or an absolute URL).
 * A 401 renews the token once; a quota or rate-limit answer with
 * Retry-After is retried after it when the deadline allows.  Returns 0
 * when Nova answered (r->status says what), else an exit code with err.
 */
static int
call(const char *method, const char *path, const char *body,
    struct oshttp_resp *r, double deadline, char *err, size_t errlen)
{
	struct oshttp_req	 q;
	char			 url[2048];
	char			*tok = NULL;
	double			 left;
	int			 rc, renewed = 0, n;

	n = snprintf(url, sizeof(url), "%s%s", strncmp(path, "http", 4) == 0 ?
	    "" : nv.url, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		(void)snprintf(err, errlen, "nova: URL too long");
		return EX_SOFTWARE;
	}
	for (;;) {
		if ((rc = keystone_token(nv.ks, &tok, err, errlen)) != 0)
			return rc;
		memset(&q, 0, sizeof(q));
		q.method = method;
		q.url = url;
		q.token = tok;
		q.microversion = nv.mv[0] != '\0' ? nv.mv : NULL;
		q.body = body;
		q.cacert = keystone_cacert(nv.ks);
		/*
		 * A poll ends with the deadline; a POST or DELETE cut short
		 * may still take effect, so it gets at least 30 s.
		 */
		left = deadline - now_s();
		if (strcmp(method, "GET") != 0 && left < 30)
			left = 30;
		q.timeout_ms = left < 1 ? 1000 : left > 60 ? 60000 :
		    (long)(left * 1000);
		if (oshttp_do(&q, r) == -1) {
			(void)snprintf(err, errlen, "nova %s %s: %s", method,
			    url, r->err);
			rc = EX_TEMPFAIL;
			break;
		}
		if (r->status == 401 && !renewed) {
			log_debug("nova %s %s: 401: renewing the token",
			    method, path);
			keystone_invalidate(nv.ks, tok);
			freezero(tok, strlen(tok));
			tok = NULL;
			renewed = 1;
			continue;
		}
		if (retry_later(r, deadline)) {
			log_info("nova %s %s: HTTP %ld: retrying in %ld s",
			    method, path, r->status, r->retry_after_s);
			sleep_s((double)r->retry_after_s);
			freezero(tok, strlen(tok));
			tok = NULL;
			continue;
		}
		rc = 0;
		break;
	}
	if (tok != NULL)
		freezero(tok, strlen(tok));
	return rc;
}

/* Find the compute endpoint and agree on a microversion. */
static int
negotiate(char *err, size_t errlen)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL, *v;
	const char		*max, *min;
	int			 rc;

	memset(&r, 0, sizeof(r));
	if ((rc = keystone_endpoint(nv.ks, "compute", nv.url, sizeof(nv.url),
	    err, errlen)) != 0)
		return rc;
	/* the version document of the endpoint: GET /v2.1 */
	if ((rc = call("GET", "/", NULL, &r, now_s() + 30, err, errlen)) != 0)
		goto out;
	if (r.status != 200) {
		rc = http_fail(&r, "GET /v2.1/", err, errlen);
		goto out;
	}
	rc = EX_PROTOCOL;
	if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    (v = json_object_get(doc, "version")) == NULL ||
	    (max = json_string_value(json_object_get(v, "version"))) == NULL) {
		(void)snprintf(err, errlen, "nova %.400s: no version document",
		    nv.url);
		goto out;
	}
	min = json_string_value(json_object_get(v, "min_version"));
	if (nova_mv_pick(min, max, nv.mv, sizeof(nv.mv)) == -1) {
		(void)snprintf(err, errlen, "nova %.400s: microversions %.16s to %.16s; "
		    "this driver needs %s to %s", nv.url, min ? min : "?", max,
		    NOVA_MV_CLIENT_MIN, NOVA_MV_CLIENT_MAX);
		rc = EX_UNAVAILABLE;
		goto out;
	}
	log_debug("nova %s: microversion %s (server up to %s)", nv.url, nv.mv,
	    max);
	rc = 0;
 out:
	json_decref(doc);
	oshttp_resp_clear(&r);
	return rc;
}

/* Set up once: settings, Keystone, endpoint, microversion. */
static int
setup(char *const *dopts, char *err, size_t errlen)
{
	const char	*iface;

	if (pthread_mutex_lock(&nv.mu) != 0) {
		(void)snprintf(err, errlen, "pthread_mutex_lock failed");
		return EX_OSERR;
	}
	if (nv.done)
		goto out;
	nv.done = 1;
	if ((nv.rc = opts_load(dopts, nv.err, sizeof(nv.err))) != 0)
		goto out;
	if ((nv.ks = keystone_new(nv.opt[O_CLOUD], nv.opt[O_REGION],
	    nv.opt[O_INTERFACE], nv.err, sizeof(nv.err))) == NULL) {
		nv.rc = EX_CONFIG;
		goto out;
	}
	iface = keystone_interface(nv.ks);
	log_debug("nova: interface %s, region %s", iface,
	    keystone_region(nv.ks) != NULL ? keystone_region(nv.ks) : "any");
	nv.rc = negotiate(nv.err, sizeof(nv.err));
 out:
	if (nv.rc != 0)
		(void)strlcpy(err, nv.err, errlen);
	(void)pthread_mutex_unlock(&nv.mu);
	return nv.rc;
}

/*
 * Delete server sid and wait until Nova says 404, within timeout_s.  A
 * server already gone is success.  0, or an exit code with err.
 */
static int
server_delete(const char *sid, int timeout_s, char *err, size_t errlen)
{
	struct oshttp_resp	 r;
	char			 path[256], what[300];
	double			 deadline = now_s() + timeout_s, wait = POLL_FIRST_S;
	int			 rc;

	memset(&r, 0, sizeof(r));
	(void)snprintf(path, sizeof(path), "/servers/%s", sid);
	(void)snprintf(what, sizeof(what), "DELETE %s", path);
	if ((rc = call("DELETE", path, NULL, &r, deadline, err, errlen)) != 0)
		goto out;
	if (r.status == 404)
		goto out;
	if (r.status != 204 && r.status != 202) {
		rc = http_fail(&r, what, err, errlen);
		goto out;
	}
	(void)snprintf(what, sizeof(what), "GET %s", path);
	for (;;) {
		if ((rc = call("GET", path, NULL, &r, deadline, err,
		    errlen)) != 0)
			goto out;
		if (r.status == 404)
			break;
		if (r.status != 200) {
			rc = http_fail(&r, what, err, errlen);
			goto out;
		}
		if (now_s() + wait > deadline) {
			(void)snprintf(err, errlen, "nova: server %s still "
			    "there %d s after DELETE", sid, timeout_s);
			rc = EX_TEMPFAIL;
			goto out;
		}
		sleep_s(wait);
		if ((wait *= 1.5) > POLL_MAX_S)
			wait = POLL_MAX_S;
	}
 out:
	oshttp_resp_clear(&r);
	return rc;
}

/*
 * The ids of servers named name (exact), for a boot whose POST got no
 * answer and for records that lost their server id.  Returns an owned
 * array (maybe empty) or NULL with err set and *rcp.
 */
static json_t *
servers_named(const char *name, int *rcp, char *err, size_t errlen)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL, *ids = NULL, *s;
	const json_t		*list;
	const char		*n, *sid;
	char			 path[512];
	size_t			 i;

	memset(&r, 0, sizeof(r));
	/* name is a regular expression to Nova: anchor it; ids are safe */
	(void)snprintf(path, sizeof(path), "/servers?name=%%5E%s%%24", name);
	if ((*rcp = call("GET", path, NULL, &r, now_s() + 60, err,
	    errlen)) != 0)
		goto out;
	if (r.status != 200) {
		*rcp = http_fail(&r, "GET /servers", err, errlen);
		goto out;
	}
	if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    !json_is_array(list = json_object_get(doc, "servers"))) {
		(void)snprintf(err, errlen, "nova GET /servers: no servers "
		    "list");
		*rcp = EX_PROTOCOL;
		goto out;
	}
	if ((ids = json_array()) == NULL)
		goto out;
	json_array_foreach(list, i, s) {
		n = json_string_value(json_object_get(s, "name"));
		sid = json_string_value(json_object_get(s, "id"));
		if (n != NULL && sid != NULL && strcmp(n, name) == 0)
			(void)json_array_append_new(ids, json_string(sid));
	}
 out:
	json_decref(doc);
	oshttp_resp_clear(&r);
	return ids;
}

/* A JSON list of {"uuid": x} / {"name": x} from a comma-separated list. */
static json_t *
id_list(const char *csv, const char *key)
{
	json_t	*a;
	char	*dup, *p, *tok;

	if ((a = json_array()) == NULL || (dup = strdup(csv)) == NULL) {
		json_decref(a);
		return NULL;
	}
	for (p = dup; (tok = strsep(&p, ",")) != NULL;)
		if (*tok != '\0')
			(void)json_array_append_new(a, json_pack("{s:s}", key,
			    tok));
	free(dup);
	return a;
}

/* The request body of POST /servers.  Owned, holds secrets. */
static char *
boot_body(const json_t *rec, const char *name, const char *user_data)
{
	json_t		*srv = NULL, *doc = NULL, *md;
	const char	*lb = jrec_str(rec, "lb_id"),
			*group = jrec_str(rec, "server_group_id");
	char		*s = NULL;

	if (group == NULL)
		group = nv.opt[O_SERVER_GROUP];
	if ((md = json_pack("{s:s,s:s}", "amphora_id", jrec_id(rec),
	    "oct", "appliance")) == NULL)
		goto out;
	if (lb != NULL)
		(void)json_object_set_new(md, "lb_id", json_string(lb));
	srv = json_pack("{s:s,s:s,s:s,s:o,s:s}", "name", name,
	    "imageRef", nv.opt[O_IMAGE], "flavorRef", nv.opt[O_FLAVOR],
	    "metadata", md, "user_data", user_data);
	if (srv == NULL)
		goto out;
	if (nv.opt[O_NETWORK] != NULL)
		(void)json_object_set_new(srv, "networks",
		    id_list(nv.opt[O_NETWORK], "uuid"));
	else
		(void)json_object_set_new(srv, "networks", json_string("none"));
	if (nv.opt[O_SECGROUPS] != NULL)
		(void)json_object_set_new(srv, "security_groups",
		    id_list(nv.opt[O_SECGROUPS], "name"));
	if (nv.opt[O_KEY_NAME] != NULL)
		(void)json_object_set_new(srv, "key_name",
		    json_string(nv.opt[O_KEY_NAME]));
	if (nv.opt[O_AZ] != NULL)
		(void)json_object_set_new(srv, "availability_zone",
		    json_string(nv.opt[O_AZ]));
	if (nv.opt[O_CONFIG_DRIVE] != NULL &&
	    strcmp(nv.opt[O_CONFIG_DRIVE], "true") == 0)
		(void)json_object_set_new(srv, "config_drive", json_true());
	if ((doc = json_pack("{s:O}", "server", srv)) == NULL)
		goto out;
	if (group != NULL)
		(void)json_object_set_new(doc, "os:scheduler_hints",
		    json_pack("{s:s}", "group", group));
	s = json_dumps(doc, JSON_COMPACT);
 out:
	json_decref(srv);
	json_decref(doc);
	return s;
}

/* The user data of rec's appliance, base64.  0 or an exit code. */
static int
user_data(json_t *rec, const struct boot_opts *o, char **udp)
{
	struct amp_files fs;
	char		*ssh = NULL, *cc = NULL, *nl;
	size_t		 sshl = 0;
	int		 rc;

	*udp = NULL;
	/* The agent listens on every address of the appliance. */
	if ((rc = amp_files_load(&fs, rec, "::", o->agent_port)) != 0)
		return rc;
	if (o->ssh_key != NULL) {
		if ((ssh = afile_read(o->ssh_key, 16384, &sshl)) == NULL) {
			rc = jrec_fail(rec, EX_NOINPUT, "%s: %s", o->ssh_key,
			    strerror(errno));
			goto out;
		}
		if ((nl = strchr(ssh, '\n')) != NULL)
			*nl = '\0';
	}
	if ((cc = nova_cloud_config(jrec_id(rec), &fs, ssh)) == NULL ||
	    (*udp = nova_base64(cc, strlen(cc))) == NULL) {
		rc = jrec_fail(rec, EX_OSERR, "cannot build the user data");
		goto out;
	}
	if (strlen(*udp) > USER_DATA_MAX) {
		rc = jrec_fail(rec, EX_DATAERR, "user data of %zu bytes: Nova "
		    "takes at most %d", strlen(*udp), USER_DATA_MAX);
		freezero(*udp, strlen(*udp));
		*udp = NULL;
		goto out;
	}
	rc = 0;
 out:
	amp_files_free(&fs);
	free(ssh);
	if (cc != NULL)
		freezero(cc, strlen(cc));
	return rc;
}

/* compute: {"driver", "server_id", "status", "microversion"} of rec. */
static int
compute_set(json_t *rec, const char *sid, const char *status)
{
	json_t	*c = jrec_obj(rec, "compute");

	if (c == NULL ||
	    json_object_set_new(c, "driver", json_string("nova")) == -1 ||
	    (sid != NULL && json_object_set_new(c, "server_id",
	    json_string(sid)) == -1) ||
	    json_object_set_new(c, "status", json_string(status)) == -1 ||
	    (nv.mv[0] != '\0' && json_object_set_new(c, "microversion",
	    json_string(nv.mv)) == -1))
		return -1;
	return 0;
}

/*
 * The management address of server srv (a GET /servers/{id} "server"):
 * from "addresses" when it has one network, else from os-interface on the
 * first configured network, as Octavia does.  0 with buf set, 1 when
 * there is none yet, or an exit code with err.
 */
static int
mgmt_address(const char *sid, const json_t *srv, char *buf, size_t bufsz,
    double deadline, char *err, size_t errlen)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL;
	char			 path[256], first[64], *comma;
	int			 rc;

	if (nova_address(json_object_get(srv, "addresses"), NULL, buf,
	    bufsz) == 0)
		return 0;
	if (errno != EINVAL || nv.opt[O_NETWORK] == NULL)
		return 1;
	(void)strlcpy(first, nv.opt[O_NETWORK], sizeof(first));
	if ((comma = strchr(first, ',')) != NULL)
		*comma = '\0';
	memset(&r, 0, sizeof(r));
	(void)snprintf(path, sizeof(path), "/servers/%s/os-interface", sid);
	if ((rc = call("GET", path, NULL, &r, deadline, err, errlen)) != 0)
		goto out;
	if (r.status != 200) {
		rc = http_fail(&r, "GET os-interface", err, errlen);
		goto out;
	}
	if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL) {
		(void)snprintf(err, errlen, "nova %s: not JSON", path);
		rc = EX_PROTOCOL;
		goto out;
	}
	rc = nova_iface_address(json_object_get(doc, "interfaceAttachments"),
	    first, buf, bufsz) == 0 ? 0 : 1;
 out:
	json_decref(doc);
	oshttp_resp_clear(&r);
	return rc;
}

/*
 * Poll server sid until ACTIVE with an address (0, buf set), ERROR (an
 * exit code, Nova's fault in err) or the deadline.
 */
static int
wait_active(const char *sid, char *buf, size_t bufsz, double deadline,
    int timeout_s, char *err, size_t errlen)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL, *srv;
	const char		*st = "?", *fault;
	char			 path[256];
	double			 wait = POLL_FIRST_S;
	int			 rc;

	memset(&r, 0, sizeof(r));
	(void)snprintf(path, sizeof(path), "/servers/%s", sid);
	for (;;) {
		json_decref(doc);
		doc = NULL;
		if ((rc = call("GET", path, NULL, &r, deadline, err,
		    errlen)) != 0)
			goto out;
		if (r.status != 200) {
			rc = http_fail(&r, "GET /servers/{id}", err, errlen);
			goto out;
		}
		if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
		    (srv = json_object_get(doc, "server")) == NULL ||
		    (st = json_string_value(json_object_get(srv, "status")))
		    == NULL) {
			(void)snprintf(err, errlen, "nova GET %s: no "
			    "server.status", path);
			rc = EX_PROTOCOL;
			goto out;
		}
		if (strcmp(st, "ERROR") == 0) {
			fault = json_string_value(json_object_get(
			    json_object_get(srv, "fault"), "message"));
			(void)snprintf(err, errlen, "nova: server %s: ERROR: "
			    "%s", sid, fault != NULL ? fault : "no fault given");
			rc = EX_UNAVAILABLE;
			goto out;
		}
		if (strcmp(st, "ACTIVE") == 0) {
			if (nv.opt[O_NETWORK] == NULL) {
				buf[0] = '\0';
				rc = 0;
				goto out;
			}
			if ((rc = mgmt_address(sid, srv, buf, bufsz, deadline,
			    err, errlen)) != 1)
				goto out;
			st = "ACTIVE without an address";
		}
		if (now_s() + wait > deadline) {
			(void)snprintf(err, errlen, "nova: server %s not "
			    "ACTIVE after %d s (%s)", sid, timeout_s, st);
			rc = EX_TEMPFAIL;
			goto out;
		}
		sleep_s(wait);
		if ((wait *= 1.5) > POLL_MAX_S)
			wait = POLL_MAX_S;
	}
 out:
	json_decref(doc);
	oshttp_resp_clear(&r);
	return rc;
}

/* Delete the server a failed boot made and say so in err.  0 when gone. */
static int
boot_undo(const char *sid, char *err, size_t errlen)
{
	char	 e2[512];
	size_t	 len = strlen(err);

	if (server_delete(sid, CLEANUP_TIMEOUT_S, e2, sizeof(e2)) == 0) {
		(void)snprintf(err + len, errlen - len, "; server deleted");
		return 0;
	}
	(void)snprintf(err + len, errlen - len, "; deleting it failed: %s",
	    e2);
	return -1;
}

/* --reuse: rec's server when Nova still has it ACTIVE.  1 when reused. */
static int
boot_reuse(json_t *rec)
{
	char		 addr[64], err[512];
	const char	*sid = jrec_str(rec, "compute.server_id"),
			*drv = jrec_str(rec, "compute.driver");

	if (sid == NULL || drv == NULL || strcmp(drv, "nova") != 0)
		return 0;
	if (wait_active(sid, addr, sizeof(addr), now_s(), 0, err,
	    sizeof(err)) != 0)
		return 0;
	if (compute_set(rec, sid, DRIVER_ACTIVE) == -1 ||
	    (addr[0] != '\0' && json_object_set_new(rec, "address",
	    json_string(addr)) == -1))
		return 0;
	(void)json_object_set_new(jrec_obj(rec, "compute"), "changed",
	    json_false());
	return 1;
}

static int
nova_boot(json_t *rec, const struct boot_opts *o)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL, *ids = NULL;
	char			 err[1024], name[160], addr[64];
	char			*ud = NULL, *body = NULL;
	const char		*id = jrec_id(rec), *sid = NULL;
	int			 rc, timeout_s;
	double			 t0 = now_s(), deadline;
	size_t			 i;

	memset(&r, 0, sizeof(r));
	timeout_s = o->timeout_s > 0 ? o->timeout_s : BOOT_TIMEOUT_S;
	deadline = t0 + timeout_s;
	if (!ident_ok(id))
		return jrec_fail(rec, EX_DATAERR, "id: not a safe name");
	if ((rc = setup(o->driver_opts, err, sizeof(err))) != 0)
		return jrec_fail(rec, rc, "%s", err);
	if (o->reuse && boot_reuse(rec))
		return 0;
	if ((rc = user_data(rec, o, &ud)) != 0)
		goto out;
	log_debug("%s: boot starts", id);
	(void)snprintf(name, sizeof(name), "amphora-%s", id);
	if ((body = boot_body(rec, name, ud)) == NULL) {
		rc = jrec_fail(rec, EX_OSERR, "cannot build the request");
		goto out;
	}
	rc = call("POST", "/servers", body, &r, deadline, err, sizeof(err));
	if (rc == EX_TEMPFAIL && r.status == 0) {
		/* no answer: Nova may have made it anyway */
		if ((ids = servers_named(name, &rc, err + strlen(err),
		    sizeof(err) - strlen(err))) != NULL)
			json_array_foreach(ids, i, doc)
				(void)boot_undo(json_string_value(doc), err,
				    sizeof(err));
		doc = NULL;
		rc = jrec_fail(rec, EX_TEMPFAIL, "%s", err);
		goto out;
	}
	if (rc != 0) {
		rc = jrec_fail(rec, rc, "%s", err);
		goto out;
	}
	if (r.status != 202 && r.status != 200) {
		rc = jrec_fail(rec, http_fail(&r, "POST /servers", err,
		    sizeof(err)), "%s", err);
		goto out;
	}
	if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    (sid = json_string_value(json_object_get(json_object_get(doc,
	    "server"), "id"))) == NULL) {
		rc = jrec_fail(rec, EX_PROTOCOL, "nova POST /servers: no "
		    "server.id");
		goto out;
	}
	log_debug("%s: server %s created in %.2f s", id, sid, now_s() - t0);
	if (compute_set(rec, sid, "BUILD") == -1) {
		rc = EX_OSERR;
		(void)boot_undo(sid, err, sizeof(err));
		goto out;
	}
	if ((rc = wait_active(sid, addr, sizeof(addr), deadline, timeout_s,
	    err, sizeof(err))) != 0) {
		/* compute.status says whether anything is left */
		(void)compute_set(rec, NULL, boot_undo(sid, err,
		    sizeof(err)) == 0 ? DRIVER_DELETED : DRIVER_ERROR);
		rc = jrec_fail(rec, rc, "%s", err);
		goto out;
	}
	if (compute_set(rec, NULL, DRIVER_ACTIVE) == -1 ||
	    json_object_set_new(jrec_obj(rec, "compute"), "changed",
	    json_true()) == -1 ||
	    (addr[0] != '\0' && json_object_set_new(rec, "address",
	    json_string(addr)) == -1)) {
		rc = jrec_fail(rec, EX_OSERR, "cannot update the record");
		goto out;
	}
	rc = 0;
 out:
	if (sid != NULL)
		log_debug("%s: boot ends: server %s %s in %.2f s", id, sid,
		    rc == 0 ? "ACTIVE" : "failed", now_s() - t0);
	if (ud != NULL)
		freezero(ud, strlen(ud));
	if (body != NULL)
		freezero(body, strlen(body));
	json_decref(doc);
	json_decref(ids);
	oshttp_resp_clear(&r);
	return rc;
}

static int
nova_destroy(json_t *rec, const struct destroy_opts *o)
{
	json_t		*ids = NULL, *v;
	char		 err[1024], name[160];
	const char	*sid = jrec_str(rec, "compute.server_id"),
			*id = jrec_id(rec);
	int		 rc, timeout_s;
	size_t		 i;

	timeout_s = o->timeout_s > 0 ? o->timeout_s : DESTROY_TIMEOUT_S;
	if ((rc = setup(o->driver_opts, err, sizeof(err))) != 0)
		return jrec_fail(rec, rc, "%s", err);
	if (sid != NULL) {
		if ((rc = server_delete(sid, timeout_s, err,
		    sizeof(err))) != 0)
			return jrec_fail(rec, rc, "%s", err);
	} else {
		/* no server id: a boot that died half-way; find by name */
		if (!ident_ok(id))
			return jrec_fail(rec, EX_DATAERR, "no compute.server_id "
			    "and no safe id");
		(void)snprintf(name, sizeof(name), "amphora-%s", id);
		if ((ids = servers_named(name, &rc, err, sizeof(err))) == NULL)
			return jrec_fail(rec, rc != 0 ? rc : EX_OSERR, "%s",
			    err);
		json_array_foreach(ids, i, v)
			if ((rc = server_delete(json_string_value(v),
			    timeout_s, err, sizeof(err))) != 0) {
				json_decref(ids);
				return jrec_fail(rec, rc, "%s", err);
			}
		json_decref(ids);
	}
	if (compute_set(rec, NULL, DRIVER_DELETED) == -1)
		return jrec_fail(rec, EX_OSERR, "cannot update the record");
	return 0;
}

static int
nova_status(json_t *rec, const struct destroy_opts *o)
{
	struct oshttp_resp	 r;
	json_t			*doc = NULL;
	const char		*sid = jrec_str(rec, "compute.server_id"), *st;
	char			 err[1024], path[256];
	int			 rc;

	memset(&r, 0, sizeof(r));
	if (sid == NULL)
		return compute_set(rec, NULL, DRIVER_DELETED) == -1 ?
		    jrec_fail(rec, EX_OSERR, "cannot update the record") : 0;
	if ((rc = setup(o->driver_opts, err, sizeof(err))) != 0)
		return jrec_fail(rec, rc, "%s", err);
	(void)snprintf(path, sizeof(path), "/servers/%s", sid);
	if ((rc = call("GET", path, NULL, &r, now_s() + 60, err,
	    sizeof(err))) != 0) {
		rc = jrec_fail(rec, rc, "%s", err);
		goto out;
	}
	if (r.status == 404)
		st = DRIVER_DELETED;
	else if (r.status != 200) {
		rc = jrec_fail(rec, http_fail(&r, "GET /servers/{id}", err,
		    sizeof(err)), "%s", err);
		goto out;
	} else if ((doc = json_loadb(r.body, r.len, 0, NULL)) == NULL ||
	    (st = json_string_value(json_object_get(json_object_get(doc,
	    "server"), "status"))) == NULL) {
		rc = jrec_fail(rec, EX_PROTOCOL, "nova GET %s: no status",
		    path);
		goto out;
	} else if (strcmp(st, "ACTIVE") == 0)
		st = DRIVER_ACTIVE;
	else if (strcmp(st, "DELETED") == 0 || strcmp(st, "SOFT_DELETED") == 0)
		st = DRIVER_DELETED;
	else
		st = DRIVER_ERROR;
	if (compute_set(rec, NULL, st) == -1)
		rc = jrec_fail(rec, EX_OSERR, "cannot update the record");
 out:
	json_decref(doc);
	oshttp_resp_clear(&r);
	return rc;
}

static int
nova_check(const struct boot_opts *o)
{
	char	 err[1024];
	int	 rc, ne = 0;

	if (o->prefix != NULL || o->bridge != NULL || o->subnet != NULL ||
	    o->agent_cmd != NULL) {
		log_warnx("--prefix, --bridge, --subnet and --agent-cmd are "
		    "for the netns driver");
		return EX_USAGE;
	}
	if ((rc = setup(o->driver_opts, err, sizeof(err))) != 0) {
		log_warnx("%s", err);
		return rc;
	}
	if (nv.opt[O_IMAGE] == NULL) {
		log_warnx("nova: no image (--driver-opt image=ID or "
		    "OCT_NOVA_IMAGE)");
		ne++;
	}
	if (nv.opt[O_FLAVOR] == NULL) {
		log_warnx("nova: no flavor (--driver-opt flavor=ID or "
		    "OCT_NOVA_FLAVOR)");
		ne++;
	}
	return ne > 0 ? EX_USAGE : 0;
}

const struct driver drv_nova = {
	"nova",
	nova_check,
	nova_boot,
	nova_destroy,
	nova_status,
	NULL,
};
