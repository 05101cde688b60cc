/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc stand-in (standin.h): oct-agent's proc.c API, answered from the fuzz
 * input.  proc_run completes from the next turn of the event loop, as a
 * child that exits at once would; a haproxy started as a daemon (-D) that
 * exits 0 leaves a pid file naming a process that does not exist, so the
 * agent finds its master gone instead of waiting for it.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "extern.h"
#include "standin.h"

#define DEAD_PID	"2147483646\n"	/* above any pid_max */

struct done {
	proc_fn	 fn;
	void	*arg;
	int	 status;
	char	*out;
	size_t	 len;
};

static const uint8_t	*ans;		/* the answers left */
static size_t		 anslen;
static size_t		 runs;

void
standin_answers(const uint8_t *buf, size_t len)
{
	ans = buf;
	anslen = len;
	runs = 0;
}

size_t
standin_runs(void)
{
	return runs;
}

/* The next answer: its status byte (0 when empty) and output. */
static int
next(const uint8_t **out, size_t *len)
{
	const uint8_t	*end;
	size_t		 n;
	int		 code = 0;

	runs++;
	*out = (const uint8_t *)"";
	*len = 0;
	if (ans == NULL)
		return 0;
	end = memmem(ans, anslen, STANDIN_SEP, STANDIN_SEPLEN);
	n = end == NULL ? anslen : (size_t)(end - ans);
	if (n > 0) {
		code = ans[0];
		*out = ans + 1;
		*len = n - 1;
	}
	if (end == NULL) {
		ans = NULL;
		anslen = 0;
	} else {
		ans = end + STANDIN_SEPLEN;
		anslen -= n + STANDIN_SEPLEN;
	}
	return code;
}

/* A wait status for code, or -1 for "unknown". */
static int
wstatus(int code)
{
	if (code == 125)
		return -1;
	if (code == 126)
		return SIGKILL;
	return (code & 0xff) << 8;
}

static void
deliver(evutil_socket_t fd, short what, void *arg)
{
	struct done	*d = arg;

	(void)fd;
	(void)what;
	d->fn(d->status, d->out, d->len, d->arg);
	free(d->out);
	free(d);
}

int
proc_init(void)
{
	return 0;
}

int
proc_run(char *const argv[], int timeout_s, proc_fn fn, void *arg)
{
	const uint8_t	*out;
	struct done	*d;
	FILE		*fp;
	size_t		 len, i;
	int		 code, daemon = 0;

	(void)timeout_s;
	if ((code = next(&out, &len)) == 127)
		return -1;
	if (len > OUTPUT_MAX)
		len = OUTPUT_MAX;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->out = malloc(len + 1)) == NULL)
		abort();
	memcpy(d->out, out, len);
	d->out[len] = '\0';
	d->len = len;
	d->fn = fn;
	d->arg = arg;
	d->status = wstatus(code);
	for (i = 1; argv[i] != NULL; i++) {
		if (strcmp(argv[i], "-D") == 0)
			daemon = 1;
		if (daemon && code == 0 && strcmp(argv[i], "-p") == 0 &&
		    argv[i + 1] != NULL && (fp = fopen(argv[i + 1], "w")) !=
		    NULL) {
			(void)fputs(DEAD_PID, fp);
			(void)fclose(fp);
		}
	}
	if (event_base_once(agent->base, -1, EV_TIMEOUT, deliver, d,
	    NULL) == -1)
		abort();
	return 0;
}

char *
proc_output(char *const argv[], int *statusp)
{
	(void)argv;
	*statusp = 0;
	return strdup("HAProxy version 2.6.12-1 2023/03/14 - "
	    "https://haproxy.org/\n");
}

int
proc_cmd(char *out, size_t outsz, const char *const argv[])
{
	const uint8_t	*o;
	size_t		 len;
	int		 code;

	(void)argv;
	code = next(&o, &len);
	if (outsz == 0)
		return code == 0 ? 0 : -1;
	if (len > outsz - 1)
		len = outsz - 1;
	memcpy(out, o, len);
	out[len] = '\0';
	if (len > 0 && out[len - 1] == '\n')	/* as netns_run */
		out[len - 1] = '\0';
	return code == 0 ? 0 : -1;
}
