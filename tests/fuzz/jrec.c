/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jrec: libFuzzer target for the JSON Lines record reader (lib/jrec.c).
 * The bytes are a tool's stdin.  Only JSON is accepted: a raw NUL byte is
 * never part of JSON text.  Every record read must be an object that
 * jrec_write puts on one ASCII line which reads back equal; its id for
 * messages must have no control character; and jrec_run over the same
 * input must write one line per record and exit with the status the
 * records and bad lines call for.  A broken rule aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <jansson.h>

#include "fuzz.h"
#include "jrec.h"

static FILE *
input(const uint8_t *data, size_t size)
{
	FILE	*fp;

	/* fmemopen reads and never writes in mode "r". */
	if ((fp = fmemopen((void *)(uintptr_t)data, size, "r")) == NULL)
		fail("fmemopen", NULL);
	return fp;
}

/* rec as jrec_write puts it: one ASCII line that reads back equal. */
static void
record_check(json_t *rec)
{
	FILE	*fp;
	char	*out = NULL, err[256], id[64];
	size_t	 len = 0, i;
	json_t	*back;
	int	 code;

	if (!json_is_object(rec))
		fail("a record is not an object", NULL);
	if ((fp = open_memstream(&out, &len)) == NULL)
		fail("open_memstream", NULL);
	if (jrec_write(fp, rec) == -1 || fclose(fp) == EOF)
		fail("jrec_write", NULL);
	if (len == 0 || out[len - 1] != '\n' || memchr(out, '\n', len) !=
	    out + len - 1)
		fail("a record is not one line", out);
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] > 0x7f)
			fail("a record line is not ASCII", out);
	if ((back = jrec_parse(out, len, err, sizeof(err))) == NULL)
		fail("a written record does not read back", err);
	if (!json_equal(back, rec))
		fail("a written record reads back different", out);
	json_decref(back);
	free(out);

	jrec_id_safe(rec, id, sizeof(id));
	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			fail("control character in a message id", NULL);
	code = jrec_error_code(rec);
	if (code != 0 && (code < EX__BASE || code > EX__MAX))
		fail("an error code outside sysexits.h", NULL);
	(void)jrec_str(rec, "cert.cert");
	(void)jrec_str(rec, "id");
}

static int
pass(json_t *rec, void *arg)
{
	(void)rec;
	(void)arg;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jrec_in	*in;
	FILE		*fp, *out;
	json_t		*rec;
	char		*buf = NULL, err[256];
	size_t		 len = 0, i, nrec = 0, nlines = 0;
	int		 rc, status = 0, code;

	if (size == 0)
		return 0;	/* fmemopen needs a byte */
	if ((rec = jrec_parse((const char *)data, size, err,
	    sizeof(err))) != NULL) {
		if (memchr(data, '\0', size) != NULL)
			fail("a NUL byte is accepted as JSON", NULL);
		json_decref(rec);
	}
	fp = input(data, size);
	if ((in = jrec_in_new(fp, "fuzz")) == NULL)
		fail("jrec_in_new", NULL);
	while ((rc = jrec_in_next(in, &rec)) != 0) {
		if (rc == JREC_IOERR)
			fail("a read error from memory", NULL);
		if (rc == JREC_BAD) {
			if (rec != NULL)
				fail("a bad line gives a record", NULL);
			if (status == 0)
				status = EX_DATAERR;
			continue;
		}
		if (rc != 1)
			fail("jrec_in_next returned an unknown value", NULL);
		record_check(rec);
		if ((code = jrec_error_code(rec)) != 0 && status == 0)
			status = code;
		nrec++;
		json_decref(rec);
	}
	jrec_in_free(in);
	if (fclose(fp) == EOF)
		fail("fclose", NULL);

	/* The record loop over the same bytes, with a tool adding nothing. */
	fp = input(data, size);
	if ((out = open_memstream(&buf, &len)) == NULL)
		fail("open_memstream", NULL);
	rc = jrec_run(fp, out, pass, NULL);
	if (fclose(out) == EOF || fclose(fp) == EOF)
		fail("fclose", NULL);
	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			nlines++;
	if (nlines != nrec)
		fail("jrec_run wrote a number of lines other than records",
		    NULL);
	if (rc != status)
		fail("jrec_run exits with another status", NULL);
	free(buf);
	return 0;
}
