/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log stand-in (standin.h): lib/log.h's API, quiet.  Every message is
 * still formatted (a bad argument shows up under ASan) and then dropped:
 * millions of requests would log gigabytes (OCT_FUZZ_LOG=1 in the
 * environment prints them, to study an input).  fatal() and fatalx() say why
 * and abort, which libFuzzer reports with the stack: an input that ends
 * the agent is a fault.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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
drop(const char *fmt, va_list ap)
{
	static int	 show = -1;
	char		 msg[2048];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (show == -1)
		show = getenv("OCT_FUZZ_LOG") != NULL;
	if (show)
		fprintf(stderr, "oct-agent: %s\n", msg);
}

void
log_vwarnx(const char *fmt, va_list ap)
{
	drop(fmt, ap);
}

#define QUIET(name)				\
void						\
name(const char *fmt, ...)			\
{						\
	va_list	 ap;				\
						\
	va_start(ap, fmt);			\
	drop(fmt, ap);				\
	va_end(ap);				\
}

QUIET(log_warn)
QUIET(log_warnx)
QUIET(log_info)
QUIET(log_debug)

static void __attribute__((__noreturn__))
die(const char *fmt, va_list ap, const char *suffix)
{
	char	 msg[2048];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "check failed: the agent ended: %s%s%s\n", msg,
	    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
	abort();
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 e = errno;

	va_start(ap, fmt);
	die(fmt, ap, strerror(e));
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	die(fmt, ap, NULL);
}
