/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/x509util: times, serials, key types, names, facts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "t.h"
#include "x509util.h"

static void
test_time(void)
{
	static const struct {
		const char	*asn1;	/* UTCTime or GeneralizedTime */
		const char	*want;	/* NULL: invalid */
	} t[] = {
		{ "261225110000Z",	"2026-12-25T11:00:00Z" },
		{ "491231235959Z",	"2049-12-31T23:59:59Z" },
		{ "500101000000Z",	"1950-01-01T00:00:00Z" },
		{ "20501231235959Z",	"2050-12-31T23:59:59Z" },
		{ "99991231235959Z",	"9999-12-31T23:59:59Z" },
		{ "20260229000000Z",	NULL },
	};
	ASN1_TIME	*a;
	char		 buf[X509UTIL_TIME_LEN], small[8];
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a = ASN1_TIME_new();
		if (ASN1_TIME_set_string(a, t[i].asn1) != 1) {
			T_OK(t[i].want == NULL, t[i].asn1);
			ASN1_TIME_free(a);
			continue;
		}
		rc = x509util_time(a, buf, sizeof(buf));
		if (t[i].want == NULL)
			T_INTEQ(rc, -1, t[i].asn1);
		else
			T_STREQ(rc == 0 ? buf : NULL, t[i].want, t[i].asn1);
		if (i == 0)
			T_INTEQ(x509util_time(a, small, sizeof(small)), -1,
			    "time into a small buffer");
		ASN1_TIME_free(a);
	}
	T_INTEQ(x509util_time(NULL, buf, sizeof(buf)), -1, "NULL time");
}

/* A self-signed test certificate for key with the given extensions. */
static X509 *
mkcert(EVP_PKEY *key, const char *cn, const char *san, const char *eku,
    long serial, int ca)
{
	X509		*x = X509_new();
	X509_NAME	*n = X509_NAME_new();
	X509V3_CTX	 ctx;
	X509_EXTENSION	*e;

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20260101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "20261225110000Z");
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (san != NULL) {
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (eku != NULL) {
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_ext_key_usage, eku);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static void
test_keytype(void)
{
	static const struct {
		const char	*type, *arg;
		size_t		 bits;
		const char	*want;
		int		 wbits;
	} t[] = {
		{ "EC",		"P-256",	0,	"ec:p256",	256 },
		{ "EC",		"P-384",	0,	"ec:p384",	384 },
		{ "EC",		"P-521",	0,	"ec:p521",	521 },
		{ "RSA",	NULL,		2048,	"rsa:2048",	2048 },
		{ "ED25519",	NULL,		0,	"ed25519",	256 },
	};
	EVP_PKEY	*k;
	char		 buf[X509UTIL_KEYTYPE_LEN];
	size_t		 i;
	int		 bits;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].arg != NULL)
			k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].type, t[i].arg);
		else if (t[i].bits != 0)
			k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].type,
			    t[i].bits);
		else
			k = EVP_PKEY_Q_keygen(NULL, NULL, t[i].type);
		bits = 0;
		T_OK(k != NULL && x509util_keytype(k, buf, sizeof(buf),
		    &bits) == 0, t[i].want);
		T_STREQ(buf, t[i].want, "key type name");
		T_INTEQ(bits, t[i].wbits, "key bits");
		EVP_PKEY_free(k);
	}
}

