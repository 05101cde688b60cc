/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-cert issue: a certificate and key for each record, signed by the CA.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "afile.h"
#include "extern.h"
#include "ident.h"
#include "jrec.h"
#include "log.h"
#include "state.h"
#include "x509util.h"

struct issue {
	const struct opts	*o;
	struct ca		 ca;
	struct fail		 cafail;	/* why there is no CA */
	int			 days;
	unsigned long		 nrec;		/* records seen */
};

/* Copy s for a message: at most 64 bytes, controls shown as '?'. */
static const char *
printable(const char *s, char *buf, size_t bufsz)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i + 1 < bufsz && i < 64; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

/* Returns 1 when s is an IPv4 or IPv6 address in text form. */
static int
ip_ok(const char *s)
{
	unsigned char	 a[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* Make dir (and its parents) 0700 unless there.  Returns 0 or -1, errno set. */
static int
issue_mkdir(const char *dir)
{
	struct stat	 st;

	if (afile_mkdirs(dir, 0700) == -1 || stat(dir, &st) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/*
 * The files for id: controller/client.{pem,key} for the controller's
 * client certificate, certs/<id>.{pem,key} for all others.  Creates the
 * directory.  Returns 0, or the exit code with *f set.
 */
static int
issue_paths(const char *id, enum role role, char *cert, char *key,
    size_t sz, struct fail *f)
{
	char		 dir[PATH_MAX];
	const char	*sub, *base;

	if (role == ROLE_CLIENT && strcmp(id, "controller") == 0) {
		sub = "controller";
		base = "client";
	} else {
		sub = "certs";
		base = id;
	}
	if (state_path(dir, sizeof(dir), "%s", sub) == -1 ||
	    state_path(cert, sz, "%s/%s.pem", sub, base) == -1 ||
	    state_path(key, sz, "%s/%s.key", sub, base) == -1)
		return fail_set(f, EX_CANTCREAT, "path too long");
	if (issue_mkdir(dir) == -1)
		return fail_set(f, EX_CANTCREAT, "%s: %s", dir,
		    strerror(errno));
	return 0;
}

/*
 * The certificate at cert_path if it is worth keeping: signed by the CA,
 * fit for the role, id and address, its key in place, of the key type
 * asked for, and not expiring within renew_before days.  Returns it
 * (X509_free it), or NULL with why in *f.
 */
static X509 *
issue_fresh(const struct issue *is, const char *cert_path,
    const char *key_path, const char *id, const char *address,
    struct fail *f)
{
	char		 kt[X509UTIL_KEYTYPE_LEN], na[X509UTIL_TIME_LEN];
	X509		*x;
	EVP_PKEY	*k = NULL;
	time_t		 t;

	if ((x = x509util_load(cert_path)) == NULL) {
		fail_set(f, 0, "%s: no certificate to keep", cert_path);
		return NULL;
	}
	if (verify_cert(&is->ca, x, is->o->role, id, address, f) != 0)
		goto fail;
	t = time(NULL) + (time_t)is->o->renew_before * 24 * 60 * 60;
	if (X509_cmp_time(X509_get0_notAfter(x), &t) <= 0) {
		if (x509util_time(X509_get0_notAfter(x), na, sizeof(na)) == -1)
			(void)strlcpy(na, "?", sizeof(na));
		fail_set(f, 0, "expires on %s, within %d days", na,
		    is->o->renew_before);
		goto fail;
	}
	if (x509util_keytype(X509_get0_pubkey(x), kt, sizeof(kt), NULL) ==
	    -1 || strcmp(kt, is->o->key) != 0) {
		fail_set(f, 0, "key type is not %s", is->o->key);
		goto fail;
	}
	if ((k = key_load(key_path, f)) == NULL)
		goto fail;
	if (!key_matches(x, k)) {
		fail_set(f, 0, "%s does not match %s", key_path, cert_path);
		goto fail;
	}
	EVP_PKEY_free(k);
	return x;
fail:
	EVP_PKEY_free(k);
	X509_free(x);
	return NULL;
}

/* The jrec_fn of issue: one record, one certificate. */
static int
issue_one(json_t *rec, void *arg)
{
	struct issue	*is = arg;
	struct fail	 f;
	char		 cert_path[PATH_MAX], key_path[PATH_MAX], pr[80];
	const char	*id, *address = NULL;
	json_t		*v, *co;
	X509		*x = NULL;
	EVP_PKEY	*k = NULL;
	int		 rc = 0, renewed = 1;

	is->nrec++;
	if (is->cafail.code != 0)
		return jrec_fail(rec, is->cafail.code, "%s", is->cafail.msg);
	if ((id = json_string_value(json_object_get(rec, "id"))) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no string \"id\"");
	if (!ident_ok(id))
		return jrec_fail(rec, EX_DATAERR, "id \"%s\" is not a safe "
		    "name (1 to %d of [A-Za-z0-9._-], no leading dot)",
		    printable(id, pr, sizeof(pr)), IDENT_MAX);
	v = json_object_get(rec, "address");
	if (is->o->role == ROLE_SERVER && v != NULL && !json_is_null(v)) {
		if ((address = json_string_value(v)) == NULL ||
		    !ip_ok(address))
			return jrec_fail(rec, EX_DATAERR, "\"address\" is not "
			    "an IPv4 or IPv6 address");
	}
	if (issue_paths(id, is->o->role, cert_path, key_path,
	    sizeof(cert_path), &f) != 0)
		return jrec_fail(rec, f.code, "%s", f.msg);

	if (is->o->renew_before >= 0) {
		memset(&f, 0, sizeof(f));
		if ((x = issue_fresh(is, cert_path, key_path, id, address,
		    &f)) != NULL) {
			log_debug("%s: %s is fresh, kept", id, cert_path);
			renewed = 0;
			goto done;
		}
		log_debug("%s: renewing: %s", id, f.msg);
	}
	if ((k = key_new(is->o->key)) == NULL ||
	    (x = cert_new(&is->ca, k, id, is->o->role, address,
	    is->days)) == NULL) {
		rc = jrec_fail(rec, EX_SOFTWARE, "cannot make a certificate");
		goto out;
	}
	/*
	 * Key first: a reader that sees the new certificate finds its key.
	 * XXX a reader between the two renames pairs the new key with the
	 * old certificate; one combined file would close that window.
	 */
	if (key_write(key_path, k, 0) == -1 ||
	    cert_write(cert_path, x, 0) == -1) {
		rc = jrec_fail(rec, EX_CANTCREAT, "cannot write %s",
		    cert_path);
		goto out;
	}
	log_debug("%s: wrote %s", id, cert_path);
done:
	if ((co = cert_object(rec, x, cert_path, key_path,
	    is->ca.cert_path)) == NULL) {
		rc = jrec_fail(rec, EX_SOFTWARE, "cannot describe %s",
		    cert_path);
		goto out;
	}
	if (is->o->renew_before >= 0 &&
	    json_object_set_new(co, "renewed", json_boolean(renewed)) == -1)
		rc = jrec_fail(rec, EX_SOFTWARE, "cannot describe %s",
		    cert_path);
out:
	EVP_PKEY_free(k);
	X509_free(x);
	return rc;
}

/*
 * oct-cert issue: read records on stdin (or make the one record of --id)
 * and issue each a certificate.  Without a usable CA every record fails
 * with the CA's error, so that the end of a pipe sees it.
 */
int
cmd_issue(const struct opts *o)
{
	struct issue	 is;
	json_t		*rec = NULL;
	int		 rc;

	memset(&is, 0, sizeof(is));
	is.o = o;
	is.days = o->days >= 0 ? o->days : LEAF_DAYS;
	(void)ca_load(&is.ca, 1, &is.cafail);
	if (o->id == NULL) {
		rc = jrec_run(stdin, stdout, issue_one, &is);
		/* Each failed record said why; with none, say it once. */
		if (is.cafail.code != 0 && is.nrec == 0) {
			log_warnx("%s", is.cafail.msg);
			if (rc == 0)
				rc = is.cafail.code;
		}
		goto out;
	}
	if ((rec = json_pack("{s:s}", "id", o->id)) == NULL) {
		log_warnx("json_pack");
		rc = EX_OSERR;
		goto out;
	}
	rc = issue_one(rec, &is);
	if (jrec_write(stdout, rec) == -1) {
		log_warn("stdout");
		rc = EX_IOERR;
	}
out:
	json_decref(rec);
	ca_free(&is.ca);
	return rc;
}
