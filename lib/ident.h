/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ident: the one pattern for names that become file names (record ids,
 * load balancer ids, certificate file names): 1 to IDENT_MAX characters from
 * [A-Za-z0-9._-], not starting with '.', so never "", ".", ".." or a path.
 */
#ifndef OCT_IDENT_H
#define OCT_IDENT_H

#define IDENT_MAX	128

/* Returns 1 when s is a safe name, 0 when it is not. */
int	 ident_ok(const char *s);

#endif
