/* SPDX-License-Identifier: Apache-2.0 */
/*
 * t.h: a tiny TAP test helper for table-driven unit tests.
 *
 *	T_OK(cond, "what")		one test point
 *	T_STREQ(got, want, "what")	strings, NULL-safe
 *	T_INTEQ(got, want, "what")
 *	return t_done();		from main(): prints the plan
 */
#ifndef OCT_T_H
#define OCT_T_H

#include <stdio.h>
#include <string.h>

static int	t_n, t_failed;

static int
t_ok(int cond, const char *file, int line, const char *what)
{
	t_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", t_n, what);
	if (!cond) {
		t_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define T_OK(c, what)	t_ok(!!(c), __FILE__, __LINE__, (what))
#define T_STREQ(got, want, what) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!T_OK((g_ == NULL && w_ == NULL) ||				\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0), what))	\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)
#define T_INTEQ(got, want, what) do {					\
	long long g_ = (got), w_ = (want);				\
	if (!T_OK(g_ == w_, what))					\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

static int
t_done(void)
{
	printf("1..%d\n", t_n);
	return t_failed != 0;
}

#endif
