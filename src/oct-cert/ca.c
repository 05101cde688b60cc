/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CA: ca/ca.pem and ca/ca.key in the state directory, created once
 * and never overwritten.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "afile.h"
#include "extern.h"
#include "jrec.h"
#include "log.h"
#include "state.h"
#include "x509util.h"

#define CA_CN	"oct CA"

/* Fill in ca's paths.  Returns 0, or -1 (logged). */
int
ca_paths(struct ca *ca)
{
	if (state_path(ca->cert_path, sizeof(ca->cert_path), "ca/ca.pem") ==
	    -1 || state_path(ca->key_path, sizeof(ca->key_path),
	    "ca/ca.key") == -1)
		return -1;
	return 0;
}

/*
 * Load the CA of the state directory into ca: paths, certificate, and
 * with need_key its key, checked private and matching.  Returns 0, or the exit code with *f set: EX_NOINPUT when there is no CA
 * or it cannot be read, EX_NOPERM when its key file is group- or
 * world-accessible, EX_CONFIG when it is corrupt.  Release with ca_free.
 */
int
ca_load(struct ca *ca, int need_key, struct fail *f)
{
	struct stat	 st;
	const char	*dir;
	char		 na[X509UTIL_TIME_LEN];

	memset(ca, 0, sizeof(*ca));
	if ((dir = state_dir()) == NULL || ca_paths(ca) == -1)
		return fail_set(f, EX_CONFIG, "no usable state directory");
	if (stat(ca->cert_path, &st) == -1) {
		if (errno == ENOENT && stat(ca->key_path, &st) == 0)
			return fail_set(f, EX_CONFIG, "%s without %s: "
			    "restore the certificate or move the key away",
			    ca->key_path, ca->cert_path);
		if (errno == ENOENT)
			return fail_set(f, EX_NOINPUT,
			    "no CA in %s/ca: run oct-cert ca", dir);
		return fail_set(f, EX_NOINPUT, "%s: %s", ca->cert_path,
		    strerror(errno));
	}
	if (need_key && (ca->key = key_load(ca->key_path, f)) == NULL) {
		if (f->code == EX_DATAERR)
			f->code = EX_CONFIG;
		return f->code;
	}
	if ((ca->cert = x509util_load(ca->cert_path)) == NULL) {
		if (errno == EINVAL)
			return fail_set(f, EX_CONFIG, "%s: no PEM certificate "
			    "in it", ca->cert_path);
		return fail_set(f, EX_NOINPUT, "%s: %s", ca->cert_path,
		    strerror(errno));
	}
	if (!(X509_get_extension_flags(ca->cert) & EXFLAG_CA))
		return fail_set(f, EX_CONFIG, "%s: not a CA certificate",
		    ca->cert_path);
	/* Everything an expired CA signs is born expired. */
	if (X509_cmp_current_time(X509_get0_notAfter(ca->cert)) <= 0) {
		if (x509util_time(X509_get0_notAfter(ca->cert), na,
		    sizeof(na)) == -1)
			(void)strlcpy(na, "(unreadable)", sizeof(na));
		return fail_set(f, EX_CONFIG, "%s: the CA expired on %s",
		    ca->cert_path, na);
	}
	if (need_key && !key_matches(ca->cert, ca->key))
		return fail_set(f, EX_CONFIG, "%s does not match %s",
		    ca->key_path, ca->cert_path);
	return 0;
}

/* Free what ca_load loaded; ca itself is the caller's. */
void
ca_free(struct ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	ca->cert = NULL;
	ca->key = NULL;
}

/* Print {"ca": {...}} for the loaded or created CA.  Returns 0 or -1. */
static int
ca_print(const struct ca *ca, int created)
{
	char	 na[X509UTIL_TIME_LEN], fp[X509UTIL_SHA256_LEN];
	json_t	*o;
	int	 rc;

	if (x509util_time(X509_get0_notAfter(ca->cert), na, sizeof(na)) ==
	    -1 || x509util_sha256(ca->cert, fp, sizeof(fp)) == -1) {
		log_warnx("%s: cannot read dates or digest", ca->cert_path);
		return -1;
	}
	o = json_pack("{s:{s:s, s:s, s:b, s:s, s:s}}", "ca",
	    "cert", ca->cert_path, "key", ca->key_path, "created", created,
	    "not_after", na, "sha256", fp);
	if (o == NULL) {
		log_warnx("json_pack");
		return -1;
	}
	if ((rc = jrec_write(stdout, o)) == -1)
		log_warn("stdout");
	json_decref(o);
	return rc;
}

/*
 * oct-cert ca: create the CA if there is none, else check the one there.
 * Writes the key first and the certificate last, neither over an existing
 * file, so a CA is there exactly when ca.pem is.
 */
int
cmd_ca(const struct opts *o)
{
	struct ca	 ca;
	struct fail	 f;
	struct stat	 st;
	int		 rc = EX_SOFTWARE, created = 0, days, key_written = 0;

	memset(&ca, 0, sizeof(ca));
	if (ca_paths(&ca) == -1)
		return EX_CANTCREAT;
	if (stat(ca.cert_path, &st) == 0 || stat(ca.key_path, &st) == 0) {
		if ((rc = ca_load(&ca, 1, &f)) != 0) {
			log_warnx("%s", f.msg);
			goto out;
		}
	} else {
		days = o->days >= 0 ? o->days : CA_DAYS;
		if (state_mkdir("ca") == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
		if ((ca.key = key_new(o->key)) == NULL ||
		    (ca.cert = cert_new(NULL, ca.key, CA_CN, ROLE_NONE, NULL,
		    days)) == NULL) {
			rc = EX_SOFTWARE;
			goto out;
		}
		if (key_write(ca.key_path, ca.key, AFILE_NOREPLACE) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
		key_written = 1;
		if (cert_write(ca.cert_path, ca.cert, AFILE_NOREPLACE) == -1) {
			rc = EX_CANTCREAT;
			goto out;
		}
		created = 1;
		log_debug("created %s, %s", ca.cert_path, ca.key_path);
	}
	rc = ca_print(&ca, created) == -1 ? EX_IOERR : 0;
out:
	/* A key without its certificate is no CA: take back our own key. */
	if (key_written && !created)
		(void)unlink(ca.key_path);
	ca_free(&ca);
	return rc;
}
