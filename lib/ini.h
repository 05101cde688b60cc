/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ini: a small, strict reader for oslo.config style INI files (Octavia's
 * amphora-agent.conf).  Lines are blank, comments ('#' or ';' first),
 * "[section]" or "key = value" (also "key: value"); leading and trailing
 * blanks are trimmed.  Anything else, a key before the first section, or a
 * continuation line is an error naming the line.
 */
#ifndef OCT_INI_H
#define OCT_INI_H

#include <stddef.h>

/* The longest line accepted, in bytes. */
#define INI_LINE_MAX	4096

/*
 * Called for each "key = value" in order; section, key and value are
 * borrowed for the call only.  Return 0 to go on, -1 to stop (ini_parse
 * then returns -1 and leaves err empty).
 */
typedef int	 (*ini_fn)(const char *section, const char *key,
		    const char *value, unsigned long lineno, void *arg);

/*
 * Parse the NUL-terminated text buf.  Returns 0, or -1 with a message in
 * err ("line N: what").  Nothing is logged.
 */
int	 ini_parse(const char *buf, ini_fn fn, void *arg, char *err,
	    size_t errlen);

/* Read and parse the file path (at most 1 MiB).  As ini_parse. */
int	 ini_parse_file(const char *path, ini_fn fn, void *arg, char *err,
	    size_t errlen);

/*
 * An oslo.config boolean ("true", "yes", "on", "1" and their opposites,
 * any case).  Returns 1 or 0, or -1 for anything else.
 */
int	 ini_bool(const char *value);

#endif
