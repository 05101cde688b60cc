/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log: diagnostics on stderr, one line each, prefixed with the program name.
 * The verbs match err(3): *_warn appends strerror(errno), *_warnx does not.
 * Messages quote input (names, paths, peers' answers): each is written
 * through log_vis, so a newline or an escape sequence in it can neither
 * forge a line nor reach the terminal.
 */
#ifndef OCT_LOG_H
#define OCT_LOG_H

#include <stdarg.h>
#include <stddef.h>

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

/*
 * src made safe to quote in a message, into dst (cut to dstlen - 1 bytes):
 * every byte that is not printable ASCII becomes a C escape by vis(3)
 * ("\n", "\t", "\033", "\303\251").  A backslash is left as it is, so
 * that text escaped once is not changed by a second pass (a library's
 * message the caller logs).
 */
void	log_vis(char *dst, size_t dstlen, const char *src);

/* Log and exit: fatal() with strerror(errno) and EX_OSERR, fatalx() EX_SOFTWARE. */
void	fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));
void	fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2), __noreturn__));

#endif
