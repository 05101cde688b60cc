/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "afile.h"
#include "x509util.h"

#define CERT_FILE_MAX	(1024 * 1024)

int
x509util_time(const ASN1_TIME *t, char *buf, size_t bufsz)
{
	struct tm	 tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return -1;
	}
	if (strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

static int
hex(const unsigned char *p, size_t n, char *buf, size_t bufsz)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	if (bufsz < 2 * n + 1)
		return -1;
	for (i = 0; i < n; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 0xf];
	}
	buf[2 * n] = '\0';
	return 0;
}

int
x509util_sha256(const X509 *x, char *buf, size_t bufsz)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	if (X509_digest(x, EVP_sha256(), md, &n) != 1) {
		ERR_clear_error();
		return -1;
	}
	return hex(md, n, buf, bufsz);
}

int
x509util_serial(const X509 *x, char *buf, size_t bufsz)
{
	BIGNUM	*bn = NULL;
	char	*s = NULL, *p;
	int	 rc = -1;

	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL || (s = BN_bn2hex(bn)) == NULL) {
		ERR_clear_error();
		goto out;
	}
	for (p = s; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	if (strlcpy(buf, s, bufsz) >= bufsz)
		goto out;
	rc = 0;
out:
	OPENSSL_free(s);
	BN_free(bn);
	return rc;
}

int
x509util_keytype(const EVP_PKEY *k, char *buf, size_t bufsz, int *bitsp)
{
	char		 group[64];
	const char	*curve, *name;
	size_t		 len;
	int		 bits, n;

	if ((bits = EVP_PKEY_get_bits(k)) <= 0)
		return -1;
	if (bitsp != NULL)
		*bitsp = bits;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		n = snprintf(buf, bufsz, "rsa:%d", bits);
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(k, group, sizeof(group),
		    &len) != 1) {
			ERR_clear_error();
			return -1;
		}
		if (strcmp(group, "prime256v1") == 0)
			curve = "p256";
		else if (strcmp(group, "secp384r1") == 0)
			curve = "p384";
		else if (strcmp(group, "secp521r1") == 0)
			curve = "p521";
		else
			curve = group;
		n = snprintf(buf, bufsz, "ec:%s", curve);
		break;
	case EVP_PKEY_ED25519:
		n = snprintf(buf, bufsz, "ed25519");
		break;
	default:
		if ((name = EVP_PKEY_get0_type_name(k)) == NULL)
			name = "unknown";
		n = snprintf(buf, bufsz, "%s:%d", name, bits);
		break;
	}
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

/*
 * Names land in JSON and in messages: no control characters, no NULs.
 * Returns 1 when the n bytes of s are such text.
 */
static int
text_ok(const unsigned char *s, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
x509util_cn(const X509_NAME *name, char *buf, size_t bufsz)
{
	const X509_NAME_ENTRY	*e;
	unsigned char		*s = NULL;
	int			 i, n, rc = -1;

	buf[0] = '\0';
	if (name == NULL ||
	    (i = X509_NAME_get_index_by_NID(name, NID_commonName, -1)) < 0)
		return 0;
	if ((e = X509_NAME_get_entry(name, i)) == NULL ||
	    (n = ASN1_STRING_to_UTF8(&s, X509_NAME_ENTRY_get_data(e))) < 0) {
		ERR_clear_error();
		goto out;
	}
	if (!text_ok(s, n) || (size_t)n >= bufsz)
		goto out;
	memcpy(buf, s, n);
	buf[n] = '\0';
	rc = 0;
out:
	OPENSSL_free(s);
	return rc;
}

/* Append "DNS:name" and "IP:addr" entries of x's subjectAltName to list. */
static int
facts_san(const X509 *x, json_t *list)
{
	GENERAL_NAMES		*names;
	const GENERAL_NAME	*g;
	const unsigned char	*p;
	char			 addr[INET6_ADDRSTRLEN], ent[512];
	int			 i, n, rc = -1, len;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (names == NULL) {
		ERR_clear_error();
		return 0;
	}
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		g = sk_GENERAL_NAME_value(names, i);
		ent[0] = '\0';
		if (g->type == GEN_DNS || g->type == GEN_URI ||
		    g->type == GEN_EMAIL) {
			p = ASN1_STRING_get0_data(g->d.ia5);
			len = ASN1_STRING_length(g->d.ia5);
			if (!text_ok(p, len))
				goto out;
			n = snprintf(ent, sizeof(ent), "%s:%.*s",
			    g->type == GEN_DNS ? "DNS" :
			    g->type == GEN_URI ? "URI" : "email",
			    len, (const char *)p);
			if (n < 0 || (size_t)n >= sizeof(ent))
				goto out;
		} else if (g->type == GEN_IPADD) {
			p = ASN1_STRING_get0_data(g->d.ip);
			len = ASN1_STRING_length(g->d.ip);
			if ((len != 4 && len != 16) ||
			    inet_ntop(len == 4 ? AF_INET : AF_INET6, p,
			    addr, sizeof(addr)) == NULL)
				goto out;
			(void)snprintf(ent, sizeof(ent), "IP:%s", addr);
		} else
			continue;
		if (json_array_append_new(list, json_string(ent)) == -1)
			goto out;
	}
	rc = 0;
out:
	GENERAL_NAMES_free(names);
	return rc;
}

