/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificates: building and signing the CA's and the leaves', writing
 * them, and the record's "cert" object.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "extern.h"
#include "log.h"
#include "x509util.h"

#define SERIAL_BYTES	16	/* 128 random bits, top one cleared */

/* Give x a random positive non-zero serial.  Returns 0 or -1 (logged). */
static int
cert_serial(X509 *x)
{
	unsigned char	 b[SERIAL_BYTES];
	BIGNUM		*bn = NULL;
	int		 rc = -1;

	do {
		if (RAND_bytes(b, sizeof(b)) != 1) {
			ossl_warnx("RAND_bytes");
			goto out;
		}
		/* Positive in DER: the top bit of the first byte clear. */
		b[0] &= 0x7f;
		BN_free(bn);
		if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL) {
			ossl_warnx("BN_bin2bn");
			goto out;
		}
	} while (BN_is_zero(bn));
	if (BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL) {
		ossl_warnx("BN_to_ASN1_INTEGER");
		goto out;
	}
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

/* Add extension nid with value (openssl x509v3_config syntax) to x. */
static int
cert_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION	*e;
	int		 rc = 0;

	if ((e = X509V3_EXT_conf_nid(NULL, ctx, nid, value)) == NULL) {
		ossl_warnx("X509V3_EXT_conf_nid %s %s", OBJ_nid2sn(nid),
		    value);
		return -1;
	}
	if (X509_add_ext(x, e, -1) != 1) {
		ossl_warnx("X509_add_ext %s", OBJ_nid2sn(nid));
		rc = -1;
	}
	X509_EXTENSION_free(e);
	return rc;
}

/*
 * Build and sign a certificate for key with common name cn, valid from
 * SKEW_S seconds ago for days days (0: expires at once) but never past
 * the CA's own end.  With ca NULL it is the self-signed CA certificate;
 * else a leaf for role, signed by ca, with address (may be NULL) in a
 * server certificate's subjectAltName.  Returns the certificate
 * (X509_free it) or NULL (logged).
 */
X509 *
cert_new(const struct ca *ca, EVP_PKEY *key, const char *cn, enum role role,
    const char *address, int days)
{
	X509		*x = NULL, *issuer;
	X509_NAME	*name = NULL;
	X509V3_CTX	 ctx;
	EVP_PKEY	*signer;
	char		 san[512];
	time_t		 now;
	int		 ok = 0, n;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL) {
		ossl_warnx("X509_new");
		goto out;
	}
	if (X509_set_version(x, X509_VERSION_3) != 1 || cert_serial(x) == -1)
		goto out;
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, name) != 1) {
		ossl_warnx("X509_set_subject_name");
		goto out;
	}
	issuer = ca != NULL ? ca->cert : x;
	signer = ca != NULL ? ca->key : key;
	if (X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1) {
		ossl_warnx("X509_set_issuer_name");
		goto out;
	}
	now = time(NULL);
	if (X509_time_adj_ex(X509_getm_notBefore(x), 0, -SKEW_S, &now) ==
	    NULL || X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &now) ==
	    NULL) {
		ossl_warnx("X509_time_adj_ex");
		goto out;
	}
	if (ca != NULL && ASN1_TIME_compare(X509_get0_notAfter(x),
	    X509_get0_notAfter(ca->cert)) > 0 &&
	    X509_set1_notAfter(x, X509_get0_notAfter(ca->cert)) != 1) {
		ossl_warnx("X509_set1_notAfter");
		goto out;
	}
	if (X509_set_pubkey(x, key) != 1) {
		ossl_warnx("X509_set_pubkey");
		goto out;
	}

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (ca == NULL) {
		if (cert_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") == -1 ||
		    cert_ext(x, &ctx, NID_key_usage,
		    "critical,keyCertSign,cRLSign") == -1)
			goto out;
	} else {
		if (cert_ext(x, &ctx, NID_basic_constraints,
		    "critical,CA:FALSE") == -1 ||
		    cert_ext(x, &ctx, NID_key_usage,
		    EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ?
		    "critical,digitalSignature,keyEncipherment" :
		    "critical,digitalSignature") == -1 ||
		    cert_ext(x, &ctx, NID_ext_key_usage,
		    role == ROLE_SERVER ? "serverAuth" : "clientAuth") == -1)
			goto out;
		if (role == ROLE_SERVER) {
			/* cn and address are checked safe: no ',' in them. */
			n = snprintf(san, sizeof(san), "DNS:%s%s%s", cn,
			    address != NULL ? ",IP:" : "",
			    address != NULL ? address : "");
			if (n < 0 || (size_t)n >= sizeof(san)) {
				log_warnx("%s: subjectAltName too long", cn);
				goto out;
			}
			if (cert_ext(x, &ctx, NID_subject_alt_name, san) == -1)
				goto out;
		}
	}
	/* The subject key id first: the authority key id may copy it. */
	if (cert_ext(x, &ctx, NID_subject_key_identifier, "hash") == -1 ||
	    cert_ext(x, &ctx, NID_authority_key_identifier,
	    "keyid:always") == -1)
		goto out;
	if (X509_sign(x, signer, EVP_sha256()) <= 0) {
		ossl_warnx("X509_sign");
		goto out;
	}
	ok = 1;
out:
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

/*
 * Write x as PEM to path, mode 0644, atomically, with afile_write flags.
 * Returns 0 or -1 (logged).
 */
int
cert_write(const char *path, X509 *x, int flags)
{
	BIO	*bio = NULL;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL) {
		ossl_warnx("BIO_new");
		goto out;
	}
	if (PEM_write_bio_X509(bio, x) != 1) {
		ossl_warnx("PEM_write_bio_X509");
		goto out;
	}
	rc = bio_save(path, bio, 0644, flags);
out:
	BIO_free(bio);
	return rc;
}

/*
 * Set rec's "cert" to {"cert", "key", "ca", "serial", "not_after",
 * "sha256"} for x, written at cert_path with its key at key_path.
 * Returns the new object (borrowed from rec) or NULL (logged).
 */
json_t *
cert_object(json_t *rec, X509 *x, const char *cert_path,
    const char *key_path, const char *ca_path)
{
	char	 serial[X509UTIL_SERIAL_LEN], na[X509UTIL_TIME_LEN];
	char	 fp[X509UTIL_SHA256_LEN];
	json_t	*o;

	if (x509util_serial(x, serial, sizeof(serial)) == -1 ||
	    x509util_time(X509_get0_notAfter(x), na, sizeof(na)) == -1 ||
	    x509util_sha256(x, fp, sizeof(fp)) == -1) {
		log_warnx("%s: cannot read serial, dates or digest",
		    cert_path);
		return NULL;
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "cert", cert_path,
	    "key", key_path, "ca", ca_path, "serial", serial,
	    "not_after", na, "sha256", fp);
	if (o == NULL || json_object_set_new(rec, "cert", o) == -1) {
		log_warnx("cannot build the cert object");
		return NULL;
	}
	return o;
}
