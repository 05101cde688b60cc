/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log_vis (log.h): a message that quotes input made one line of printable
 * ASCII.  Apart from log.c so that a program with log.c's output replaced
 * (the fuzz targets' stand-in, tests/fuzz/standin) still escapes as the
 * real one does.
 */
#include <stdlib.h>
#include <string.h>

/* vis.h warns unless told which strnvis; log_vis uses neither. */
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"

void
log_vis(char *dst, size_t dstlen, const char *src)
{
	char	*v;

	if (dstlen == 0)
		return;
	/*
	 * stravis, not strnvis: libbsd's strnvis leaves a buffer too small
	 * without its NUL.
	 */
	if (stravis(&v, src, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL |
	    VIS_NOSLASH) == -1) {
		(void)strlcpy(dst, "(message lost: out of memory)", dstlen);
		return;
	}
	(void)strlcpy(dst, v, dstlen);
	free(v);
}
