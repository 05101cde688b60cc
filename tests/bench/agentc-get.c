/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agentc-get: one request through lib/agentc, for tests/agentc.bats.
 *
 *	agentc-get [-b bodyfile] [-c deadline_s] [-m copies] METHOD ADDRESS
 *	    PORT ID PATH
 *
 * Prints {"rc","status","code","etag","content_type","message","body"}
 * and exits with agentc_code().  -c uses agentc_call() (retries until the
 * deadline), else agentc_request(); -m sends the request over that many
 * endpoints at once through agentc_multi and prints one line each.  The
 * CA, client certificate and key are the state directory's.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "afile.h"
#include "agentc.h"
#include "log.h"

static int	 worst;

static void
show(int rc, const struct agentc_resp *r)
{
	json_t	*j;
	char	*s;
	int	 code = agentc_code(rc, r);

	j = json_pack("{s:i, s:I, s:i, s:s, s:s, s:s, s:s}", "rc", rc,
	    "status", (json_int_t)r->status, "code", code, "etag", r->etag,
	    "content_type", r->content_type, "message", agentc_message(r),
	    "body", r->body != NULL ? r->body : "");
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL)
		errx(EX_OSERR, "json");
	printf("%s\n", s);
	free(s);
	json_decref(j);
	if (code > worst)
		worst = code;
}

static void
done(struct agentc *ac, int rc, struct agentc_resp *r, void *arg)
{
	(void)ac;
	(void)arg;
	show(rc, r);
}

int
main(int argc, char *argv[])
{
	struct agentc		**acs;
	struct agentc_multi	*m;
	struct agentc_resp	 r = { 0 };
	const char		*bodyfile = NULL, *es;
	char			*body = NULL;
	size_t			 len = 0;
	double			 deadline = -1;
	long long		 copies = 0, i;
	int			 ch, rc, port;

	while ((ch = getopt(argc, argv, "b:c:m:v")) != -1) {
		switch (ch) {
		case 'b':
			bodyfile = optarg;
			break;
		case 'c':
			deadline = strtonum(optarg, 0, 3600, &es);
			if (es != NULL)
				errx(EX_USAGE, "-c %s: %s", optarg, es);
			break;
		case 'm':
			copies = strtonum(optarg, 1, 10000, &es);
			if (es != NULL)
				errx(EX_USAGE, "-m %s: %s", optarg, es);
			break;
		case 'v':
			log_init(1);
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 5)
		goto usage;
	port = (int)strtonum(argv[2], 1, 65535, &es);
	if (es != NULL)
		errx(EX_USAGE, "port %s: %s", argv[2], es);
	if (bodyfile != NULL &&
	    (body = afile_read(bodyfile, 64 << 20, &len)) == NULL)
		err(EX_NOINPUT, "%s", bodyfile);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(EX_OSERR, "curl_global_init");
	if (copies > 0) {
		if ((acs = calloc(copies, sizeof(*acs))) == NULL ||
		    (m = agentc_multi_new()) == NULL)
			errx(EX_OSERR, "out of memory");
		for (i = 0; i < copies; i++) {
			if ((acs[i] = agentc_new(argv[1], port, argv[3],
			    NULL)) == NULL)
				return agentc_new_code(errno);
			if (agentc_multi_add(m, acs[i], argv[0], argv[4], body,
			    len, 0, done, NULL) == -1)
				return EX_SOFTWARE;
		}
		while ((rc = agentc_multi_poll(m, NULL, 0, 1000)) > 0)
			;
		if (rc == -1)
			return EX_SOFTWARE;
		for (i = 0; i < copies; i++)
			agentc_free(acs[i]);
		free(acs);
		agentc_multi_free(m);
	} else {
		if ((acs = calloc(1, sizeof(*acs))) == NULL)
			errx(EX_OSERR, "out of memory");
		if ((acs[0] = agentc_new(argv[1], port, argv[3], NULL)) ==
		    NULL)
			return agentc_new_code(errno);
		if (deadline >= 0)
			rc = agentc_call(acs[0], argv[0], argv[4], body, len,
			    deadline, &r);
		else
			rc = agentc_request(acs[0], argv[0], argv[4], body,
			    len, &r);
		show(rc, &r);
		agentc_resp_clear(&r);
		agentc_free(acs[0]);
		free(acs);
	}
	free(body);
	agentc_cache_free();
	curl_global_cleanup();
	return worst;
 usage:
	fprintf(stderr, "usage: agentc-get [-v] [-b bodyfile] [-c deadline_s] "
	    "[-m copies] METHOD ADDRESS PORT ID PATH\n");
	return EX_USAGE;
}
