/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x509util: the facts of an X.509 certificate as oct-* prints them: times
 * in RFC 3339 UTC ("2026-12-25T11:00:00Z"), serials and SHA-256
 * fingerprints in lower-case hex without colons, key types spelled as
 * oct-cert's --key option ("ec:p256", "rsa:2048").
 */
#ifndef OCT_X509UTIL_H
#define OCT_X509UTIL_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* Big enough for any of the strings below. */
#define X509UTIL_TIME_LEN	sizeof("2026-12-25T11:00:00Z")
#define X509UTIL_SHA256_LEN	(64 + 1)
#define X509UTIL_SERIAL_LEN	(2 * 20 + 1)	/* RFC 5280: 20 octets */
#define X509UTIL_KEYTYPE_LEN	32

/*
 * Format t as RFC 3339 UTC into buf.  Returns 0, or -1 when t is not a
 * valid time or buf is too small.
 */
int	 x509util_time(const ASN1_TIME *t, char *buf, size_t bufsz);

/* The SHA-256 fingerprint of x's DER encoding.  Returns 0 or -1. */
int	 x509util_sha256(const X509 *x, char *buf, size_t bufsz);

/* x's serial number in hex.  Returns 0, or -1 when it does not fit. */
int	 x509util_serial(const X509 *x, char *buf, size_t bufsz);

/*
 * The key type of k as "ec:p256", "ec:p384", "ec:p521", "rsa:<bits>",
 * "ed25519" or "<name>:<bits>" for others; *bitsp gets the key size when
 * bitsp is not NULL.  Returns 0 or -1.
 */
int	 x509util_keytype(const EVP_PKEY *k, char *buf, size_t bufsz,
	    int *bitsp);

/*
 * x's common name (the first CN of name) into buf; "" when there is none.
 * Returns 0, or -1 when it does not fit or is not printable text.
 */
int	 x509util_cn(const X509_NAME *name, char *buf, size_t bufsz);

/*
 * The facts of x as a JSON object (owned by the caller; json_decref it):
 * subject_cn, issuer_cn, serial, not_before, not_after, sha256, san (list
 * of "DNS:name" / "IP:address"), eku (list of short names such as
 * "serverAuth"), key_type, key_bits, is_ca.  Returns NULL when a name is
 * not printable or a field cannot be read; nothing is logged and the
 * OpenSSL error queue is cleared.
 */
json_t	*x509util_facts(X509 *x);

/*
 * Read the first PEM certificate of path.  Returns the certificate (free
 * with X509_free) or NULL with errno set: the open(2) errno, EFBIG for a
 * file over 1 MiB, EINVAL for one that holds no PEM certificate.  Nothing
 * is logged and the OpenSSL error queue is cleared.
 */
X509	*x509util_load(const char *path);

/*
 * x509util_load on len bytes of buf (borrowed): EFBIG for more than 1 MiB,
 * EINVAL when they hold no PEM certificate.
 */
X509	*x509util_load_mem(const void *buf, size_t len);

#endif
