/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jrec: JSON Lines records on stdin/stdout, and the per-record error
 * convention of DESIGN.md.  A record is a JSON object; a tool adds its own
 * keys and writes the same object out.  A record that fails carries
 * "error": {"tool", "code", "message"} and is still written.
 */
#ifndef OCT_JREC_H
#define OCT_JREC_H

#include <stdio.h>

#include <jansson.h>

/* The longest input line accepted, in bytes. */
#define JREC_LINE_MAX	(1024 * 1024)

struct jrec_in;

/* A reader over fp (borrowed); name is used in messages.  Free with _free. */
struct jrec_in	*jrec_in_new(FILE *fp, const char *name);
void		 jrec_in_free(struct jrec_in *);

/*
 * Read the next record.  Returns 1 with *objp set (owned by the caller),
 * 0 at end of input, JREC_BAD for a line that is not a JSON object (warned
 * about on stderr, naming the line) and JREC_IOERR for a read error.
 * Blank lines are skipped.  Duplicate keys are rejected.
 */
#define JREC_BAD	(-1)
#define JREC_IOERR	(-2)
int		 jrec_in_next(struct jrec_in *, json_t **objp);
unsigned long	 jrec_in_lineno(const struct jrec_in *);

/*
 * What a jrec_in_next() result rc means to a record loop: 1 a record, 0 a
 * bad line to skip, -1 the end of input.  A bad line sets *status to
 * EX_DATAERR and a read error (the end too) to EX_IOERR, unless *status
 * holds an earlier failure.
 */
int		 jrec_next_status(int rc, int *status);

/*
 * Parse one JSON object from buf (len bytes), rejecting duplicate keys and
 * NUL bytes.  Returns the object (owned) or NULL with a message in err,
 * which names the column (and the line, past the first).
 */
json_t		*jrec_parse(const char *buf, size_t len, char *err,
		    size_t errlen);

/* Write rec as one compact line and flush.  Returns 0 or -1 (errno set). */
int		 jrec_write(FILE *fp, const json_t *rec);

/*
 * Mark rec as failed: set "error" to {"tool": getprogname(), "code":
 * exitcode_name(code), "message": ...}, warn the message on stderr prefixed
 * with the record's id, and return code.
 */
int		 jrec_fail(json_t *rec, int code, const char *fmt, ...)
		    __attribute__((__format__(printf, 3, 4)));

/* The exit code of the error rec carries, or 0 when it carries none. */
int		 jrec_error_code(const json_t *rec);

/* The record's "id": the string, or "-" when there is none. */
const char	*jrec_id(const json_t *rec);

/*
 * The record's id for a message line: jrec_id() with control characters
 * replaced by '?', truncated to fit buf.  Returns buf.
 */
const char	*jrec_id_safe(const json_t *rec, char *buf, size_t bufsz);

/*
 * Borrowed string at a dotted path ("cert.cert"), or NULL when any step is
 * missing or the value is not a string.
 */
const char	*jrec_str(const json_t *rec, const char *path);

/* Borrowed object at key in rec, created empty when absent or not an object. */
json_t		*jrec_obj(json_t *rec, const char *key);

/*
 * The record loop of every filter tool: read records from in, pass those
 * that carry an error through untouched, call fn on the others and write
 * each out.  fn returns 0, or the code it gave jrec_fail().  Returns the
 * exit status: 0 when no record failed, else the first failure's code
 * (EX_DATAERR for a line that was not a JSON object, EX_IOERR when stdout
 * could not be written, which also stops the loop).
 */
typedef int	 (*jrec_fn)(json_t *rec, void *arg);
int		 jrec_run(FILE *in, FILE *out, jrec_fn fn, void *arg);

#endif
