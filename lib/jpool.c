/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jpool: jrec_run() with a bounded pool of worker threads (see jpool.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "jpool.h"
#include "jrec.h"
#include "log.h"

struct slot {
	json_t	*rec;
	int	 code;
	int	 done;
	int	 skip;		/* carried an error: passed through */
};

struct pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* a slot to take, or end of input */
	pthread_cond_t	 done;		/* a slot finished */
	struct slot	*ring;
	size_t		 cap;
	size_t		 head;		/* next to write */
	size_t		 next;		/* next for a worker */
	size_t		 tail;		/* next to fill */
	int		 eof;
	int		 werr;		/* stdout failed: write no more */
	jrec_fn		 fn;
	void		*arg;
};

static void *
worker(void *arg)
{
	struct pool	*p = arg;
	struct slot	*s;

	(void)pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->next < p->tail && p->ring[p->next % p->cap].skip)
			p->next++;
		if (p->next < p->tail) {
			s = &p->ring[p->next++ % p->cap];
			(void)pthread_mutex_unlock(&p->mu);
			s->code = p->fn(s->rec, p->arg);
			(void)pthread_mutex_lock(&p->mu);
			s->done = 1;
			(void)pthread_cond_broadcast(&p->done);
			continue;
		}
		if (p->eof)
			break;
		(void)pthread_cond_wait(&p->work, &p->mu);
	}
	(void)pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Write the finished slots at the head (p->mu held).  0 or -1. */
static int
flush_head(struct pool *p, FILE *out, int *status)
{
	struct slot	*s;

	while (p->head < p->tail && (s = &p->ring[p->head % p->cap])->done) {
		if (s->code != 0 && *status == 0)
			*status = s->code;
		if (!p->werr && jrec_write(out, s->rec) == -1) {
			log_warn("stdout");
			*status = EX_IOERR;
			p->werr = 1;
		}
		json_decref(s->rec);
		memset(s, 0, sizeof(*s));
		p->head++;
	}
	return p->werr ? -1 : 0;
}

int
jpool_run(FILE *in, FILE *out, jrec_fn fn, void *arg, int n)
{
	struct pool	 p;
	struct jrec_in	*r = NULL;
	pthread_t	*th = NULL;
	json_t		*rec;
	struct slot	*s;
	int		 i, nth = 0, rc, status = 0, code, stop = 0;

	if (n < 1 || n > 1024)
		return EX_SOFTWARE;
	memset(&p, 0, sizeof(p));
	p.cap = (size_t)n;
	p.fn = fn;
	p.arg = arg;
	if ((p.ring = calloc(p.cap, sizeof(*p.ring))) == NULL ||
	    (th = calloc((size_t)n, sizeof(*th))) == NULL ||
	    (r = jrec_in_new(in, "stdin")) == NULL) {
		log_warn("jpool_run");
		free(p.ring);
		free(th);
		return EX_OSERR;
	}
	(void)pthread_mutex_init(&p.mu, NULL);
	(void)pthread_cond_init(&p.work, NULL);
	(void)pthread_cond_init(&p.done, NULL);
	for (i = 0; i < n; i++) {
		if ((errno = pthread_create(&th[i], NULL, worker, &p)) != 0) {
			log_warn("pthread_create");
			status = EX_OSERR;
			break;
		}
		nth++;
	}
	(void)pthread_mutex_lock(&p.mu);
	while (status != EX_OSERR && !stop) {
		if (flush_head(&p, out, &status) == -1)
			break;
		if (p.tail - p.head == p.cap) {
			(void)pthread_cond_wait(&p.done, &p.mu);
			continue;
		}
		/* Read without the lock: workers go on meanwhile. */
		(void)pthread_mutex_unlock(&p.mu);
		rec = NULL;
		rc = jrec_in_next(r, &rec);
		(void)pthread_mutex_lock(&p.mu);
		rc = jrec_next_status(rc, &status);
		if (rc == -1)
			break;
		if (rc == 0)
			continue;
		s = &p.ring[p.tail % p.cap];
		s->rec = rec;
		if ((code = jrec_error_code(rec)) != 0) {
			s->code = code;
			s->done = s->skip = 1;
		}
		p.tail++;
		(void)pthread_cond_signal(&p.work);
	}
	/* End of input (or a failure): finish what was taken, write it. */
	p.eof = 1;
	(void)pthread_cond_broadcast(&p.work);
	while (p.head < p.tail) {
		(void)flush_head(&p, out, &status);
		if (p.head < p.tail && !p.ring[p.head % p.cap].done &&
		    nth > 0)
			(void)pthread_cond_wait(&p.done, &p.mu);
		else if (nth == 0)
			break;
	}
	(void)pthread_mutex_unlock(&p.mu);
	for (i = 0; i < nth; i++)
		(void)pthread_join(th[i], NULL);
	/* Without workers some slots never ran: drop them. */
	for (; p.head < p.tail; p.head++)
		json_decref(p.ring[p.head % p.cap].rec);
	(void)pthread_cond_destroy(&p.work);
	(void)pthread_cond_destroy(&p.done);
	(void)pthread_mutex_destroy(&p.mu);
	jrec_in_free(r);
	free(p.ring);
	free(th);
	return status;
}
