/* SPDX-License-Identifier: Apache-2.0 */
/* ampfiles: the files an appliance is booted with (see ampfiles.h). */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "afile.h"
#include "ampfiles.h"
#include "jrec.h"

#define PEM_MAX		(256 * 1024)

/* The agent's configuration: Octavia's file, with Octavia's names. */
static char *
agent_ini(const char *id, const char *bind_host, int port)
{
	char	*s;

	if (asprintf(&s,
	    "# oct: oct-agent configuration of appliance %s\n"
	    "[amphora_agent]\n"
	    "agent_server_ca = " AMP_ETC_DIR "/certs/client_ca.pem\n"
	    "agent_server_cert = " AMP_ETC_DIR "/certs/server.pem\n"
	    "amphora_id = %s\n"
	    "\n"
	    "[haproxy_amphora]\n"
	    "base_cert_dir = " AMP_VAR_DIR "/certs\n"
	    "base_path = " AMP_VAR_DIR "\n"
	    "bind_host = %s\n"
	    "bind_port = %d\n"
	    "haproxy_cmd = /usr/sbin/haproxy\n",
	    id, id, bind_host, port > 0 ? port : AMP_AGENT_PORT) == -1)
		return NULL;
	return s;
}

int
amp_files_make(struct amp_files *fs, const char *id, const char *cert,
    size_t certlen, const char *key, size_t keylen, const char *ca,
    size_t calen, const char *bind_host, int port)
{
	struct amp_file	*f = fs->f;
	size_t		 n;

	memset(fs, 0, sizeof(*fs));
	/* cert then key: a newline between unless the cert ends in one */
	f[0].path = AMP_ETC_DIR "/certs/server.pem";
	f[0].mode = 0600;
	if ((f[0].data = malloc(certlen + 1 + keylen + 1)) == NULL)
		goto fail;
	memcpy(f[0].data, cert, certlen);
	n = certlen;
	if (certlen > 0 && cert[certlen - 1] != '\n')
		f[0].data[n++] = '\n';
	memcpy(f[0].data + n, key, keylen);
	n += keylen;
	f[0].data[n] = '\0';
	f[0].len = n;
	f[1].path = AMP_ETC_DIR "/certs/client_ca.pem";
	f[1].mode = 0644;
	if ((f[1].data = strndup(ca, calen)) == NULL)
		goto fail;
	f[1].len = calen;
	f[2].path = AMP_CONF;
	f[2].mode = 0644;
	if ((f[2].data = agent_ini(id, bind_host, port)) == NULL)
		goto fail;
	f[2].len = strlen(f[2].data);
	return 0;
 fail:
	amp_files_free(fs);
	return -1;
}

/* Read the PEM file rec names at key (a private key: secret).  0 or code. */
static int
pem_read(json_t *rec, const char *key, int secret, char **bufp,
    size_t *lenp)
{
	const char	*path;

	if ((path = jrec_str(rec, key)) == NULL)
		return jrec_fail(rec, EX_DATAERR, "record has no \"%s\" (run "
		    "oct-cert issue first)", key);
	if (secret && afile_private_ok(path) == -1)
		return jrec_fail(rec, errno == EPERM ? EX_NOPERM : EX_NOINPUT,
		    "%s: %s", path, errno == EPERM ?
		    "key is accessible to group or others" : strerror(errno));
	if ((*bufp = afile_read(path, PEM_MAX, lenp)) == NULL)
		return jrec_fail(rec, EX_NOINPUT, "%s: %s", path,
		    strerror(errno));
	return 0;
}

int
amp_files_load(struct amp_files *fs, json_t *rec, const char *bind_host,
    int port)
{
	char	*cert = NULL, *key = NULL, *ca = NULL;
	size_t	 certlen = 0, keylen = 0, calen = 0;
	int	 rc;

	memset(fs, 0, sizeof(*fs));
	if ((rc = pem_read(rec, "cert.cert", 0, &cert, &certlen)) != 0 ||
	    (rc = pem_read(rec, "cert.key", 1, &key, &keylen)) != 0 ||
	    (rc = pem_read(rec, "cert.ca", 0, &ca, &calen)) != 0)
		goto out;
	if (amp_files_make(fs, jrec_id(rec), cert, certlen, key, keylen, ca,
	    calen, bind_host, port) == -1)
		rc = jrec_fail(rec, EX_OSERR, "out of memory");
 out:
	free(cert);
	if (key != NULL)
		freezero(key, keylen);
	free(ca);
	return rc;
}

void
amp_files_free(struct amp_files *fs)
{
	size_t	 i;

	for (i = 0; i < AMP_NFILES; i++)
		if (fs->f[i].data != NULL)
			freezero(fs->f[i].data, fs->f[i].len);
	memset(fs, 0, sizeof(*fs));
}
