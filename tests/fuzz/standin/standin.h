/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin: what the agent fuzz target (tests/fuzz/agent.c) links instead
 * of oct-agent's proc.c and lib/log.c.  No child process runs: each one the
 * agent starts (haproxy -c, haproxy, ip) takes the next answer of the fuzz
 * input, a wait status and output bytes, and completes at once.
 */
#ifndef OCT_FUZZ_STANDIN_H
#define OCT_FUZZ_STANDIN_H

#include <stddef.h>
#include <stdint.h>

/*
 * The answers, borrowed until the next call: separated by STANDIN_SEP,
 * each a status byte and the output.  The status byte:
 *	0-124, 128-255	exited with that code (haproxy -c: 0 valid, 1
 *			errors, 2 no listener, more: did not judge)
 *	125		wait status unknown
 *	126		killed by SIGKILL
 *	127		could not be run (proc_run and proc_cmd fail)
 * An empty answer, or none left, exits 0 with no output.
 */
#define STANDIN_SEP	"\0\0"
#define STANDIN_SEPLEN	2
void	 standin_answers(const uint8_t *buf, size_t len);

/* Children "run" (answers taken) since standin_answers. */
size_t	 standin_runs(void);

#endif
