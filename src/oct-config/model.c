/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The load balancer model of a run: read and validated once, before any
 * record, with the TLS files it names; rendered per VIP, the last rendering
 * kept so that a sweep of appliances sharing a VIP renders once.
 */
#include <sys/types.h>
#include <sys/stat.h>

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
#include "ipaddr.h"
#include "jrec.h"
#include "log.h"
#include "extern.h"

#define LB_MAX		(64 * 1024 * 1024)	/* model file, bytes */
#define PEM_MAX		(1024 * 1024)		/* one TLS file, bytes */

static int	 pems_load(struct conf *);

/*
 * The operator's bounds on a model: the --tls-dir directories (each made
 * a real path, which must be a directory) and the reserved addresses
 * (--reserved-ips, else $OCT_RESERVED_IPS, else Octavia's default).
 * Returns 0, or an exit code with every fault logged: EX_NOINPUT for a
 * directory that cannot be used, EX_USAGE for a bad --reserved-ips,
 * EX_CONFIG for a bad $OCT_RESERVED_IPS.
 */
int
model_opts(struct conf *c, char *const *dirs, size_t n)
{
	struct ipnet	 nets[LB_RESERVED_MAX];
	struct stat	 st;
	const char	*env;
	char		 err[256];
	size_t		 i;
	int		 rc = 0;

	for (i = 0; i < n && i < TLS_DIRS_MAX; i++) {
		if ((c->tls_dirs[c->ntls_dirs] = realpath(dirs[i], NULL)) ==
		    NULL || stat(c->tls_dirs[c->ntls_dirs], &st) == -1) {
			log_warn("--tls-dir %s", dirs[i]);
			free(c->tls_dirs[c->ntls_dirs]);
			rc = EX_NOINPUT;
			continue;
		}
		c->ntls_dirs++;
		if (!S_ISDIR(st.st_mode)) {
			log_warnx("--tls-dir %s: not a directory", dirs[i]);
			rc = EX_NOINPUT;
		}
	}
	if (c->reserved_ips == NULL && (env = getenv("OCT_RESERVED_IPS")) !=
	    NULL) {
		if (ipnet_parse_list(env, nets, LB_RESERVED_MAX, err,
		    sizeof(err)) == -1) {
			log_warnx("OCT_RESERVED_IPS: %s", err);
			return EX_CONFIG;
		}
		c->reserved_ips = env;
	} else if (c->reserved_ips != NULL && ipnet_parse_list(c->reserved_ips,
	    nets, LB_RESERVED_MAX, err, sizeof(err)) == -1) {
		log_warnx("--reserved-ips: %s", err);
		return EX_USAGE;
	}
	return rc;
}

/*
 * Read, parse and validate the model in c->lb_file into c->lb, and read the
 * TLS files it names into c->pems.  Returns 0, or an exit code with the
 * reason logged: EX_NOINPUT for a file that cannot be read, EX_DATAERR for
 * a model that is not valid.
 */
int
model_load(struct conf *c)
{
	struct lb_opts	 o;
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
	/*
	 * TLS files are read beneath the --tls-dir directories, else beneath
	 * the model's own.
	 */
	memset(&o, 0, sizeof(o));
	o.tls_dirs = (const char *const *)c->tls_dirs;
	o.ntls_dirs = c->ntls_dirs;
	o.reserved_ips = c->reserved_ips;
	if (c->ntls_dirs == 0) {
		if ((real = realpath(c->lb_file, NULL)) == NULL) {
			log_warn("%s", c->lb_file);
			rc = EX_NOINPUT;
			goto out;
		}
		dir = dirname(real);
		o.tls_dirs = (const char *const *)&dir;
		o.ntls_dirs = 1;
	}
	if ((c->lb = lb_parse_opts(doc, &o, err, sizeof(err))) == NULL) {
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
		} else if ((p->buf = lb_cert_read(c->lb, i, PEM_MAX, &p->len,
		    err, sizeof(err))) == NULL) {
			log_warnx("%s: %s", c->lb_file, err);
			/* A ref that leaves its directory is bad input. */
			return errno == ENOENT || errno == EACCES ||
			    errno == EIO || errno == ENOTDIR ? EX_NOINPUT :
			    EX_DATAERR;
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
	for (i = 0; i < c->ntls_dirs; i++)
		free(c->tls_dirs[i]);
	c->ntls_dirs = 0;
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
