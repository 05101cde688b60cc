/* SPDX-License-Identifier: Apache-2.0 */
/* utf8: foreign text made valid UTF-8 (libunistring judges validity). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unistr.h>

#include "utf8.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */
#define REPLACEMENT_LEN	3

char *
utf8_scrub(const void *s, size_t len)
{
	const uint8_t	*p = s, *end = p + len, *bad, *nul;
	char		*out, *o;
	size_t		 n;

	/* Each byte becomes at most REPLACEMENT_LEN bytes. */
	if (len > (SIZE_MAX - 1) / REPLACEMENT_LEN ||
	    (out = malloc(len * REPLACEMENT_LEN + 1)) == NULL)
		return NULL;
	o = out;
	while (p < end) {
		/* The valid run up to the next NUL, then what stops it. */
		nul = memchr(p, '\0', end - p);
		n = (nul == NULL ? end : nul) - p;
		if ((bad = u8_check(p, n)) == NULL)
			bad = p + n;
		memcpy(o, p, bad - p);
		o += bad - p;
		if (bad == end)
			break;
		memcpy(o, REPLACEMENT, REPLACEMENT_LEN);
		o += REPLACEMENT_LEN;
		p = bad + 1;
	}
	*o = '\0';
	return out;
}

json_t *
utf8_json(const void *s, size_t len)
{
	json_t	*j;
	char	*t;

	if ((t = utf8_scrub(s, len)) == NULL)
		return NULL;
	j = json_string(t);
	free(t);
	return j;
}

json_t *
utf8_jstr(const char *s)
{
	return s == NULL ? json_null() : utf8_json(s, strlen(s));
}
