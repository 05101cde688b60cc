/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "afile.h"
#include "ini.h"

#define INI_FILE_MAX	(1024 * 1024)

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
name_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return 0;
	return 1;
}

int
ini_parse(const char *buf, ini_fn fn, void *arg, char *err, size_t errlen)
{
	char		 line[INI_LINE_MAX], section[INI_LINE_MAX];
	char		*s, *sep, *key, *value;
	const char	*p = buf, *nl;
	unsigned long	 lineno = 0;
	size_t		 n;

	section[0] = '\0';
	if (errlen > 0)
		err[0] = '\0';
	while (*p != '\0') {
		lineno++;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		n = nl - p;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "line %lu: too long", lineno);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = *nl == '\n' ? nl + 1 : nl;
		if (memchr(line, '\0', n) != NULL) {
			snprintf(err, errlen, "line %lu: NUL byte", lineno);
			return -1;
		}
		if ((line[0] == ' ' || line[0] == '\t') &&
		    *trim(line) != '\0') {
			snprintf(err, errlen,
			    "line %lu: continuation lines are not supported",
			    lineno);
			return -1;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			n = strlen(s);
			if (s[n - 1] != ']') {
				snprintf(err, errlen, "line %lu: bad section",
				    lineno);
				return -1;
			}
			s[n - 1] = '\0';
			s = trim(s + 1);
			if (!name_ok(s)) {
				snprintf(err, errlen,
				    "line %lu: bad section name", lineno);
				return -1;
			}
			/* Fits: both buffers are INI_LINE_MAX. */
			(void)strlcpy(section, s, sizeof(section));
			continue;
		}
		sep = strpbrk(s, "=:");
		if (sep == NULL) {
			snprintf(err, errlen, "line %lu: expected key = value",
			    lineno);
			return -1;
		}
		*sep = '\0';
		key = trim(s);
		value = trim(sep + 1);
		if (!name_ok(key)) {
			snprintf(err, errlen, "line %lu: bad key", lineno);
			return -1;
		}
		if (section[0] == '\0') {
			snprintf(err, errlen, "line %lu: key outside a section",
			    lineno);
			return -1;
		}
		if (fn(section, key, value, lineno, arg) == -1)
			return -1;
	}
	return 0;
}

int
ini_parse_file(const char *path, ini_fn fn, void *arg, char *err,
    size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((buf = afile_read(path, INI_FILE_MAX, &len)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (strlen(buf) != len) {
		snprintf(err, errlen, "NUL byte in file");
		free(buf);
		return -1;
	}
	rc = ini_parse(buf, fn, arg, err, errlen);
	free(buf);
	return rc;
}

int
ini_bool(const char *v)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}
