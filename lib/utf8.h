/* SPDX-License-Identifier: Apache-2.0 */
/*
 * utf8: foreign text (a tool's output, a peer's answer, a file, a request)
 * made fit for JSON, whose strings must be valid UTF-8.  jansson refuses
 * anything else, and a refused string must never cost an answer or a
 * record: every byte that does not start a valid UTF-8 sequence, and every
 * NUL, becomes U+FFFD.  Control characters stay; jansson escapes them.
 */
#ifndef OCT_UTF8_H
#define OCT_UTF8_H

#include <stddef.h>

#include <jansson.h>

/*
 * The len bytes at s as valid UTF-8, NUL-terminated.  Returns an owned
 * string (free), or NULL when out of memory.
 */
char	*utf8_scrub(const void *s, size_t len);

/*
 * A new JSON string of the len bytes at s (utf8_json) or of the C string s
 * (utf8_jstr; NULL gives JSON null), scrubbed.  NULL only when out of
 * memory.
 */
json_t	*utf8_json(const void *s, size_t len);
json_t	*utf8_jstr(const char *s);

#endif
