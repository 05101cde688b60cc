/* SPDX-License-Identifier: Apache-2.0 */
/* curlx: the body and header sink and the setopt check (see curlx.h). */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "curlx.h"

void
curlx_sink_init(struct curlx_sink *s, char **bodyp, size_t *lenp,
    size_t max, curlx_header_fn fn, void *arg)
{
	memset(s, 0, sizeof(*s));
	s->bodyp = bodyp;
	s->lenp = lenp;
	s->max = max;
	s->header = fn;
	s->arg = arg;
}

static size_t
body_cb(char *p, size_t size, size_t n, void *arg)
{
	struct curlx_sink	*s = arg;
	size_t			 len = size * n, ncap;
	char			*nb;

	if (*s->lenp + len > s->max) {
		s->overflow = 1;
		return 0;
	}
	if (*s->lenp + len + 1 > s->cap) {
		ncap = s->cap == 0 ? 4096 : s->cap;
		while (ncap < *s->lenp + len + 1)
			ncap *= 2;
		if ((nb = realloc(*s->bodyp, ncap)) == NULL)
			return 0;
		*s->bodyp = nb;
		s->cap = ncap;
	}
	memcpy(*s->bodyp + *s->lenp, p, len);
	*s->lenp += len;
	(*s->bodyp)[*s->lenp] = '\0';
	return len;
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct curlx_sink	*s = arg;
	size_t			 len = size * n, nl, b, e;
	const char		*colon;

	if (s->header == NULL)
		return len;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		s->header(s->arg, NULL, 0, NULL, 0);
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL || colon == p)
		return len;
	nl = colon - p;
	for (b = nl + 1; b < len && (p[b] == ' ' || p[b] == '\t'); b++)
		;
	for (e = len; e > b && isspace((unsigned char)p[e - 1]); e--)
		;
	s->header(s->arg, p, nl, p + b, e - b);
	return len;
}

int
curlx_sink_use(CURL *h, struct curlx_sink *s, char *err, size_t errlen)
{
	int	 rc = -1;

	CURLX_SETOPT(h, CURLOPT_WRITEFUNCTION, body_cb, err, errlen);
	CURLX_SETOPT(h, CURLOPT_WRITEDATA, s, err, errlen);
	CURLX_SETOPT(h, CURLOPT_HEADERFUNCTION, header_cb, err, errlen);
	CURLX_SETOPT(h, CURLOPT_HEADERDATA, s, err, errlen);
	rc = 0;
 out:
	return rc;
}

int
curlx_setopt_ok(CURLcode c, const char *opt, char *err, size_t errlen)
{
	if (c == CURLE_OK)
		return 0;
	(void)snprintf(err, errlen, "%s: %s", opt, curl_easy_strerror(c));
	return -1;
}
