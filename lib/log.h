/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: diagnostics on stderr, one line each, prefixed with the program name.
 * The verbs match err(3): *_warn appends strerror(errno), *_warnx does not.
 */
#ifndef OCT_LOG_H
#define OCT_LOG_H

#include <stdarg.h>

/* Set the verbosity: 0 quiet, 1 debug (-v), 2 more (-v -v). */
void	log_init(int verbose);
int	log_verbose(void);

void	log_warn(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
void	log_vwarnx(const char *, va_list)
	    __attribute__((__format__(printf, 1, 0)));

/* Log and exit: fatal() with strerror(errno) and EX_OSERR, fatalx() EX_SOFTWARE. */
void	fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
void	fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));

#endif
