/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Push: bring one appliance to the rendered configuration, the way
 * Octavia's controller does (certificates, then the config, then a reload),
 * and skip every step whose result the agent already has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <jansson.h>

#include "jrec.h"
#include "log.h"
#include "extern.h"

static int	 push_certs(struct call *, const struct conf *, json_t *,
		    int *);
static int	 lb_running(struct call *, const struct rendered *, json_t *,
		    int *);
static int	 frontend_active(const json_t *, const char *, size_t);

static int
same_str(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/*
 * The jrec_fn of a push: render the configuration for rec's VIP, push what
 * the agent does not have yet, reload, and add "config".  Returns 0 or the
 * code rec was failed with.
 */
int
push_record(json_t *rec, void *arg)
{
	struct conf		*c = arg;
	struct call		 k;
	const struct rendered	*r;
	const char		*vip, *lbid, *prev;
	json_t			*cfg;
	char			 err[1024], when[32], running_md5[80];
	int			 st, code, same, certs, running = 0;

	memset(&k, 0, sizeof(k));
	lbid = lb_id(c->lb);
	/* The record's VIP, else --vip, else the model's. */
	if ((vip = json_string_value(json_object_get(rec,
	    "vip_address"))) == NULL)
		vip = c->vip;
	if ((r = model_render(c, vip, err, sizeof(err))) == NULL) {
		code = jrec_fail(rec, EX_DATAERR, "%s", err);
		goto out;
	}
	if ((code = call_open(&k, c, rec)) != 0)
		goto out;

	/* What does the agent run now?  Its ETag is the md5 of it. */
	st = call_do(&k, "GET", NULL, 0, "/1.0/loadbalancer/%s/haproxy", lbid);
	if (st == 200) {
		if (k.resp.etag[0] != '\0')
			snprintf(running_md5, sizeof(running_md5), "%s",
			    k.resp.etag);
		else if (digest_hex("MD5", k.resp.body, k.resp.len,
		    running_md5, sizeof(running_md5)) == -1) {
			code = jrec_fail(rec, EX_SOFTWARE, "md5 failed");
			goto out;
		}
		same = strcasecmp(running_md5, r->md5) == 0;
	} else if (st == 404)
		same = 0;
	else {
		code = call_fail(&k, rec, NULL);
		goto out;
	}

	if ((code = push_certs(&k, c, rec, &certs)) != 0)
		goto out;
	if (same && certs == 0) {
		if ((code = lb_running(&k, r, rec, &running)) != 0)
			goto out;
	}
	if (!same) {
		st = call_do(&k, "PUT", r->text, r->len,
		    "/1.0/loadbalancer/%s/%s/haproxy", k.amp_id, lbid);
		if (st < 200 || st > 299) {
			code = call_fail(&k, rec, NULL);
			goto out;
		}
		if (k.resp.etag[0] != '\0' &&
		    strcasecmp(k.resp.etag, r->md5) != 0) {
			code = call_fail(&k, rec, "the agent's ETag is not "
			    "the md5 of the configuration sent");
			goto out;
		}
	}
	if (!running) {
		/* On an agent that runs nothing for lbid, reload starts it. */
		st = call_do(&k, "PUT", NULL, 0, "/1.0/loadbalancer/%s/reload",
		    lbid);
		if (st < 200 || st > 299) {
			code = call_fail(&k, rec, NULL);
			goto out;
		}
	}

	/* An unchanged config keeps the time it was first applied. */
	now_rfc3339(when, sizeof(when));
	prev = jrec_str(rec, "config.applied_at");
	if (!running || prev == NULL ||
	    !same_str(jrec_str(rec, "config.sha256"), r->sha256))
		prev = when;
	cfg = json_pack("{s:s, s:s, s:s, s:b}", "lb_id", lbid, "sha256",
	    r->sha256, "applied_at", prev, "changed", !running);
	if (cfg == NULL || json_object_set_new(rec, "config", cfg) == -1) {
		code = jrec_fail(rec, EX_OSERR, "cannot add \"config\"");
		goto out;
	}
	log_debug("%s: %s", k.amp_id, running ? "unchanged" : "applied");
	code = 0;
 out:
	call_close(&k);
	return code;
}

/*
 * Push the TLS files the agent does not have, probing each with GET first
 * (the agent answers its md5) as Octavia does.  Sets *changedp to the
 * number uploaded.  Returns 0 or the code rec was failed with.
 */
static int
push_certs(struct call *k, const struct conf *c, json_t *rec, int *changedp)
{
	const struct pem	*p;
	const char		*lbid = lb_id(c->lb), *md5;
	json_t			*doc;
	size_t			 i;
	int			 st, same;

	*changedp = 0;
	for (i = 0; i < c->npems; i++) {
		p = &c->pems[i];
		st = call_do(k, "GET", NULL, 0,
		    "/1.0/loadbalancer/%s/certificates/%s", lbid, p->name);
		if (st == 200) {
			doc = json_loadb(k->resp.body, k->resp.len, 0, NULL);
			md5 = json_string_value(json_object_get(doc, "md5sum"));
			same = md5 != NULL && strcasecmp(md5, p->md5) == 0;
			json_decref(doc);
			if (same) {
				log_debug("%s: %s: md5 matches, not sent",
				    k->amp_id, p->name);
				continue;
			}
		} else if (st != 404)
			return call_fail(k, rec, NULL);
		st = call_do(k, "PUT", p->buf, p->len,
		    "/1.0/loadbalancer/%s/certificates/%s", lbid, p->name);
		if (st < 200 || st > 299)
			return call_fail(k, rec, NULL);
		(*changedp)++;
	}
	return 0;
}

/*
 * Is haproxy serving every frontend of the configuration r?  The agent's
 * GET /listeners answers each listener's status.  Returns 0 with
 * *runningp set, or the code rec was failed with.
 */
static int
lb_running(struct call *k, const struct rendered *r, json_t *rec,
    int *runningp)
{
	json_t		*doc = NULL;
	const char	*line, *end, *name;
	size_t		 n;
	int		 st, code = 0;

	*runningp = 0;
	st = call_do(k, "GET", NULL, 0, "/1.0/listeners");
	if (st != 200)
		return call_fail(k, rec, NULL);
	doc = json_loadb(k->resp.body, k->resp.len, 0, NULL);
	if (!json_is_array(doc)) {
		code = call_fail(k, rec, "answer is not a JSON array");
		goto out;
	}
	for (line = r->text; line != NULL && *line != '\0'; line = end) {
		end = strchr(line, '\n');
		if (end != NULL)
			end++;
		if (strncmp(line, "frontend ", 9) != 0)
			continue;
		name = line + 9;
		n = strcspn(name, " \t\r\n");
		if (!frontend_active(doc, name, n))
			goto out;
	}
	*runningp = 1;
 out:
	json_decref(doc);
	return code;
}

static int
frontend_active(const json_t *list, const char *name, size_t n)
{
	const json_t	*l;
	const char	*uuid, *status;
	size_t		 i;

	json_array_foreach(list, i, l) {
		uuid = json_string_value(json_object_get(l, "uuid"));
		status = json_string_value(json_object_get(l, "status"));
		if (uuid != NULL && strlen(uuid) == n &&
		    strncmp(uuid, name, n) == 0)
			return status != NULL && strcmp(status, "ACTIVE") == 0;
	}
	return 0;
}

/*
 * --dry-run: print the configuration for --vip, else the model's own VIP,
 * on stdout.
 * Returns the exit status.
 */
int
push_dry_run(struct conf *c)
{
	const struct rendered	*r;
	char			 err[1024];

	if ((r = model_render(c, c->vip, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s", c->lb_file, err);
		return EX_DATAERR;
	}
	if (fwrite(r->text, 1, r->len, stdout) != r->len ||
	    fflush(stdout) == EOF) {
		log_warn("stdout");
		return EX_IOERR;
	}
	return 0;
}
