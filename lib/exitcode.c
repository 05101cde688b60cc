/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>
#include <string.h>

#include "exitcode.h"

static const struct {
	int		 code;
	const char	*name;
} codes[] = {
	{ EX_USAGE,		"EX_USAGE" },
	{ EX_DATAERR,		"EX_DATAERR" },
	{ EX_NOINPUT,		"EX_NOINPUT" },
	{ EX_UNAVAILABLE,	"EX_UNAVAILABLE" },
	{ EX_SOFTWARE,		"EX_SOFTWARE" },
	{ EX_OSERR,		"EX_OSERR" },
	{ EX_CANTCREAT,		"EX_CANTCREAT" },
	{ EX_IOERR,		"EX_IOERR" },
	{ EX_TEMPFAIL,		"EX_TEMPFAIL" },
	{ EX_PROTOCOL,		"EX_PROTOCOL" },
	{ EX_NOPERM,		"EX_NOPERM" },
	{ EX_CONFIG,		"EX_CONFIG" },
};

const char *
exitcode_name(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (codes[i].code == code)
			return codes[i].name;
	return NULL;
}

int
exitcode_from_name(const char *name)
{
	size_t	 i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].name, name) == 0)
			return codes[i].code;
	return -1;
}
