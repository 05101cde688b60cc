/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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
