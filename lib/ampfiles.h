/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ampfiles: the files an appliance is booted with, the same whichever
 * compute driver delivers them (the netns driver writes them below the
 * appliance's directory, the nova driver as cloud-init user data): the
 * agent's certificate and key, the controller's CA and the agent's
 * configuration, at the paths Octavia's amphora image uses.
 */
#ifndef OCT_AMPFILES_H
#define OCT_AMPFILES_H

#include <sys/types.h>

#include <stddef.h>

#include <jansson.h>

#define AMP_ETC_DIR	"/etc/octavia"
#define AMP_VAR_DIR	"/var/lib/octavia"
#define AMP_CONF	"/etc/octavia/amphora-agent.conf"
#define AMP_AGENT_PORT	9443

#define AMP_NFILES	3

struct amp_file {
	const char	*path;		/* absolute, on the appliance */
	mode_t		 mode;
	char		*data;		/* owned */
	size_t		 len;
};

struct amp_files {
	struct amp_file	 f[AMP_NFILES];
};

/*
 * The set for appliance id from the PEM texts given, its agent listening
 * on bind_host:port (port 0: AMP_AGENT_PORT): server.pem (cert, then key,
 * 0600), client_ca.pem (0644) and the agent's configuration (0644).
 * Returns 0, or -1 when out of memory.  Free with amp_files_free().
 */
int	 amp_files_make(struct amp_files *, const char *id,
	    const char *cert, size_t certlen, const char *key, size_t keylen,
	    const char *ca, size_t calen, const char *bind_host, int port);

/*
 * The same from the files a record names (cert.cert, cert.key, cert.ca, as
 * oct-cert issue adds them; the key must not be group- or world-
 * accessible).  Returns 0, or the code of jrec_fail() on rec.
 */
int	 amp_files_load(struct amp_files *, json_t *rec,
	    const char *bind_host, int port);

/* Free what the set holds, the key wiped. */
void	 amp_files_free(struct amp_files *);

#endif
