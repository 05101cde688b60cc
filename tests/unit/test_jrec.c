/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for lib/jrec: reading, writing, errors and the record loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "jrec.h"
#include "utf8.h"
#include "t.h"

/* Run jrec_run over input with fn; return its status and output in *outp. */
static int
run(const char *input, jrec_fn fn, void *arg, char **outp)
{
	FILE	*in, *out;
	size_t	 outlen;
	int	 rc;

	in = fmemopen((void *)(uintptr_t)input, strlen(input), "r");
	out = open_memstream(outp, &outlen);
	rc = jrec_run(in, out, fn, arg);
	fclose(in);
	fclose(out);
	return rc;
}

static int
add_seen(json_t *rec, void *arg)
{
	int	*calls = arg;

	(*calls)++;
	if (json_object_get(rec, "fail") != NULL)
		return jrec_fail(rec, EX_UNAVAILABLE, "asked to fail");
	json_object_set_new(rec, "seen", json_true());
	return 0;
}

static void
test_run(void)
{
	char	*out = NULL;
	int	 calls = 0;

	T_INTEQ(run("{\"id\":\"a\"}\n\n{\"id\":\"b\",\"x\":[1]}\n", add_seen,
	    &calls, &out), 0, "two good records: 0");
	T_STREQ(out, "{\"id\":\"a\",\"seen\":true}\n"
	    "{\"id\":\"b\",\"x\":[1],\"seen\":true}\n",
	    "keys kept in order, own key added, blank line skipped");
	T_INTEQ(calls, 2, "fn called per record");
	free(out);

	calls = 0;
	T_INTEQ(run("{\"id\":\"a\",\"fail\":1}\n{\"id\":\"b\"}\n", add_seen,
	    &calls, &out), EX_UNAVAILABLE, "a failure gives its code");
	T_OK(out != NULL && strstr(out, "\"error\":{\"tool\":") != NULL &&
	    strstr(out, "\"code\":\"EX_UNAVAILABLE\"") != NULL &&
	    strstr(out, "\"message\":\"asked to fail\"") != NULL,
	    "failed record carries error");
	T_OK(strstr(out, "{\"id\":\"b\",\"seen\":true}\n") != NULL,
	    "and the loop goes on");
	free(out);

	calls = 0;
	T_INTEQ(run("{\"id\":\"a\",\"error\":{\"code\":\"EX_TEMPFAIL\"}}\n",
	    add_seen, &calls, &out), EX_TEMPFAIL,
	    "an error record arriving counts with its code");
	T_INTEQ(calls, 0, "and is not worked on");
	T_STREQ(out, "{\"id\":\"a\",\"error\":{\"code\":\"EX_TEMPFAIL\"}}\n",
	    "it passes through untouched");
	free(out);

	calls = 0;
	T_INTEQ(run("not json\n[1,2]\n{\"id\":\"c\"}\n", add_seen, &calls,
	    &out), EX_DATAERR, "bad lines: 65");
	T_STREQ(out, "{\"id\":\"c\",\"seen\":true}\n",
	    "bad lines make no output, good ones go on");
	free(out);

	calls = 0;
	T_INTEQ(run("{\"id\":\"a\",\"id\":\"b\"}\n", add_seen, &calls, &out),
	    EX_DATAERR, "duplicate keys: 65");
	T_INTEQ(calls, 0, "not worked on");
	free(out);

	calls = 0;
	T_INTEQ(run("{\"id\":\"a\"}", add_seen, &calls, &out), 0,
	    "last line without newline");
	T_INTEQ(calls, 1, "still read");
	free(out);
}

