/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tool: what every oct program does the same way, written once: its
 * start (descriptors 0-2, SIGPIPE, libcurl), its end (stdout flushed) and
 * its numeric options.
 */
#ifndef OCT_TOOL_H
#define OCT_TOOL_H

#define TOOL_CURL	0x01	/* the program uses libcurl */

/*
 * Descriptors 0-2 open (on /dev/null when closed: a stray socket or file
 * must never become stdout), SIGPIPE ignored (a closed pipe is EPIPE, an
 * error to report), and with TOOL_CURL curl_global_init().  Returns 0, or
 * EX_OSERR after saying why.
 */
int		 tool_start(int flags);

/*
 * Flush stdout and, with TOOL_CURL, curl_global_cleanup().  Returns rc, or
 * EX_IOERR (said) when rc is 0 and stdout could not be written.
 */
int		 tool_end(int flags, int rc);

/*
 * The whole number s for what (an option or a key, named in the message)
 * in min..max.  Returns it, or 0 after saying "what: s is invalid (min to
 * max)" (or too small, too large) and adding one to *bad: callers report
 * every bad option, then exit EX_USAGE once.
 */
long long	 tool_num(const char *what, const char *s, long long min,
		    long long max, int *bad);

#endif
