/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oshttp: one HTTP request to an OpenStack API on libcurl (see oshttp.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "curlx.h"
#include "oshttp.h"

/* Keep the headers oshttp_resp holds (a new status line resets them). */
static void
header_cb(void *arg, const char *name, size_t nlen, const char *v,
    size_t vlen)
{
	struct oshttp_resp	*r = arg;
	char			*t;

	if (name == NULL || (nlen == 15 &&
	    strncasecmp(name, "X-Subject-Token", nlen) == 0)) {
		freezero(r->subject_token, r->subject_token == NULL ? 0 :
		    strlen(r->subject_token));
		r->subject_token = NULL;
		if (name == NULL)
			r->retry_after_s = -1;
		else
			r->subject_token = strndup(v, vlen);
	} else if (nlen == 11 && strncasecmp(name, "Retry-After", nlen) == 0 &&
	    (t = strndup(v, vlen)) != NULL) {
		r->retry_after_s = oshttp_retry_after(t, time(NULL));
		free(t);
	}
}

void
oshttp_resp_clear(struct oshttp_resp *r)
{
	if (r->subject_token != NULL)
		freezero(r->subject_token, strlen(r->subject_token));
	free(r->body);
	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
}

#define SETOPT(h, o, v) CURLX_SETOPT(h, o, v, r->err, sizeof(r->err))

int
oshttp_do(const struct oshttp_req *q, struct oshttp_resp *r)
{
	CURL			*h = NULL;
	struct curl_slist	*hl = NULL, *nl;
	struct curlx_sink	 s;
	char			 ebuf[CURL_ERROR_SIZE], hbuf[8192];
	CURLcode		 cc;
	int			 rc = -1, n;

	oshttp_resp_clear(r);
	curlx_sink_init(&s, &r->body, &r->len, OSHTTP_BODY_MAX, header_cb, r);
	ebuf[0] = '\0';
	if ((h = curl_easy_init()) == NULL) {
		(void)strlcpy(r->err, "curl_easy_init failed", sizeof(r->err));
		goto out;
	}
#define ADDH(...) do {							\
	n = snprintf(hbuf, sizeof(hbuf), __VA_ARGS__);			\
	if (n < 0 || (size_t)n >= sizeof(hbuf) ||			\
	    (nl = curl_slist_append(hl, hbuf)) == NULL) {		\
		(void)strlcpy(r->err, "request header too long",	\
		    sizeof(r->err));					\
		goto out;						\
	}								\
	hl = nl;							\
} while (0)
	ADDH("Accept: application/json");
	ADDH("Connection: close");
	ADDH("User-Agent: oct/%s", OCT_VERSION);
	if (q->body != NULL)
		ADDH("Content-Type: application/json");
	if (q->token != NULL)
		ADDH("X-Auth-Token: %s", q->token);
	if (q->microversion != NULL) {
		ADDH("OpenStack-API-Version: compute %s", q->microversion);
		ADDH("X-OpenStack-Nova-API-Version: %s", q->microversion);
	}
#undef ADDH
	SETOPT(h, CURLOPT_ERRORBUFFER, ebuf);
	SETOPT(h, CURLOPT_URL, q->url);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_FORBID_REUSE, 1L);
	SETOPT(h, CURLOPT_FRESH_CONNECT, 1L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	SETOPT(h, CURLOPT_TIMEOUT_MS, q->timeout_ms > 0 ? q->timeout_ms :
	    60000L);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (q->cacert != NULL)
		SETOPT(h, CURLOPT_CAINFO, q->cacert);
	SETOPT(h, CURLOPT_HTTPHEADER, hl);
	SETOPT(h, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body != NULL) {
		SETOPT(h, CURLOPT_POSTFIELDS, q->body);
		SETOPT(h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
	} else if (strcmp(q->method, "GET") == 0)
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	if (curlx_sink_use(h, &s, r->err, sizeof(r->err)) == -1)
		goto out;
	if ((cc = curl_easy_perform(h)) != CURLE_OK) {
		(void)snprintf(r->err, sizeof(r->err), "%s",
		    s.overflow ? "answer larger than 8 MiB" :
		    ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc));
		r->status = 0;
		goto out;
	}
	if ((cc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE,
	    &r->status)) != CURLE_OK) {
		(void)snprintf(r->err, sizeof(r->err), "%s",
		    curl_easy_strerror(cc));
		goto out;
	}
	if (r->body == NULL && (r->body = strdup("")) == NULL) {
		(void)strlcpy(r->err, strerror(errno), sizeof(r->err));
		goto out;
	}
	rc = 0;
 out:
	/* the header list holds the token */
	explicit_bzero(hbuf, sizeof(hbuf));
	for (nl = hl; nl != NULL; nl = nl->next)
		explicit_bzero(nl->data, strlen(nl->data));
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return rc;
}

long
oshttp_retry_after(const char *value, time_t now)
{
	struct tm	 tm;
	const char	*errstr, *end;
	long long	 n;
	time_t		 t;

	if (value == NULL || *value == '\0')
		return -1;
	if (isdigit((unsigned char)value[0])) {
		n = strtonum(value, 0, 86400 * 7, &errstr);
		return errstr == NULL ? (long)n : -1;
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	memset(&tm, 0, sizeof(tm));
	if ((end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm)) ==
	    NULL || *end != '\0')
		return -1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	return t <= now ? 0 : (long)(t - now);
}

static void
copy_clean(char *buf, size_t bufsz, const char *s)
{
	size_t	 i;

	(void)strlcpy(buf, s, bufsz);
	for (i = 0; buf[i] != '\0'; i++)
		if (iscntrl((unsigned char)buf[i]))
			buf[i] = ' ';
}

const char *
oshttp_errmsg(const struct oshttp_resp *r, char *buf, size_t bufsz)
{
	json_t		*doc = NULL, *v, *m;
	const char	*key, *s = NULL;

	if (r->body != NULL && r->len > 0 &&
	    (doc = json_loadb(r->body, r->len, 0, NULL)) != NULL &&
	    json_is_object(doc)) {
		if ((m = json_object_get(doc, "message")) != NULL &&
		    json_is_string(m))
			s = json_string_value(m);
		else
			json_object_foreach(doc, key, v) {
				if (json_is_object(v) && (m = json_object_get(v,
				    "message")) != NULL && json_is_string(m)) {
					s = json_string_value(m);
					break;
				}
			}
	}
	if (s != NULL)
		copy_clean(buf, bufsz, s);
	else
		(void)snprintf(buf, bufsz, "HTTP %ld", r->status);
	json_decref(doc);
	return buf;
}