static void
test_helpers(void)
{
	json_t	*rec;
	char	 err[128];

	const char	*text = "{\"id\":\"x\",\"cert\":{\"cert\":\"/a\",\"n\":1}}";

	rec = jrec_parse(text, strlen(text), err, sizeof(err));
	T_OK(rec != NULL, "parse");
	T_STREQ(jrec_str(rec, "cert.cert"), "/a", "dotted path");
	T_STREQ(jrec_str(rec, "cert.n"), NULL, "not a string");
	T_STREQ(jrec_str(rec, "cert.x"), NULL, "missing leaf");
	T_STREQ(jrec_str(rec, "nope.cert"), NULL, "missing step");
	T_STREQ(jrec_str(rec, "id"), "x", "top level");
	T_STREQ(jrec_id(rec), "x", "jrec_id");
	T_OK(jrec_obj(rec, "compute") != NULL &&
	    json_is_object(json_object_get(rec, "compute")),
	    "jrec_obj creates");
	T_OK(jrec_obj(rec, "cert") == json_object_get(rec, "cert"),
	    "jrec_obj returns existing");
	T_INTEQ(jrec_error_code(rec), 0, "no error");
	json_object_set_new(rec, "error", json_pack("{s:s}", "code", "junk"));
	T_INTEQ(jrec_error_code(rec), EX_SOFTWARE, "unknown code name: 70");
	json_decref(rec);
	T_OK(jrec_parse("{", 1, err, sizeof(err)) == NULL && err[0] != '\0',
	    "parse error has a message");
	T_OK(jrec_parse("[3]", 3, err, sizeof(err)) == NULL &&
	    strcmp(err, "not a JSON object") == 0, "an array is no record");
	/* jansson skips a NUL after a number (found by fuzzing) */
	T_OK(jrec_parse("{\"n\":1\0,\"m\":2}", 14, err, sizeof(err)) ==
	    NULL && strcmp(err, "NUL byte (column 7)") == 0,
	    "a NUL byte is not JSON");
	rec = json_pack("{s:s}", "id", "a\nb\x1b");
	T_STREQ(jrec_id_safe(rec, err, sizeof(err)), "a?b?",
	    "control characters in an id stay off the message line");
	T_STREQ(jrec_id_safe(rec, err, 3), "a?", "and it is truncated to fit");
	json_decref(rec);
	rec = json_object();
	T_STREQ(jrec_id(rec), "-", "no id");
	json_decref(rec);
}

static void
test_next_status(void)
{
	int	 st = 0;

	T_INTEQ(jrec_next_status(1, &st), 1, "a record is taken");
	T_INTEQ(st, 0, "and changes no status");
	T_INTEQ(jrec_next_status(JREC_BAD, &st), 0, "a bad line is skipped");
	T_INTEQ(st, EX_DATAERR, "and is EX_DATAERR");
	T_INTEQ(jrec_next_status(JREC_IOERR, &st), -1, "a read error ends");
	T_INTEQ(st, EX_DATAERR, "and keeps the first failure");
	st = 0;
	T_INTEQ(jrec_next_status(JREC_IOERR, &st), -1, "a read error ends");
	T_INTEQ(st, EX_IOERR, "with EX_IOERR");
	st = 0;
	T_INTEQ(jrec_next_status(0, &st), -1, "end of input ends");
	T_INTEQ(st, 0, "cleanly");
}

/* Foreign bytes become valid UTF-8: each bad byte and NUL is U+FFFD. */
static void
test_utf8(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*want;
		const char	*what;
	} t[] = {
		{ "", 0, "", "empty" },
		{ "plain", 5, "plain", "ASCII is kept" },
		{ "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		    "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		    "2, 3 and 4 byte sequences are kept" },
		{ "a\xff\xfe\xfd", 4, "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		    "each invalid byte is U+FFFD" },
		{ "\xc3", 1, "\xef\xbf\xbd", "a sequence cut at the end" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd",
		    "an overlong '/' is not a '/'" },
		{ "\xed\xa0\x80", 3,
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
		    "a surrogate" },
		{ "a\0b", 3, "a\xef\xbf\xbd" "b", "a NUL" },
		{ "\x1b[31m\n", 6, "\x1b[31m\n",
		    "control characters stay (jansson escapes them)" },
	};
	size_t	 i;
	char	*s, msg[1200];
	json_t	*rec, *j;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = utf8_scrub(t[i].in, t[i].len);
		T_STREQ(s, t[i].want, t[i].what);
		j = utf8_json(t[i].in, t[i].len);
		T_OK(j != NULL && strcmp(json_string_value(j), t[i].want) == 0,
		    "utf8_json agrees");
		json_decref(j);
		free(s);
	}
	j = utf8_jstr(NULL);
	T_OK(json_is_null(j), "utf8_jstr(NULL) is null");
	json_decref(j);

	/* A message cut inside a UTF-8 sequence is still recorded. */
	memset(msg, 0, sizeof(msg));
	for (i = 0; i + 2 < sizeof(msg); i += 2)
		memcpy(msg + i, "\xc3\xa9", 2);
	rec = json_object();
	(void)jrec_fail(rec, EX_DATAERR, "%s", msg);
	T_OK(json_is_string(json_object_get(json_object_get(rec, "error"),
	    "message")), "a message cut inside a sequence is recorded");
	json_decref(rec);
	rec = json_object();
	(void)jrec_fail(rec, EX_PROTOCOL, "peer said %s", "\xff\x01");
	/* log_vis: printable ASCII, the bytes as C escapes. */
	T_STREQ(json_string_value(json_object_get(json_object_get(rec,
	    "error"), "message")), "peer said \\377\\001",
	    "a peer's bytes are recorded as printable ASCII");
	json_decref(rec);
}

int
main(void)
{
	test_run();
	test_helpers();
	test_next_status();
	test_utf8();
	return t_done();
}
