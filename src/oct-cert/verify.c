/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oct-cert verify: check each record's certificate against the CA, and
 * say precisely what is wrong.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "extern.h"
#include "jrec.h"
#include "log.h"
#include "x509util.h"

struct verify {
	const struct opts	*o;
	struct ca		 ca;
	struct fail		 cafail;
	unsigned long		 nrec;
};

/* Run OpenSSL's own chain check of x against the CA for role. */
static int
verify_chain(const struct ca *ca, X509 *x, enum role role, struct fail *f)
{
	X509_STORE	*store = NULL;
	X509_STORE_CTX	*ctx = NULL;
	int		 rc = EX_SOFTWARE, err;

	if ((store = X509_STORE_new()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL) {
		ossl_warnx("X509_STORE_new");
		fail_set(f, EX_OSERR, "cannot check the chain");
		goto out;
	}
	if (X509_STORE_add_cert(store, ca->cert) != 1 ||
	    X509_STORE_CTX_init(ctx, store, x, NULL) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, role == ROLE_SERVER ?
	    X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT) != 1) {
		ossl_warnx("X509_STORE_CTX_init");
		fail_set(f, EX_SOFTWARE, "cannot check the chain");
		goto out;
	}
	if (X509_verify_cert(ctx) == 1)
		rc = 0;
	else {
		err = X509_STORE_CTX_get_error(ctx);
		rc = fail_set(f, EX_DATAERR, "certificate rejected: %s",
		    X509_verify_cert_error_string(err));
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return rc;
}

/*
 * Check x against the CA: signed by it, valid now, not a CA, extended key
 * usage fit for role, issued for id (server: DNS name; client: CN) and
 * for address (server: IP in subjectAltName) where those are not NULL,
 * then OpenSSL's whole chain check.  Returns 0, or EX_DATAERR with the
 * first thing wrong in *f.
 */
int
verify_cert(const struct ca *ca, X509 *x, enum role role, const char *id,
    const char *address, struct fail *f)
{
	char		 t[X509UTIL_TIME_LEN], cn[256];
	const char	*want;
	uint32_t	 xku, bit;
	int		 rc;

	rc = X509_check_issued(ca->cert, x) == X509_V_OK &&
	    X509_verify(x, X509_get0_pubkey(ca->cert)) == 1;
	ERR_clear_error();
	if (!rc)
		return fail_set(f, EX_DATAERR, "not signed by the CA %s",
		    ca->cert_path);
	if (X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		if (x509util_time(X509_get0_notBefore(x), t, sizeof(t)) == -1)
			(void)strlcpy(t, "(unreadable)", sizeof(t));
		return fail_set(f, EX_DATAERR, "certificate is not valid "
		    "before %s", t);
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		if (x509util_time(X509_get0_notAfter(x), t, sizeof(t)) == -1)
			(void)strlcpy(t, "(unreadable)", sizeof(t));
		return fail_set(f, EX_DATAERR, "certificate expired on %s",
		    t);
	}
	if (X509_get_extension_flags(x) & EXFLAG_CA)
		return fail_set(f, EX_DATAERR, "certificate is a CA, not a "
		    "leaf");
	want = role == ROLE_SERVER ? "serverAuth" : "clientAuth";
	bit = role == ROLE_SERVER ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
	xku = X509_get_extended_key_usage(x);
	if (!(X509_get_extension_flags(x) & EXFLAG_XKUSAGE) || !(xku & bit))
		return fail_set(f, EX_DATAERR, "certificate lacks extended "
		    "key usage %s", want);
	if (role == ROLE_SERVER && id != NULL &&
	    X509_check_host(x, id, 0, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
	    NULL) != 1)
		rc = fail_set(f, EX_DATAERR, "certificate has no DNS name "
		    "\"%s\" in subjectAltName", id);
	else if (role == ROLE_SERVER && address != NULL &&
	    X509_check_ip_asc(x, address, 0) != 1)
		rc = fail_set(f, EX_DATAERR, "certificate has no IP address "
		    "%s in subjectAltName", address);
	else if (role == ROLE_CLIENT && id != NULL &&
	    (x509util_cn(X509_get_subject_name(x), cn, sizeof(cn)) == -1 ||
	    strcmp(cn, id) != 0))
		rc = fail_set(f, EX_DATAERR, "certificate common name is not "
		    "\"%s\"", id);
	else
		rc = 0;
	ERR_clear_error();
	if (rc != 0)
		return rc;
	return verify_chain(ca, x, role, f);
}

/* The jrec_fn of verify. */
static int
verify_one(json_t *rec, void *arg)
{
	struct verify	*v = arg;
	struct fail	 f;
	const char	*cert_path, *key_path, *id, *address;
	json_t		*o;
	X509		*x = NULL;
	EVP_PKEY	*k = NULL;
	int		 rc = 0;

	v->nrec++;
	memset(&f, 0, sizeof(f));
	if (v->cafail.code != 0)
		return jrec_fail(rec, v->cafail.code, "%s", v->cafail.msg);
	if ((cert_path = jrec_str(rec, "cert.cert")) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no string "
		    "\"cert.cert\"");
	if ((key_path = jrec_str(rec, "cert.key")) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no string "
		    "\"cert.key\"");
	id = json_string_value(json_object_get(rec, "id"));
	address = json_string_value(json_object_get(rec, "address"));
	if ((x = x509util_load(cert_path)) == NULL) {
		if (errno == EINVAL)
			fail_set(&f, EX_DATAERR, "%s: no PEM certificate in "
			    "it", cert_path);
		else
			fail_set(&f, EX_NOINPUT, "%s: %s", cert_path,
			    strerror(errno));
		goto out;
	}
	if (verify_cert(&v->ca, x, v->o->role, id, address, &f) != 0)
		goto out;
	if ((k = key_load(key_path, &f)) == NULL)
		goto out;
	if (!key_matches(x, k)) {
		fail_set(&f, EX_DATAERR, "%s does not match %s", key_path,
		    cert_path);
		goto out;
	}
	f.code = 0;
out:
	o = json_pack("{s:b}", "ok", f.code == 0);
	if (o == NULL || json_object_set_new(rec, "verify", o) == -1)
		rc = jrec_fail(rec, EX_OSERR, "cannot add \"verify\"");
	else if (f.code != 0)
		rc = jrec_fail(rec, f.code, "%s", f.msg);
	EVP_PKEY_free(k);
	X509_free(x);
	return rc;
}

/* oct-cert verify: check the certificate of each record on stdin. */
int
cmd_verify(const struct opts *o)
{
	struct verify	 v;
	int		 rc;

	memset(&v, 0, sizeof(v));
	v.o = o;
	/* Checking needs the CA's certificate only, not its key. */
	(void)ca_load(&v.ca, 0, &v.cafail);
	rc = jrec_run(stdin, stdout, verify_one, &v);
	if (v.cafail.code != 0 && v.nrec == 0) {
		log_warnx("%s", v.cafail.msg);
		if (rc == 0)
			rc = v.cafail.code;
	}
	ca_free(&v.ca);
	return rc;
}