/* Append the short names of x's extended key usages to list. */
static int
facts_eku(const X509 *x, json_t *list)
{
	EXTENDED_KEY_USAGE	*eku;
	const ASN1_OBJECT	*o;
	const char		*sn;
	char			 oid[128];
	int			 i, nid, rc = -1;

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	if (eku == NULL) {
		ERR_clear_error();
		return 0;
	}
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		o = sk_ASN1_OBJECT_value(eku, i);
		if ((nid = OBJ_obj2nid(o)) != NID_undef &&
		    (sn = OBJ_nid2sn(nid)) != NULL) {
			if (json_array_append_new(list, json_string(sn)) == -1)
				goto out;
			continue;
		}
		if (OBJ_obj2txt(oid, sizeof(oid), o, 1) <= 0 ||
		    json_array_append_new(list, json_string(oid)) == -1)
			goto out;
	}
	rc = 0;
out:
	EXTENDED_KEY_USAGE_free(eku);
	return rc;
}

json_t *
x509util_facts(X509 *x)
{
	char		 subj[256], iss[256], serial[X509UTIL_SERIAL_LEN];
	char		 nb[X509UTIL_TIME_LEN], na[X509UTIL_TIME_LEN];
	char		 fp[X509UTIL_SHA256_LEN], kt[X509UTIL_KEYTYPE_LEN];
	json_t		*o = NULL, *san = NULL, *eku = NULL;
	EVP_PKEY	*k;
	int		 bits;

	if (x509util_cn(X509_get_subject_name(x), subj, sizeof(subj)) == -1 ||
	    x509util_cn(X509_get_issuer_name(x), iss, sizeof(iss)) == -1) {
		goto fail;
	}
	if (x509util_serial(x, serial, sizeof(serial)) == -1 ||
	    x509util_time(X509_get0_notBefore(x), nb, sizeof(nb)) == -1 ||
	    x509util_time(X509_get0_notAfter(x), na, sizeof(na)) == -1 ||
	    x509util_sha256(x, fp, sizeof(fp)) == -1) {
		goto fail;
	}
	if ((k = X509_get0_pubkey(x)) == NULL ||
	    x509util_keytype(k, kt, sizeof(kt), &bits) == -1) {
		goto fail;
	}
	if ((san = json_array()) == NULL || (eku = json_array()) == NULL ||
	    facts_san(x, san) == -1 || facts_eku(x, eku) == -1) {
		goto fail;
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:i, "
	    "s:b}", "subject_cn", subj, "issuer_cn", iss, "serial", serial,
	    "not_before", nb, "not_after", na, "sha256", fp, "san", san,
	    "eku", eku, "key_type", kt, "key_bits", bits,
	    "is_ca", (X509_get_extension_flags(x) & EXFLAG_CA) != 0);
	/* json_pack's "o" stole san and eku, even on failure. */
	san = eku = NULL;
	ERR_clear_error();
	return o;
fail:
	ERR_clear_error();
	json_decref(san);
	json_decref(eku);
	return NULL;
}

X509 *
x509util_load_mem(const void *buf, size_t len)
{
	BIO	*bio = NULL;
	X509	*x = NULL;

	if (len > CERT_FILE_MAX) {
		errno = EFBIG;
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		errno = EINVAL;
	ERR_clear_error();
	BIO_free(bio);
	return x;
}

X509 *
x509util_load(const char *path)
{
	X509	*x;
	char	*buf;
	size_t	 len;

	if ((buf = afile_read(path, CERT_FILE_MAX, &len)) == NULL)
		return NULL;
	x = x509util_load_mem(buf, len);
	free(buf);
	return x;
}
