/* SPDX-License-Identifier: Apache-2.0 */
/* tool: a program's start, end and numeric options (see tool.h). */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "log.h"
#include "tool.h"

int
tool_start(int flags)
{
	int	 fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd) {
			/* stderr may be the one missing: say it anyway. */
			log_warn("descriptor %d: /dev/null", fd);
			return EX_OSERR;
		}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		log_warn("signal SIGPIPE");
		return EX_OSERR;
	}
	if ((flags & TOOL_CURL) &&
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("curl_global_init failed");
		return EX_OSERR;
	}
	return 0;
}

int
tool_end(int flags, int rc)
{
	if ((fflush(stdout) == EOF || ferror(stdout)) && rc == 0) {
		log_warn("stdout");
		rc = EX_IOERR;
	}
	if (flags & TOOL_CURL)
		curl_global_cleanup();
	return rc;
}

long long
tool_num(const char *what, const char *s, long long min, long long max,
    int *bad)
{
	const char	*errstr;
	long long	 n;

	/* strtonum takes leading blanks and a '+': options do not. */
	n = strtonum(s, min, max, &errstr);
	if (errstr == NULL && !isdigit((unsigned char)s[0]) && s[0] != '-')
		errstr = "invalid";
	if (errstr != NULL) {
		log_warnx("%s: %s is %s (%lld to %lld)", what, s, errstr, min,
		    max);
		(*bad)++;
		return 0;
	}
	return n;
}
