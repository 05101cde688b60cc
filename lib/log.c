/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

/* vis.h warns unless told which strnvis; log_vis uses neither. */
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include "log.h"

/* vis(3) can turn one byte into four ("\377"). */
#define MSG_MAX		2048

static int	 verbose;

void
log_init(int v)
{
	verbose = v;
}

int
log_verbose(void)
{
	return verbose;
}

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

static void
vlog(const char *fmt, va_list ap, const char *suffix)
{
	/* One fprintf per line so lines from concurrent writers stay whole. */
	char	 raw[MSG_MAX], msg[MSG_MAX * 4 + 1];

	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	log_vis(msg, sizeof(msg), raw);
	if (suffix != NULL)
		fprintf(stderr, "%s: %s: %s\n", getprogname(), msg, suffix);
	else
		fprintf(stderr, "%s: %s\n", getprogname(), msg);
}

void
log_vwarnx(const char *fmt, va_list ap)
{
	vlog(fmt, ap, NULL);
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (verbose < 1)
		return;
	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	vlog(fmt, ap, strerror(saved));
	va_end(ap);
	exit(EX_OSERR);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(fmt, ap, NULL);
	va_end(ap);
	exit(EX_SOFTWARE);
}
