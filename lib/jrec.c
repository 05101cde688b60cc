/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "exitcode.h"
#include "jrec.h"
#include "log.h"
#include "utf8.h"

struct jrec_in {
	FILE		*fp;
	const char	*name;
	char		*line;
	size_t		 linesz;
	unsigned long	 lineno;
};

struct jrec_in *
jrec_in_new(FILE *fp, const char *name)
{
	struct jrec_in	*in;

	if ((in = calloc(1, sizeof(*in))) == NULL)
		return NULL;
	in->fp = fp;
	in->name = name != NULL ? name : "stdin";
	return in;
}

void
jrec_in_free(struct jrec_in *in)
{
	if (in == NULL)
		return;
	free(in->line);
	free(in);
}

unsigned long
jrec_in_lineno(const struct jrec_in *in)
{
	return in->lineno;
}

/* Line and column (from 1) of offset off in buf. */
static void
where(const char *buf, size_t off, int *linep, int *colp)
{
	size_t	 i, bol = 0;
	int	 line = 1;

	for (i = 0; i < off; i++)
		if (buf[i] == '\n') {
			line++;
			bol = i + 1;
		}
	*linep = line;
	*colp = (int)(off - bol) + 1;
}

/* "column C" for a one-line text, "line L, column C" past its first line. */
static const char *
place(int line, int col, char *buf, size_t bufsz)
{
	if (line > 1)
		(void)snprintf(buf, bufsz, "line %d, column %d", line, col);
	else
		(void)snprintf(buf, bufsz, "column %d", col);
	return buf;
}

json_t *
jrec_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_t		*obj;
	json_error_t	 jerr;
	const char	*nul;
	char		 pos[64];
	int		 line, col;

	/* JSON text holds no NUL byte; jansson skips one after a number. */
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		where(buf, (size_t)(nul - buf), &line, &col);
		snprintf(err, errlen, "NUL byte (%s)", place(line, col, pos,
		    sizeof(pos)));
		return NULL;
	}
	obj = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		snprintf(err, errlen, "%s (%s)", jerr.text, place(jerr.line,
		    jerr.column, pos, sizeof(pos)));
		return NULL;
	}
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "not a JSON object");
		json_decref(obj);
		return NULL;
	}
	return obj;
}

static int
blank(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return 0;
	return 1;
}

int
jrec_in_next(struct jrec_in *in, json_t **objp)
{
	ssize_t	 n;
	char	 err[256];

	*objp = NULL;
	for (;;) {
		errno = 0;
		n = getline(&in->line, &in->linesz, in->fp);
		if (n == -1) {
			if (ferror(in->fp)) {
				log_warn("%s", in->name);
				return JREC_IOERR;
			}
			return 0;
		}
		in->lineno++;
		if (!blank(in->line, n))
			break;
	}
	if (n > JREC_LINE_MAX) {
		log_warnx("%s:%lu: line longer than %d bytes", in->name,
		    in->lineno, JREC_LINE_MAX);
		return JREC_BAD;
	}
	if ((*objp = jrec_parse(in->line, n, err, sizeof(err))) == NULL) {
		log_warnx("%s:%lu: %s", in->name, in->lineno, err);
		return JREC_BAD;
	}
	return 1;
}

int
jrec_write(FILE *fp, const json_t *rec)
{
	if (json_dumpf(rec, fp, JSON_COMPACT | JSON_ENSURE_ASCII) == -1)
		return -1;
	if (fputc('\n', fp) == EOF)
		return -1;
	if (fflush(fp) == EOF)
		return -1;
	return 0;
}

const char *
jrec_id(const json_t *rec)
{
	const char	*id;

	id = json_string_value(json_object_get(rec, "id"));
	return id != NULL ? id : "-";
}

const char *
jrec_id_safe(const json_t *rec, char *buf, size_t bufsz)
{
	const char	*id = jrec_id(rec);
	size_t		 i;

	/* One message, one line: an id is data and may hold anything. */
	for (i = 0; id[i] != '\0' && i + 1 < bufsz; i++)
		buf[i] = (id[i] < 0x20 || id[i] == 0x7f) ? '?' : id[i];
	buf[i] = '\0';
	return buf;
}

int
jrec_fail(json_t *rec, int code, const char *fmt, ...)
{
	va_list		 ap;
	char		 raw[1024], msg[1024], id[128];
	const char	*name;
	json_t		*err;

	va_start(ap, fmt);
	(void)vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* Printable ASCII: a consumer may print it raw (jq -r). */
	log_vis(msg, sizeof(msg), raw);
	if ((name = exitcode_name(code)) == NULL)
		name = "EX_SOFTWARE";
	log_warnx("%s: %s", jrec_id_safe(rec, id, sizeof(id)), msg);
	/* msg may quote a peer or be cut inside a UTF-8 sequence. */
	err = json_pack("{s:s, s:s, s:o}", "tool", getprogname(),
	    "code", name, "message", utf8_jstr(msg));
	if (err == NULL || json_object_set_new(rec, "error", err) == -1)
		log_warnx("%s: cannot record the error", jrec_id(rec));
	return code;
}

int
jrec_error_code(const json_t *rec)
{
	json_t	*err;
	int	 code;

	if ((err = json_object_get(rec, "error")) == NULL ||
	    json_is_null(err))
		return 0;
	code = exitcode_from_name(json_string_value(
	    json_object_get(err, "code")));
	return code > 0 ? code : EX_SOFTWARE;
}

const char *
jrec_str(const json_t *rec, const char *path)
{
	const json_t	*v = rec;
	const char	*p = path, *dot;
	char		 key[256];
	size_t		 n;

	while (v != NULL) {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		if (dot == NULL)
			return json_string_value(v);
		p = dot + 1;
	}
	return NULL;
}

json_t *
jrec_obj(json_t *rec, const char *key)
{
	json_t	*o;

	o = json_object_get(rec, key);
	if (json_is_object(o))
		return o;
	if ((o = json_object()) == NULL ||
	    json_object_set_new(rec, key, o) == -1)
		return NULL;
	return o;
}

int
jrec_next_status(int rc, int *status)
{
	switch (rc) {
	case 1:
		return 1;
	case JREC_BAD:
		if (*status == 0)
			*status = EX_DATAERR;
		return 0;
	case JREC_IOERR:
		if (*status == 0)
			*status = EX_IOERR;
		return -1;
	default:
		return -1;
	}
}

int
jrec_run(FILE *in, FILE *out, jrec_fn fn, void *arg)
{
	struct jrec_in	*r;
	json_t		*rec = NULL;
	int		 rc, status = 0, code;

	if ((r = jrec_in_new(in, "stdin")) == NULL) {
		log_warn("jrec_in_new");
		return EX_OSERR;
	}
	for (;;) {
		rc = jrec_next_status(jrec_in_next(r, &rec), &status);
		if (rc == -1)
			break;
		if (rc == 0)
			continue;
		if ((code = jrec_error_code(rec)) == 0)
			code = fn(rec, arg);
		if (code != 0 && status == 0)
			status = code;
		if (jrec_write(out, rec) == -1) {
			log_warn("stdout");
			json_decref(rec);
			status = EX_IOERR;
			break;
		}
		json_decref(rec);
		rec = NULL;
	}
	jrec_in_free(r);
	return status;
}
