/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tlsctx: the server side of mutual TLS.  TLS 1.2 and 1.3 only, AEAD
 * ciphers with forward secrecy, and a client certificate that the
 * configured CA signed for client authentication, or no handshake at all.
 * PUT /1.0/certificate swaps the context: connections already open keep
 * the old one (each SSL holds a reference), new ones get the new pair.
 */
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "afile.h"
#include "log.h"
#include "extern.h"

/* TLS 1.2: ECDHE with AES-GCM or ChaCha20 only (1.3 suites are all AEAD). */
#define CIPHERS_TLS12	"ECDHE-ECDSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:" \
			"ECDHE-RSA-CHACHA20-POLY1305"
#define SESSION_CTX	"oct-agent"

static void
ssl_fail(const char *what, const char *path)
{
	log_warnx("%s: %s failed", path, what);
	ERR_print_errors_fp(stderr);
	ERR_clear_error();
}

/*
 * A server context for cert (a PEM with the chain, and the key too when
 * key is NULL) and the client CA file ca.  Returns it (free with
 * SSL_CTX_free) or NULL, logged.
 */
SSL_CTX *
tlsctx_new(const char *cert, const char *key, const char *ca)
{
	STACK_OF(X509_NAME)	*names = NULL;
	SSL_CTX			*ctx = NULL;

	if (key == NULL)
		key = cert;
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		ssl_fail("SSL_CTX_new", cert);
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
		ssl_fail("SSL_CTX_set_min_proto_version", cert);
		goto fail;
	}
	/* An idle connection gives its record buffers back: 36 KiB -> 26. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (!SSL_CTX_set_cipher_list(ctx, CIPHERS_TLS12)) {
		ssl_fail("SSL_CTX_set_cipher_list", cert);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ssl_fail("SSL_CTX_use_certificate_chain_file", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ssl_fail("SSL_CTX_use_PrivateKey_file", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ssl_fail("SSL_CTX_check_private_key", key);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ssl_fail("SSL_CTX_load_verify_locations", ca);
		goto fail;
	}
	if ((names = SSL_load_client_CA_file(ca)) == NULL) {
		ssl_fail("SSL_load_client_CA_file", ca);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER |
	    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	/* The client's certificate must allow client authentication. */
	if (SSL_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1) {
		ssl_fail("SSL_CTX_set_purpose", ca);
		goto fail;
	}
	if (SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)SESSION_CTX, strlen(SESSION_CTX)) != 1) {
		ssl_fail("SSL_CTX_set_session_id_context", cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

/* The PEM block of key, freshly encoded, for a separate key file. */
static char *
key_pem(EVP_PKEY *pkey, size_t *lenp)
{
	BIO	*b = NULL;
	BUF_MEM	*mem;
	char	*out = NULL;

	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL))
		goto out;
	BIO_get_mem_ptr(b, &mem);
	if ((out = malloc(mem->length + 1)) == NULL)
		goto out;
	memcpy(out, mem->data, mem->length);
	out[mem->length] = '\0';
	*lenp = mem->length;
out:
	BIO_free(b);	/* BIO_s_mem clears its buffer on free */
	return out;
}

/*
 * Check that pem (len bytes) holds a certificate, valid now, and the
 * private key that matches it; write it over the configured server
 * certificate (and key) files, 0600, atomically; and use it for the next
 * connections.  Returns 0, 400 for a bad body or 500, with a reason in err.
 */
int
tlsctx_replace(const char *pem, size_t len, char *err, size_t errlen)
{
	struct agent_conf	*c = &agent->conf;
	BIO			*b = NULL;
	X509			*x = NULL;
	EVP_PKEY		*pkey = NULL;
	SSL_CTX			*ctx;
	char			*kpem = NULL;
	size_t			 klen = 0;
	int			 rc = 400;

	if (len > INT_MAX || (b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "no PEM certificate in the body");
		goto out;
	}
	BIO_free(b);
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL ||
	    (pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "no PEM private key in the body");
		goto out;
	}
	if (X509_check_private_key(x, pkey) != 1) {
		snprintf(err, errlen, "the private key does not match the "
		    "certificate");
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0 ||
	    X509_cmp_current_time(X509_get0_notBefore(x)) >= 0) {
		snprintf(err, errlen, "the certificate is not valid now");
		goto out;
	}
	rc = 500;
	if (c->server_key != NULL) {
		if ((kpem = key_pem(pkey, &klen)) == NULL) {
			snprintf(err, errlen, "cannot encode the key");
			goto out;
		}
		if (afile_write(c->server_key, kpem, klen, 0600, 0) == -1) {
			snprintf(err, errlen, "cannot write the key file");
			goto out;
		}
	}
	if (afile_write(c->server_cert, pem, len, 0600, 0) == -1) {
		snprintf(err, errlen, "cannot write the certificate file");
		goto out;
	}
	if ((ctx = tlsctx_new(c->server_cert, c->server_key,
	    c->client_ca)) == NULL) {
		snprintf(err, errlen, "cannot load the new certificate");
		goto out;
	}
	SSL_CTX_free(agent->tls);
	agent->tls = ctx;
	rc = 0;
out:
	ERR_clear_error();
	BIO_free(b);
	X509_free(x);
	EVP_PKEY_free(pkey);
	freezero(kpem, klen);
	return rc;
}
