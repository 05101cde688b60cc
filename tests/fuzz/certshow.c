/* SPDX-License-Identifier: Apache-2.0 */
/*
 * certshow: libFuzzer target for what oct-cert show does with a file
 * (lib/x509util.c): the first PEM certificate of the bytes, then its facts.
 * Bytes that hold no "-----BEGIN" are taken as DER and wrapped in PEM
 * first, so that mutations reach the certificate's fields rather than
 * dying in base64.  The facts must be an object of the documented keys
 * whose strings are one line of text and that dumps as JSON; the OpenSSL
 * error queue must be left empty.  A broken rule aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "x509util.h"

#define PEM_HEAD	"-----BEGIN CERTIFICATE-----\n"
#define PEM_TAIL	"-----END CERTIFICATE-----\n"

/* der in PEM armour, 64 characters a line.  Returns owned text. */
static char *
pem_wrap(const uint8_t *der, size_t len, size_t *outlen)
{
	EVP_ENCODE_CTX	*ctx;
	char		*out;
	size_t		 cap;
	int		 n, total;

	/* base64 (4 per 3) with a newline per 48 input bytes, and armour */
	cap = sizeof(PEM_HEAD) + sizeof(PEM_TAIL) + (len / 48 + 2) * 66;
	if ((out = malloc(cap)) == NULL || (ctx = EVP_ENCODE_CTX_new()) ==
	    NULL)
		fail("out of memory", NULL);
	memcpy(out, PEM_HEAD, sizeof(PEM_HEAD) - 1);
	total = sizeof(PEM_HEAD) - 1;
	EVP_EncodeInit(ctx);
	if (EVP_EncodeUpdate(ctx, (unsigned char *)out + total, &n, der,
	    (int)len) != 1 && len > 0)
		fail("EVP_EncodeUpdate", NULL);
	total += n;
	EVP_EncodeFinal(ctx, (unsigned char *)out + total, &n);
	total += n;
	memcpy(out + total, PEM_TAIL, sizeof(PEM_TAIL) - 1);
	total += sizeof(PEM_TAIL) - 1;
	if ((size_t)total >= cap)
		fail("PEM buffer overrun", NULL);
	EVP_ENCODE_CTX_free(ctx);
	*outlen = total;
	return out;
}

static void
string_check(const json_t *o, const char *key, int can_be_empty)
{
	const char	*s;
	size_t		 i;

	if ((s = json_string_value(json_object_get(o, key))) == NULL)
		fail("a fact is missing or not a string", key);
	if (!can_be_empty && s[0] == '\0')
		fail("a fact is empty", key);
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fail("control character in a fact", key);
}

static void
list_check(const json_t *o, const char *key)
{
	const json_t	*a, *v;
	size_t		 i, j;
	const char	*s;

	if (!json_is_array(a = json_object_get(o, key)))
		fail("a list fact is not an array", key);
	json_array_foreach(a, i, v) {
		if ((s = json_string_value(v)) == NULL || s[0] == '\0')
			fail("an entry of a list fact is not text", key);
		for (j = 0; s[j] != '\0'; j++)
			if ((unsigned char)s[j] < 0x20 || s[j] == 0x7f)
				fail("control character in a list fact", key);
	}
}

static void
facts_check(X509 *x)
{
	json_t	*f;
	char	*s;

	if ((f = x509util_facts(x)) == NULL)
		return;		/* oct-cert show: exit 65, a fine answer */
	string_check(f, "subject_cn", 1);
	string_check(f, "issuer_cn", 1);
	string_check(f, "serial", 0);
	string_check(f, "not_before", 0);
	string_check(f, "not_after", 0);
	string_check(f, "sha256", 0);
	string_check(f, "key_type", 0);
	if (strlen(json_string_value(json_object_get(f, "sha256"))) != 64)
		fail("sha256 is not 64 hex digits", NULL);
	if (strlen(json_string_value(json_object_get(f, "not_after"))) !=
	    X509UTIL_TIME_LEN - 1)
		fail("not_after is not RFC 3339 UTC", NULL);
	list_check(f, "san");
	list_check(f, "eku");
	if (json_integer_value(json_object_get(f, "key_bits")) <= 0)
		fail("key_bits is not positive", NULL);
	if (!json_is_boolean(json_object_get(f, "is_ca")))
		fail("is_ca is not a boolean", NULL);
	if ((s = json_dumps(f, JSON_COMPACT | JSON_ENSURE_ASCII)) == NULL)
		fail("facts do not dump", NULL);
	free(s);
	json_decref(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509	*x;
	char	*pem = NULL;
	size_t	 len;

	if (memmem(data, size, "-----BEGIN", 10) != NULL)
		x = x509util_load_mem(data, size);
	else {
		pem = pem_wrap(data, size, &len);
		x = x509util_load_mem(pem, len);
	}
	if (ERR_peek_error() != 0)
		fail("x509util_load_mem left errors queued", NULL);
	if (x != NULL) {
		facts_check(x);
		if (ERR_peek_error() != 0)
			fail("x509util_facts left errors queued", NULL);
	}
	X509_free(x);
	free(pem);
	return 0;
}
