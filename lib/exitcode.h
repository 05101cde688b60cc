/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exitcode: the sysexits.h codes oct-* programs use, and their names as they
 * appear in a record's "error.code".
 */
#ifndef OCT_EXITCODE_H
#define OCT_EXITCODE_H

#include <sysexits.h>

/* The name of a code ("EX_DATAERR"), or NULL for a code oct-* never uses. */
const char	*exitcode_name(int code);

/* The code for a name, or -1 if the name is unknown. */
int		 exitcode_from_name(const char *name);

#endif
