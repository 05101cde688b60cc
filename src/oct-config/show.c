/* SPDX-License-Identifier: Apache-2.0 */
/*
 * show: what an appliance runs; delete: take a load balancer off it.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"

/* The load balancer id for rec, or NULL with rec failed (*codep set). */
static const char *
need_lb_id(const struct conf *c, json_t *rec, int *codep)
{
	const char	*id;

	if ((id = call_lb_id(c, rec)) == NULL) {
		*codep = jrec_fail(rec, EX_DATAERR, "no load balancer id: "
		    "give --lb or --lb-id, or records with \"lb_id\"");
		return NULL;
	}
	if (!ident_ok(id)) {
		*codep = jrec_fail(rec, EX_DATAERR,
		    "lb_id: \"%s\" is not a safe name", id);
		return NULL;
	}
	return id;
}

/*
 * The jrec_fn of show: add "running": {"lb_id", "sha256", "etag",
 * "size_bytes"} of the configuration the agent holds, or null when it
 * holds none.  With --print, write the text itself on stdout instead (and
 * then a missing configuration fails the record).  Returns 0 or the code
 * rec was failed with.
 */
int
show_record(json_t *rec, void *arg)
{
	const struct conf	*c = arg;
	struct call		 k;
	const char		*lbid;
	json_t			*run = NULL;
	char			 sha[SHA256_HEX];
	int			 st, code = 0;

	memset(&k, 0, sizeof(k));
	if ((lbid = need_lb_id(c, rec, &code)) == NULL)
		goto out;
	if ((code = call_open(&k, c, rec)) != 0)
		goto out;
	st = call_do(&k, "GET", NULL, 0, "/1.0/loadbalancer/%s/haproxy", lbid);
	if (st == 404 && !c->print && agentc_resp_is_json(&k.resp)) {
		run = json_null();
	} else if (st != 200) {
		code = call_fail(&k, rec, NULL);
		goto out;
	} else {
		if (digest_hex("SHA256", k.resp.body, k.resp.len, sha,
		    sizeof(sha)) == -1) {
			code = jrec_fail(rec, EX_SOFTWARE, "sha256 failed");
			goto out;
		}
		run = json_pack("{s:s, s:s, s:s, s:I}", "lb_id", lbid,
		    "sha256", sha, "etag", k.resp.etag, "size_bytes",
		    (json_int_t)k.resp.len);
		if (c->print && (fwrite(k.resp.body, 1, k.resp.len, stdout) !=
		    k.resp.len || fflush(stdout) == EOF)) {
			log_warn("stdout");
			code = EX_IOERR;
			goto out;
		}
	}
	if (run == NULL || json_object_set_new(rec, "running", run) == -1) {
		code = jrec_fail(rec, EX_OSERR, "cannot add \"running\"");
		goto out;
	}
 out:
	call_close(&k);
	return code;
}

/*
 * The jrec_fn of delete: stop and remove the load balancer on rec's agent
 * (DELETE /listeners/<lb_id>, as Octavia does when no listener is left) and
 * delete the TLS files the model names.  Sets "config" to {"lb_id",
 * "deleted": true, "deleted_at", "changed"}; changed is false when the
 * agent held no configuration for it.  Returns 0 or the code rec was
 * failed with.
 */
int
delete_record(json_t *rec, void *arg)
{
	const struct conf	*c = arg;
	struct call		 k;
	const char		*lbid;
	json_t			*cfg;
	char			 when[32];
	size_t			 i;
	int			 st, code = 0, existed;

	memset(&k, 0, sizeof(k));
	if ((lbid = need_lb_id(c, rec, &code)) == NULL)
		goto out;
	if ((code = call_open(&k, c, rec)) != 0)
		goto out;
	st = call_do(&k, "GET", NULL, 0, "/1.0/loadbalancer/%s/haproxy", lbid);
	if (st != 200 && st != 404) {
		code = call_fail(&k, rec, NULL);
		goto out;
	}
	existed = st == 200;
	st = call_do(&k, "DELETE", NULL, 0, "/1.0/listeners/%s", lbid);
	if (st < 200 || st > 299) {
		code = call_fail(&k, rec, NULL);
		goto out;
	}
	for (i = 0; i < c->npems; i++) {
		st = call_do(&k, "DELETE", NULL, 0,
		    "/1.0/loadbalancer/%s/certificates/%s", lbid,
		    c->pems[i].name);
		if ((st < 200 || st > 299) && st != 404) {
			code = call_fail(&k, rec, NULL);
			goto out;
		}
	}
	now_rfc3339(when, sizeof(when));
	cfg = json_pack("{s:s, s:b, s:s, s:b}", "lb_id", lbid, "deleted", 1,
	    "deleted_at", when, "changed", existed);
	if (cfg == NULL || json_object_set_new(rec, "config", cfg) == -1) {
		code = jrec_fail(rec, EX_OSERR, "cannot set \"config\"");
		goto out;
	}
	log_debug("%s: %s deleted", k.amp_id, lbid);
 out:
	call_close(&k);
	return code;
}
