/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpool: the record loop of jrec_run() with up to n records worked on at
 * once, each in its own thread, for drivers whose work is mostly waiting
 * on a remote API.  Records are written in input order: a record that
 * finishes early waits for those before it.  At most n records are read
 * ahead of the last one written, so memory and concurrency stay bounded.
 */
#ifndef OCT_JPOOL_H
#define OCT_JPOOL_H

#include <stdio.h>

#include "jrec.h"

/*
 * As jrec_run(in, out, fn, arg), with n worker threads (1 to 1024); fn
 * must be safe to call from several threads at once.  Returns the exit
 * status as jrec_run() does.
 */
int	jpool_run(FILE *in, FILE *out, jrec_fn fn, void *arg, int n);

#endif
