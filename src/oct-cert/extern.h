/* SPDX-License-Identifier: Apache-2.0 */
/* oct-cert: what its files share. */
#ifndef OCT_CERT_EXTERN_H
#define OCT_CERT_EXTERN_H

#include <sys/types.h>

#include <limits.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define CA_DAYS		3650	/* default validity of the CA */
#define LEAF_DAYS	30	/* Octavia's [certificates] cert_validity_time */
#define DAYS_MAX	36500
#define SKEW_S		300	/* not_before this far back: clock skew */

enum role {
	ROLE_NONE,
	ROLE_SERVER,
	ROLE_CLIENT
};

/* What the command line asked for. */
struct opts {
	enum role	 role;
	int		 days;		/* -1: the subcommand's default */
	const char	*key;		/* --key TYPE, "ec:p256" by default */
	int		 renew_before;	/* days, -1: always issue */
	const char	*id;		/* --id: one record, no stdin */
	const char	*file;		/* show FILE */
};

/* The CA, loaded from the state directory. */
struct ca {
	char		 cert_path[PATH_MAX];
	char		 key_path[PATH_MAX];
	X509		*cert;
	EVP_PKEY	*key;
};

/* A failure to report: an exit code and a one-line message. */
struct fail {
	int		 code;
	char		 msg[512];
};

/* ca.c */
int		 ca_paths(struct ca *);
int		 ca_load(struct ca *, int, struct fail *);
void		 ca_free(struct ca *);
int		 cmd_ca(const struct opts *);

/* issue.c */
int		 cmd_issue(const struct opts *);

/* verify.c */
int		 cmd_verify(const struct opts *);
int		 verify_cert(const struct ca *, X509 *, enum role, const char *,
		    const char *, struct fail *);

/* show.c */
int		 cmd_show(const struct opts *);

/* key.c */
int		 key_spec_ok(const char *);
EVP_PKEY	*key_new(const char *);
int		 key_write(const char *, EVP_PKEY *, int);
int		 bio_save(const char *, BIO *, mode_t, int);
EVP_PKEY	*key_load(const char *, struct fail *);
int		 key_matches(X509 *, EVP_PKEY *);
int		 fail_set(struct fail *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
void		 ossl_warnx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));

/* x509.c */
X509		*cert_new(const struct ca *, EVP_PKEY *, const char *,
		    enum role, const char *, int);
int		 cert_write(const char *, X509 *, int);
json_t		*cert_object(json_t *, X509 *, const char *, const char *,
		    const char *);

#endif
