/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h: what the libFuzzer targets of tests/fuzz/ share, as t.h is for
 * the unit tests.
 *
 *	fail("what", detail)	a broken rule: says so and aborts
 */
#ifndef OCT_FUZZ_H
#define OCT_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fail(const char *, const char *)
		    __attribute__((__noreturn__));

/*
 * Name the broken rule on stderr and abort: libFuzzer reports a crash and
 * saves the input.  detail may be NULL.
 */
static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "check failed: %s: %s\n", what, detail != NULL ?
	    detail : "");
	abort();
}

#endif
