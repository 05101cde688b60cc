/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curlx: what every libcurl user of oct needs, written once: the sink an
 * answer's body and headers go to, and a checked curl_easy_setopt().
 */
#ifndef OCT_CURLX_H
#define OCT_CURLX_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * Called for each header line of an answer: name and value (trimmed, not
 * NUL-terminated: nlen and vlen bytes) of a "Name: value" line, or name
 * NULL for a status line, which starts a new answer (after a redirect or
 * a 100 Continue: what was taken from the headers before is stale).
 */
typedef void	(*curlx_header_fn)(void *arg, const char *name, size_t nlen,
		    const char *value, size_t vlen);

/*
 * Where an answer goes: the body is grown at *bodyp (owned by the caller,
 * NUL-terminated once anything came), its length in *lenp; at most max
 * bytes, more ends the transfer (CURLE_WRITE_ERROR) with overflow set.
 */
struct curlx_sink {
	char		**bodyp;
	size_t		 *lenp;
	size_t		  cap;
	size_t		  max;
	int		  overflow;
	curlx_header_fn	  header;	/* or NULL */
	void		 *arg;
};

/* Start a sink over *bodyp and *lenp (which the next answer replaces). */
void	curlx_sink_init(struct curlx_sink *, char **bodyp, size_t *lenp,
	    size_t max, curlx_header_fn, void *arg);

/*
 * Point h's body and header callbacks at the sink (which must live as
 * long as the transfers).  Returns 0, or -1 with err filled.
 */
int	curlx_sink_use(CURL *h, struct curlx_sink *, char *err, size_t errlen);

/*
 * The check after curl_easy_setopt(): 0 for CURLE_OK, else -1 with
 * "<opt>: <curl's text>" in err.  CURLX_SETOPT jumps to out: on failure.
 */
int	curlx_setopt_ok(CURLcode, const char *opt, char *err, size_t errlen);

#define CURLX_SETOPT(h, opt, val, err, errlen) do {			\
	if (curlx_setopt_ok(curl_easy_setopt((h), (opt), (val)), #opt,	\
	    (err), (errlen)) == -1)					\
		goto out;						\
} while (0)

#endif