static void
test_facts(void)
{
	EVP_PKEY	*k;
	X509		*x, *y;
	json_t		*f;
	char		*s, buf[X509UTIL_SERIAL_LEN], fp[X509UTIL_SHA256_LEN];
	char		 path[] = "/tmp/test_x509util.XXXXXX";
	FILE		*fpw;
	BIO		*pem;
	char		*mem, *big;
	long		 len;
	int		 fd;

	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	x = mkcert(k, "amp-1", "DNS:amp-1,IP:198.18.0.5,IP:fd00::1",
	    "serverAuth,clientAuth", 0x0102ff, 0);
	f = x509util_facts(x);
	T_OK(f != NULL, "facts of a server certificate");
	T_STREQ(json_string_value(json_object_get(f, "subject_cn")), "amp-1",
	    "subject_cn");
	T_STREQ(json_string_value(json_object_get(f, "issuer_cn")), "amp-1",
	    "issuer_cn");
	T_STREQ(json_string_value(json_object_get(f, "not_before")),
	    "2026-01-01T00:00:00Z", "not_before");
	T_STREQ(json_string_value(json_object_get(f, "serial")), "0102ff",
	    "serial in lower-case hex");
	T_STREQ(json_string_value(json_object_get(f, "not_after")),
	    "2026-12-25T11:00:00Z", "not_after");
	s = json_dumps(json_object_get(f, "san"), JSON_COMPACT);
	T_STREQ(s, "[\"DNS:amp-1\",\"IP:198.18.0.5\",\"IP:fd00::1\"]", "san");
	free(s);
	s = json_dumps(json_object_get(f, "eku"), JSON_COMPACT);
	T_STREQ(s, "[\"serverAuth\",\"clientAuth\"]", "eku");
	free(s);
	T_STREQ(json_string_value(json_object_get(f, "key_type")), "ec:p256",
	    "key_type");
	T_INTEQ(json_integer_value(json_object_get(f, "key_bits")), 256,
	    "key_bits");
	T_OK(json_is_false(json_object_get(f, "is_ca")), "not a CA");
	T_OK(x509util_sha256(x, fp, sizeof(fp)) == 0 && strlen(fp) == 64,
	    "sha256 is 64 hex digits");
	T_STREQ(json_string_value(json_object_get(f, "sha256")), fp,
	    "facts carry the same sha256");
	T_INTEQ(x509util_serial(x, buf, 4), -1, "serial into a small buffer");
	json_decref(f);

	/* A CA without SAN or EKU: empty lists. */
	y = mkcert(k, "oct CA", NULL, NULL, 1, 1);
	f = x509util_facts(y);
	T_OK(f != NULL && json_is_true(json_object_get(f, "is_ca")), "a CA");
	T_INTEQ(json_array_size(json_object_get(f, "san")), 0, "no san");
	T_INTEQ(json_array_size(json_object_get(f, "eku")), 0, "no eku");
	json_decref(f);
	X509_free(y);

	/* A CN with a newline is refused: it would break a log line. */
	y = mkcert(k, "a\nb", NULL, NULL, 1, 0);
	T_INTEQ(x509util_cn(X509_get_subject_name(y), buf, sizeof(buf)), -1,
	    "control characters in a CN");
	T_OK(x509util_facts(y) == NULL, "no facts for such a CN");
	X509_free(y);

	/* So is a subjectAltName with one (found by the certshow fuzzer). */
	y = mkcert(k, "amp-1", "DNS:amp-1,URI:h\at://x/y", NULL, 1, 0);
	f = x509util_facts(y);
	T_OK(f == NULL, "no facts for a SAN with a control character");
	json_decref(f);
	X509_free(y);

	/* Load: missing file, garbage, PEM. */
	errno = 0;
	T_OK(x509util_load("/nonexistent/x.pem") == NULL && errno == ENOENT,
	    "load a missing file: ENOENT");
	fd = mkstemp(path);
	fpw = fdopen(fd, "w");
	fputs("not a certificate\n", fpw);
	fflush(fpw);
	errno = 0;
	T_OK(x509util_load(path) == NULL && errno == EINVAL,
	    "load garbage: EINVAL");
	rewind(fpw);
	PEM_write_X509(fpw, x);
	fclose(fpw);
	y = x509util_load(path);
	T_OK(y != NULL && X509_cmp(x, y) == 0, "load a PEM certificate");
	X509_free(y);
	unlink(path);

	/* The same from memory. */
	errno = 0;
	T_OK(x509util_load_mem("junk", 4) == NULL && errno == EINVAL,
	    "load_mem garbage: EINVAL");
	errno = 0;
	T_OK(x509util_load_mem("", 0) == NULL && errno == EINVAL,
	    "load_mem nothing: EINVAL");
	big = calloc(1, 1024 * 1024 + 1);
	errno = 0;
	T_OK(big != NULL && x509util_load_mem(big, 1024 * 1024 + 1) == NULL &&
	    errno == EFBIG, "load_mem over 1 MiB: EFBIG");
	free(big);
	pem = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(pem, x);
	len = BIO_get_mem_data(pem, &mem);
	y = x509util_load_mem(mem, len);
	T_OK(y != NULL && X509_cmp(x, y) == 0, "load_mem a PEM certificate");
	X509_free(y);
	BIO_free(pem);

	X509_free(x);
	EVP_PKEY_free(k);
}

int
main(void)
{
	test_time();
	test_keytype();
	test_facts();
	return t_done();
}
