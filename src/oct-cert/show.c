/* SPDX-License-Identifier: Apache-2.0 */
/* oct-cert show FILE: a certificate's facts as one JSON line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "extern.h"
#include "jrec.h"
#include "log.h"
#include "x509util.h"

int
cmd_show(const struct opts *o)
{
	X509	*x = NULL;
	json_t	*facts = NULL;
	int	 rc;

	if ((x = x509util_load(o->file)) == NULL) {
		if (errno == EINVAL) {
			log_warnx("%s: no PEM certificate in it", o->file);
			return EX_DATAERR;
		}
		log_warn("%s", o->file);
		return EX_NOINPUT;
	}
	if ((facts = x509util_facts(x)) == NULL ||
	    json_object_set_new(facts, "file", json_string(o->file)) == -1) {
		log_warnx("%s: unreadable or unprintable certificate fields",
		    o->file);
		rc = EX_DATAERR;
		goto out;
	}
	rc = 0;
	if (jrec_write(stdout, facts) == -1) {
		log_warn("stdout");
		rc = EX_IOERR;
	}
out:
	json_decref(facts);
	X509_free(x);
	return rc;
}
