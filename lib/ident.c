/* SPDX-License-Identifier: Apache-2.0 */
#include <stddef.h>

#include "ident.h"

int
ident_ok(const char *s)
{
	size_t	 n;

	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return 0;
	for (n = 0; s[n] != '\0'; n++) {
		if (n >= IDENT_MAX)
			return 0;
		if (!((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') ||
		    s[n] == '.' || s[n] == '_' || s[n] == '-'))
			return 0;
	}
	return 1;
}
