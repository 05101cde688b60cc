/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private keys: generation from a --key spec, atomic 0600 writes, and
 * loading with the file mode checked first.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "afile.h"
#include "extern.h"
#include "log.h"

#define KEY_FILE_MAX	(64 * 1024)

static const struct keyspec {
	const char	*spec;
	const char	*type;		/* EVP_PKEY_Q_keygen type */
	const char	*curve;		/* EC: curve name, else NULL */
	size_t		 bits;		/* RSA: modulus size */
} keyspecs[] = {
	{ "ec:p256",	"EC",	"P-256",	0 },
	{ "ec:p384",	"EC",	"P-384",	0 },
	{ "rsa:2048",	"RSA",	NULL,		2048 },
	{ "rsa:3072",	"RSA",	NULL,		3072 },
	{ "rsa:4096",	"RSA",	NULL,		4096 },
};

/* Never prompt for a passphrase: oct keys have none. */
static int
nopass(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

static const struct keyspec *
keyspec_find(const char *spec)
{
	size_t	 i;

	for (i = 0; i < sizeof(keyspecs) / sizeof(keyspecs[0]); i++)
		if (strcmp(keyspecs[i].spec, spec) == 0)
			return &keyspecs[i];
	return NULL;
}

/* Returns 1 when spec is a --key value oct-cert knows, else 0. */
int
key_spec_ok(const char *spec)
{
	return keyspec_find(spec) != NULL;
}

/*
 * Record a failure: code and message into *f.  Returns code, so that
 * callers can "return fail_set(...)".
 */
int
fail_set(struct fail *f, int code, const char *fmt, ...)
{
	va_list	 ap;

	f->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Warn about a failed OpenSSL call that should not fail, then print the
 * OpenSSL error queue once (which also clears it).
 */
void
ossl_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwarnx(fmt, ap);
	va_end(ap);
	ERR_print_errors_fp(stderr);
}

/*
 * Generate a key of the given spec ("ec:p256", "rsa:2048", ...).  Returns
 * the key (EVP_PKEY_free it) or NULL (logged).
 */
EVP_PKEY *
key_new(const char *spec)
{
	const struct keyspec	*ks;
	EVP_PKEY		*k;

	if ((ks = keyspec_find(spec)) == NULL) {
		log_warnx("%s: unknown key type", spec);
		return NULL;
	}
	if (ks->curve != NULL)
		k = EVP_PKEY_Q_keygen(NULL, NULL, ks->type, ks->curve);
	else
		k = EVP_PKEY_Q_keygen(NULL, NULL, ks->type, ks->bits);
	if (k == NULL)
		ossl_warnx("EVP_PKEY_Q_keygen %s", spec);
	return k;
}

/*
 * Write what the memory BIO bio holds to path with mode, atomically, with
 * afile_write flags.  Returns 0 or -1 (logged).
 */
int
bio_save(const char *path, BIO *bio, mode_t mode, int flags)
{
	BUF_MEM	*mem = NULL;

	if (BIO_get_mem_ptr(bio, &mem) != 1 || mem == NULL) {
		ossl_warnx("BIO_get_mem_ptr");
		return -1;
	}
	return afile_write(path, mem->data, mem->length, mode, flags);
}

/*
 * Write k to path as unencrypted PKCS#8 PEM, mode 0600, atomically, with
 * afile_write flags (AFILE_NOREPLACE).  The
 * PEM text lives in a BIO that is wiped when freed.  Returns 0 or -1
 * (logged).
 */
int
key_write(const char *path, EVP_PKEY *k, int flags)
{
	BIO	*bio = NULL;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
		ossl_warnx("BIO_new");
		goto out;
	}
	if (PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
	    NULL) != 1) {
		ossl_warnx("PEM_write_bio_PrivateKey");
		goto out;
	}
	rc = bio_save(path, bio, 0600, flags);
out:
	/* BIO_s_secmem buffers are cleared before they are freed. */
	BIO_free(bio);
	return rc;
}

/*
 * Load the private key at path after checking that only its owner can
 * read it.  Returns the key (EVP_PKEY_free it) or NULL with *f set:
 * EX_NOPERM for a group- or world-accessible file, EX_NOINPUT for a
 * missing or unreadable one, EX_DATAERR for one that holds no key.
 */
EVP_PKEY *
key_load(const char *path, struct fail *f)
{
	struct stat	 st;
	BIO		*bio = NULL;
	EVP_PKEY	*k = NULL;
	char		*buf = NULL;
	size_t		 len = 0;

	if (afile_private_ok(path) == -1) {
		if (errno == EPERM && stat(path, &st) == 0)
			fail_set(f, EX_NOPERM, "%s: key file mode %04o lets "
			    "group or others in; chmod 600 it", path,
			    (unsigned int)(st.st_mode & 07777));
		else
			fail_set(f, EX_NOINPUT, "%s: %s", path,
			    strerror(errno));
		return NULL;
	}
	if ((buf = afile_read(path, KEY_FILE_MAX, &len)) == NULL) {
		fail_set(f, EX_NOINPUT, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		ossl_warnx("BIO_new_mem_buf");
		fail_set(f, EX_OSERR, "%s: cannot read", path);
		goto out;
	}
	if ((k = PEM_read_bio_PrivateKey(bio, NULL, nopass, NULL)) == NULL) {
		/* Bad input, not a bug: one line, no OpenSSL queue. */
		ERR_clear_error();
		fail_set(f, EX_DATAERR, "%s: no PEM private key in it", path);
	}
out:
	BIO_free(bio);
	freezero(buf, len);
	return k;
}

/* Returns 1 when k is the private half of x's public key, else 0. */
int
key_matches(X509 *x, EVP_PKEY *k)
{
	int	 ok;

	ok = X509_check_private_key(x, k) == 1;
	ERR_clear_error();
	return ok;
}
