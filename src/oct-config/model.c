/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load balancer model of a run: read and validated once, before any
 * record, with the TLS files it names; rendered per VIP, the last rendering
 * kept so that a sweep of appliances sharing a VIP renders once.
 */
#include <sys/types.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "afile.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"

#define LB_MAX		(64 * 1024 * 1024)	/* model file, bytes */
#define PEM_MAX		(1024 * 1024)		/* one TLS file, bytes */

static int	 pems_load(struct conf *);

/*
 * Read, parse and validate the model in c->lb_file into c->lb, and read the
 * TLS files it names into c->pems.  Returns 0, or an exit code with the
 * reason logged: EX_NOINPUT for a file that cannot be read, EX_DATAERR for
 * a model that is not valid.
 */
int
model_load(struct conf *c)
{
	json_t		*doc = NULL;
	char		*buf = NULL, *dir = NULL, *real = NULL;
	char		 err[1024];
	size_t		 len;
	int		 rc = EX_DATAERR;

	if ((buf = afile_read(c->lb_file, LB_MAX, &len)) == NULL) {
		log_warn("%s", c->lb_file);
		rc = errno == EFBIG ? EX_DATAERR : EX_NOINPUT;
		goto out;
	}
	/* As records are read: an object, no duplicate key, no NUL byte. */
	if ((doc = jrec_parse(buf, len, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s", c->lb_file, err);
		goto out;
	}
	/* Relative TLS file names are relative to the model's directory. */
	if ((real = realpath(c->lb_file, NULL)) == NULL) {
		log_warn("%s", c->lb_file);
		rc = EX_NOINPUT;
		goto out;
	}
	dir = dirname(real);
	if (json_object_set_new(doc, "_oct_dir", json_string(dir)) == -1) {
		log_warnx("%s: out of memory", c->lb_file);
		rc = EX_OSERR;
		goto out;
	}
	if ((c->lb = lb_parse(doc, err, sizeof(err))) == NULL) {
		log_warnx("%s: %s", c->lb_file, err);
		goto out;
	}
	if (!ident_ok(lb_id(c->lb))) {
		log_warnx("%s: loadbalancer.id: \"%s\" is not a safe name",
		    c->lb_file, lb_id(c->lb));
		goto out;
	}
	if ((rc = pems_load(c)) != 0)
		goto out;
	rc = 0;
 out:
	json_decref(doc);
	free(buf);
	free(real);
	if (rc != 0) {
		lb_free(c->lb);
		c->lb = NULL;
	}
	return rc;
}

static int
pems_load(struct conf *c)
{
	struct pem	*p;
	const char	*data;
	char		 err[1024];
	size_t		 i, n;

	if ((n = lb_ncerts(c->lb)) == 0)
		return 0;
	if ((c->pems = calloc(n, sizeof(*c->pems))) == NULL) {
		log_warn("calloc");
		return EX_OSERR;
	}
	c->npems = n;
	for (i = 0; i < n; i++) {
		p = &c->pems[i];
		p->name = lb_cert_name(c->lb, i);
		p->path = lb_cert_path(c->lb, i);
		if (!ident_ok(p->name)) {
			log_warnx("%s: certificate name \"%s\" is not a safe "
			    "name", c->lb_file, p->name);
			return EX_DATAERR;
		}
		if (p->path == NULL) {
			/* A file the model generates (a crt-list). */
			data = lb_cert_data(c->lb, i, &p->len);
			if (data == NULL || (p->buf = malloc(p->len + 1)) ==
			    NULL) {
				log_warnx("%s: %s: no data", c->lb_file,
				    p->name);
				return EX_SOFTWARE;
			}
			memcpy(p->buf, data, p->len);
			p->buf[p->len] = '\0';
		} else if ((p->buf = afile_read(p->path, PEM_MAX, &p->len)) ==
		    NULL) {
			log_warn("%s", p->path);
			return errno == EFBIG ? EX_DATAERR : EX_NOINPUT;
		}
		if (digest_hex("MD5", p->buf, p->len, p->md5,
		    sizeof(p->md5)) == -1)
			return EX_SOFTWARE;
	}
	if (lb_check_files(c->lb, err, sizeof(err)) == -1) {
		log_warnx("%s: %s", c->lb_file, err);
		return EX_DATAERR;
	}
	return 0;
}

/* Release what model_load and model_render made. */
void
model_free(struct conf *c)
{
	size_t	 i;

	for (i = 0; i < c->npems; i++)
		freezero(c->pems[i].buf, c->pems[i].len);
	free(c->pems);
	c->pems = NULL;
	c->npems = 0;
	free(c->cache.vip);
	free(c->cache.text);
	memset(&c->cache, 0, sizeof(c->cache));
	lb_free(c->lb);
	c->lb = NULL;
}

static int
same_vip(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The configuration for vip (NULL: the model's own), with its digests.
 * Returns a rendering owned by c and valid until the next call, or NULL
 * with err set.
 */
const struct rendered *
model_render(struct conf *c, const char *vip, char *err, size_t errlen)
{
	struct rendered	*r = &c->cache;
	char		*text;
	size_t		 len;

	if (r->text != NULL && same_vip(r->vip, vip))
		return r;
	/* The record's VIP: Octavia's allowed_cidrs rule holds for it too. */
	if (vip != NULL && lb_vip_check(c->lb, vip, err, errlen) == -1)
		return NULL;
	c->hopts.vip = vip;
	text = hacfg_render(c->lb, &c->hopts, &len, err, errlen);
	c->hopts.vip = NULL;
	if (text == NULL)
		return NULL;
	free(r->vip);
	free(r->text);
	memset(r, 0, sizeof(*r));
	r->text = text;
	r->len = len;
	if (vip != NULL && (r->vip = strdup(vip)) == NULL) {
		snprintf(err, errlen, "strdup: %s", strerror(errno));
		free(r->text);
		r->text = NULL;
		return NULL;
	}
	if (digest_hex("MD5", text, len, r->md5, sizeof(r->md5)) == -1 ||
	    digest_hex("SHA256", text, len, r->sha256,
	    sizeof(r->sha256)) == -1) {
		snprintf(err, errlen, "digest failed");
		free(r->text);
		r->text = NULL;
		return NULL;
	}
	return r;
}

/*
 * The digest alg ("MD5", "SHA256") of buf in lower-case hex into hex.
 * Returns 0, or -1 with the OpenSSL errors printed.
 */
int
digest_hex(const char *alg, const void *buf, size_t len, char *hex,
    size_t hexsz)
{
	EVP_MD		*md = NULL;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dlen, i;
	int		 rc = -1;

	if ((md = EVP_MD_fetch(NULL, alg, NULL)) == NULL) {
		log_warnx("EVP_MD_fetch %s", alg);
		goto out;
	}
	if (!EVP_Digest(buf, len, d, &dlen, md, NULL)) {
		log_warnx("EVP_Digest %s", alg);
		goto out;
	}
	if (hexsz < (size_t)dlen * 2 + 1) {
		log_warnx("digest_hex: buffer too small");
		goto out;
	}
	for (i = 0; i < dlen; i++)
		snprintf(hex + i * 2, 3, "%02x", d[i]);
	rc = 0;
 out:
	if (rc == -1)
		ERR_print_errors_fp(stderr);
	EVP_MD_free(md);
	return rc;
}

/* The current time as RFC 3339 UTC ("2026-11-25T12:00:00Z") into buf. */
void
now_rfc3339(char *buf, size_t bufsz)
{
	struct tm	 tm;
	time_t		 t;

	t = time(NULL);
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, bufsz, "1970-01-01T00:00:00Z");
}
